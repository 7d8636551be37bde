"""dispatch.metrics: the computations behind the metrics and auto-assign pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from dispatch import metrics
from dispatch.models import Decision
from dispatch.services import decision_approve, decision_create
from tests.factories import TechnicianFactory, TicketFactory


def test_gini_is_zero_when_even_and_high_when_concentrated() -> None:
    assert metrics.gini([3, 3, 3]) == 0
    assert metrics.gini([0, 0, 9]) > 0.6


def test_sla_state_breached_at_risk_on_track() -> None:
    now = timezone.now()
    created = now - timedelta(hours=7)
    assert metrics.sla_state(now - timedelta(minutes=1), created, now) == "breached"
    assert metrics.sla_state(now + timedelta(minutes=20), created, now) == "at_risk"
    assert metrics.sla_state(now + timedelta(hours=6), created, now) == "on_track"
    assert metrics.sla_state(None, created, now) == "none"


def test_time_to_dispatch_measures_creation_to_decision(decision: Any, dispatcher: Any) -> None:
    decision.ticket.created_at = timezone.now() - timedelta(minutes=30)
    decision.ticket.save()
    decision_approve(ticket=decision.ticket, user=dispatcher)
    result = metrics.time_to_dispatch(timezone.now() - timedelta(days=1))
    assert result["count"] == 1 and 29 <= result["median"] <= 31


def test_agreement_counts_approvals_overrides_and_shadow(
    ticket: Any, category: Any, dispatcher: Any, alice: Any
) -> None:
    decision_approve(ticket=decision_create(ticket=ticket, mode="suggest").ticket, user=dispatcher)
    other = TicketFactory(category=category)
    decision_approve(
        ticket=decision_create(ticket=other, mode="suggest").ticket,
        user=dispatcher,
        technician_id="tech-bob",
        reason="x",
    )
    shadow_ticket = TicketFactory(category=category)
    shadow = decision_create(ticket=shadow_ticket, mode="suggest")
    Decision.objects.filter(pk=shadow.pk).update(status="shadow")
    type(shadow_ticket).objects.filter(pk=shadow_ticket.pk).update(assigned_to=alice)
    stats = metrics.category_agreement(timezone.now() - timedelta(days=1))["Email"]
    assert (stats.approved, stats.overridden, stats.shadow_resolved, stats.shadow_agreed) == (1, 1, 1, 1)
    assert stats.agreement == 2 / 3 and stats.override_rate == 0.5


def test_advice_turns_on_when_trusted_and_off_when_overrides_climb() -> None:
    trusted = metrics.Agreement(category="Email", approved=19, overridden=1)
    assert trusted.advice("off")[0] == "on"
    climbing = metrics.Agreement(
        category="Email", approved=20, overridden=6, recent_approved=2, recent_overridden=5
    )
    assert climbing.advice("on")[0] == "off"
    assert metrics.Agreement(category="Email", approved=5).advice("off")[0] == ""


def test_assignments_per_technician_includes_idle_technicians(decision: Any, dispatcher: Any) -> None:
    TechnicianFactory(name="Idle Ida")
    decision_approve(ticket=decision.ticket, user=dispatcher)
    rows = {
        r["name"]: r["assignments"]
        for r in metrics.assignments_per_technician(timezone.now() - timedelta(days=1))
    }
    assert rows["Alice Expert"] == 1 and rows["Idle Ida"] == 0


def test_metrics_summary_runs_in_constant_queries(
    decision: Any, dispatcher: Any, django_assert_max_num_queries: Any
) -> None:
    decision_approve(ticket=decision.ticket, user=dispatcher)
    for _ in range(5):
        TicketFactory()
    with django_assert_max_num_queries(10):
        metrics.metrics_summary(30)
