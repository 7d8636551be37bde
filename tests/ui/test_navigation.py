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


def test_pages_start_with_a_skip_link_to_the_main_content(dispatcher_client: Any, client: Any) -> None:
    for page in (dispatcher_client.get(reverse("dispatch:queue")), client.get(reverse("accounts:login"))):
        body = page.content.decode()
        body = body[body.index("<body") :]
        first_link = body[body.index("<a ") : body.index("</a>") + 4]
        assert first_link == '<a class="skip-link" href="#main">Skip to content</a>'
        assert '<main id="main" tabindex="-1"' in body
