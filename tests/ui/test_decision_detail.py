from __future__ import annotations

from typing import Any

from django.urls import reverse

from dispatch.services import decision_approve


def url(decision: Any) -> str:
    return reverse("dispatch:decision", args=[decision.pk])


def test_detail_shows_audit_candidates_and_rules(dispatcher_client: Any, decision: Any) -> None:
    page = dispatcher_client.get(url(decision)).content.decode()
    assert "Audit trail" in page and "initiated" in page.lower()
    assert 'class="seg seg-skill"' in page
    assert "Rules applied" in page


def test_detail_shows_notifications_sent_after_approval(
    dispatcher_client: Any, decision: Any, dispatcher: Any
) -> None:
    decision_approve(
        ticket=decision.ticket, user=dispatcher, technician_id="tech-bob", reason="On site already"
    )
    page = dispatcher_client.get(url(decision)).content.decode()
    assert "Notifications sent" in page and "tech-bob@msp.example.com" in page
    assert "On site already" in page


def test_detail_shows_psa_sync_state(dispatcher_client: Any, decision: Any, dispatcher: Any) -> None:
    decision_approve(ticket=decision.ticket, user=dispatcher)
    page = dispatcher_client.get(url(decision)).content.decode()
    assert "PSA sync" in page and "status-psa-skipped" in page


def test_detail_counts_one_technician_in_the_singular(dispatcher_client: Any, db: Any) -> None:
    from dispatch.services import decision_create
    from tests.factories import TechnicianFactory, TicketFactory

    TechnicianFactory(external_id="tech-solo", name="Solo")
    decision = decision_create(ticket=TicketFactory(external_id="6001"), mode="suggest")
    page = dispatcher_client.get(url(decision)).content.decode()
    assert "<dd>1 technician, 1 available," in page


def test_detail_unknown_is_404(dispatcher_client: Any, db: Any) -> None:
    assert dispatcher_client.get(reverse("dispatch:decision", args=[424242])).status_code == 404


def test_detail_wrong_role_is_forbidden(norole_client: Any, decision: Any) -> None:
    assert norole_client.get(url(decision)).status_code == 403


def test_detail_anonymous_goes_to_login(client: Any, decision: Any) -> None:
    assert client.get(url(decision)).status_code == 302


def breached_and_approved(ticket: Any, dispatcher: Any) -> Any:
    from datetime import timedelta

    from django.utils import timezone

    from dispatch.services import decision_create

    ticket.sla_due = timezone.now() - timedelta(hours=1)
    ticket.save()
    decision = decision_create(ticket=ticket, mode="suggest", initiated_by="test")
    decision_approve(ticket=ticket, user=dispatcher)
    return decision


def test_a_breach_without_an_escalation_address_says_nobody_was_escalated_to(
    dispatcher_client: Any, ticket: Any, dispatcher: Any
) -> None:
    page = dispatcher_client.get(url(breached_and_approved(ticket, dispatcher))).content.decode()
    assert "SLA already breached; not escalated: no escalation address is configured" in page
    assert "No escalation address configured" in page
    assert "escalated to the service manager" not in page and "No escalation required" not in page


def test_a_breach_with_an_escalation_address_names_it_in_both_places(
    dispatcher_client: Any, ticket: Any, dispatcher: Any
) -> None:
    from dispatch.models import DispatchSettings

    DispatchSettings.objects.filter(pk=DispatchSettings.load().pk).update(escalation_email="boss@msp.example.com")
    page = dispatcher_client.get(url(breached_and_approved(ticket, dispatcher))).content.decode()
    assert "SLA already breached; assigned and escalated to boss@msp.example.com" in page
    assert "<td>boss@msp.example.com · email" in page


def test_a_breached_suggestion_says_the_escalation_waits_for_the_assignment(
    dispatcher_client: Any, ticket: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from dispatch.models import DispatchSettings
    from dispatch.services import decision_create

    DispatchSettings.objects.filter(pk=DispatchSettings.load().pk).update(escalation_email="boss@msp.example.com")
    ticket.sla_due = timezone.now() - timedelta(hours=1)
    ticket.save()
    page = dispatcher_client.get(url(decision_create(ticket=ticket, mode="suggest"))).content.decode()
    assert "SLA already breached; escalates to boss@msp.example.com once assigned" in page
