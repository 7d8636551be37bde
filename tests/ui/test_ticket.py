from __future__ import annotations

from typing import Any

from django.urls import reverse

from dispatch.models import Decision
from tests.ui.conftest import HX


def url(ticket: Any) -> str:
    return reverse("dispatch:ticket", args=[ticket.pk])


def test_expanding_a_ticket_without_decision_creates_one(dispatcher_client: Any, ticket: Any) -> None:
    response = dispatcher_client.get(url(ticket), headers=HX)
    decision = Decision.objects.get(ticket=ticket)
    assert decision.status == "suggested" and decision.initiated_by == "dana"
    assert response.status_code == 200 and b"<html" not in response.content


def test_expanding_reuses_the_current_decision(dispatcher_client: Any, decision: Any) -> None:
    dispatcher_client.get(url(decision.ticket), headers=HX)
    assert Decision.objects.filter(ticket=decision.ticket).count() == 1


def test_candidates_show_breakdown_bars_with_reasons(dispatcher_client: Any, decision: Any) -> None:
    page = dispatcher_client.get(url(decision.ticket), headers=HX).content.decode()
    assert 'class="seg seg-skill"' in page
    assert "pts (weight" in page  # the tooltip
    assert "Rules applied" in page


def test_candidates_mark_the_suggestion_and_offer_an_override_form(
    dispatcher_client: Any, decision: Any
) -> None:
    page = dispatcher_client.get(url(decision.ticket), headers=HX).content.decode()
    assert "suggested</span>" in page
    assert 'name="reason"' in page and 'value="tech-bob"' in page


def test_blocked_candidates_are_greyed_with_their_reason(
    dispatcher_client: Any, ticket: Any, bob: Any
) -> None:
    bob.languages = ["French"]
    bob.save()
    ticket.language = "German"
    ticket.save()
    page = dispatcher_client.get(url(ticket), headers=HX).content.decode()
    assert "is-blocked" in page and "Blocked by" in page


def test_failed_decision_shows_reason_code_and_actions(
    dispatcher_client: Any, ticket: Any, alice: Any, bob: Any
) -> None:
    from skills.models import Technician

    for tech in Technician.objects.all():  # as the admin and the PSA people sync do: one save each
        tech.active = False
        tech.save(update_fields=["active"])
    page = dispatcher_client.get(url(ticket), headers=HX).content.decode()
    assert "failure-box" in page
    assert Decision.objects.get(ticket=ticket).error_code in page


def test_ticket_full_page_without_htmx(dispatcher_client: Any, decision: Any) -> None:
    page = dispatcher_client.get(url(decision.ticket)).content.decode()
    assert "<html" in page and "Approve Alice Expert" in page


def test_ticket_unknown_is_404(dispatcher_client: Any, db: Any) -> None:
    assert dispatcher_client.get(reverse("dispatch:ticket", args=[999999])).status_code == 404


def test_ticket_anonymous_goes_to_login(client: Any, ticket: Any) -> None:
    assert client.get(url(ticket)).status_code == 302


def test_ticket_wrong_role_is_forbidden(norole_client: Any, ticket: Any) -> None:
    assert norole_client.get(url(ticket), headers=HX).status_code == 403


def test_candidates_below_the_skill_threshold_are_marked_unqualified(
    dispatcher_client: Any, ticket: Any
) -> None:
    from tests.factories import TechnicianFactory

    TechnicianFactory(external_id="tech-nobody", name="No Skills")
    page = dispatcher_client.get(url(ticket), headers=HX).content.decode()
    row = page[page.index('data-tech="tech-nobody"') - 80 :]
    assert "is-unqualified" in row[:120] and ">unqualified</span>" in row[:800]
    assert 'is-unqualified" data-tech="tech-alice"' not in page


def test_a_breached_ticket_without_an_escalation_address_claims_no_escalation(
    dispatcher_client: Any, ticket: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    ticket.sla_due = timezone.now() - timedelta(hours=1)
    ticket.save()
    page = dispatcher_client.get(url(ticket), headers=HX).content.decode()
    assert "SLA already breached; not escalated: no escalation address is configured" in page
    assert "escalated to the service manager" not in page


def test_an_assigned_ticket_without_a_decision_shows_no_empty_decision_block(
    dispatcher_client: Any, ticket: Any, bob: Any
) -> None:
    ticket.assigned_to, ticket.status = bob, "Assigned"
    ticket.save()
    page = dispatcher_client.get(url(ticket)).content.decode()
    assert "Assigned to</dt><dd><strong>Bob Beginner" in page
    assert "No decision yet" not in page and "Rules applied" not in page
    partial = dispatcher_client.get(url(ticket), headers=HX).content.decode()
    assert "Assigned to Bob Beginner without a decision from Switchboard." in partial
    assert "No decision yet" not in partial and "Rules applied" not in partial
