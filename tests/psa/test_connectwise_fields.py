"""ConnectWise publishes its schema only behind a partner login, so the fields each object must
carry come from api-reference.md (section 1.5) and from the generated clients of the vendor's
OpenAPI document: the fields its schema requires (tjone270/pyconnectwise-psa docs/<Model>.md,
the ones without "[optional]"; HealthITAU/pyconnectwise's models). Every GET route the simulator
serves is walked and every object it answers is checked: those fields present, no null field
(ConnectWise leaves nulls out), `_info` on every object."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from psa.simulator.connectwise import API_PREFIX
from tests.psa.conftest import CREDENTIALS, Receiver, Sim, start_sim
from tests.psa.test_spec_conformance import Walker, uncovered

INFO = {"id", "_info"}
MEMBER = INFO | {
    # required by the vendor's schema
    "identifier", "firstName", "lastName", "licenseClass", "defaultEmail", "defaultPhone", "hireDate",
    # enumerated settings a strictly validating client expects on every member (issue 14)
    "agreementInvoicingDisplayOptions", "invoiceScreenDefaultTabFormat", "invoicingDisplayOptions",
    "companyActivityTabFormat", "invoiceTimeTabFormat",
    # api-reference.md 1.5
    "primaryEmail", "officeEmail", "inactiveFlag", "dailyCapacity", "scheduleCapacity", "timeZone",
    "serviceBoardTeamIds", "defaultLocation", "defaultDepartment", "type",
}  # fmt: skip
TICKET = INFO | {
    "summary",
    "recordType",
    "board",
    "status",
    "company",
    "priority",
    "closedFlag",
    "severity",
    "impact",
}
NOTE = INFO | {"ticketId", "text", "detailDescriptionFlag", "internalAnalysisFlag", "resolutionFlag", "dateCreated",
               "createdBy", "internalFlag", "externalFlag"}  # fmt: skip
SCHEDULE_ENTRY = INFO | {"objectId", "name", "member", "type", "status", "dateStart", "dateEnd", "hours", "doneFlag",
                         "acknowledgedFlag", "ownerFlag", "allowScheduleConflictsFlag"}  # fmt: skip
TIME_ENTRY = INFO | {"timeStart", "timeEnd", "chargeToType", "member", "actualHours", "billableOption"}
FIELDS: dict[str, set[str]] = {
    "/service/tickets": TICKET,
    "/service/tickets/{id}": TICKET,
    "/service/tickets/{id}/notes": NOTE,
    "/service/tickets/{id}/allNotes": NOTE,
    "/service/tickets/{id}/timeentries": TIME_ENTRY,
    "/service/tickets/{id}/scheduleentries": SCHEDULE_ENTRY,
    "/system/members": MEMBER,
    "/system/members/{id}": MEMBER,
    "/system/members/{id}/skills": INFO | {"skill", "skillLevel", "certifiedFlag"},
    "/system/skills": INFO | {"name", "category", "inactiveFlag"},
    "/system/skillCategories": INFO | {"name"},
    "/schedule/entries": SCHEDULE_ENTRY,
    "/schedule/entries/{id}": SCHEDULE_ENTRY,
    "/schedule/types": INFO | {"identifier", "name"},
    "/schedule/calendars": INFO | {"name"},
    "/service/boards": INFO | {"name", "inactiveFlag", "projectFlag", "location", "department"},
    "/service/boards/{id}": INFO | {"name", "inactiveFlag", "projectFlag", "location", "department"},
    "/service/boards/{id}/statuses": INFO
    | {
        "name",
        "board",
        "sortOrder",
        "displayOnBoard",
        "inactive",
        "closedStatus",
        "defaultFlag",
        "timeEntryNotAllowed",
    },  # fmt: skip
    "/service/boards/{id}/teams": INFO | {"name", "boardId", "members", "defaultFlag"},
    "/service/priorities": INFO | {"name", "sort", "defaultFlag"},
    "/service/SLAs": INFO
    | {"name", "basedOn", "defaultFlag", "respondHours", "planWithin", "resolutionHours"},
    "/service/SLAs/{id}": INFO
    | {"name", "basedOn", "defaultFlag", "respondHours", "planWithin", "resolutionHours"},
    "/service/SLAs/{id}/priorities": INFO | {"priority", "respondHours", "planWithin", "resolutionHours"},
    "/company/companies": INFO | {"identifier", "name", "status", "types", "deletedFlag"},
    "/company/companies/{id}": INFO | {"identifier", "name", "status", "types", "deletedFlag"},
    "/time/entries": TIME_ENTRY,
    "/time/entries/{id}": TIME_ENTRY,
    "/system/callbacks": INFO
    | {
        "description",
        "url",
        "objectId",
        "type",
        "level",
        "inactiveFlag",
        "isSoapCallbackFlag",
        "isSelfSuppressedFlag",
    },  # fmt: skip
    "/system/callbacks/{id}": INFO
    | {
        "description",
        "url",
        "objectId",
        "type",
        "level",
        "inactiveFlag",
        "isSoapCallbackFlag",
        "isSelfSuppressedFlag",
    },  # fmt: skip
    "/system/info": {"version", "isCloud", "serverTimeZone"},
}


@pytest.fixture
def cw(workspace: dict[str, Any], receiver: Receiver) -> Iterator[Sim]:
    sim = start_sim("connectwise", workspace, receiver)
    yield sim
    sim.http.close()
    sim.server.stop()


def walk(sim: Sim) -> tuple[Walker, dict[str, list[Any]]]:
    c = CREDENTIALS["connectwise"]
    auth = httpx.BasicAuth(f"{c['company_id']}+{c['public_key']}", c["private_key"])
    w = Walker(sim, {"clientId": c["client_id"]})
    w.http.auth = auth
    w(
        "POST",
        f"{API_PREFIX}/service/tickets/12345/notes",
        json={"text": "walk", "internalAnalysisFlag": True},
    )
    w("POST", f"{API_PREFIX}/schedule/entries",
      json={"objectId": 12345, "type": {"identifier": "S"}, "member": {"identifier": "tech-456"}, "dateStart": "2030-01-02T10:00:00Z"})  # fmt: skip
    w(
        "POST",
        f"{API_PREFIX}/system/callbacks",
        json={"url": "http://127.0.0.1:9/h", "type": "ticket", "level": "owner"},
    )
    ids = {"{id}": "12345"}
    routes = sim.server.app.router.routes  # type: ignore[attr-defined]
    answers: dict[str, list[Any]] = {}
    for route in FIELDS:
        first = route.split("/{id}")[0]
        if "{id}" in route and first not in ("/service/tickets",):
            listing = w("GET", f"{API_PREFIX}{first}")
            ids = {"{id}": str(listing[0]["id"])}
        elif "{id}" in route:  # an open ticket with notes and schedule entries; a closed one with time
            ids = {"{id}": "9001" if route.endswith("/timeentries") else "12345"}
        body = w("GET", API_PREFIX + route.replace("{id}", ids["{id}"]))
        answers[route] = body if isinstance(body, list) else [body]
        count = route.replace("{id}", ids["{id}"]) + "/count"
        if any(m == "GET" and rx.match(count) for m, rx, _ in routes):
            w("GET", API_PREFIX + count)
    return w, answers


def test_every_connectwise_get_route_is_walked(cw: Sim) -> None:
    w, _ = walk(cw)

    assert [r for r in uncovered(cw.server, w.calls, API_PREFIX) if r.startswith("GET")] == []


def test_every_connectwise_object_carries_the_fields_the_real_api_returns(cw: Sim) -> None:
    _, answers = walk(cw)
    missing = {
        route: sorted(FIELDS[route] - set(obj))
        for route, objects in answers.items()
        for obj in objects
        if FIELDS[route] - set(obj)
    }

    assert missing == {}
    assert all(answers[route] for route in FIELDS if route != "/service/boards/{id}/teams")


def test_connectwise_leaves_null_fields_out(cw: Sim) -> None:
    _, answers = walk(cw)

    def nulls(value: Any, path: str) -> list[str]:
        if isinstance(value, dict):
            return [
                p
                for k, v in value.items()
                for p in ([f"{path}/{k}"] if v is None else nulls(v, f"{path}/{k}"))
            ]
        if isinstance(value, list):
            return [p for i, v in enumerate(value) for p in nulls(v, f"{path}/{i}")]
        return []

    assert [p for route, objects in answers.items() for p in nulls(objects, route)] == []
