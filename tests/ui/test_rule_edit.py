from __future__ import annotations

from typing import Any

from django.urls import reverse

from dispatch.models import Rule
from tests.factories import RuleFactory
from tests.ui.conftest import HX

NEW = reverse("dispatch:rule_new")


def test_new_rule_is_saved(manager_client: Any, db: Any) -> None:
    data = {
        "name": "Email to Alice",
        "when": '{"category": "Email"}',
        "then": '{"assign_to": "tech-alice"}',
        "enabled": "on",
        "order": 1,
        "action": "save",
    }
    assert manager_client.post(NEW, data).status_code == 302
    assert Rule.objects.get(name="Email to Alice").then == {"assign_to": "tech-alice"}


def test_invalid_rule_shows_its_problems(manager_client: Any, db: Any) -> None:
    data = {
        "name": "Bad",
        "when": '{"colour": "red"}',
        "then": '{"prefer": "x", "exclude": ["y"]}',
        "order": 1,
        "action": "save",
    }
    response = manager_client.post(NEW, data)
    assert response.status_code == 422 and b"when.colour: unknown key (allowed: company, tier, category, priority, board, keywords)" in response.content
    assert not Rule.objects.filter(name="Bad").exists()


def test_invalid_json_is_reported(manager_client: Any, db: Any) -> None:
    response = manager_client.post(NEW, {"name": "X", "when": "{", "then": "{}", "order": 1})
    assert response.status_code == 422 and b"Not valid JSON" in response.content


def test_preview_shows_changed_top_suggestions_and_saves_nothing(manager_client: Any, decision: Any) -> None:
    data = {
        "name": "Bob for email",
        "when": '{"category": "Email"}',
        "then": '{"assign_to": "tech-bob"}',
        "enabled": "on",
        "order": 1,
        "action": "preview",
    }
    response = manager_client.post(NEW, data, headers=HX)
    assert b"1 of 1" in response.content and b"Bob Beginner" in response.content
    assert not Rule.objects.exists()


def test_delete_removes_the_rule(manager_client: Any, db: Any) -> None:
    rule = RuleFactory()
    manager_client.post(reverse("dispatch:rule", args=[rule.pk]), {"action": "delete"})
    assert not Rule.objects.filter(pk=rule.pk).exists()


def test_rule_edit_is_for_managers_only(dispatcher_client: Any, db: Any) -> None:
    rule = RuleFactory()
    assert dispatcher_client.get(reverse("dispatch:rule", args=[rule.pk])).status_code == 403
    assert (
        dispatcher_client.post(reverse("dispatch:rule", args=[rule.pk]), {"action": "delete"}).status_code
        == 403
    )


def test_rule_edit_anonymous_goes_to_login(client: Any, db: Any) -> None:
    assert client.get(NEW).status_code == 302
