from __future__ import annotations

from typing import Any

from django.urls import reverse

from tests.factories import SkillFactory

URL = reverse("skills:matrix")


def test_matrix_shows_a_select_per_technician_and_skill(
    manager_client: Any, alice: Any, bob: Any, skill: Any
) -> None:
    SkillFactory(name="Teams")
    page = manager_client.get(URL).content.decode()
    assert page.count('<select name="c-') == 4
    assert f'name="c-{alice.pk}-{skill.pk}"' in page and reverse("skills:level", args=[0, 0]) in page


def test_matrix_marks_the_current_level(manager_client: Any, alice: Any) -> None:
    page = manager_client.get(URL).content.decode()
    assert 'class="cell lvl-expert' in page


def test_matrix_counts_one_technician_and_one_skill_in_the_singular(manager_client: Any, alice: Any) -> None:
    assert "1 technician × 1 skill." in manager_client.get(URL).content.decode()


def test_matrix_has_workspace_import_and_export(manager_client: Any, db: Any) -> None:
    page = manager_client.get(URL).content.decode()
    assert reverse("dispatch:workspace_import") in page and reverse("dispatch:workspace_export") in page


def test_matrix_is_for_managers_only(dispatcher_client: Any) -> None:
    assert dispatcher_client.get(URL).status_code == 403


def test_matrix_anonymous_goes_to_login(client: Any, db: Any) -> None:
    assert client.get(URL).status_code == 302
