"""A plain client written for the real Autotask REST API, pointed at the simulator (no adapter)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from psa.backends import get_backend
from psa.backends.base import PsaError
from tests.psa.conftest import CREDENTIALS, FAST, Receiver, Sim, make_backend, start_sim

C = CREDENTIALS["autotask"]
HEADERS = {"ApiIntegrationCode": C["integration_code"], "UserName": C["username"], "Secret": C["secret"]}
OPEN = [{"op": "noteq", "field": "status", "value": 5}]


@pytest.fixture
def at(workspace: dict[str, Any]) -> Iterator[Sim]:
    sim = start_sim("autotask", workspace)
    yield sim
    sim.server.stop()


def api(sim: Sim) -> str:
    zone = httpx.get(
        f"{sim.base_url}/atservicesrest/v1.0/zoneInformation", params={"user": C["username"]}
    ).json()
    return zone["url"] + "v1.0"


def test_zone_information_points_at_the_simulator(at: Sim) -> None:
    assert api(at) == f"{at.base_url}/atservicesrest/v1.0"
    assert (
        httpx.get(f"{at.base_url}/atservicesrest/v1.0/zoneInformation", params={"user": "who@x"}).status_code
        == 500
    )
    assert httpx.get(f"{at.base_url}/atservicesrest/versioninformation").json() == {"apiVersions": ["1.0"]}


def test_query_pages_follow_next_page_url_with_the_same_body(at: Sim) -> None:
    body = {"MaxRecords": 2, "IncludeFields": ["id", "title"], "filter": OPEN}
    url: str | None = f"{api(at)}/Tickets/query"
    pages = []
    while url:
        data = httpx.post(url, json=body, headers=HEADERS).json()
        pages.append([item["id"] for item in data["items"]])
        assert data["pageDetails"]["count"] == len(data["items"])
        url = data["pageDetails"]["nextPageUrl"]
    assert pages == [[12345, 12346], [12347]]
    assert set(data["items"][0]) == {"id", "title"}
    assert data["pageDetails"]["prevPageUrl"]


def test_get_query_count_and_items(at: Sim) -> None:
    base = api(at)
    search = json.dumps({"filter": [{"op": "eq", "field": "queueID", "value": 29682800 + 2}]})
    listed = httpx.get(f"{base}/Tickets/query", params={"search": search}, headers=HEADERS).json()
    count = httpx.post(f"{base}/Tickets/query/count", json={"filter": OPEN}, headers=HEADERS).json()

    assert [i["id"] for i in listed["items"]] == [12347]
    assert count == {"queryCount": 3}
    assert (
        httpx.get(f"{base}/Tickets/12345", headers=HEADERS).json()["item"]["title"]
        == "Outlook cannot connect"
    )
    assert httpx.get(f"{base}/Tickets/99999", headers=HEADERS).json() == {"item": None}


def test_bad_queries_and_credentials_get_errors_lists(at: Sim) -> None:
    base = api(at)
    too_many = httpx.post(f"{base}/Tickets/query", json={"MaxRecords": 501, "filter": OPEN}, headers=HEADERS)
    no_filter = httpx.post(f"{base}/Tickets/query", json={"MaxRecords": 5}, headers=HEADERS)
    wrong = httpx.get(f"{base}/Tickets/12345", headers={**HEADERS, "Secret": "nope"})
    lowercase = httpx.get(f"{base}/Tickets/12345", headers={k.lower(): v for k, v in HEADERS.items()})

    assert too_many.status_code == no_filter.status_code == 400
    assert (wrong.status_code, list(wrong.json())) == (401, ["errors"])
    assert lowercase.status_code == 200  # header names in any case
    assert isinstance(too_many.json()["errors"], list)


def test_patch_assigns_with_a_role_and_notes_are_children(at: Sim) -> None:
    base = api(at)
    resource = httpx.post(f"{base}/Resources/query", json={"filter": [{"op": "eq", "field": "userName", "value": "tech-456"}]},
                          headers=HEADERS).json()["items"][0]  # fmt: skip
    fields = httpx.get(f"{base}/Tickets/entityInformation/fields", headers=HEADERS).json()["fields"]
    queues = {
        v["label"]: int(v["value"]) for f in fields if f["name"] == "queueID" for v in f["picklistValues"]
    }

    no_role = httpx.patch(
        f"{base}/Tickets", json={"id": 12345, "assignedResourceID": resource["id"]}, headers=HEADERS
    )
    patched = httpx.patch(f"{base}/Tickets", headers=HEADERS, json={
        "id": 12345, "assignedResourceID": resource["id"], "assignedResourceRoleID": resource["defaultServiceDeskRoleID"],
        "queueID": queues["Network"]})  # fmt: skip
    note = httpx.post(f"{base}/Tickets/12345/Notes", headers=HEADERS,
                      json={"ticketID": 12345, "title": "Dispatch", "description": "Yours", "noteType": 1, "publish": 1})  # fmt: skip
    notes = httpx.post(
        f"{base}/TicketNotes/query",
        json={"filter": [{"op": "eq", "field": "ticketID", "value": 12345}]},
        headers=HEADERS,
    )

    assert no_role.status_code == 400
    assert patched.json() == {"itemId": 12345}
    assert "itemId" in note.json()
    assert [n["description"] for n in notes.json()["items"]] == ["Yours"]
    assert (at.ticket("12345")["owner"], at.ticket("12345")["board"]) == ("tech-456", "Network")


def test_threshold_information(at: Sim) -> None:
    data = httpx.get(f"{api(at)}/ThresholdInformation", headers=HEADERS).json()

    assert data["externalRequestThreshold"] == 10000 and data["currentTimeframeRequestCount"] >= 1


def test_a_registered_webhook_gets_signed_deliveries(at: Sim, receiver: Receiver) -> None:
    base = api(at)
    hook = {"name": "dispatch", "webhookUrl": receiver.url, "deactivationUrl": receiver.url + "/deact", "isActive": True,
            "secretKey": "s3cr3t", "isSubscribedToCreateEvents": True, "isSubscribedToUpdateEvents": True}  # fmt: skip
    assert "itemId" in httpx.post(f"{base}/TicketWebhooks", json=hook, headers=HEADERS).json()

    created = httpx.post(f"{base}/Tickets", headers=HEADERS,
                         json={"title": "Laptop <new> & shiny", "status": 1, "priority": 2, "companyID": 201}).json()  # fmt: skip

    delivery = receiver.wait(1)[0]
    expected = base64.b64encode(hmac.new(b"s3cr3t", delivery.body, hashlib.sha1).digest()).decode()
    assert delivery.headers["X-Hook-Signature"] == f"sha1={expected}"
    payload = json.loads(delivery.body)
    assert (payload["Action"], payload["EntityType"], payload["Id"]) == (
        "Create",
        "Ticket",
        created["itemId"],
    )
    assert payload["Fields"]["title"] == "Laptop <new> & shiny"
    assert b"\\u003cnew\\u003e \\u0026" in delivery.body  # Autotask escapes these before signing


def test_a_fourth_concurrent_request_to_an_endpoint_is_rejected(at: Sim) -> None:
    base = api(at)
    at.fault("slow", count=5, delay=0.4, path_contains="/Tickets/")
    with httpx.Client(headers=HEADERS) as client, ThreadPoolExecutor(5) as pool:
        responses = list(pool.map(lambda _: client.get(f"{base}/Tickets/12345"), range(5)))

    rejected = [r for r in responses if r.status_code != 200]
    assert rejected and all(r.status_code == 429 and "Itgenatr005" in r.text for r in rejected)


def test_the_adapter_stays_under_the_thread_limit(at: Sim) -> None:
    at.fault("slow", count=30, delay=0.15, path_contains="/Tickets/123")
    backends = [make_backend(at) for _ in range(6)]  # separate instances share the per-process limit
    with ThreadPoolExecutor(6) as pool:
        tickets = list(pool.map(lambda b: b.get_ticket("12345"), backends))

    assert [t.external_id for t in tickets] == ["12345"] * 6
    state = at.state()
    assert state["thread_rejections"] == 0
    assert state["max_concurrent"]["tickets"] <= 3


def test_the_adapter_reports_an_unknown_api_user_as_not_retryable(at: Sim) -> None:
    backend = get_backend("autotask", at.base_url, {**C, "username": "nobody@x"}, httpx.Client(), retry=FAST)

    with pytest.raises(PsaError) as error:
        backend.get_ticket("12345")

    assert error.value.retryable is False
