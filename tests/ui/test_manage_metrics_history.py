"""Metrics count the imported history too, and every rate shows its sample size n."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.urls import reverse

from dispatch import metrics
from dispatch.services import decision_approve
from tests.factories import HistoryTicketFactory

NOW = datetime(2026, 3, 20, 15, tzinfo=UTC)
URL = reverse("dispatch:metrics")


@pytest.fixture
def history(alice: Any, bob: Any) -> None:
    for day, hours, tech in ((1, 2, alice), (1, 4, alice), (2, 6, bob), (40, 1, bob)):  # the last: before 30 days
        opened = NOW - timedelta(days=day, hours=hours)
        HistoryTicketFactory(opened_at=opened, resolved_at=opened + timedelta(hours=hours), resolved_by=tech)


def test_history_resolved_in_the_period_per_day_and_technician(history: None) -> None:
    found = metrics.history_resolved(metrics.since(30, NOW), NOW)
    assert found["count"] == 3 and found["median_hours"] == 4.0
    assert [(r["day"], r["resolved"]) for r in found["per_day"]] == [("2026-03-18", 1), ("2026-03-19", 2)]
    assert found["per_tech"] == {
        "Alice Expert": {"resolved": 2, "median_hours": 3.0},
        "Bob Beginner": {"resolved": 1, "median_hours": 6.0},
    }


def test_the_page_shows_a_desk_with_history_but_no_decisions(
    history: None, dispatcher_client: Any, time_machine: Any
) -> None:
    time_machine.move_to(NOW, tick=False)
    response = dispatcher_client.get(URL)
    page = response.content.decode()
    assert '<span class="kpi-value">3</span><span class="kpi-label">tickets resolved (imported history)</span>' in page
    assert "median resolution time · p90" in page and "(n=3)" in page
    charts = response.context["charts"]
    assert charts["history"]["resolved"] == [1, 2]
    per_tech = dict(zip(charts["per_tech"]["labels"], charts["per_tech"]["resolved"], strict=True))
    assert per_tech == {"Alice Expert": 2, "Bob Beginner": 1}


def test_override_rates_carry_n_and_a_tiny_n_is_faded(
    decision: Any, dispatcher: Any, dispatcher_client: Any, bob: Any
) -> None:
    decision_approve(ticket=decision.ticket, user=dispatcher, technician_id=bob.external_id, reason="asked for Bob")
    response = dispatcher_client.get(URL)
    assert response.context["charts"]["override"]["labels"] == ["Email (n=1)"]
    assert response.context["charts"]["override"]["n"] == [1]
    assert '<td class="num is-small-n">100% <small>(n=1)</small></td>' in response.content.decode()


def test_summary_queries_stay_constant_with_history(
    history: None, decision: Any, dispatcher: Any, django_assert_max_num_queries: Any
) -> None:
    decision_approve(ticket=decision.ticket, user=dispatcher)
    with django_assert_max_num_queries(11):
        metrics.metrics_summary(30, NOW)
