"""Two dispatchers approving the same ticket at the same instant, on real PostgreSQL
connections (one per thread): exactly one assignment, and the loser learns who won."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from dispatch import services
from dispatch.models import Assignment, Ticket
from tests.factories import CategoryFactory, SkillFactory, TechnicianFactory, TicketFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _race(ticket: Ticket, calls: list[dict[str, Any]]) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)

    def run(i: int, kwargs: dict[str, Any]) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[i] = services.decision_approve(ticket=ticket, **kwargs)
        except Exception as exc:  # the outcome under test
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, kw)) for i, kw in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return outcomes


def test_concurrent_approvals_assign_exactly_once() -> None:
    skill = SkillFactory(name="Exchange")
    category = CategoryFactory(name="Email", skills=[skill])
    TechnicianFactory(external_id="tech-a", skills={skill: "expert"})
    TechnicianFactory(external_id="tech-b", skills={skill: "intermediate"})
    ticket = TicketFactory(category=category)
    services.decision_create(ticket=ticket, mode="suggest")
    dana, sam = UserFactory(username="dana"), UserFactory(username="sam")
    outcomes = _race(ticket, [{"user": dana}, {"user": sam, "technician_id": "tech-b", "reason": "closer"}] * 2)
    winners = [o for o in outcomes if not isinstance(o, Exception)]
    losers = [o for o in outcomes if isinstance(o, services.AssignmentConflict)]
    assert len(winners) == 1 and len(losers) == 3
    assert Assignment.objects.filter(ticket=ticket).count() == 1
    assert {loser.decision.pk for loser in losers} == {winners[0].pk}
