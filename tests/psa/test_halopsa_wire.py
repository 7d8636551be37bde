"""A plain client written for the real HaloPSA API, pointed at the simulator (no adapter)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.psa.conftest import CREDENTIALS, Receiver, Sim, make_backend, start_sim

C = CREDENTIALS["halopsa"]


@pytest.fixture
def halo(workspace: dict[str, Any]) -> Iterator[Sim]:
    sim = start_sim("halopsa", workspace)
    yield sim
    sim.server.stop()


def token(sim: Sim, secret: str = C["client_secret"]) -> httpx.Response:
    form = {
        "grant_type": "client_credentials",
        "client_id": C["client_id"],
        "client_secret": secret,
        "scope": "all",
    }
    return httpx.post(f"{sim.base_url}/auth/token", data=form)


def client(sim: Sim) -> httpx.Client:
    access = token(sim).json()["access_token"]
    return httpx.Client(base_url=f"{sim.base_url}/api", headers={"Authorization": f"Bearer {access}"})


def test_the_client_credentials_grant(halo: Sim) -> None:
    granted = token(halo).json()

    assert (granted["token_type"], granted["expires_in"]) == ("Bearer", 3600)
    assert token(halo, "wrong").status_code == 401
    assert httpx.post(f"{halo.base_url}/auth/token", data={"client_id": C["client_id"]}).status_code == 400
    assert httpx.get(f"{halo.base_url}/api/Tickets").status_code == 401


def test_tickets_pageinate_with_a_capped_page_size(halo: Sim) -> None:
    api = client(halo)
    first = api.get(
        "/Tickets", params={"pageinate": "true", "page_size": 2, "page_no": 1, "open_only": "true"}
    ).json()
    second = api.get(
        "/Tickets", params={"pageinate": "true", "page_size": 2, "page_no": 2, "open_only": "true"}
    ).json()
    capped = api.get("/Tickets", params={"pageinate": "true", "page_size": 500}).json()

    assert (first["page_no"], first["page_size"], first["record_count"]) == (1, 2, 3)
    assert [t["id"] for t in first["tickets"] + second["tickets"]] == [12345, 12346, 12347]
    assert capped["page_size"] == 100


def test_ticket_filters(halo: Sim) -> None:
    api = client(halo)
    agents = {a["customfields"][0]["value"]: a["id"] for a in api.get("/Agent").json()}

    mine = api.get("/Tickets", params={"agent_id": agents["tech-789"], "open_only": "true"}).json()["tickets"]
    found = api.get("/Tickets", params={"search": "firewall"}).json()["tickets"]

    assert [t["id"] for t in mine] == [12346]
    assert [t["id"] for t in found] == [12347]


def test_post_array_upsert_then_an_action(halo: Sim) -> None:
    api = client(halo)
    agent = next(a for a in api.get("/Agent").json() if a["email"] == "sarah@example.com")

    updated = api.post("/Tickets", json=[{"id": 12345, "agent_id": agent["id"], "team": "Network"}]).json()
    action = api.post(
        "/Actions",
        json=[{"ticket_id": 12345, "outcome": "Private Note", "note": "Yours", "hiddenfromuser": True}],
    )
    actions = api.get("/Actions", params={"ticket_id": 12345}).json()

    assert (updated["agent_id"], updated["team"]) == (agent["id"], "Network")
    assert action.status_code == 201
    assert [a["note"] for a in actions["actions"]] == ["Yours"]
    assert (halo.ticket("12345")["owner"], halo.ticket("12345")["board"]) == ("tech-456", "Network")


def test_an_unknown_agent_is_a_400(halo: Sim) -> None:
    assert client(halo).post("/Tickets", json=[{"id": 12345, "agent_id": 99999}]).status_code == 400


def test_agents_teams_and_clients(halo: Sim) -> None:
    api = client(halo)
    agents = api.get("/Agent").json()
    with_disabled = api.get("/Agent", params={"includedisabled": "true"}).json()
    clients = api.get("/Client", params={"pageinate": "true", "page_size": 1, "page_no": 2}).json()

    assert isinstance(agents, list) and len(with_disabled) == len(agents) + 1
    assert {q["qualification_name"] for q in agents[0]["qualifications"]} == {"Exchange", "Office 365"}
    assert {t["name"] for t in api.get("/Team").json()} == {"Service Desk", "Network"}
    assert (clients["record_count"], [c["name"] for c in clients["clients"]]) == (2, ["Globex"])
    assert {p["name"] for p in api.get("/Priority").json()} == {"Critical", "High", "Medium", "Low"}
    assert "Closed" in {s["name"] for s in api.get("/Status").json()}


def test_a_registered_webhook_gets_basic_auth_deliveries(halo: Sim, receiver: Receiver) -> None:
    api = client(halo)
    hook = {"name": "dispatch", "url": receiver.url, "method": 0, "content_type": "application/json", "active": True,
            "authentication_type": 1, "basic_username": "switchboard", "basic_password": "pw"}  # fmt: skip
    assert api.post("/Webhook", json=[hook]).status_code == 201

    created = api.post("/Tickets", json=[{"summary": "New laptop", "client_id": 201}]).json()

    delivery = receiver.wait(1)[0]
    assert delivery.headers["Authorization"] == "Basic " + base64.b64encode(b"switchboard:pw").decode()
    payload = json.loads(delivery.body)
    assert (payload["id"], payload["event"], payload["ticket"]["summary"]) == (
        created["id"],
        "New Ticket Logged",
        "New laptop",
    )


def test_the_adapter_gets_a_new_token_after_a_401(halo: Sim) -> None:
    backend = make_backend(halo)
    backend.get_ticket("12345")
    halo.http.post(f"{halo.base_url}/_sim/tokens/expire")

    assert backend.get_ticket("12345").external_id == "12345"
    assert [r["status"] for r in halo.requests("auth/token")] == [200, 200]
    assert 401 in [r["status"] for r in halo.requests("/api/Tickets/12345")]


def test_the_adapter_refreshes_a_token_60_seconds_before_it_expires(workspace: dict[str, Any]) -> None:
    sim = start_sim("halopsa", workspace, token_ttl=60)  # every token is already inside the margin
    try:
        backend = make_backend(sim)
        backend.get_ticket("12345")
        backend.get_ticket("12346")

        assert len(sim.requests("auth/token")) >= 2
        assert 401 not in [r["status"] for r in sim.requests("/api/")]
    finally:
        sim.server.stop()
