from __future__ import annotations

from typing import Any

from django.urls import reverse

from dispatch.services import decision_approve, decision_create
from tests.factories import TicketFactory

URL = reverse("dispatch:autoassign")


def test_autoassign_lists_categories_with_inline_forms(manager_client: Any, category: Any) -> None:
    page = manager_client.get(URL).content.decode()
    assert "Email" in page and reverse("dispatch:autoassign_update", args=[category.pk]) in page


def test_autoassign_suggests_turning_on_after_20_agreements(
    manager_client: Any, category: Any, dispatcher: Any, alice: Any, bob: Any
) -> None:
    for _ in range(20):
        decision_approve(
            ticket=decision_create(ticket=TicketFactory(category=category), mode="suggest").ticket,
            user=dispatcher,
        )
    page = manager_client.get(URL).content.decode()
    assert "Turn on" in page and "100% agreement over 20 decisions" in page


def test_autoassign_is_for_managers_only(dispatcher_client: Any) -> None:
    assert dispatcher_client.get(URL).status_code == 403


def test_autoassign_anonymous_goes_to_login(client: Any, db: Any) -> None:
    assert client.get(URL).status_code == 302
