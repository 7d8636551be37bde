"""Bulk approval from the queue: a preview of what would be assigned, then one POST that approves
each through decision_approve (re-checked on current facts), reported per ticket; and the batch
button for managers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from config.celery import app
from dispatch.models import Assignment, Decision, DecisionStatus, Ticket
from dispatch.services import decision_create
from skills.models import TimeOff
from tests.factories import TicketFactory
from tests.ui.conftest import HX

PREVIEW = reverse("dispatch:bulk_preview")
APPROVE = reverse("dispatch:bulk_approve")
BATCH = reverse("dispatch:batch")


@pytest.fixture
def three(category: Any, alice: Any, bob: Any) -> list[Decision]:
    """Three Email tickets, each suggested to Alice (the expert)."""
    return [
        decision_create(ticket=TicketFactory(external_id=f"80{i}", subject=f"Mailbox {i}", category=category),
                        mode="suggest", initiated_by="test")
        for i in range(3)
    ]  # fmt: skip


def picks(decisions: list[Decision]) -> list[str]:
    return [f"{d.ticket_id}:{d.recommended.external_id}" for d in decisions if d.recommended]


def test_preview_by_confidence_lists_ticket_to_technician_and_changes_nothing(
    dispatcher_client: Client, three: list[Decision]
) -> None:
    low = min(d.confidence or 0 for d in three)
    response = dispatcher_client.get(PREVIEW, {"by": "confidence", "min_confidence": int(low * 100)}, headers=HX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    for d in three:
        assert f'value="{d.ticket_id}:tech-alice"' in html and f"#{d.ticket.external_id}" in html
    assert "Alice Expert" in html and "Assign 3 tickets" in html
    assert "Alice Expert is suggested for 3. After the first, each is re-checked" in html
    assert not Ticket.objects.filter(assigned_to__isnull=False).exists()
    above = dispatcher_client.get(PREVIEW, {"min_confidence": 100}, headers=HX).content.decode()
    assert "0 tickets to assign" in above or "Nothing to approve" in above


def test_preview_of_the_selected_rows_names_those_without_a_suggestion(
    dispatcher_client: Client, three: list[Decision]
) -> None:
    bare = TicketFactory(external_id="9999")
    html = dispatcher_client.get(
        PREVIEW, {"by": "selected", "tickets": [three[0].ticket_id, bare.pk]}, headers=HX
    ).content.decode()
    assert f'value="{three[0].ticket_id}:tech-alice"' in html and f'value="{three[1].ticket_id}:' not in html
    assert "#9999: no suggestion to approve" in html


def test_approve_assigns_each_reports_per_row_and_never_twice(
    dispatcher_client: Client, three: list[Decision]
) -> None:
    response = dispatcher_client.post(APPROVE, {"pick": picks(three)}, headers=HX)
    html = response.content.decode()
    assert response.status_code == 200 and "3 assigned · 0 changed · 0 refused" in html
    assert response.headers["HX-Trigger-After-Settle"].startswith('{"bulkApproved"')
    assert Ticket.objects.filter(assigned_to__external_id="tech-alice").count() == 3
    assert set(Decision.objects.filter(pk__in=[d.pk for d in three]).values_list("status", flat=True)) == {
        DecisionStatus.APPROVED
    }
    again = dispatcher_client.post(APPROVE, {"pick": picks(three)[:1]}, headers=HX).content.decode()
    assert "0 assigned · 0 changed · 1 refused" in again and "Already assigned to Alice Expert" in again
    assert Assignment.objects.count() == 3


def test_a_suggestion_that_changed_since_the_preview_is_not_assigned(
    dispatcher_client: Client, three: list[Decision], alice: Any
) -> None:
    now = timezone.now()
    TimeOff.objects.create(technician=alice, start=now - dt.timedelta(hours=1), end=now + dt.timedelta(days=1), reason="Sick")
    html = dispatcher_client.post(APPROVE, {"pick": picks(three)}, headers=HX).content.decode()
    assert "0 assigned · 3 changed · 0 refused" in html and "Alice Expert is on time off (Sick)" in html
    assert not Ticket.objects.filter(assigned_to__isnull=False).exists()
    # The preview named Alice; the ticket is now suggested to Bob: still not assigned, reported changed.
    stale = dispatcher_client.post(APPROVE, {"pick": picks(three)[:1]}, headers=HX).content.decode()
    assert "1 changed" in stale and "now: Bob Beginner" in stale
    assert not Ticket.objects.filter(assigned_to__isnull=False).exists()


@pytest.mark.parametrize(
    ("url", "data", "field"),
    [
        (PREVIEW, {"min_confidence": "lots"}, "min_confidence"),
        (PREVIEW, {"min_confidence": "150"}, "min_confidence"),
        (PREVIEW, {"by": "everything"}, "by"),
        (PREVIEW, {"by": "selected"}, "tickets"),
        (PREVIEW, {"by": "selected", "tickets": "x1"}, "tickets"),
        (APPROVE, {}, "pick"),
        (APPROVE, {"pick": "12"}, "pick"),
        (APPROVE, {"pick": "abc:tech-alice"}, "pick"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(
    dispatcher_client: Client, three: list[Decision], url: str, data: dict[str, Any], field: str
) -> None:
    method = dispatcher_client.get if url == PREVIEW else dispatcher_client.post
    response = method(url, data, headers=HX)
    assert response.status_code == 400 and f"{field}:" in response.content.decode()
    assert not Ticket.objects.filter(assigned_to__isnull=False).exists()


def test_without_javascript_the_results_are_a_page(dispatcher_client: Client, three: list[Decision]) -> None:
    response = dispatcher_client.post(APPROVE, {"pick": picks(three)})
    assert response.status_code == 200 and "<html" in response.content.decode()
    assert "3 assigned" in response.content.decode()


def test_an_unknown_ticket_is_refused_not_a_500(dispatcher_client: Client, three: list[Decision]) -> None:
    html = dispatcher_client.post(APPROVE, {"pick": ["987654:tech-alice", *picks(three)[:1]]}, headers=HX).content.decode()
    assert "1 assigned · 0 changed · 1 refused" in html and "ticket 987654 does not exist" in html


def test_the_batch_button_is_for_managers_and_reports_what_it_did(
    dispatcher_client: Client, manager_client: Client, three: list[Decision], monkeypatch: Any
) -> None:
    assert dispatcher_client.post(BATCH, headers=HX).status_code == 403
    assert 'action="/queue/batch/"' not in dispatcher_client.get(reverse("dispatch:queue")).content.decode()
    assert 'action="/queue/batch/"' in manager_client.get(reverse("dispatch:queue")).content.decode()
    monkeypatch.setitem(app.conf, "task_always_eager", True)  # no worker: the batch runs in the request
    html = manager_client.post(BATCH, headers=HX).content.decode()
    assert "Batch dispatch done: 3 tickets" in html and "3</strong> unchanged" in html


def test_the_batch_goes_to_the_worker_when_there_is_one(manager_client: Client, three: list[Decision], monkeypatch: Any) -> None:
    sent: list[str] = []
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setattr(app, "send_task", lambda name, *a, **k: sent.append(name))
    html = manager_client.post(BATCH, headers=HX).content.decode()
    assert "Batch dispatch started" in html and sent == ["dispatch.tasks.batch_cycle"]
