"""services.suggestions_store: many suggestions stored in a fixed number of queries, each the
decision decision_store would have stored (the batch and the background re-rank use it)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dispatch import engine, services
from dispatch.facts import load_policy, ticket_facts
from dispatch.models import Decision, DecisionStatus
from dispatch.selectors import ticket_queryset
from dispatch.snapshot import tech_facts
from tests.factories import CategoryFactory, SkillFactory, TechnicianFactory, TicketFactory

pytestmark = pytest.mark.django_db

VOLATILE = {"decision_id", "completed_timestamp", "workflow_run_id", "duration_seconds", "timestamp", "assignment_timestamp", "time_to_dispatch_seconds", "started_at", "finished_at"}


def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def _ranked(n: int) -> tuple[list[tuple[Any, Any, Any]], Any, Any]:
    skill = SkillFactory(name="Exchange")
    category = CategoryFactory(name="Email", skills=[skill])
    TechnicianFactory(external_id="tech-alice", name="Alice", skills={skill: "expert"})
    TechnicianFactory(external_id="tech-bob", name="Bob", skills={skill: "intermediate"})
    pks = [TicketFactory(external_id=f"81{i:02d}", category=category, priority="High").pk for i in range(n)]
    now = timezone.now()
    snap, policy = tech_facts(now), load_policy(now=now)
    items = []
    for ticket in ticket_queryset().filter(pk__in=pks).order_by("pk"):
        facts = ticket_facts(ticket)
        items.append((ticket, engine.rank(facts, snap.techs, policy), facts))
    return items, snap, policy


def test_each_bulk_decision_is_what_decision_store_writes() -> None:
    items, snap, policy = _ranked(4)
    assert all(r.selected for _, r, _ in items), "the desk should place every ticket"
    now = timezone.now()
    one = [
        services.decision_store(ticket=t, ranking=r, facts=f, techs=snap.techs, policy=policy, mode="suggest",
                                initiated_by="test", started_at=now, facts_version=snap.version)
        for t, r, f in items[:2]
    ]  # fmt: skip
    # The same rankings again, in bulk, for the same tickets: the first ones are superseded.
    bulk, rest = services.suggestions_store(
        items[:2], techs=snap.techs, policy=policy, mode="suggest", initiated_by="test", started_at=now,
        facts_version=snap.version,
    )  # fmt: skip
    assert rest == [] and len(bulk) == 2
    fields = ("status", "mode", "strategy", "recommended_id", "confidence", "top_score", "error_code", "waiting",
              "facts_version", "sla_risk", "candidates", "inputs", "notifications", "below_skill_threshold")  # fmt: skip
    for single, many in zip(one, bulk, strict=True):
        many.refresh_from_db()
        single.refresh_from_db()
        assert single.status == DecisionStatus.SUPERSEDED  # replaced by the bulk one
        assert [getattr(many, f) for f in fields[1:]] == [getattr(single, f) for f in fields[1:]]
        assert many.status == DecisionStatus.SUGGESTED
        assert str(many.pk) in many.document["audit_trail"]["workflow_run_id"]  # its own id, not a neighbour's
        assert _scrub(many.document) == _scrub(single.document)


def test_failures_and_assignments_are_left_for_decision_store() -> None:
    items, snap, policy = _ranked(2)
    ticket, ranking, facts = items[0]
    failed = type(ranking)(**{**ranking.__dict__, "selected": None, "error_code": "ALL_TECHNICIANS_AT_CAPACITY"})
    stored, rest = services.suggestions_store(
        [(ticket, failed, facts), items[1]], techs=snap.techs, policy=policy, mode="suggest", initiated_by="test",
        started_at=timezone.now(),
    )  # fmt: skip
    assert [d.ticket_id for d in stored] == [items[1][0].pk]
    assert [t.pk for t, _, _ in rest] == [ticket.pk]
    _, rest = services.suggestions_store(
        items, techs=snap.techs, policy=policy, mode="assign", initiated_by="test", started_at=timezone.now()
    )
    assert len(rest) == 2  # assigning goes one by one (claim, notification, PSA push)


@pytest.mark.parametrize("n", [3, 12])
def test_a_fixed_number_of_queries_whatever_the_number_of_tickets(n: int) -> None:
    items, snap, policy = _ranked(n)
    with CaptureQueriesContext(connection) as queries:
        stored, _ = services.suggestions_store(
            items, techs=snap.techs, policy=policy, mode="suggest", initiated_by="test", started_at=timezone.now()
        )
    assert len(stored) == n and Decision.objects.filter(status=DecisionStatus.SUGGESTED).count() == n
    assert len(queries) <= 6, [q["sql"][:80] for q in queries.captured_queries]
