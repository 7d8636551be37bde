"""Rules & settings in the browser: weight sliders that renormalise with their numbers shown,
and the rule builder showing only the chosen action's pickers."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def morgan(transactional_db: Any) -> Any:
    from tests.factories import UserFactory

    return UserFactory(username="morgan", role="manager")


def test_settings_weights_renormalise_by_keyboard(open_as: Any, morgan: Any) -> None:
    page = open_as(morgan, "/rules/")
    skill = page.locator("fieldset.settings-weights input[name=w_skill]")
    skill.focus()
    for _ in range(10):
        page.keyboard.press("ArrowRight")
    outputs = page.locator("fieldset.settings-weights output").all_inner_texts()
    assert sum(int(o.rstrip("%")) for o in outputs) == 100 and outputs[0] == "40%"
    page.get_by_role("button", name="Save settings").click()
    page.wait_for_url("**/rules/")
    from dispatch.models import DispatchSettings

    weights = DispatchSettings.load().weights
    assert abs(weights["skill"] - 0.4) < 0.011 and abs(sum(weights.values()) - 1) < 1e-9


def test_rule_builder_shows_the_chosen_actions_pickers(open_as: Any, morgan: Any) -> None:
    from tests.factories import TechnicianFactory

    TechnicianFactory(external_id="tech-alice", name="Alice Expert")
    page = open_as(morgan, "/rules/new/", width=390, height=800)
    expect(page.get_by_label("Technician", exact=True)).to_be_visible()
    expect(page.get_by_label("Technicians", exact=True)).to_be_hidden()
    page.get_by_label("Action").select_option("prefer")
    expect(page.get_by_label("Technicians", exact=True)).to_be_visible()
    expect(page.get_by_label("Bonus points")).to_be_visible()
    expect(page.get_by_label("Technician", exact=True)).to_be_hidden()
    page.get_by_label("Name").fill("Prefer Alice")
    page.get_by_label("Technicians", exact=True).select_option("tech-alice")
    page.get_by_role("button", name="Save rule").click()
    page.wait_for_url("**/rules/")
    expect(page.get_by_text("prefer Alice Expert (+10.0 points)")).to_be_visible()
