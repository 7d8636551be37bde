"""Owner reconciliation (psa/reconcile.py) per vendor, over HTTP against the simulators: the PSA
is the system of record; an assignment it lost is pushed again, one it changed is mirrored."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.test import Client

from dispatch.models import Assignment, Decision, OutboxState, Ticket
from dispatch.services import decision_approve
from psa import outbox, sync
from psa.models import OwnerReconciliation, PsaConnection
from psa.reconcile import owners_reconcile
from psa.simulator import serve_in_thread
from psa.tasks import reconcile_owners
from tests.psa.conftest import CREDENTIALS, WEBHOOK_SECRET, clear_backend_caches, make_workspace
from tests.psa_django.conftest import NOWHERE, Sim


def _approve(ticket_id: str, user: Any, capture: Any, tech: str = "tech-321") -> Assignment:
    with capture():  # the on-commit enqueue is dropped: the test runs the push itself
        decision_approve(
            ticket=Ticket.objects.get(external_id=ticket_id), user=user, technician_id=tech, reason="r"
        )
    return Assignment.objects.get(ticket__external_id=ticket_id)


def _pushed(ticket_id: str, user: Any, capture: Any) -> Assignment:
    row = _approve(ticket_id, user, capture)
    assert outbox.assignment_push(row.pk) == OutboxState.PUSHED
    return row


@pytest.fixture
def ready(connection: PsaConnection, sim: Sim) -> PsaConnection:
    sync.people_sync(connection_id=connection.pk)
    sync.tickets_sync(connection_id=connection.pk)
    return connection


def _restart(connection: PsaConnection, vendor: str) -> Sim:
    """A new simulator from the same workspace (the demo restarted): our pushes are gone from it."""
    server, url = serve_in_thread(vendor, make_workspace(), CREDENTIALS[vendor], NOWHERE, WEBHOOK_SECRET)
    moved = PsaConnection.objects.get(pk=connection.pk)
    moved.base_url = url
    moved.set_credentials(CREDENTIALS[vendor])  # credentials are bound to the URL they were entered for
    moved.save()
    clear_backend_caches()
    return Sim(vendor, server, url, httpx.Client(base_url=url, timeout=10))


@pytest.fixture
def restarts(ready: PsaConnection, sim: Sim) -> Iterator[Any]:
    started: list[Sim] = []

    def restart() -> Sim:
        started.append(_restart(ready, sim.vendor))
        return started[-1]

    yield restart
    for new in started:
        new.http.close()
        new.server.stop()


def test_an_assignment_the_psa_lost_is_pushed_again_once(
    ready: PsaConnection, restarts: Any, dispatcher: Any, django_capture_on_commit_callbacks: Any
) -> None:
    row = _pushed("12345", dispatcher, django_capture_on_commit_callbacks)
    new = restarts()
    PsaConnection.objects.filter(pk=ready.pk).update(ticket_cursor=None)  # as the demo's start-up sync
    startup = sync.tickets_sync(connection_id=ready.pk)
    assert (startup.created, startup.dispatched, new.ticket("12345")["owner"]) == (0, 0, None)  # unnoticed

    with django_capture_on_commit_callbacks() as scheduled:
        run = owners_reconcile(connection_id=ready.pk)
    assert (run.pushed, len(scheduled)) == (1, 1)
    assert outbox.assignment_push(row.pk) == OutboxState.PUSHED

    assert new.ticket("12345")["owner"] == "tech-321"
    assert len(new.ticket("12345")["notes"]) == 1
    assert owners_reconcile(connection_id=ready.pk).pushed == 0


def test_restarted_twice_the_owners_converge(
    ready: PsaConnection, restarts: Any, dispatcher: Any, django_capture_on_commit_callbacks: Any
) -> None:
    row = _pushed("12345", dispatcher, django_capture_on_commit_callbacks)
    for _ in range(2):
        new = restarts()
        with django_capture_on_commit_callbacks():
            assert owners_reconcile(connection_id=ready.pk, trigger="start").pushed == 1
        assert outbox.assignment_push(row.pk) == OutboxState.PUSHED
        assert new.ticket("12345")["owner"] == "tech-321"

    final = owners_reconcile(connection_id=ready.pk)
    assert (final.pushed, final.mirrored, final.in_step) == (0, 0, final.checked)


def test_an_owner_changed_in_the_psa_is_mirrored(
    ready: PsaConnection, sim: Sim, dispatcher: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _pushed("12345", dispatcher, django_capture_on_commit_callbacks)
    sim.update_ticket("12345", assigned_to="tech-789")

    run = owners_reconcile(connection_id=ready.pk)

    assert run.mirrored == 1 and run.pushed == 0
    assert Ticket.objects.get(external_id="12345").assigned_to.external_id == "tech-789"


def test_an_owner_removed_in_the_psa_after_our_push_is_mirrored_and_dispatched_again(
    ready: PsaConnection, sim: Sim, dispatcher: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _pushed("12345", dispatcher, django_capture_on_commit_callbacks)
    sim.update_ticket("12345", assigned_to=None)

    run = owners_reconcile(connection_id=ready.pk)

    assert (run.mirrored, run.pushed) == (1, 0)
    assert Ticket.objects.get(external_id="12345").assigned_to is None
    assert Decision.objects.filter(ticket__external_id="12345").first().initiated_by == "psa:rejected"


def test_a_push_on_its_way_is_left_alone(
    ready: PsaConnection, dispatcher: Any, django_capture_on_commit_callbacks: Any
) -> None:
    row = _approve("12345", dispatcher, django_capture_on_commit_callbacks)

    run = owners_reconcile(connection_id=ready.pk)

    assert (run.in_flight, run.pushed, run.mirrored) == (1, 0, 0)
    assert Assignment.objects.get(pk=row.pk).state == OutboxState.PENDING
    assert Ticket.objects.get(external_id="12345").assigned_to.external_id == "tech-321"


def test_a_failed_push_whose_ticket_is_still_free_is_pushed_again(
    ready: PsaConnection, sim: Sim, dispatcher: Any, django_capture_on_commit_callbacks: Any
) -> None:
    row = _approve("12345", dispatcher, django_capture_on_commit_callbacks)
    Assignment.objects.filter(pk=row.pk).update(state=OutboxState.FAILED, last_error="HTTP 500")

    with django_capture_on_commit_callbacks():
        assert owners_reconcile(connection_id=ready.pk).pushed == 1
    assert outbox.assignment_push(row.pk) == OutboxState.PUSHED
    assert sim.ticket("12345")["owner"] == "tech-321"


def test_an_open_ticket_only_the_psa_has_is_read_in(ready: PsaConnection, sim: Sim) -> None:
    PsaConnection.objects.filter(pk=ready.pk).update(ticket_cursor=None)
    ticket_id = sim.create_ticket(subject="Printer offline")

    run = owners_reconcile(connection_id=ready.pk)

    assert run.created == 1
    assert Ticket.objects.filter(connection=ready, external_id=ticket_id).exists()


def test_the_in_step_desk_changes_nothing(ready: PsaConnection) -> None:
    run = owners_reconcile(connection_id=ready.pk)

    assert run.checked == Ticket.objects.filter(connection=ready, closed=False).count() > 0
    assert (run.in_step, run.pushed, run.mirrored, run.created) == (run.checked, 0, 0, 0)


@pytest.mark.parametrize("vendor", ["connectwise"])
def test_the_task_runs_one_connection_and_records_the_run(ready: PsaConnection) -> None:
    result = reconcile_owners.apply(args=[ready.pk]).get()

    assert result == "0 pushed, 0 mirrored, 0 new"
    assert OwnerReconciliation.objects.filter(connection=ready, trigger="schedule").count() == 1


@pytest.mark.parametrize("vendor", ["connectwise"])
def test_healthz_reports_the_last_run(ready: PsaConnection, sim: Sim, client: Client) -> None:
    sim.update_ticket("12346", assigned_to="tech-456")
    owners_reconcile(connection_id=ready.pk, trigger="start")

    body = client.get("/healthz").json()

    report = body["psa_owner_reconciliation"][ready.name]
    assert (report["mirrored"], report["pushed"], report["error"]) == (1, 0, "")


@pytest.mark.parametrize("vendor", ["connectwise"])
def test_the_admin_lists_the_runs(ready: PsaConnection, admin_client: Client) -> None:
    owners_reconcile(connection_id=ready.pk, trigger="start")

    page = admin_client.get("/admin/psa/ownerreconciliation/")

    assert page.status_code == 200 and ready.name in page.content.decode()


@pytest.mark.parametrize("vendor", ["connectwise"])
def test_the_admin_action_reconciles_now(ready: PsaConnection, sim: Sim, admin_client: Client) -> None:
    sim.update_ticket("12346", assigned_to="tech-456")

    admin_client.post(
        "/admin/psa/psaconnection/", {"action": "reconcile_now", "_selected_action": [ready.pk]}, follow=True
    )

    run = OwnerReconciliation.objects.get(connection=ready)
    assert (run.trigger, run.mirrored) == ("manual", 1)
    assert Ticket.objects.get(external_id="12346").assigned_to.external_id == "tech-456"
