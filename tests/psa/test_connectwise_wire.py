"""A plain client written for the real ConnectWise API, pointed at the simulator (no adapter)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from psa.backends import get_backend
from psa.backends.base import PsaError
from tests.psa.conftest import CREDENTIALS, FAST, Receiver, Sim, start_sim

C = CREDENTIALS["connectwise"]
AUTH = base64.b64encode(f"{C['company_id']}+{C['public_key']}:{C['private_key']}".encode()).decode()
HEADERS = {"Authorization": f"Basic {AUTH}", "clientId": C["client_id"], "Content-Type": "application/json"}


@pytest.fixture
def cw(workspace: dict[str, Any]) -> Iterator[Sim]:
    sim = start_sim("connectwise", workspace)
    yield sim
    sim.server.stop()


def api(sim: Sim) -> str:
    info = httpx.get(f"{sim.base_url}/login/companyinfo/{C['company_id']}").json()
    return f"{sim.base_url}/{info['Codebase']}apis/3.0"


def test_companyinfo_names_the_codebase_and_null_for_an_unknown_company(cw: Sim) -> None:
    assert (
        httpx.get(f"{cw.base_url}/login/companyinfo/{C['company_id']}").json()["Codebase"] == "v4_6_release/"
    )
    response = httpx.get(f"{cw.base_url}/login/companyinfo/nobody")
    assert (response.status_code, response.text) == (200, "null")


def test_tickets_page_with_the_link_header(cw: Sim) -> None:
    url = f"{api(cw)}/service/tickets"
    params: dict[str, Any] = {"conditions": "closedFlag = false", "pageSize": 2, "page": 1}
    ids = []
    while True:
        response = httpx.get(url, params=params, headers=HEADERS)
        assert response.headers["api-current-version"]
        ids += [t["id"] for t in response.json()]
        # pyconnectwise's own parser: the page number must close the URL.
        links = dict(
            (rel, int(page))
            for page, rel in re.findall(r'page=(\d+)>; rel="(.*?)"', response.headers.get("Link", ""))
        )
        if "next" not in links:
            break
        params["page"] = links["next"]
    assert ids == [12345, 12346, 12347]


def test_forward_only_paging_follows_next_until_absent(cw: Sim) -> None:
    url = f"{api(cw)}/service/tickets?conditions=closedFlag%3Dfalse&pageSize=1"
    ids = []
    while url:
        response = httpx.get(url, headers={**HEADERS, "pagination-type": "forward-only"})
        ids += [t["id"] for t in response.json()]
        match = re.search(r'<([^>]+)>; rel="next"', response.headers.get("Link", ""))
        url = match.group(1) if match else ""
    assert ids == [12345, 12346, 12347]


def test_count_search_fields_and_order(cw: Sim) -> None:
    base = api(cw)
    assert httpx.get(
        f"{base}/service/tickets/count", params={"conditions": "closedFlag=false"}, headers=HEADERS
    ).json() == {"count": 3}
    found = httpx.post(
        f"{base}/service/tickets/search", json={"conditions": 'board/name = "Network"'}, headers=HEADERS
    ).json()
    assert [t["id"] for t in found] == [12347]
    listed = httpx.get(f"{base}/service/tickets", params={"conditions": "closedFlag=false", "fields": "id,summary,owner/identifier",
                                                          "orderBy": "id desc"}, headers=HEADERS).json()  # fmt: skip
    assert listed[1] == {
        "id": 12346,
        "summary": "Printer jam on 3rd floor",
        "owner": {"identifier": "tech-789"},
    }
    assert [t["id"] for t in listed] == [12347, 12346, 12345]


def test_json_patch_by_identifier_then_a_note(cw: Sim) -> None:
    base = api(cw)
    patch = [{"op": "replace", "path": "owner/identifier", "value": "tech-456"}]

    ticket = httpx.patch(f"{base}/service/tickets/12345", json=patch, headers=HEADERS).json()
    note = httpx.post(
        f"{base}/service/tickets/12345/notes",
        json={"text": "Yours", "internalAnalysisFlag": True},
        headers=HEADERS,
    )

    assert ticket["owner"]["identifier"] == "tech-456"
    assert note.status_code == 201
    assert [n["text"] for n in httpx.get(f"{base}/service/tickets/12345/notes", headers=HEADERS).json()] == [
        "Yours"
    ]
    assert cw.ticket("12345")["owner"] == "tech-456"


def test_moving_a_ticket_needs_a_status_of_the_new_board(cw: Sim) -> None:
    base = api(cw)
    board = httpx.get(
        f"{base}/service/boards", params={"conditions": 'name="Network"'}, headers=HEADERS
    ).json()[0]
    statuses = httpx.get(f"{base}/service/boards/{board['id']}/statuses", headers=HEADERS).json()

    refused = httpx.patch(
        f"{base}/service/tickets/12345",
        json=[{"op": "replace", "path": "board", "value": {"id": board["id"]}}],
        headers=HEADERS,
    )
    moved = httpx.patch(f"{base}/service/tickets/12345", headers=HEADERS, json=[
        {"op": "replace", "path": "board", "value": {"id": board["id"]}},
        {"op": "replace", "path": "status", "value": {"id": statuses[0]["id"]}}])  # fmt: skip

    assert refused.status_code == 400
    assert set(refused.json()) == {"code", "message", "errors"}
    assert (moved.status_code, moved.json()["board"]["name"], moved.json()["status"]["name"]) == (
        200,
        "Network",
        "New",
    )


def test_wrong_keys_and_a_missing_client_id_get_401(cw: Sim) -> None:
    bad = base64.b64encode(f"{C['company_id']}+{C['public_key']}:nope".encode()).decode()
    wrong = httpx.get(f"{api(cw)}/service/tickets", headers={**HEADERS, "Authorization": f"Basic {bad}"})
    no_client = httpx.get(f"{api(cw)}/service/tickets", headers={"Authorization": HEADERS["Authorization"]})

    assert (wrong.status_code, wrong.json()) == (
        401,
        {"code": "ConnectWiseApi", "message": "UserNotAuthenticated"},
    )
    assert no_client.status_code == 401


def test_members_skills_time_off_and_info(cw: Sim) -> None:
    base = api(cw)
    member = httpx.get(
        f"{base}/system/members", params={"conditions": 'identifier="tech-456"'}, headers=HEADERS
    ).json()[0]
    skills = httpx.get(f"{base}/system/members/{member['id']}/skills", headers=HEADERS).json()
    vacation = httpx.get(
        f"{base}/schedule/entries", params={"conditions": 'type/identifier="V"'}, headers=HEADERS
    ).json()

    assert {s["skill"]["name"]: s["skillLevel"] for s in skills} == {
        "Exchange": "Expert",
        "Office 365": "Intermediate",
    }
    assert [v["member"]["identifier"] for v in vacation] == ["tech-456"]
    assert httpx.get(f"{base}/system/info", headers=HEADERS).json()["version"]


def test_bad_conditions_are_a_400(cw: Sim) -> None:
    response = httpx.get(f"{api(cw)}/service/tickets", params={"conditions": "summary ="}, headers=HEADERS)

    assert response.status_code == 400


def test_a_registered_callback_gets_signed_deliveries(cw: Sim, receiver: Receiver) -> None:
    base = api(cw)
    callback = {
        "description": "dispatcher",
        "url": receiver.url,
        "objectId": 1,
        "type": "ticket",
        "level": "owner",
        "inactiveFlag": False,
    }
    assert httpx.post(f"{base}/system/callbacks", json=callback, headers=HEADERS).status_code == 201
    company = {"identifier": "acme"}

    created = httpx.post(
        f"{base}/service/tickets",
        json={"summary": "New laptop", "company": company, "board": {"name": "Service Desk"}},
        headers=HEADERS,
    )

    delivery = receiver.wait(1)[0]
    payload = json.loads(delivery.body)
    signing_key = httpx.get(payload["Metadata"]["key_url"]).json()["signing_key"]
    digest = hmac.new(hashlib.sha256(signing_key.encode()).digest(), delivery.body, hashlib.sha256).digest()
    assert base64.b64encode(digest).decode() == delivery.headers["x-content-signature"]
    assert (payload["Action"], payload["Type"], payload["ID"]) == ("added", "ticket", created.json()["id"])
    assert json.loads(payload["Entity"])["summary"] == "New laptop"


def test_the_adapter_reports_an_unknown_company_as_not_retryable(cw: Sim) -> None:
    backend = get_backend(
        "connectwise", cw.base_url, {**C, "company_id": "nobody"}, httpx.Client(), retry=FAST
    )

    with pytest.raises(PsaError) as error:
        backend.get_ticket("12345")

    assert error.value.retryable is False
