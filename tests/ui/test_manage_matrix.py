"""The skills matrix: one form for the table (no form per cell), a skill-group filter, saving
one cell (JavaScript) or every changed cell at once (without)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from skills.models import TechnicianSkill
from tests.conftest import EXAMPLE_WORKSPACE
from tests.factories import SkillFactory

URL = reverse("skills:matrix")


@pytest.fixture
def example_desk(db: Any) -> None:
    from dispatch.workspace.importer import workspace_import

    doc = json.loads(EXAMPLE_WORKSPACE.read_text())
    workspace_import({**doc, "tickets": [], "history": []})


def test_the_example_desk_is_one_light_form(manager_client: Any, example_desk: None) -> None:
    page = manager_client.get(URL).content.decode()
    assert page.count("<select name=\"c-") == 23 * 30  # 23 active technicians × 30 skills: 690 cells
    assert page.count("<form") == 4  # sign out, the group filter, the matrix, the workspace import
    assert page.count("csrfmiddlewaretoken") == 3  # sign out, the matrix, the import
    assert len(page.encode()) < 200_000  # was 518 KB with a form per cell


def test_the_matrix_queries_do_not_grow_with_the_desk(
    manager_client: Any, example_desk: None, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(8):
        manager_client.get(URL)


def test_a_skill_group_shows_only_its_skills(manager_client: Any, alice: Any, skill: Any) -> None:
    teams = SkillFactory(name="Teams", group="Collaboration")
    page = manager_client.get(URL, {"group": "Collaboration"}).content.decode()
    assert f'name="c-{alice.pk}-{teams.pk}"' in page and f'name="c-{alice.pk}-{skill.pk}"' not in page
    assert '<option value="Collaboration" selected>Collaboration</option>' in page
    everything = manager_client.get(URL, {"group": ""}).content.decode()  # "All groups"
    assert f'name="c-{alice.pk}-{teams.pk}"' in everything and f'name="c-{alice.pk}-{skill.pk}"' in everything
    loose = SkillFactory(name="Misc", group="")
    other = manager_client.get(URL, {"group": "-"}).content.decode()  # skills without a group
    assert f'name="c-{alice.pk}-{loose.pk}"' in other and f'name="c-{alice.pk}-{teams.pk}"' not in other
    assert '<option value="-" selected>Other</option>' in other


def test_saving_the_whole_form_changes_only_the_changed_cells(manager_client: Any, alice: Any, bob: Any, skill: Any) -> None:
    teams = SkillFactory(name="Teams")
    response = manager_client.post(
        URL, {f"c-{alice.pk}-{skill.pk}": "expert", f"c-{bob.pk}-{skill.pk}": "", f"c-{alice.pk}-{teams.pk}": "beginner",
              f"c-{bob.pk}-{teams.pk}": ""},
    )  # fmt: skip
    assert response.status_code == 302
    levels = {(t.technician.name, t.skill.name): t.level for t in TechnicianSkill.objects.select_related("technician", "skill")}
    assert levels == {("Alice Expert", "Exchange"): "expert", ("Alice Expert", "Teams"): "beginner"}


def test_an_unknown_level_is_a_400_naming_the_cell_and_changes_nothing(manager_client: Any, alice: Any, skill: Any) -> None:
    response = manager_client.post(URL, {f"c-{alice.pk}-{skill.pk}": "", f"c-{alice.pk}-999": "guru"})
    assert response.status_code == 400 and f"c-{alice.pk}-999: unknown level" in response.content.decode()
    assert TechnicianSkill.objects.filter(technician=alice, skill=skill).exists()
    response = manager_client.post(URL, {f"c-{alice.pk}-{skill.pk}": "", "c-99999-1": "expert"})
    assert response.status_code == 400 and "c-99999-1: no such technician or skill" in response.content.decode()
    assert TechnicianSkill.objects.filter(technician=alice, skill=skill).exists()


def test_the_matrix_is_for_managers_only(dispatcher_client: Any, alice: Any, skill: Any) -> None:
    assert dispatcher_client.get(URL).status_code == 403
    assert dispatcher_client.post(URL, {f"c-{alice.pk}-{skill.pk}": ""}).status_code == 403


def test_a_saved_cell_is_drawn_as_the_page_draws_it(manager_client: Any, alice: Any, skill: Any) -> None:
    from skills.views import _cell

    response = manager_client.post(reverse("skills:level", args=[alice.pk, skill.pk]), {"level": "beginner"}, headers={"HX-Request": "true"})
    assert response.content.decode().strip() == _cell(alice.pk, skill.pk, "beginner", saved=True)
    assert _cell(alice.pk, skill.pk, "beginner") in manager_client.get(URL).content.decode()
