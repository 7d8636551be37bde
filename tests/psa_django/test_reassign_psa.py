"""Reassigning a ticket from its absent owner, against each vendor's simulator over HTTP: the
push replaces the PSA's owner only while it is still the old one, and sync does not undo the
reassignment while the push is on its way."""

from __future__ import annotations

from typing import Any

import pytest

from dispatch.models import Assignment, OutboxState, Ticket
from dispatch.services import decision_reassign
from psa import outbox, sync
from psa.models import PsaConnection
from tests.psa_django.conftest import Sim

pytestmark = pytest.mark.django_db


def _reassign(connection: PsaConnection, sim: Sim, dispatcher: Any, capture: Any) -> Assignment:
    sync.people_sync(connection_id=connection.pk)
    sync.tickets_sync(connection_id=connection.pk)
    ticket = Ticket.objects.get(connection=connection, external_id="12346")
    assert ticket.assigned_to.external_id == "tech-789" and sim.ticket("12346")["owner"] == "tech-789"
    with capture():
        decision_reassign(ticket=ticket, user=dispatcher, technician_id="tech-456", reason="Off sick until Thursday")
    return Assignment.objects.get(ticket=ticket, technician__external_id="tech-456")


def test_the_psa_owner_is_replaced_once_with_a_note_saying_why(
    connection: PsaConnection, sim: Sim, dispatcher: Any, django_capture_on_commit_callbacks: Any
) -> None:
    assignment = _reassign(connection, sim, dispatcher, django_capture_on_commit_callbacks)
    assert assignment.replaces.external_id == "tech-789" and assignment.state == OutboxState.PENDING
    sync.tickets_sync(connection_id=connection.pk)  # the PSA still shows the old owner: ours stands
    assert Ticket.objects.get(pk=assignment.ticket_id).assigned_to.external_id == "tech-456"

    assert outbox.assignment_push(assignment.pk) == OutboxState.PUSHED
    psa = sim.ticket("12346")
    assert psa["owner"] == "tech-456"
    notes = [n for n in sim.server.app.state.tickets[12346].notes if "Switchboard decision" in n.text]
    assert len(notes) == 1 and "Reassigned from" in notes[0].text and "Off sick until Thursday" in notes[0].text
    assert outbox.assignment_push(assignment.pk) == "not-claimed"  # nothing is written twice
    sync.tickets_sync(connection_id=connection.pk)
    assert Ticket.objects.get(pk=assignment.ticket_id).assigned_to.external_id == "tech-456"


def test_someone_else_set_in_the_psa_meanwhile_is_kept(
    connection: PsaConnection, sim: Sim, dispatcher: Any, django_capture_on_commit_callbacks: Any
) -> None:
    assignment = _reassign(connection, sim, dispatcher, django_capture_on_commit_callbacks)
    sim.update_ticket("12346", assigned_to="tech-321")  # a person in the PSA, before our push ran
    assert outbox.assignment_push(assignment.pk) == OutboxState.FAILED
    assignment.refresh_from_db()
    assert "already owned" in assignment.last_error and sim.ticket("12346")["owner"] == "tech-321"
    sync.tickets_sync(connection_id=connection.pk)  # the PSA's choice is mirrored
    assert Ticket.objects.get(pk=assignment.ticket_id).assigned_to.external_id == "tech-321"


def test_an_owner_released_in_the_psa_meanwhile_is_filled(
    connection: PsaConnection, sim: Sim, dispatcher: Any, django_capture_on_commit_callbacks: Any
) -> None:
    assignment = _reassign(connection, sim, dispatcher, django_capture_on_commit_callbacks)
    sim.update_ticket("12346", assigned_to=None)
    assert outbox.assignment_push(assignment.pk) == OutboxState.PUSHED
    assert sim.ticket("12346")["owner"] == "tech-456"
