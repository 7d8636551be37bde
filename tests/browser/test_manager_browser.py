"""End to end: the managers' pages in a real browser."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from skills.models import Category, Technician, TechnicianSkill
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def morgan(desk: dict[str, Any]) -> Any:
    return UserFactory(username="morgan", role="manager")


def test_a_matrix_cell_saves_on_change(open_as: Any, desk: dict[str, Any], morgan: Any) -> None:
    page = open_as(morgan, "/skills/matrix/")
    skill = desk["category"].required_skills.get()
    cell = page.locator(f"#cell-{desk['carol'].pk}-{skill.pk}")
    cell.locator("select").select_option("expert")
    expect(cell).to_have_class("cell lvl-expert is-saved")
    assert TechnicianSkill.objects.get(technician=desk["carol"], skill=skill).level == "expert"
    cell.locator("select").select_option("")
    expect(cell).to_have_class("cell lvl-none is-saved")
    assert not TechnicianSkill.objects.filter(technician=desk["carol"], skill=skill).exists()


def test_auto_assign_mode_is_edited_inline(open_as: Any, desk: dict[str, Any], morgan: Any) -> None:
    page = open_as(morgan, "/auto-assign/")
    row = page.locator(f"#cat-{desk['category'].pk}")
    row.locator("select").select_option("shadow")
    expect(row.locator(".saved")).to_be_visible()
    assert Category.objects.get(pk=desk["category"].pk).auto_assign == "shadow"


def test_an_out_of_range_threshold_is_refused_visibly(open_as: Any, desk: dict[str, Any], morgan: Any) -> None:
    page = open_as(morgan, "/auto-assign/")
    row = page.locator(f"#cat-{desk['category'].pk}")
    row.locator("select").select_option("on")
    expect(row.locator(".saved")).to_be_visible()
    row.locator("input[type=number]").fill("1.5")
    row.locator("input[type=number]").press("Tab")
    expect(row.locator(".error")).to_contain_text("Min. confidence: Ensure this value is less than or equal to 1.")
    expect(row.locator("select")).to_have_value("on")
    expect(row.locator("input[type=number]")).to_have_value("0.7")
    category = Category.objects.get(pk=desk["category"].pk)
    assert (category.auto_assign, category.auto_assign_min_confidence) == ("on", 0.7)


def test_workspace_export_then_import_from_the_page(
    open_as: Any, desk: dict[str, Any], morgan: Any, tmp_path: Path
) -> None:
    page = open_as(morgan, "/skills/matrix/")
    with page.expect_download() as info:
        page.get_by_role("link", name="Export workspace (.json)").click()
    doc = json.loads(Path(info.value.path()).read_text())
    tech = next(t for t in doc["technicians"] if t["id"] == "tech-carol")
    tech["name"] = "Carol Renamed"
    edited = tmp_path / "workspace.json"
    edited.write_text(json.dumps(doc))
    page.set_input_files("#id_file", str(edited))
    page.get_by_role("button", name="Import").click()
    expect(page.locator("table.matrix")).to_contain_text("Carol Renamed")
    assert Technician.objects.get(external_id="tech-carol").name == "Carol Renamed"


def test_a_bad_workspace_file_lists_its_problems(
    open_as: Any, desk: dict[str, Any], morgan: Any, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"technicians": [{"id": "tech-x", "skills": {"Exchange": "guru"}}]}))
    page = open_as(morgan, "/skills/matrix/")
    page.set_input_files("#id_file", str(bad))
    page.get_by_role("button", name="Import").click()
    expect(page.locator(".errorlist-box")).to_contain_text("nothing changed")
    expect(page.locator(".errorlist-box")).to_contain_text("technicians[0]")
    assert not Technician.objects.filter(external_id="tech-x").exists()
