from __future__ import annotations

from typing import Any

from django.urls import reverse

from dispatch.services import decision_approve

URL = reverse("dispatch:metrics")


def test_metrics_page_has_charts_and_vendored_chartjs(dispatcher_client: Any, db: Any) -> None:
    page = dispatcher_client.get(URL).content.decode()
    assert 'id="chart-per-tech"' in page and 'id="chart-override"' in page and 'id="chart-sla"' in page
    assert "vendor/chart.umd.min.js" in page and "cdn" not in page.lower()


def test_metrics_chart_data_counts_assignments(
    dispatcher_client: Any, decision: Any, dispatcher: Any
) -> None:
    decision_approve(ticket=decision.ticket, user=dispatcher)
    response = dispatcher_client.get(URL, {"days": 7})
    data = response.context["charts"]
    assert (
        dict(zip(data["per_tech"]["labels"], data["per_tech"]["assignments"], strict=True))["Alice Expert"]
        == 1
    )


def test_metrics_counts_one_assignment_in_the_singular(
    dispatcher_client: Any, decision: Any, dispatcher: Any
) -> None:
    decision_approve(ticket=decision.ticket, user=dispatcher)
    page = dispatcher_client.get(URL, {"days": 7}).content.decode()
    assert '<span class="kpi-value">1</span><span class="kpi-label">assignment</span>' in page
    assert '<span class="kpi-label">open tickets breached (0 unassigned)</span>' in page


def test_metrics_period_is_selectable(dispatcher_client: Any, db: Any) -> None:
    assert dispatcher_client.get(URL, {"days": 90}).context["days"] == 90
    assert dispatcher_client.get(URL, {"days": 5}).context["days"] == 30  # not offered: the default


def test_metrics_wrong_role_is_forbidden(norole_client: Any) -> None:
    assert norole_client.get(URL).status_code == 403


def test_metrics_anonymous_goes_to_login(client: Any, db: Any) -> None:
    assert client.get(URL).status_code == 302
