"""Screenshots of the main pages for docs/screenshots (run with SCREENSHOTS=1):

    SCREENSHOTS=1 DATABASE_URL=postgres://... .venv/bin/pytest tests/browser/test_screenshots.py

Loads the example workspace (its timestamps moved, as `manage.py demo` does, so that the
newest ticket is ten minutes old), adds a month of synthetic dispatch history and a failed
PSA push, then visits each page as a dispatcher or a manager."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        os.environ.get("SCREENSHOTS") != "1", reason="set SCREENSHOTS=1 to write docs/screenshots"
    ),
]

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
WORKSPACE = Path(__file__).resolve().parents[2] / "dispatch" / "fixtures" / "example_workspace.json"


@pytest.fixture
def demo(transactional_db: Any) -> dict[str, Any]:
    import json
    from datetime import UTC, datetime

    from dispatch.facts import open_unassigned_tickets
    from dispatch.management.commands.demo import rebase
    from dispatch.models import Assignment, OutboxState
    from dispatch.services import decision_approve, decision_create
    from dispatch.workspace.importer import workspace_import
    from tests.browser.history import seed_history
    from tests.factories import UserFactory

    workspace_import(rebase(json.loads(WORKSPACE.read_text()), datetime.now(UTC)))
    dana = UserFactory(username="dana", role="dispatcher", first_name="Dana", last_name="Reyes")
    morgan = UserFactory(username="morgan", role="manager", first_name="Morgan", last_name="Lee")
    seed_history(user=dana, per_day=22)
    tickets = list(open_unassigned_tickets())  # all ranked, as the batch cycle leaves them
    for t in tickets:
        decision_create(ticket=t, mode="suggest", initiated_by="psa-sync")
    pushed = decision_approve(ticket=tickets[-1], user=dana)
    Assignment.objects.filter(decision=pushed).update(
        state=OutboxState.FAILED, attempts=5, last_error="ConnectWise returned 503 Service Unavailable"
    )
    return {"dana": dana, "morgan": morgan, "first": tickets[0]}


def shot(page: Any, name: str, full: bool = False) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    if full:
        page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(300)
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full)


def test_screenshots(open_as: Any, browser: Any, live_server: Any, demo: dict[str, Any]) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=live_server.url)
    login = context.new_page()
    login.goto("/accounts/login/")
    shot(login, "login")
    context.close()

    page = open_as(demo["dana"])
    shot(page, "queue")
    first = page.locator(f"#t-{demo['first'].pk}")
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    expect(first.locator(".cands")).to_be_visible()
    first.locator("tr.cand").nth(0).locator(".seg").first.hover()
    shot(page, "queue-expanded")
    first.locator("[data-action=whatif]").click()
    expect(first.locator(".whatif-form")).to_be_visible()
    top = first.locator("[data-whatif-top]").get_attribute("data-whatif-top")
    first.locator("input[data-weight=workload]").fill("40")
    page.wait_for_timeout(600)
    first.locator("select[name=exclude]").select_option(top)
    expect(first.locator(".whatif-summary")).to_contain_text("changed from")
    page.evaluate(
        "document.querySelector('.whatif').scrollIntoView({block: 'start'}); window.scrollBy(0, -90)"
    )
    shot(page, "whatif")
    page.evaluate("document.activeElement.blur(); window.scrollTo(0, 0)")
    page.keyboard.press("?")
    expect(page.locator("#shortcuts")).to_be_visible()
    shot(page, "shortcuts")
    page.keyboard.press("Escape")

    page.goto(page.locator("#psa-failures a").first.get_attribute("href"))
    shot(page, "decision", full=True)

    page.goto("/queue/")
    stranded = page.locator("#stranded li a").first
    expect(stranded).to_be_visible()
    page.goto(stranded.get_attribute("href"))
    expect(page.locator("#stranded-notice")).to_be_visible()
    expect(page.locator("#reassign select")).to_be_visible()
    shot(page, "stranded")

    narrow = open_as(demo["dana"], width=1024, height=760)
    shot(narrow, "queue-1024")

    manager = open_as(demo["morgan"], "/skills/matrix/", height=900)
    shot(manager, "skills-matrix")
    manager.goto("/skills/schedules/")
    shot(manager, "schedules")
    manager.goto("/rules/")
    for factor, weight in (("skill", "15"), ("workload", "35")):  # lean towards spreading work (sliders, %)
        manager.locator(f"#id_w_{factor}").evaluate(
            "(el, v) => { el.value = v; el.dispatchEvent(new Event('input', {bubbles: true})); }", weight
        )
    manager.click("button[value=preview]")
    expect(manager.locator("#preview-result")).to_be_visible(timeout=20_000)
    shot(manager, "rules-preview", full=True)
    manager.goto("/rules/new/")
    manager.fill("#id_name", "Critical work goes to Sarah")
    manager.check("input[name=c_priority][value=Critical]")  # the rule builder's pickers, by name
    manager.select_option("#id_a_action", "assign_to")
    manager.select_option("#id_a_technician", "tech-sarah-johnson")
    manager.uncheck("#id_unless_unavailable")
    manager.click("button[value=preview]")
    expect(manager.locator("#preview-result")).to_be_visible(timeout=20_000)
    shot(manager, "rule-preview", full=True)
    manager.goto("/auto-assign/")
    shot(manager, "autoassign", full=True)
    manager.goto("/metrics/?days=30")
    manager.wait_for_timeout(800)
    shot(manager, "metrics", full=True)
