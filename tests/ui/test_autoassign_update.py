from __future__ import annotations

from typing import Any

from django.urls import reverse

from tests.ui.conftest import HX


def url(category: Any) -> str:
    return reverse("dispatch:autoassign_update", args=[category.pk])


def data(category: Any, mode: str, threshold: str) -> dict[str, str]:
    return {f"c{category.pk}-auto_assign": mode, f"c{category.pk}-auto_assign_min_confidence": threshold}


def test_inline_edit_saves_and_returns_the_row(manager_client: Any, category: Any) -> None:
    response = manager_client.post(url(category), data(category, "shadow", "0.8"), headers=HX)
    category.refresh_from_db()
    assert (category.auto_assign, category.auto_assign_min_confidence) == ("shadow", 0.8)
    assert response.status_code == 200 and f'id="cat-{category.pk}"'.encode() in response.content


def test_inline_edit_rejects_a_threshold_above_one(manager_client: Any, category: Any) -> None:
    response = manager_client.post(url(category), data(category, "on", "1.5"), headers=HX)
    category.refresh_from_db()
    assert response.status_code == 422 and category.auto_assign == "off"


def test_inline_edit_plain_post_redirects(manager_client: Any, category: Any) -> None:
    response = manager_client.post(url(category), data(category, "on", "0.9"))
    assert response["Location"] == reverse("dispatch:autoassign")


def test_inline_edit_is_for_managers_only(dispatcher_client: Any, category: Any) -> None:
    assert dispatcher_client.post(url(category), data(category, "on", "0.5")).status_code == 403
    category.refresh_from_db()
    assert category.auto_assign == "off"


def test_inline_edit_anonymous_goes_to_login(client: Any, category: Any) -> None:
    assert client.post(url(category), data(category, "on", "0.5")).status_code == 302
