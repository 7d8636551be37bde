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


def test_a_refused_threshold_names_the_field_and_shows_the_stored_values(manager_client: Any, category: Any) -> None:
    response = manager_client.post(url(category), data(category, "on", "1.5"), headers=HX)
    html = response.content.decode()
    assert "Min. confidence: Ensure this value is less than or equal to 1." in html
    assert "Not saved: still Off, ≥ 0.70." in html
    assert '<option value="off" selected>' in html and 'value="0.7"' in html
    assert 'value="1.5"' not in html and '<option value="on" selected>' not in html


def test_the_inline_edit_leaves_range_checks_to_the_server(manager_client: Any, category: Any) -> None:
    # the browser would otherwise halt htmx's request silently on 1.5 while the row shows the new mode
    page = manager_client.get(reverse("dispatch:autoassign")).content.decode()
    assert f'<form method="post" action="{url(category)}" class="inline-edit" novalidate' in page


def test_inline_edit_plain_post_redirects(manager_client: Any, category: Any) -> None:
    response = manager_client.post(url(category), data(category, "on", "0.9"))
    assert response["Location"] == reverse("dispatch:autoassign")


def test_a_refused_plain_post_names_the_field(manager_client: Any, category: Any) -> None:
    response = manager_client.post(url(category), data(category, "on", "1.5"), follow=True)
    assert "Email: Min. confidence: Ensure this value is less than or equal to 1. Not saved." in response.content.decode()


def test_inline_edit_is_for_managers_only(dispatcher_client: Any, category: Any) -> None:
    assert dispatcher_client.post(url(category), data(category, "on", "0.5")).status_code == 403
    category.refresh_from_db()
    assert category.auto_assign == "off"


def test_inline_edit_anonymous_goes_to_login(client: Any, category: Any) -> None:
    assert client.post(url(category), data(category, "on", "0.5")).status_code == 302
