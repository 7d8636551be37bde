"""The three vendors run .NET servers that bind request field names without regard to case;
the simulators read every body the same way. Plus the HaloPSA routes issue 14 found missing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from psa.simulator.autotask import API_PREFIX as AT
from psa.simulator.connectwise import API_PREFIX as CW
from tests.psa.conftest import CREDENTIALS, Receiver, Sim, make_backend, start_sim


@pytest.fixture
def sim_of(workspace: dict[str, Any], receiver: Receiver) -> Iterator[Any]:
    started: list[Sim] = []

    def start(vendor: str) -> Sim:
        started.append(start_sim(vendor, workspace, receiver))
        return started[-1]

    yield start
    for sim in started:
        sim.http.close()
        sim.server.stop()


def autotask_client(sim: Sim) -> httpx.Client:
    c = CREDENTIALS["autotask"]
    headers = {"ApiIntegrationCode": c["integration_code"], "UserName": c["username"], "Secret": c["secret"]}
    return httpx.Client(base_url=sim.base_url + AT, headers=headers, timeout=5)


def halo_client(sim: Sim) -> httpx.Client:
    c = CREDENTIALS["halopsa"]
    form = {
        "grant_type": "client_credentials",
        "client_id": c["client_id"],
        "client_secret": c["client_secret"],
    }
    token = httpx.post(f"{sim.base_url}/auth/token", data=form).json()["access_token"]
    return httpx.Client(
        base_url=sim.base_url + "/api", headers={"Authorization": f"Bearer {token}"}, timeout=5
    )


def cw_client(sim: Sim) -> httpx.Client:
    c = CREDENTIALS["connectwise"]
    auth = httpx.BasicAuth(f"{c['company_id']}+{c['public_key']}", c["private_key"])
    return httpx.Client(
        base_url=sim.base_url + CW, auth=auth, headers={"clientId": c["client_id"]}, timeout=5
    )


def test_an_autotask_note_binds_pascal_case_field_names(sim_of: Any) -> None:
    sim = sim_of("autotask")
    body = {
        "TicketID": 12345,
        "Title": "Assigned",
        "Description": "By Switchboard",
        "NoteType": 1,
        "Publish": 1,
    }

    response = autotask_client(sim).post("/Tickets/12345/Notes", json=body)

    assert response.status_code == 200, response.text
    assert [n["text"] for n in sim.ticket("12345")["notes"]] == ["By Switchboard"]


def test_an_autotask_note_without_a_required_field_is_still_refused(sim_of: Any) -> None:
    sim = sim_of("autotask")

    response = autotask_client(sim).post(
        "/Tickets/12345/Notes", json={"TITLE": "t", "NoteType": 1, "Publish": 1}
    )

    assert (response.status_code, response.json()) == (
        400,
        {"errors": ["The following required fields are missing: description."]},
    )


def test_autotask_patch_create_and_query_bind_any_case(sim_of: Any) -> None:
    sim = sim_of("autotask")
    api = autotask_client(sim)
    member = int(sim.member_id("tech-321"))

    patched = api.patch(
        "/Tickets", json={"Id": 12345, "AssignedResourceID": member, "AssignedResourceRoleID": 8}
    )
    created = api.post("/Tickets", json={"Title": "Case", "Status": 1, "Priority": 2, "CompanyID": 201})
    query = {
        "MAXRECORDS": 5,
        "Filter": [{"Op": "eq", "Field": "id", "Value": 12345}],
        "includefields": ["id"],
    }
    found = api.post("/Tickets/query", json=query).json()["items"]

    assert (patched.status_code, created.status_code) == (200, 200)
    assert sim.ticket("12345")["owner"] == "tech-321"
    assert found == [{"id": 12345}]


def test_autotask_webhook_registration_binds_any_case(sim_of: Any) -> None:
    sim = sim_of("autotask")
    body = {"Name": "hook", "WebhookUrl": "http://127.0.0.1:9/h", "DeactivationUrl": "http://127.0.0.1:9/d",
            "IsSubscribedToDeleteEvents": True}  # fmt: skip

    response = autotask_client(sim).post("/TicketWebhooks", json=body)

    assert response.status_code == 200, response.text
    assert sim.state()["webhooks"][-1]["isSubscribedToDeleteEvents"] is True


def test_a_halo_action_binds_any_case(sim_of: Any) -> None:
    sim = sim_of("halopsa")

    response = halo_client(sim).post(
        "/Actions",
        json=[{"Ticket_Id": 12345, "Outcome": "Private Note", "Note": "Hello", "HiddenFromUser": True}],
    )

    assert response.status_code == 201, response.text
    assert [n["text"] for n in sim.ticket("12345")["notes"]] == ["Hello"]


def test_a_halo_ticket_update_binds_any_case(sim_of: Any) -> None:
    sim = sim_of("halopsa")

    halo_client(sim).post("/Tickets", json=[{"ID": 12345, "Agent_ID": int(sim.member_id("tech-321"))}])

    assert sim.ticket("12345")["owner"] == "tech-321"


def test_halo_get_one_action(sim_of: Any) -> None:
    sim = sim_of("halopsa")
    api = halo_client(sim)
    first = api.post("/Actions", json=[{"ticket_id": 12345, "note": "first"}]).json()
    api.post("/Actions", json=[{"ticket_id": 12345, "note": "second"}])

    one = api.get(f"/Actions/{first['id']}", params={"ticket_id": 12345}).json()
    latest = api.get("/Actions/0", params={"ticket_id": 12345, "mostrecent": "true"}).json()
    before = api.get("/Actions/0", params={"ticket_id": 12345, "penultimate": "true"}).json()

    assert (one["note"], latest["note"], before["note"]) == ("first", "second", "first")


def test_halo_get_action_of_another_ticket_or_unknown_is_404(sim_of: Any) -> None:
    sim = sim_of("halopsa")
    api = halo_client(sim)
    action = api.post("/Actions", json=[{"ticket_id": 12345, "note": "n"}]).json()

    assert api.get(f"/Actions/{action['id']}", params={"ticket_id": 12346}).status_code == 404
    assert api.get("/Actions/999").status_code == 404


def test_a_halo_token_error_has_an_oauth_description(sim_of: Any) -> None:
    sim = sim_of("halopsa")
    form = {"grant_type": "client_credentials", "client_id": "halo-client", "client_secret": "wrong"}

    response = httpx.post(f"{sim.base_url}/auth/token", data=form)

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client" and response.json()["error_description"]


def test_a_connectwise_note_and_callback_bind_any_case(sim_of: Any) -> None:
    sim = sim_of("connectwise")
    api = cw_client(sim)

    note = api.post("/service/tickets/12345/notes", json={"Text": "Hello", "InternalAnalysisFlag": True})
    hook = api.post(
        "/system/callbacks", json={"URL": "http://127.0.0.1:9/h", "Type": "ticket", "Level": "owner"}
    )

    assert (note.status_code, hook.status_code) == (201, 201), (note.text, hook.text)
    assert [n["text"] for n in sim.ticket("12345")["notes"]] == ["Hello"]
    assert json.loads(hook.text)["url"] == "http://127.0.0.1:9/h"


def test_autotask_sla_due_is_the_slas_resolution_deadline_not_the_tickets_due_date(sim_of: Any) -> None:
    sim = sim_of("autotask")
    api = autotask_client(sim)
    backend = make_backend(sim)
    sla_due = backend.get_ticket("12345").sla_due

    api.patch("/Tickets", json={"id": 12345, "dueDateTime": "2031-01-01T00:00:00.000Z"})
    api.patch("/Tickets", json={"id": 12347, "dueDateTime": "2031-01-01T00:00:00.000Z"})

    assert sla_due is not None and backend.get_ticket("12345").sla_due == sla_due
    assert str(backend.get_ticket("12347").sla_due) == "2031-01-01 00:00:00+00:00"  # no SLA: the due date
