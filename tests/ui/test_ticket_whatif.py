from __future__ import annotations

from datetime import timedelta
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


def test_whatif_says_when_the_sla_moved_weight_beyond_the_sliders(
    dispatcher_client: Any, category: Any, alice: Any, bob: Any
) -> None:
    """The engine moves weight to availability and workload as the deadline nears: the what-if
    ranking says so beside the sliders it was given, as the ticket's own rules applied do."""
    from django.utils import timezone

    from tests.factories import TicketFactory

    soon = TicketFactory(external_id="5002", category=category, sla_due=timezone.now() + timedelta(minutes=10))
    headers = {**HX, "HX-Target": f"wr-{soon.pk}"}
    page = dispatcher_client.get(url(soon), {"run": "1", **WEIGHTS}, headers=headers).content.decode()
    assert "Rules applied in this ranking" in page
    assert "sla_urgency_boost" in page and "% of the weight moved to availability and workload (SLA due in 0.2 h)" in page
    whole = dispatcher_client.get(url(soon), {"run": "1", **WEIGHTS}).content.decode()  # without JavaScript
    what_if = whole[whole.index('class="whatif"') :]
    assert "Rules applied in this ranking" in what_if and "(SLA due in 0.2 h)" in what_if
    calm = TicketFactory(external_id="5003", category=category, priority="Low", sla_due=timezone.now() + timedelta(days=3))
    headers = {**HX, "HX-Target": f"wr-{calm.pk}"}
    page = dispatcher_client.get(url(calm), {"run": "1", **WEIGHTS}, headers=headers).content.decode()
    assert "sla_urgency_boost" not in page


def test_whatif_on_a_breached_ticket_says_the_escalation_as_it_would_be(
    dispatcher_client: Any, category: Any, alice: Any, bob: Any
) -> None:
    """Nothing is assigned or sent by a what-if: not the engine's "assigned and escalated to the
    service manager" (item 10's contradiction), but what would happen."""
    from django.utils import timezone

    from dispatch.models import DispatchSettings
    from tests.factories import TicketFactory

    late = TicketFactory(external_id="5004", category=category, sla_due=timezone.now() - timedelta(minutes=5))
    headers = {**HX, "HX-Target": f"wr-{late.pk}"}
    page = dispatcher_client.get(url(late), {"run": "1", **WEIGHTS}, headers=headers).content.decode()
    assert "SLA already breached; not escalated: no escalation address is configured" in page
    assert "assigned and escalated" not in page
    DispatchSettings.objects.filter(pk=DispatchSettings.load().pk).update(escalation_email="boss@msp.example.com")
    page = dispatcher_client.get(url(late), {"run": "1", **WEIGHTS}, headers=headers).content.decode()
    assert "SLA already breached; escalates to boss@msp.example.com once assigned" in page
