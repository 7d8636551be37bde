from __future__ import annotations

from typing import Any

from django.urls import reverse

from skills.models import TechnicianSkill
from tests.factories import SkillFactory
from tests.ui.conftest import HX


def url(tech: Any, skill: Any) -> str:
    return reverse("skills:level", args=[tech.pk, skill.pk])


def test_setting_a_level_creates_the_skill(manager_client: Any, alice: Any) -> None:
    teams = SkillFactory(name="Teams")
    response = manager_client.post(url(alice, teams), {"level": "beginner"}, headers=HX)
    assert TechnicianSkill.objects.get(technician=alice, skill=teams).level == "beginner"
    assert b'class="cell lvl-beginner is-saved"' in response.content


def test_changing_a_level_updates_it(manager_client: Any, alice: Any, skill: Any) -> None:
    manager_client.post(url(alice, skill), {"level": "intermediate"}, headers=HX)
    assert TechnicianSkill.objects.get(technician=alice, skill=skill).level == "intermediate"


def test_empty_level_deletes_the_skill(manager_client: Any, alice: Any, skill: Any) -> None:
    manager_client.post(url(alice, skill), {"level": ""}, headers=HX)
    assert not TechnicianSkill.objects.filter(technician=alice, skill=skill).exists()


def test_unknown_level_is_rejected(manager_client: Any, alice: Any, skill: Any) -> None:
    assert manager_client.post(url(alice, skill), {"level": "guru"}, headers=HX).status_code == 400
    assert TechnicianSkill.objects.get(technician=alice, skill=skill).level == "expert"


def test_plain_post_redirects_to_the_matrix(manager_client: Any, alice: Any, skill: Any) -> None:
    assert manager_client.post(url(alice, skill), {"level": "beginner"})["Location"] == reverse(
        "skills:matrix"
    )


def test_level_set_is_for_managers_only(dispatcher_client: Any, alice: Any, skill: Any) -> None:
    assert dispatcher_client.post(url(alice, skill), {"level": ""}).status_code == 403
    assert TechnicianSkill.objects.filter(technician=alice, skill=skill).exists()


def test_level_set_anonymous_goes_to_login(client: Any, alice: Any, skill: Any) -> None:
    assert client.post(url(alice, skill), {"level": ""}).status_code == 302
