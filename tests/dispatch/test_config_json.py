"""JSON typed into the rules page and the admin (issue 13): nesting that exhausted the parser
and keys given twice are field errors, not a 500 or a silent merge, and nothing is saved."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from dispatch.models import Rule
from psa.models import PsaConnection
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
DEEP = "[" * 50_000 + "]" * 50_000
NESTED = '{"company": ' + "[" * 40 + "]" * 40 + "}"


@pytest.fixture
def manager(db: Any) -> Client:
    client = Client()
    client.force_login(UserFactory(username="morgan", role="manager", is_staff=True))
    return client


def _rule_page(client: Client, when: str, then: str = '{"assign_to": "tech-a"}') -> Any:
    data = {"name": "R", "when": when, "then": then, "order": 1, "action": "save"}
    return client.post(reverse("dispatch:rule_new"), data)


@pytest.mark.parametrize("when", [DEEP, NESTED, '{"company": "a", "company": "b"}'])
def test_the_rules_page_refuses_deep_or_duplicated_json(manager: Client, when: str) -> None:
    response = _rule_page(manager, when)
    assert response.status_code == 422 and not Rule.objects.exists()


def test_the_rules_page_names_a_duplicate_key(manager: Client) -> None:
    assert b"duplicate key" in _rule_page(manager, '{"company": "a", "company": "b"}').content


@pytest.mark.parametrize("when", [DEEP, NESTED, '{"company": "a", "company": "b"}'])
def test_the_admin_refuses_deep_or_duplicated_json(manager: Client, when: str) -> None:
    data = {"name": "R", "when": when, "then": '{"assign_to": "tech-a"}', "order": 1, "unless_unavailable": "on", "enabled": "on"}
    response = manager.post(reverse("admin:dispatch_rule_add"), data)
    assert response.status_code == 200 and not Rule.objects.exists()


def test_the_admin_refuses_deep_credentials_json(manager: Client) -> None:
    data = {"name": "cw", "vendor": "connectwise", "base_url": "https://a.myconnectwise.net", "credentials_env": "",
            "boards": "[]", "enabled": "on", "webhook_secret": "", "credentials_json": DEEP,
            "members-TOTAL_FORMS": "0", "members-INITIAL_FORMS": "0"}  # fmt: skip
    response = manager.post(reverse("admin:psa_psaconnection_add"), data)
    assert response.status_code == 200 and b"nested deeper" in response.content
    assert not PsaConnection.objects.exists()
