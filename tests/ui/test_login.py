from __future__ import annotations

from typing import Any

from django.urls import reverse


def test_login_page_is_styled_and_has_a_form(client: Any, db: Any) -> None:
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert b'class="login-card"' in response.content
    assert b'name="username"' in response.content


def test_logging_in_lands_on_the_queue(client: Any, dispatcher: Any) -> None:
    response = client.post(
        reverse("accounts:login"), {"username": "dana", "password": "pw-for-tests-123"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("dispatch:queue")


def test_logout_is_a_post_form_in_the_nav(dispatcher_client: Any) -> None:
    page = dispatcher_client.get(reverse("dispatch:queue")).content.decode()
    assert f'<form method="post" action="{reverse("accounts:logout")}">' in page
    response = dispatcher_client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
