"""Rules built with pickers by name (JSON stays for export and advanced edits)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from dispatch.models import Rule
from tests.factories import CompanyFactory, RuleFactory

NEW = reverse("dispatch:rule_new")


@pytest.fixture
def harborview(db: Any) -> Any:
    return CompanyFactory(external_id="harborview", name="Harborview Capital Partners")


def _post(client: Any, **fields: Any) -> Any:
    data = {"name": "VIP to Alice", "order": 1, "enabled": "on", "action": "save", "a_action": "assign_to", **fields}
    return client.post(NEW, data)


def test_a_rule_built_with_pickers_is_stored_as_the_workspace_json(
    manager_client: Any, harborview: Any, alice: Any
) -> None:
    response = _post(manager_client, c_company=["harborview"], c_priority=["High", "Critical"], a_technician="tech-alice")
    assert response.status_code == 302
    rule = Rule.objects.get(name="VIP to Alice")
    assert rule.when == {"company": "harborview", "priority": ["High", "Critical"]}
    assert rule.then == {"assign_to": "tech-alice"}


def test_prefer_several_with_points_and_keywords(manager_client: Any, alice: Any, bob: Any) -> None:
    response = _post(
        manager_client, a_action="prefer", a_technicians=["tech-alice", "tech-bob"], a_points="15", c_keywords="VPN, MFA"
    )
    assert response.status_code == 302
    rule = Rule.objects.get()
    assert rule.when == {"keywords": ["VPN", "MFA"]}
    assert rule.then == {"prefer": ["tech-alice", "tech-bob"], "points": 15.0}


def test_the_action_without_its_technician_is_refused_naming_the_field(manager_client: Any, alice: Any) -> None:
    response = _post(manager_client)
    assert response.status_code == 422 and "Pick the technician to assign to." in response.content.decode()
    assert not Rule.objects.exists()


def test_the_form_picks_technicians_by_name(manager_client: Any, alice: Any, harborview: Any) -> None:
    page = manager_client.get(NEW).content.decode()
    assert '<option value="tech-alice">Alice Expert</option>' in page
    assert '<option value="harborview">Harborview Capital Partners</option>' in page


def test_editing_a_rule_preselects_its_pickers(manager_client: Any, alice: Any, harborview: Any) -> None:
    rule = RuleFactory(name="R", when={"company": "harborview"}, then={"assign_to": "tech-alice"})
    page = manager_client.get(reverse("dispatch:rule", args=[rule.pk])).content.decode()
    assert '<option value="tech-alice" selected>Alice Expert</option>' in page
    assert '<option value="harborview" selected>Harborview Capital Partners</option>' in page
    assert 'name="json_mode" id="id_json_mode"' in page and 'name="json_mode" id="id_json_mode" checked' not in page


def test_a_rule_the_pickers_cannot_show_is_edited_as_json(manager_client: Any, db: Any) -> None:
    rule = RuleFactory(name="Old", when={"company": "gone-co"}, then={"assign_to": "tech-gone"})
    page = manager_client.get(reverse("dispatch:rule", args=[rule.pk])).content.decode()
    assert 'name="json_mode" id="id_json_mode" checked' in page and "so it is edited as JSON" in page
    response = manager_client.post(
        reverse("dispatch:rule", args=[rule.pk]),
        {"name": "Old", "order": 1, "enabled": "on", "action": "save", "a_action": "assign_to", "json_mode": "on",
         "when": '{"priority": "Critical"}', "then": '{"min_seniority": "senior"}'},
    )  # fmt: skip
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.when == {"priority": "Critical"} and rule.then == {"min_seniority": "senior"}


def test_the_rules_list_reads_with_names(manager_client: Any, alice: Any, harborview: Any) -> None:
    RuleFactory(name="R", when={"company": "harborview", "priority": ["High", "Critical"]}, then={"assign_to": "tech-alice"})
    page = manager_client.get(reverse("dispatch:rules")).content.decode()
    assert "company is Harborview Capital Partners and priority is High or Critical" in page
    assert "assign to Alice Expert" in page and "tech-alice" not in page
