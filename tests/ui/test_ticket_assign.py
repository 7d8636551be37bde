from __future__ import annotations

import json
from typing import Any

from django.urls import reverse

from dispatch.models import Decision
from tests.factories import UserFactory
from tests.ui.conftest import HX


def url(ticket: Any) -> str:
    return reverse("dispatch:assign", args=[ticket.pk])


def test_approve_htmx_returns_the_row_and_a_trigger(dispatcher_client: Any, decision: Any) -> None:
    response = dispatcher_client.post(url(decision.ticket), {"technician_id": "tech-alice"}, headers=HX)
    assert response.status_code == 200
    assert b'id="t-' in response.content and b"Assigned to Alice Expert" in response.content
    assert json.loads(response["HX-Trigger"])["ticketAssigned"]["technician"] == "Alice Expert"


def test_approve_without_technician_takes_the_suggestion(dispatcher_client: Any, decision: Any) -> None:
    dispatcher_client.post(url(decision.ticket), headers=HX)
    decision.refresh_from_db()
    assert decision.status == "approved" and decision.assigned.name == "Alice Expert"


def test_approve_plain_post_redirects_with_a_message(dispatcher_client: Any, decision: Any) -> None:
    response = dispatcher_client.post(url(decision.ticket), follow=True)
    assert response.redirect_chain[0][0] == reverse("dispatch:queue")
    assert b"assigned to Alice Expert" in response.content


def test_override_with_reason_records_it(dispatcher_client: Any, decision: Any) -> None:
    dispatcher_client.post(
        url(decision.ticket), {"technician_id": "tech-bob", "reason": "Knows the customer"}, headers=HX
    )
    decision.refresh_from_db()
    assert decision.status == "overridden" and decision.override_reason == "Knows the customer"


def test_override_without_reason_is_rejected_in_the_row(dispatcher_client: Any, decision: Any) -> None:
    response = dispatcher_client.post(url(decision.ticket), {"technician_id": "tech-bob"}, headers=HX)
    assert response.status_code == 422
    assert b"reason: required" in response.content
    assert Decision.objects.get(pk=decision.pk).status == "suggested"


def test_second_dispatcher_gets_409_with_who_won(
    dispatcher_client: Any, client_for: Any, decision: Any
) -> None:
    dispatcher_client.post(url(decision.ticket), headers=HX)
    other = client_for(UserFactory(username="sam"))
    response = other.post(url(decision.ticket), {"technician_id": "tech-bob", "reason": "mine"}, headers=HX)
    assert response.status_code == 409
    assert b"Already assigned to Alice Expert by dana" in response.content


def test_conflict_plain_post_redirects_with_the_message(
    dispatcher_client: Any, client_for: Any, decision: Any
) -> None:
    dispatcher_client.post(url(decision.ticket))
    response = client_for(UserFactory(username="sam")).post(url(decision.ticket), follow=True)
    assert b"Already assigned to Alice Expert by dana" in response.content


def test_assign_rejects_get(dispatcher_client: Any, decision: Any) -> None:
    assert dispatcher_client.get(url(decision.ticket)).status_code == 405


def test_assign_anonymous_goes_to_login(client: Any, decision: Any) -> None:
    assert client.post(url(decision.ticket)).status_code == 302


def test_assign_wrong_role_is_forbidden(norole_client: Any, decision: Any) -> None:
    assert norole_client.post(url(decision.ticket), headers=HX).status_code == 403
    assert Decision.objects.get(pk=decision.pk).status == "suggested"
