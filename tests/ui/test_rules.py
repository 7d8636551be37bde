from __future__ import annotations

from typing import Any

from django.urls import reverse

from tests.factories import RuleFactory

URL = reverse("dispatch:rules")


def test_rules_page_shows_settings_form_and_rules(manager_client: Any, db: Any) -> None:
    RuleFactory(name="VIP to seniors", when={"tier": "vip"}, then={"min_seniority": "senior"})
    page = manager_client.get(URL).content.decode()
    assert 'name="w_skill"' in page and "Preview effect" in page
    assert "VIP to seniors" in page


def test_rules_page_is_for_managers_only(dispatcher_client: Any) -> None:
    assert dispatcher_client.get(URL).status_code == 403


def test_rules_page_anonymous_goes_to_login(client: Any, db: Any) -> None:
    assert client.get(URL).status_code == 302
