from __future__ import annotations

from typing import Any

from django.urls import reverse


def test_home_redirects_to_the_queue(dispatcher_client: Any) -> None:
    response = dispatcher_client.get(reverse("dispatch:home"))
    assert response.status_code == 302 and response["Location"] == reverse("dispatch:queue")


def test_home_anonymous_goes_to_login(client: Any, db: Any) -> None:
    response = client.get(reverse("dispatch:home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_home_wrong_role_is_forbidden(norole_client: Any) -> None:
    assert norole_client.get(reverse("dispatch:home")).status_code == 403
