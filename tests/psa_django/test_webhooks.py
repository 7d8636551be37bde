"""POST /api/v1/psa/{connection}/webhook with the simulators' own deliveries (real signatures),
processing after commit, and the full loop: PSA ticket -> webhook -> decision -> approve ->
push -> the PSA shows the owner and the note."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from dispatch.models import Assignment, Decision, OutboxState, Ticket
from dispatch.services import decision_approve
from psa import outbox, sync
from psa.models import PsaConnection, WebhookEvent
from psa.webhooks import webhook_event_process
from tests.psa_django.conftest import Sim, post_delivery

pytestmark = pytest.mark.django_db


def _receive(
    connection: PsaConnection, delivery: dict[str, Any], capture: Any, body: bytes | None = None
) -> Any:
    """Post a delivery and run what it scheduled on commit, as the eager worker would."""
    with capture() as callbacks:
        response = post_delivery(connection, delivery, body)
    for event in WebhookEvent.objects.filter(processed_at__isnull=True).order_by("pk"):
        webhook_event_process(event_id=event.pk)
    response.callbacks = callbacks
    return response


def _ready(connection: PsaConnection, sim: Sim) -> None:
    sync.people_sync(connection_id=connection.pk)
    sync.tickets_sync(connection_id=connection.pk)
    sim.deliveries()  # wait for anything still being sent, then only count what the test causes
    sim.server.app.webhooks.log.clear()


def test_a_signed_delivery_is_stored_once_and_scheduled(
    connection: PsaConnection, sim: Sim, django_capture_on_commit_callbacks: Any
) -> None:
    _ready(connection, sim)
    ticket_id = sim.create_ticket()
    (delivery,) = sim.deliveries()
    with django_capture_on_commit_callbacks() as callbacks:
        response = post_delivery(connection, delivery)
    assert response.status_code == 200, response.content
    event = WebhookEvent.objects.get()
    assert (event.ticket_external_id, event.action) == (ticket_id, "created")
    assert len(callbacks) == 1 and event.processed_at is None


def test_a_new_ticket_via_webhook_gets_a_decision(
    connection: PsaConnection, sim: Sim, django_capture_on_commit_callbacks: Any
) -> None:
    _ready(connection, sim)
    ticket_id = sim.create_ticket(subject="Outlook keeps asking for a password")
    _receive(connection, sim.deliveries()[0], django_capture_on_commit_callbacks)
    ticket = Ticket.objects.get(connection=connection, external_id=ticket_id)
    assert ticket.subject == "Outlook keeps asking for a password"
    assert Decision.objects.filter(ticket=ticket, initiated_by="psa:new").count() == 1
    assert WebhookEvent.objects.get().processed_at is not None


def test_a_bad_signature_is_401_and_stores_nothing(connection: PsaConnection, sim: Sim) -> None:
    _ready(connection, sim)
    sim.create_ticket()
    (delivery,) = sim.deliveries()
    tampered = delivery["body"].replace("VPN drops", "VPN fails").encode()
    assert tampered != delivery["body"].encode()
    response = post_delivery(connection, delivery, tampered)
    assert response.status_code == 401
    assert response.json()["error_details"]["code"] == "INVALID_SIGNATURE"
    assert not WebhookEvent.objects.exists()


def test_an_unsigned_delivery_is_401(connection: PsaConnection, sim: Sim) -> None:
    _ready(connection, sim)
    sim.create_ticket()
    (delivery,) = sim.deliveries()
    response = post_delivery(
        connection, {"headers": {"Content-Type": "application/json"}, "body": delivery["body"]}
    )
    assert response.status_code == 401 and not WebhookEvent.objects.exists()


def test_a_duplicate_delivery_is_harmless(
    connection: PsaConnection, sim: Sim, django_capture_on_commit_callbacks: Any
) -> None:
    _ready(connection, sim)
    ticket_id = sim.create_ticket()
    (delivery,) = sim.deliveries()
    _receive(connection, delivery, django_capture_on_commit_callbacks)
    again = _receive(connection, delivery, django_capture_on_commit_callbacks)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.callbacks == [] and WebhookEvent.objects.count() == 1
    assert Decision.objects.filter(ticket_external_id=ticket_id).count() == 1


def test_out_of_order_deliveries_end_in_the_psas_current_state(
    connection: PsaConnection, sim: Sim, django_capture_on_commit_callbacks: Any
) -> None:
    _ready(connection, sim)
    ticket_id = sim.create_ticket(priority="Low")
    sim.update_ticket(ticket_id, subject="VPN down for the whole office", priority="Critical")
    created, updated = sim.deliveries()
    _receive(connection, updated, django_capture_on_commit_callbacks)
    _receive(connection, created, django_capture_on_commit_callbacks)
    ticket = Ticket.objects.get(connection=connection, external_id=ticket_id)
    assert (ticket.subject, ticket.priority) == ("VPN down for the whole office", "Critical")
    assert WebhookEvent.objects.filter(processed_at__isnull=False).count() == 2


def test_an_escalated_priority_is_dispatched_again(
    connection: PsaConnection, sim: Sim, django_capture_on_commit_callbacks: Any
) -> None:
    _ready(connection, sim)
    before = Decision.objects.filter(ticket_external_id="12347").count()
    sim.update_ticket("12347", priority="Critical")
    _receive(connection, sim.deliveries()[0], django_capture_on_commit_callbacks)
    assert Decision.objects.filter(ticket_external_id="12347").count() == before + 1
    assert Decision.objects.filter(ticket_external_id="12347").first().initiated_by == "psa:escalated"


def test_an_unknown_connection_is_404(db: Any) -> None:
    delivery = {"headers": {"Content-Type": "application/json"}, "body": json.dumps({"ID": 1})}
    response = post_delivery(PsaConnection(name="nope"), delivery)
    assert response.status_code == 404 and not WebhookEvent.objects.exists()


WEEKDAY_MORNING = dt.datetime(2026, 12, 8, 15, 0, tzinfo=dt.UTC)  # a Tuesday, 10:00 in New York


def _approve_and_push(ticket: Ticket, user: Any, capture: Any) -> Assignment:
    decision = Decision.objects.filter(ticket=ticket).first()
    chosen = decision.recommended.external_id if decision.recommended else "tech-321"
    with capture():  # the eager on-commit push is replaced by the direct call below
        decision_approve(
            ticket=ticket, user=user, technician_id=chosen, reason="" if decision.recommended else "test"
        )
    assignment = Assignment.objects.get(ticket=ticket)
    assert outbox.assignment_push(assignment.pk) == OutboxState.PUSHED
    return assignment


def test_full_loop_ticket_to_decision_to_push(
    connection: PsaConnection, sim: Sim, dispatcher: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _ready(connection, sim)
    ticket_id = sim.create_ticket(subject="Exchange mailbox not syncing")
    _receive(connection, sim.deliveries()[0], django_capture_on_commit_callbacks)
    ticket = Ticket.objects.get(connection=connection, external_id=ticket_id)
    assignment = _approve_and_push(ticket, dispatcher, django_capture_on_commit_callbacks)
    state = sim.ticket(ticket_id)
    assert state["owner"] == assignment.technician.external_id
    assert any("Assigned to" in note["text"] for note in state["notes"])


def test_an_owner_removed_in_the_psa_goes_back_to_the_queue(
    connection: PsaConnection, sim: Sim, dispatcher: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _ready(connection, sim)
    ticket_id = sim.create_ticket()
    _receive(connection, sim.deliveries()[0], django_capture_on_commit_callbacks)
    ticket = Ticket.objects.get(connection=connection, external_id=ticket_id)
    _approve_and_push(ticket, dispatcher, django_capture_on_commit_callbacks)
    sim.server.app.webhooks.log.clear()
    sim.update_ticket(ticket_id, assigned_to=None)
    _receive(connection, sim.deliveries()[-1], django_capture_on_commit_callbacks)
    ticket.refresh_from_db()
    assert ticket.assigned_to is None
    assert Decision.objects.filter(ticket=ticket).first().initiated_by == "psa:rejected"


def test_a_pending_push_is_not_mistaken_for_a_rejection(
    connection: PsaConnection, sim: Sim, dispatcher: Any, django_capture_on_commit_callbacks: Any, time_machine: Any
) -> None:
    time_machine.move_to(WEEKDAY_MORNING)  # tech-456 on shift: approving someone off shift is refused
    _ready(connection, sim)
    with django_capture_on_commit_callbacks():
        decision_approve(
            ticket=Ticket.objects.get(external_id="12345"),
            user=dispatcher,
            technician_id="tech-456",
            reason="r",
        )
    sim.update_ticket("12345", status="In Progress")
    sync.tickets_sync(connection_id=connection.pk)  # the PSA has no owner yet: the push has not run
    assert Ticket.objects.get(external_id="12345").assigned_to.external_id == "tech-456"


def test_an_owner_set_in_the_psa_meanwhile_is_never_overwritten(
    connection: PsaConnection, sim: Sim, dispatcher: Any, django_capture_on_commit_callbacks: Any, time_machine: Any
) -> None:
    time_machine.move_to(WEEKDAY_MORNING)  # tech-456 on shift: approving someone off shift is refused
    _ready(connection, sim)
    with django_capture_on_commit_callbacks():
        decision_approve(ticket=Ticket.objects.get(external_id="12345"), user=dispatcher,
                         technician_id="tech-456", reason="r")  # fmt: skip
    sim.update_ticket("12345", assigned_to="tech-789")  # a person in the PSA, before our push ran
    assignment = Assignment.objects.get(ticket__external_id="12345")
    assert outbox.assignment_push(assignment.pk) == OutboxState.FAILED
    assignment.refresh_from_db()
    assert "already owned" in assignment.last_error and sim.ticket("12345")["owner"] == "tech-789"
    sync.tickets_sync(connection_id=connection.pk)  # the PSA's choice is mirrored
    assert Ticket.objects.get(external_id="12345").assigned_to.external_id == "tech-789"


@pytest.mark.parametrize("vendor", ["connectwise", "halopsa", "autotask"])
def test_a_ticket_deleted_in_the_psa_is_closed(
    connection: PsaConnection, sim: Sim, django_capture_on_commit_callbacks: Any
) -> None:
    _ready(connection, sim)
    if sim.vendor == "autotask":  # its webhooks leave deletes out unless subscribed, as Autotask's do
        for hook in sim.server.app.webhooks_registered:
            hook["isSubscribedToDeleteEvents"] = True
    sim.server.app.state.delete_ticket(12347)
    response = _receive(connection, sim.deliveries()[-1], django_capture_on_commit_callbacks)
    assert response.status_code == 200 and WebhookEvent.objects.get().action == "deleted"
    assert Ticket.objects.get(connection=connection, external_id="12347").closed
