from __future__ import annotations

from typing import Any

from django.urls import reverse

from dispatch.models import Decision
from tests.ui.conftest import HX

WEIGHTS = {
    "w_skill": 30,
    "w_availability": 25,
    "w_workload": 20,
    "w_performance": 15,
    "w_customer_preference": 10,
}


def url(ticket: Any) -> str:
    return reverse("dispatch:whatif", args=[ticket.pk])


def test_whatif_panel_has_sliders_strategy_time_and_exclusions(dispatcher_client: Any, decision: Any) -> None:
    page = dispatcher_client.get(url(decision.ticket), headers=HX).content.decode()
    assert page.count('type="range"') == 5
    assert 'name="strategy"' in page and 'name="as_of"' in page and 'name="exclude"' in page


def test_excluding_the_top_technician_changes_the_ranking(dispatcher_client: Any, decision: Any) -> None:
    params = {"run": "1", "exclude": "tech-alice", **WEIGHTS}
    headers = {**HX, "HX-Target": f"wr-{decision.ticket.pk}"}
    page = dispatcher_client.get(url(decision.ticket), params, headers=headers).content.decode()
    assert 'data-whatif-top="tech-bob"' in page and "changed from Alice Expert" in page


def test_whatif_results_only_for_the_results_target(dispatcher_client: Any, decision: Any) -> None:
    headers = {**HX, "HX-Target": f"wr-{decision.ticket.pk}"}
    page = dispatcher_client.get(
        url(decision.ticket), {"run": "1", **WEIGHTS}, headers=headers
    ).content.decode()
    assert 'type="range"' not in page and "data-whatif-top" in page


def test_whatif_stores_nothing(dispatcher_client: Any, decision: Any) -> None:
    dispatcher_client.get(
        url(decision.ticket), {"run": "1", "exclude": "tech-alice", "strategy": "least_busy"}, headers=HX
    )
    assert Decision.objects.filter(ticket=decision.ticket).count() == 1


def test_whatif_without_js_renders_the_ticket_page(dispatcher_client: Any, decision: Any) -> None:
    page = dispatcher_client.get(url(decision.ticket), {"run": "1", **WEIGHTS}).content.decode()
    assert "<html" in page and "What-if" in page


def test_whatif_wrong_role_is_forbidden(norole_client: Any, decision: Any) -> None:
    assert norole_client.get(url(decision.ticket), headers=HX).status_code == 403


def test_whatif_anonymous_goes_to_login(client: Any, decision: Any) -> None:
    assert client.get(url(decision.ticket)).status_code == 302
