from __future__ import annotations

from typing import Any

from django.urls import reverse

from dispatch.models import Decision
from tests.ui.conftest import HX


def url(ticket: Any) -> str:
    return reverse("dispatch:rerank", args=[ticket.pk])


def test_rerank_supersedes_the_old_decision(dispatcher_client: Any, decision: Any) -> None:
    response = dispatcher_client.post(url(decision.ticket), headers=HX)
    assert response.status_code == 200 and b"cands" in response.content
    assert Decision.objects.get(pk=decision.pk).status == "superseded"
    assert Decision.objects.filter(ticket=decision.ticket).count() == 2


def test_rerank_plain_post_redirects_to_the_ticket(dispatcher_client: Any, decision: Any) -> None:
    response = dispatcher_client.post(url(decision.ticket))
    assert response["Location"] == reverse("dispatch:ticket", args=[decision.ticket.pk])


def test_rerank_wrong_role_is_forbidden(norole_client: Any, decision: Any) -> None:
    assert norole_client.post(url(decision.ticket)).status_code == 403


def test_rerank_anonymous_goes_to_login(client: Any, decision: Any) -> None:
    assert client.post(url(decision.ticket)).status_code == 302
