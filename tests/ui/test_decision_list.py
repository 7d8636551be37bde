from __future__ import annotations

from typing import Any

from django.urls import reverse

URL = reverse("dispatch:decisions")


def test_decisions_list_links_to_the_detail(dispatcher_client: Any, decision: Any) -> None:
    page = dispatcher_client.get(URL).content.decode()
    assert reverse("dispatch:decision", args=[decision.pk]) in page and "Alice Expert" in page


def test_decisions_list_filters_by_status(dispatcher_client: Any, decision: Any) -> None:
    page = dispatcher_client.get(URL, {"status": "approved"}).content.decode()
    assert reverse("dispatch:decision", args=[decision.pk]) not in page


def test_decisions_wrong_role_is_forbidden(norole_client: Any) -> None:
    assert norole_client.get(URL).status_code == 403


def test_decisions_anonymous_goes_to_login(client: Any, db: Any) -> None:
    assert client.get(URL).status_code == 302
