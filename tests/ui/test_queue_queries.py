"""The queue stays open all day and polls every 5 s: its query count must not grow with the
number of tickets, decisions, technicians or failed PSA pushes."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dispatch.models import Assignment, OutboxState
from dispatch.services import decision_approve, decision_create
from tests.factories import BoardFactory, CategoryFactory, CompanyFactory, TechnicianFactory, TicketFactory
from tests.ui.conftest import HX

URL = reverse("dispatch:queue")


def _grow(n: int, skill: Any, dispatcher: Any) -> None:
    """n more tickets (each with a decision, on its own company/board/category) and technicians,
    and one more failed PSA push."""
    for i in range(n):
        tech = TechnicianFactory(skills={skill: "intermediate"})
        category = CategoryFactory(skills=[skill])
        ticket = TicketFactory(
            category=category,
            company=CompanyFactory(tier="vip" if i % 2 else "standard"),
            board=BoardFactory(name=f"Board {i % 3}"),
            status="New" if i % 2 else "Waiting",
        )
        decision_create(ticket=ticket, mode="suggest", initiated_by="test")
    pushed = TicketFactory(category=category)
    decision_approve(ticket=pushed, user=dispatcher, technician_id=tech.external_id, reason="load")
    Assignment.objects.filter(ticket=pushed).update(state=OutboxState.FAILED, last_error="HTTP 500")


def _count(c: Client, **headers: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert c.get(URL, headers=headers).status_code == 200
    return len(ctx.captured_queries)


def test_queue_query_count_does_not_grow_with_the_desk(
    dispatcher_client: Client, decision: Any, skill: Any, dispatcher: Any
) -> None:
    _grow(1, skill, dispatcher)
    small = (_count(dispatcher_client), _count(dispatcher_client, **HX))
    print("queue queries (page, htmx poll):", small)
    _grow(12, skill, dispatcher)
    page = dispatcher_client.get(URL).content.decode()
    assert page.count('class="ticket') >= 14 and page.count("badge-vip") >= 6
    assert (_count(dispatcher_client), _count(dispatcher_client, **HX)) == small
