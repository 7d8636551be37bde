from __future__ import annotations

from typing import Any

from django.urls import reverse


def test_dispatcher_nav_has_only_dispatch_pages(dispatcher_client: Any) -> None:
    page = dispatcher_client.get(reverse("dispatch:queue")).content.decode()
    assert reverse("dispatch:metrics") in page and reverse("dispatch:decisions") in page
    assert reverse("skills:matrix") not in page
    assert reverse("dispatch:rules") not in page


def test_manager_nav_has_every_page(manager_client: Any) -> None:
    page = manager_client.get(reverse("dispatch:queue")).content.decode()
    for name in (
        "skills:matrix",
        "skills:schedules",
        "dispatch:rules",
        "dispatch:autoassign",
        "dispatch:metrics",
    ):
        assert reverse(name) in page


def test_nav_shows_the_user_name(dispatcher_client: Any) -> None:
    assert b"dana" in dispatcher_client.get(reverse("dispatch:queue")).content
