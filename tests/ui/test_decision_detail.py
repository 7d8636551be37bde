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


def test_detail_unknown_is_404(dispatcher_client: Any, db: Any) -> None:
    assert dispatcher_client.get(reverse("dispatch:decision", args=[424242])).status_code == 404


def test_detail_wrong_role_is_forbidden(norole_client: Any, decision: Any) -> None:
    assert norole_client.get(url(decision)).status_code == 403


def test_detail_anonymous_goes_to_login(client: Any, decision: Any) -> None:
    assert client.get(url(decision)).status_code == 302
