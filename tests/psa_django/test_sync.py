"""Ticket, people and time-entry sync against the simulators over real HTTP."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from dispatch.models import Board, Company, Decision, Ticket
from psa import sync
from psa.backends.base import PsaError
from psa.models import MemberMapping, PsaConnection
from skills.models import Shift, Technician, TechnicianSkill, TimeOff
from tests.psa_django.conftest import MEMBER_PATHS, Sim

pytestmark = pytest.mark.django_db


def _state() -> dict[str, Any]:
    return {
        "tickets": sorted(
            Ticket.objects.values_list(
                "external_id",
                "subject",
                "priority",
                "status",
                "closed",
                "board__name",
                "company__external_id",
                "assigned_to__external_id",
                "sla_due",
                "estimated_hours",
            )
        ),  # fmt: skip
        "companies": sorted(Company.objects.values_list("external_id", "name")),
        "boards": sorted(Board.objects.values_list("name", flat=True)),
        "members": sorted(MemberMapping.objects.values_list("external_id", "technician__external_id")),
        "skills": TechnicianSkill.objects.count(),
        "time_off": TimeOff.objects.count(),
        "shifts": sorted(Shift.objects.values_list("technician__external_id", "weekday", "start", "end")),
        "decisions": Decision.objects.count(),
    }


def test_syncing_twice_leaves_the_same_state(connection: PsaConnection) -> None:
    sync.people_sync(connection_id=connection.pk)
    sync.tickets_sync(connection_id=connection.pk)
    first = _state()
    sync.people_sync(connection_id=connection.pk)
    sync.tickets_sync(connection_id=connection.pk)
    assert _state() == first
    assert len(first["tickets"]) == 3 and first["members"]


def test_ticket_sync_stores_the_psa_owner_company_and_board(connection: PsaConnection) -> None:
    sync.people_sync(connection_id=connection.pk)
    sync.tickets_sync(connection_id=connection.pk)
    printer = Ticket.objects.get(connection=connection, external_id="12346")
    assert printer.assigned_to.external_id == "tech-789"
    assert printer.company.external_id == "globex" and printer.board.name == "Service Desk"
    connection.refresh_from_db()
    assert connection.last_sync_at is not None and connection.last_error == ""


def test_new_unassigned_tickets_from_the_first_sync_get_a_decision(connection: PsaConnection) -> None:
    sync.people_sync(connection_id=connection.pk)
    sync.tickets_sync(connection_id=connection.pk)
    decided = set(Decision.objects.values_list("ticket_external_id", flat=True))
    assert decided == {"12345", "12347"}  # 12346 already has an owner in the PSA


def test_cursor_stays_at_the_last_stored_page_when_a_later_page_fails(
    connection: PsaConnection, sim: Sim
) -> None:
    sync.people_sync(connection_id=connection.pk)
    sync.tickets_sync(connection_id=connection.pk)
    for ticket_id, status in (("12345", "In Progress"), ("12346", "Scheduled"), ("12347", "In Progress")):
        sim.update_ticket(ticket_id, status=status)
    # Owned by a member Switchboard has not mapped yet: storing that page lists the members.
    MemberMapping.objects.filter(technician__external_id="tech-321").delete()
    new_id = sim.create_ticket(assigned_to="tech-321")
    sync.BACKEND_OPTIONS = {**sync.BACKEND_OPTIONS, "page_size": 2}
    connection.refresh_from_db()
    pages = list(sync.connection_backend(connection).list_tickets_changed_since(connection.ticket_cursor))
    assert len(pages) >= 2 and new_id in [t.external_id for t in pages[-1]]
    sim.fault(mode="500", count=50, path_contains=MEMBER_PATHS[sim.vendor])
    with pytest.raises(PsaError):
        sync.tickets_sync(connection_id=connection.pk)
    connection.refresh_from_db()
    assert connection.ticket_cursor == pages[0][-1].updated_at
    assert "ticket sync" in connection.last_error
    assert not Ticket.objects.filter(external_id=new_id).exists()
    sim.http.delete("/_sim/faults")
    sync.tickets_sync(connection_id=connection.pk)
    connection.refresh_from_db()
    assert connection.ticket_cursor == pages[-1][-1].updated_at
    assert Ticket.objects.get(external_id=new_id).assigned_to.external_id == "tech-321"


def test_closed_tickets_are_marked_closed(connection: PsaConnection, sim: Sim) -> None:
    sync.tickets_sync(connection_id=connection.pk)
    sim.update_ticket("12347", status="Closed")
    sync.tickets_sync(connection_id=connection.pk)
    assert Ticket.objects.get(external_id="12347").closed


def test_members_map_to_technicians_by_identifier_then_email(connection: PsaConnection) -> None:
    by_id = Technician.objects.create(external_id="tech-456", name="Sarah J.", email="other@example.com")
    by_email = Technician.objects.create(external_id="local-john", name="John", email="JOHN@example.com")
    result = sync.people_sync(connection_id=connection.pk)
    mapped = dict(MemberMapping.objects.values_list("identifier", "technician_id"))
    assert mapped["tech-456"] == by_id.pk
    assert MemberMapping.objects.get(technician=by_email).technician.name == "John Smith"
    assert result.created == 2 and MemberMapping.objects.count() == 4
    assert not Technician.objects.get(external_id="tech-999").active


def test_member_skills_and_time_off_are_synced(connection: PsaConnection) -> None:
    sync.people_sync(connection_id=connection.pk)
    sarah = Technician.objects.get(external_id="tech-456")
    assert TechnicianSkill.objects.get(technician=sarah, skill__name="Exchange").level == "expert"
    off = TimeOff.objects.filter(technician=sarah)
    assert off.exists() and all(t.start > timezone.now() + timedelta(days=8) for t in off)


def test_psa_shifts_become_the_weekly_pattern_in_local_time(connection: PsaConnection) -> None:
    # As imported from the workspace: Autotask resources carry no time zone of their own.
    Technician.objects.create(external_id="tech-456", name="Sarah Johnson", timezone="America/New_York")
    sync.people_sync(connection_id=connection.pk)
    week = set(
        Shift.objects.filter(technician__external_id="tech-456").values_list("weekday", "start", "end")
    )
    assert week == {(day, time(8, 0), time(16, 0)) for day in range(5)}


def test_time_entries_set_actual_hours(connection: PsaConnection, sim: Sim) -> None:
    sync.people_sync(connection_id=connection.pk)
    sync.tickets_sync(connection_id=connection.pk)
    started = timezone.now() - timedelta(hours=2)
    sim.server.app.state.add_time_entry("tech-456", 12345, started, 1.5)
    sim.server.app.state.add_time_entry("tech-789", 12345, started + timedelta(hours=1), 0.5)
    assert sync.time_entries_sync(connection_id=connection.pk) == 1
    assert Ticket.objects.get(external_id="12345").actual_hours == pytest.approx(2.0)
    assert sync.time_entries_sync(connection_id=connection.pk) == 0


def test_a_workspace_ticket_with_the_same_id_is_adopted_not_duplicated(connection: PsaConnection) -> None:
    Ticket.objects.create(external_id="12345", subject="imported", created_at=timezone.now())
    sync.tickets_sync(connection_id=connection.pk)
    assert Ticket.objects.filter(external_id="12345").count() == 1
    assert Ticket.objects.get(external_id="12345").connection == connection


def test_an_unreachable_psa_is_recorded_on_the_connection(connection: PsaConnection, sim: Sim) -> None:
    sim.fault(mode="500", count=50, path_contains="tickets")
    with pytest.raises(PsaError) as raised:
        sync.tickets_sync(connection_id=connection.pk)
    connection.refresh_from_db()
    assert raised.value.retryable and "HTTP 500" in connection.last_error


def test_time_off_cancelled_in_the_psa_is_removed_and_local_time_off_is_kept(connection: PsaConnection, sim: Sim) -> None:
    sync.people_sync(connection_id=connection.pk)
    sarah = Technician.objects.get(external_id="tech-456")
    synced = list(TimeOff.objects.filter(technician=sarah).values_list("start", "end"))
    assert synced and set(TimeOff.objects.filter(technician=sarah).values_list("source", flat=True)) == {
        f"psa:{connection.pk}"
    }
    start = timezone.now() + timedelta(days=3)
    local = TimeOff.objects.create(technician=sarah, start=start, end=start + timedelta(days=1), reason="dentist")
    listed = sim.http.get("/_sim/time_off").json()["time_off"]
    for off in listed:
        if off["member"] == "tech-456":
            assert sim.http.delete(f"/_sim/time_off/{off['id']}").status_code == 200
    result = sync.people_sync(connection_id=connection.pk)
    assert result.time_off_removed == len(synced) and result.time_off == 0
    assert list(TimeOff.objects.filter(technician=sarah)) == [local]
    others = TimeOff.objects.exclude(technician=sarah).count()
    sync.people_sync(connection_id=connection.pk)  # nothing else changes on the next sync
    assert TimeOff.objects.exclude(technician=sarah).count() == others and TimeOff.objects.filter(pk=local.pk).exists()


def test_unknown_time_off_id_is_a_404_in_the_simulator(sim: Sim) -> None:
    response = sim.http.delete("/_sim/time_off/999999")
    assert response.status_code == 404 and "time off 999999 not found" in response.text
