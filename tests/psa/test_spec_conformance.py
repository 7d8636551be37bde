"""Every route the Autotask and HaloPSA simulators serve, walked over HTTP, each answer checked
against the schema of the same route in the vendor's published API description
(../shared/psa/specs; how the envelopes are derived: tests/psa/spec_check.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest

from psa.simulator.autotask import API_PREFIX as AT_PREFIX
from psa.simulator.autotask import AutotaskApp
from psa.simulator.base import SimServer
from psa.simulator.halopsa import HaloApp
from tests.psa import spec_check
from tests.psa.conftest import CREDENTIALS, NOW, Receiver, Sim, start_sim

# Routes the Autotask simulator serves that this swagger version does not describe, and why.
AT_NOT_IN_SPEC = {
    "TimeOffRequests": "documented at autotask.net (TimeOffRequestsEntity.htm), added after this swagger version",
}
# TicketWebhooks are documented at autotask.net with the same model as the CompanyWebhooks this
# swagger version does describe (REST_WebhooksEntity.htm lists both with one field table).
AT_ALIASES = {"ticketwebhooks": "CompanyWebhooks"}
# Model fields a query answer leaves out, and why.
AT_NOT_RETURNED = {
    "CompanyWebhookModel": {
        "secretkey": "a webhook's secret is write-only (the simulator never echoes a secret)"
    }
}
# nextPageUrl is a URL the service hands out; it answers exactly as the query it continues.
AT_NEXT = "/query/next"


@dataclass
class Call:
    method: str
    path: str  # without the query string
    status: int
    body: Any


class Walker:
    def __init__(self, sim: Sim, headers: dict[str, str] | None = None) -> None:
        self.http = httpx.Client(base_url=sim.base_url, headers=headers or {}, timeout=5)
        self.calls: list[Call] = []

    def __call__(self, method: str, url: str, **kwargs: Any) -> Any:
        response = self.http.request(method, url, **kwargs)
        assert response.status_code < 300, f"{method} {url}: {response.status_code} {response.text[:300]}"
        body = response.json() if response.content else None
        self.calls.append(Call(method, httpx.URL(str(response.url)).path, response.status_code, body))
        return body


def uncovered(server: SimServer, calls: list[Call], prefix: str) -> list[str]:
    """The simulator's routes no call reached."""
    router = server.app.router  # type: ignore[attr-defined]
    return [
        f"{method} {regex.pattern}"
        for method, regex, _ in router.routes
        if not any(
            c.method == method
            and c.path.lower().startswith(prefix.lower())
            and regex.match(c.path[len(prefix) :])
            for c in calls
        )
    ]


# ---- Autotask --------------------------------------------------------------------------


@pytest.fixture
def autotask(workspace: dict[str, Any], receiver: Receiver) -> Iterator[Sim]:
    sim = start_sim("autotask", workspace, receiver)
    yield sim
    sim.http.close()
    sim.server.stop()


def walk_autotask(sim: Sim) -> Walker:
    c = CREDENTIALS["autotask"]
    at = Walker(
        sim, {"ApiIntegrationCode": c["integration_code"], "UserName": c["username"], "Secret": c["secret"]}
    )
    api = AT_PREFIX
    at("GET", f"{api}/zoneInformation", params={"user": c["username"]})
    at("GET", "/atservicesrest/versioninformation")
    at("GET", f"{api}/ThresholdInformation")
    created = at(
        "POST", f"{api}/Tickets", json={"title": "Spec walk", "status": 1, "priority": 2, "companyID": 201}
    )
    at(
        "PATCH",
        f"{api}/Tickets",
        json={"id": created["itemId"], "assignedResourceID": 101, "assignedResourceRoleID": 8},
    )
    at("POST", f"{api}/Tickets/{created['itemId']}/Notes",
       json={"title": "t", "description": "d", "noteType": 1, "publish": 1})  # fmt: skip
    hook = at("POST", f"{api}/TicketWebhooks",
              json={"name": "walk", "webhookUrl": "http://127.0.0.1:9/h", "deactivationUrl": "http://127.0.0.1:9/d"})  # fmt: skip
    at(
        "POST",
        f"{api}/TicketWebhooks/{hook['itemId']}/Fields",
        json={"fieldID": 1, "isSubscribedField": True},
    )
    app = sim.server.app
    assert isinstance(app, AutotaskApp)
    for entity in (e.name for e in app.entities.values()):
        query = {"MaxRecords": 1, "filter": [{"op": "exist", "field": "id"}]}
        page = at("GET", f"{api}/{entity}/query", params={"search": json.dumps(query)})
        at("POST", f"{api}/{entity}/query", json=query)
        at("GET", f"{api}/{entity}/query/count", params={"search": json.dumps(query)})
        at("POST", f"{api}/{entity}/query/count", json=query)
        at("GET", f"{api}/{entity}/entityInformation")
        at("GET", f"{api}/{entity}/entityInformation/fields")
        assert page["items"], f"{entity}: the walk needs at least one record"
        at("GET", f"{api}/{entity}/{page['items'][0]['id']}")
        at("GET", f"{api}/{entity}/987654321")  # {"item": null}
        if page["pageDetails"]["nextPageUrl"]:
            at("GET", page["pageDetails"]["nextPageUrl"])
            at("POST", page["pageDetails"]["nextPageUrl"], json=query)
    at("DELETE", f"{api}/TicketWebhooks/{hook['itemId']}")
    return at


def autotask_route(call: Call) -> tuple[str | None, str]:
    path = call.path
    entity = path[len(AT_PREFIX) :].strip("/").split("/", 1)[0]
    if entity.lower() in AT_ALIASES:
        path = path.replace(entity, AT_ALIASES[entity.lower()], 1)
    if path.lower().endswith(AT_NEXT):
        path = path[: -len("/next")]
    return spec_check.spec_path(spec_check.AUTOTASK_SPEC, "/atservicesrest", path), entity


def test_every_autotask_route_is_walked(autotask: Sim) -> None:
    at = walk_autotask(autotask)

    assert uncovered(autotask.server, at.calls, AT_PREFIX) == []


def test_every_autotask_answer_matches_the_published_schema(autotask: Sim) -> None:
    at = walk_autotask(autotask)
    problems, unspecified = [], set()
    for call in at.calls:
        route, entity = autotask_route(call)
        if route is None:
            unspecified.add(entity)
            continue
        schema = spec_check.autotask_response_schema(call.method, route)
        found = spec_check.errors(schema, spec_check.autotask_components(), spec_check.fold_keys(call.body))
        problems += [f"{call.method} {call.path} ({route}): {e}" for e in found]

    assert problems == []
    assert unspecified == set(AT_NOT_IN_SPEC)


def test_autotask_query_answers_carry_every_field_of_the_model(autotask: Sim) -> None:
    at = walk_autotask(autotask)
    definitions = spec_check.load_spec(spec_check.AUTOTASK_SPEC)["definitions"]
    missing = {}
    for call in at.calls:
        route, _ = autotask_route(call)
        if route is None or call.method != "GET" or not route.lower().endswith("/query"):
            continue
        ref = spec_check.load_spec(spec_check.AUTOTASK_SPEC)["paths"][route]["get"]["responses"]["200"][
            "schema"
        ]["$ref"]
        name = ref.rsplit("/", 1)[-1]
        fields = {k.lower() for k, v in definitions[name]["properties"].items() if not v.get("readOnly")}
        fields -= set(AT_NOT_RETURNED.get(name, {}))
        for item in call.body["items"]:
            gaps = fields - {k.lower() for k in item}
            if gaps:
                missing[route] = sorted(gaps)

    assert missing == {}


# ---- HaloPSA ---------------------------------------------------------------------------


@pytest.fixture
def halo(workspace: dict[str, Any], receiver: Receiver) -> Iterator[Sim]:
    sim = start_sim("halopsa", workspace, receiver)
    yield sim
    sim.http.close()
    sim.server.stop()


def halo_token(sim: Sim, secret: str, grant: str = "client_credentials") -> httpx.Response:
    form = {"grant_type": grant, "client_id": CREDENTIALS["halopsa"]["client_id"], "client_secret": secret}
    return sim.http.post(f"{sim.base_url}/auth/token", data=form)


def walk_halo(sim: Sim) -> Walker:
    token = halo_token(sim, CREDENTIALS["halopsa"]["client_secret"]).json()["access_token"]
    h = Walker(sim, {"Authorization": f"Bearer {token}"})
    window = {
        "start_date": (NOW - timedelta(days=7)).isoformat(),
        "end_date": (NOW + timedelta(days=30)).isoformat(),
    }
    h("GET", "/api/Tickets")
    h("GET", "/api/Tickets", params={"pageinate": "true", "page_size": 2, "page_no": 1})
    h("GET", "/api/Tickets/12345")
    h("POST", "/api/Tickets", json=[{"id": 12345, "agent_id": 101, "team": "Service Desk"}])
    created = h("POST", "/api/Tickets", json=[{"summary": "Spec walk", "client_id": 201}])
    h("DELETE", f"/api/Tickets/{created['id']}")
    action = h(
        "POST",
        "/api/Actions",
        json=[{"ticket_id": 12345, "outcome": "Private Note", "note": "n", "hiddenfromuser": True}],
    )
    h("GET", "/api/Actions", params={"ticket_id": 12345})
    h("GET", f"/api/Actions/{action['id']}", params={"ticket_id": 12345})
    h("GET", "/api/Actions/0", params={"ticket_id": 12345, "mostrecent": "true"})
    h("GET", "/api/Agent")
    h("GET", "/api/Agent/101")
    h("GET", "/api/Team")
    h("GET", "/api/Qualification")
    h("GET", "/api/Holiday", params=window)
    h("GET", "/api/Appointment", params={**window, "showshifts": "true", "showholidays": "true"})
    h(
        "GET",
        "/api/TimesheetEvent",
        params={"start_date": (NOW - timedelta(days=30)).isoformat(), "end_date": NOW.isoformat()},
    )
    h("GET", "/api/Client")
    h("GET", "/api/Client", params={"pageinate": "true", "page_size": 1})
    h("GET", "/api/Client/201")
    h("GET", "/api/SLA")
    h("GET", "/api/Priority")
    h("GET", "/api/Status")
    hook = h("POST", "/api/Webhook", json=[{"name": "walk", "url": "http://127.0.0.1:9/h"}])
    h("GET", "/api/Webhook")
    h("DELETE", f"/api/Webhook/{hook['id']}")
    return h


def test_every_halo_route_is_walked(halo: Sim) -> None:
    h = walk_halo(halo)

    assert isinstance(halo.server.app, HaloApp)
    assert uncovered(halo.server, h.calls, "/api") == []


def test_every_halo_answer_matches_the_published_schema(halo: Sim) -> None:
    h = walk_halo(halo)
    components = spec_check.load_spec(spec_check.HALO_SPEC)["components"]
    problems, unspecified = [], []
    for call in h.calls:
        route = spec_check.spec_path(spec_check.HALO_SPEC, "/api", call.path)
        if route is None:
            unspecified.append(f"{call.method} {call.path}")
            continue
        if call.body is None:  # a DELETE answers with an empty body
            continue
        schema = spec_check.halo_response_schema(call.method, route)
        problems += [
            f"{call.method} {call.path} ({route}): {e}"
            for e in spec_check.errors(schema, components, call.body, spec_check.HALO_FORMATS)
        ]

    assert problems == []
    assert unspecified == []


def test_halo_token_answers_are_oauth_shaped(halo: Sim) -> None:
    good = halo_token(halo, CREDENTIALS["halopsa"]["client_secret"])
    wrong = halo_token(halo, "wrong")
    grant = halo_token(halo, CREDENTIALS["halopsa"]["client_secret"], grant="password")

    assert spec_check.errors(spec_check.OAUTH_TOKEN, {}, good.json()) == []
    assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_client")
    assert spec_check.errors(spec_check.OAUTH_ERROR, {}, wrong.json()) == []
    assert spec_check.errors(spec_check.OAUTH_ERROR, {}, grant.json()) == []


def test_a_missing_spec_folder_fails_loudly(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setattr(spec_check, "SPECS", tmp_path / "nowhere")
    spec_check.load_spec.cache_clear()
    try:
        with pytest.raises(spec_check.SpecMissing, match="nowhere"):
            spec_check.load_spec(spec_check.HALO_SPEC)
    finally:
        monkeypatch.undo()
        spec_check.load_spec.cache_clear()
