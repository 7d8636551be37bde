"""One contract, three backends: each runs against its simulator over real HTTP."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from psa.backends.base import PsaBackend, PsaError
from tests.psa.conftest import (
    NOW,
    VACATION_END,
    VACATION_START,
    WRONG_CREDENTIALS,
    Receiver,
    Sim,
    make_backend,
)


def test_open_tickets_come_page_by_page(sim: Sim, backend: PsaBackend) -> None:
    pages = list(backend.list_tickets_changed_since(None))

    assert [len(page) for page in pages] == [2, 1]
    assert {t.external_id for page in pages for t in page} == {"12345", "12346", "12347"}
    assert len(sim.requests("tickets", "GET") + sim.requests("tickets/query", "POST")) >= 2


def test_pages_come_in_update_order(backend: PsaBackend) -> None:
    tickets = [t for page in backend.list_tickets_changed_since(None) for t in page]

    assert [t.updated_at for t in tickets] == sorted(t.updated_at for t in tickets)  # type: ignore[type-var]


def test_a_ticket_is_normalised(sim: Sim, backend: PsaBackend) -> None:
    ticket = backend.get_ticket("12346")

    assert (ticket.summary, ticket.description, ticket.board, ticket.status) == (
        "Printer jam on 3rd floor", "Paper jam.", "Service Desk", "In Progress",
    )  # fmt: skip
    assert (ticket.priority, ticket.company_name, ticket.category) == ("Medium", "Globex", "Printer Issues")
    assert ticket.owner_external_id == sim.member_id("tech-789")
    assert ticket.sla_due == NOW + timedelta(hours=22)
    assert ticket.created_at == NOW - timedelta(hours=2)
    assert ticket.estimated_hours == 1.0
    assert ticket.closed is False


def test_an_unassigned_ticket_has_no_owner(backend: PsaBackend) -> None:
    ticket = backend.get_ticket("12345")

    assert ticket.owner_external_id is None
    assert ticket.priority == "High"


def test_cursor_returns_only_changed_tickets(sim: Sim, backend: PsaBackend) -> None:
    list(backend.list_tickets_changed_since(None))
    cursor = datetime.now(UTC)
    sim.update_ticket("12347", status="In Progress")

    changed = [t for page in backend.list_tickets_changed_since(cursor) for t in page]

    assert [t.external_id for t in changed] == ["12347"]
    assert changed[0].status == "In Progress"


def test_cursor_includes_tickets_closed_since(sim: Sim, backend: PsaBackend) -> None:
    cursor = datetime.now(UTC)
    sim.update_ticket("12345", status="Closed")

    changed = [t for page in backend.list_tickets_changed_since(cursor) for t in page]

    assert [(t.external_id, t.closed) for t in changed] == [("12345", True)]


def test_board_filter(backend: PsaBackend) -> None:
    tickets = [t for page in backend.list_tickets_changed_since(None, boards=["Network"]) for t in page]

    assert [t.external_id for t in tickets] == ["12347"]


def test_unknown_board_filter_returns_nothing(backend: PsaBackend) -> None:
    assert list(backend.list_tickets_changed_since(None, boards=["No Such Board"])) == []


def test_members_come_with_skills(sim: Sim, backend: PsaBackend) -> None:
    members = {m.identifier: m for m in backend.list_members()}

    assert set(members) == {"tech-456", "tech-789", "tech-321", "tech-999"}
    sarah = members["tech-456"]
    assert (sarah.external_id, sarah.name, sarah.email) == (
        sim.member_id("tech-456"),
        "Sarah Johnson",
        "sarah@example.com",
    )
    assert sarah.skills == {"Exchange": "expert", "Office 365": "intermediate"}
    assert members["tech-789"].skills == {"Printers": "beginner", "Office 365": "expert"}
    assert members["tech-999"].active is False


def test_time_off(sim: Sim, backend: PsaBackend) -> None:
    time_off = backend.list_time_off(NOW, NOW + timedelta(days=30))

    assert [(t.member_external_id, t.start, t.end) for t in time_off] == [
        (sim.member_id("tech-456"), VACATION_START, VACATION_END)
    ]
    assert "vacation" in time_off[0].reason.lower()


def test_time_off_outside_the_window_is_left_out(backend: PsaBackend) -> None:
    assert backend.list_time_off(NOW, NOW + timedelta(days=5)) == []


def test_shifts_follow_the_weekly_schedule(sim: Sim, backend: PsaBackend) -> None:
    tz = ZoneInfo("America/New_York")
    monday = (NOW.astimezone(tz) + timedelta(days=7 - NOW.astimezone(tz).weekday())).date()
    since = datetime.combine(monday, datetime.min.time(), tz)

    shifts = [
        s
        for s in backend.list_shifts(since, since + timedelta(days=1))
        if s.member_external_id == sim.member_id("tech-456")
    ]

    start = datetime.combine(monday, datetime.strptime("08:00", "%H:%M").time(), tz)
    assert [(s.start, s.end) for s in shifts] == [(start, start + timedelta(hours=8))]


def test_time_entries_since(sim: Sim, backend: PsaBackend) -> None:
    entries = backend.list_time_entries(NOW - timedelta(days=5))

    assert sorted((e.member_external_id, e.ticket_external_id, e.hours) for e in entries) == sorted(
        [(sim.member_id("tech-456"), "9001", 2.0), (sim.member_id("tech-789"), "9002", 1.0)]
    )
    assert backend.list_time_entries(NOW - timedelta(days=1)) == []


def test_companies(backend: PsaBackend) -> None:
    companies = {c.identifier: c.name for c in backend.list_companies()}

    assert companies == {"acme": "Acme Corporation", "globex": "Globex"}


def test_boards_and_slas(backend: PsaBackend) -> None:
    assert {b.name for b in backend.list_boards()} == {"Service Desk", "Network"}
    assert [s.name for s in backend.list_slas()] == ["4-Hour Response"]


def test_assign_ticket_sets_owner_and_adds_a_note(sim: Sim, backend: PsaBackend) -> None:
    member = sim.member_id("tech-456")

    ticket = backend.assign_ticket("12345", member, None, "Assigned by Switchboard: Exchange expert")

    assert ticket.owner_external_id == member
    state = sim.ticket("12345")
    assert state["owner"] == "tech-456"
    assert [n["text"] for n in state["notes"]] == ["Assigned by Switchboard: Exchange expert"]


def test_assign_ticket_can_move_it_to_another_board(sim: Sim, backend: PsaBackend) -> None:
    ticket = backend.assign_ticket("12345", sim.member_id("tech-321"), "Network", "Firewall work")

    assert (ticket.board, ticket.owner_external_id) == ("Network", sim.member_id("tech-321"))
    assert (sim.ticket("12345")["board"], sim.ticket("12345")["owner"]) == ("Network", "tech-321")


def test_assigning_an_inactive_member_is_not_retryable(sim: Sim, backend: PsaBackend) -> None:
    with pytest.raises(PsaError) as error:
        backend.assign_ticket("12345", sim.member_id("tech-999"), None, "")

    assert error.value.retryable is False
    assert sim.ticket("12345")["owner"] is None


def test_add_note(sim: Sim, backend: PsaBackend) -> None:
    backend.add_note("12346", "Customer called again")

    assert [n["text"] for n in sim.ticket("12346")["notes"]] == ["Customer called again"]


def test_wrong_credentials_are_not_retryable(sim: Sim) -> None:
    backend = make_backend(sim, WRONG_CREDENTIALS[sim.vendor])

    with pytest.raises(PsaError) as error:
        backend.get_ticket("12345")

    assert error.value.retryable is False


def test_an_unknown_ticket_is_not_retryable(backend: PsaBackend) -> None:
    with pytest.raises(PsaError) as error:
        backend.get_ticket("999999")

    assert error.value.retryable is False


def test_429_with_retry_after_is_honoured(sim: Sim, backend: PsaBackend) -> None:
    backend.get_ticket("12345")  # discovery and lookups first, so only the ticket call meets the fault
    sim.fault("429", retry_after=1, path_contains="tickets")
    started = time.monotonic()

    ticket = backend.get_ticket("12345")

    assert ticket.external_id == "12345"
    assert time.monotonic() - started >= 0.9
    assert [r["status"] for r in sim.requests("tickets/12345")][-2:] == [429, 200]


def test_a_long_retry_after_is_reported_not_slept(sim: Sim, backend: PsaBackend) -> None:
    backend.get_ticket("12345")
    sim.fault("429", retry_after=120, path_contains="tickets")
    started = time.monotonic()

    with pytest.raises(PsaError) as error:
        backend.get_ticket("12345")

    assert (error.value.retryable, error.value.retry_after) == (True, 120)
    assert time.monotonic() - started < 1


def test_two_500s_then_success(sim: Sim, backend: PsaBackend) -> None:
    backend.get_ticket("12345")
    sim.fault("500", count=2, path_contains="tickets")

    assert backend.get_ticket("12345").external_id == "12345"
    assert [r["status"] for r in sim.requests("tickets/12345")][-3:] == [500, 500, 200]


def test_a_dropped_connection_then_success(sim: Sim, backend: PsaBackend) -> None:
    backend.get_ticket("12345")
    sim.fault("drop", path_contains="tickets")

    assert backend.get_ticket("12345").external_id == "12345"
    assert [r["status"] for r in sim.requests("tickets/12345")][-2:] == ["dropped", 200]


def test_persistent_500s_are_retryable(sim: Sim, backend: PsaBackend) -> None:
    backend.get_ticket("12345")
    sim.fault("500", count=10, path_contains="tickets")

    with pytest.raises(PsaError) as error:
        backend.get_ticket("12345")

    assert (error.value.retryable, error.value.status_code) == (True, 500)
    assert (
        len([r for r in sim.requests("tickets/12345") if r["status"] == 500]) == 4
    )  # the call and 3 retries


def test_a_slow_answer_is_waited_for(sim: Sim, backend: PsaBackend) -> None:
    sim.fault("slow", delay=0.3, path_contains="tickets")

    assert backend.get_ticket("12345").external_id == "12345"


def test_a_created_ticket_fires_a_verifiable_webhook(
    sim: Sim, backend: PsaBackend, receiver: Receiver
) -> None:
    ticket_id = sim.create_ticket(subject="VPN down", priority="Critical", company="acme", board="Network")

    delivery = receiver.wait(1)[0]

    assert backend.verify_webhook(delivery.headers, delivery.body) is True
    assert backend.parse_webhook(delivery.body) == (ticket_id, "created")


def test_a_tampered_webhook_body_is_rejected(sim: Sim, backend: PsaBackend, receiver: Receiver) -> None:
    ticket_id = sim.create_ticket(subject="VPN down", company="acme")
    delivery = receiver.wait(1)[0]

    tampered = delivery.body.replace(ticket_id.encode(), b"12345")

    assert tampered != delivery.body
    assert backend.verify_webhook(delivery.headers, tampered) is False


def test_a_webhook_with_the_wrong_secret_is_rejected(
    sim: Sim, backend: PsaBackend, receiver: Receiver
) -> None:
    sim.create_ticket(subject="VPN down", company="acme")
    delivery = receiver.wait(1)[0]

    if sim.vendor == "connectwise":  # the key comes from the PSA, not from a shared secret
        assert backend.verify_webhook({}, delivery.body) is False
    else:
        assert backend.verify_webhook(delivery.headers, delivery.body, secret="not-the-secret") is False


def test_an_assignment_fires_an_update_webhook(sim: Sim, backend: PsaBackend, receiver: Receiver) -> None:
    backend.assign_ticket("12347", sim.member_id("tech-321"), None, "")

    delivery = receiver.wait(1)[-1]

    assert backend.verify_webhook(delivery.headers, delivery.body) is True
    assert backend.parse_webhook(delivery.body) == ("12347", "updated")
    assert backend.webhook_dedupe_key(delivery.body) == backend.webhook_dedupe_key(delivery.body)


def test_a_body_that_is_no_webhook_is_not_retryable(backend: PsaBackend) -> None:
    with pytest.raises(PsaError) as error:
        backend.parse_webhook(b"<html>hello</html>")

    assert error.value.retryable is False
