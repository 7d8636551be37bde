"""Playwright end-to-end tests against pytest-django's live server, in Debian's Chromium.

The sync Playwright API runs an event loop in this thread, so Django's async-safety check
must be relaxed for the ORM calls the tests make between page actions."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "pw-for-tests-123"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (make chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def open_as(browser: Any, live_server: Any) -> Iterator[Any]:
    """open_as(user, path) -> a signed-in page (its own browser context) at `path`."""
    contexts = []

    def open_page(
        user: Any, path: str = "/queue/", width: int = 1280, height: int = 900, timezone_id: str | None = None
    ) -> Any:
        context = browser.new_context(
            viewport={"width": width, "height": height}, base_url=live_server.url, timezone_id=timezone_id
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto("/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/queue/")
        if path != "/queue/":
            page.goto(path)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def desk(transactional_db: Any) -> dict[str, Any]:
    """Alice (expert, one 3 h ticket already) and Carol (intermediate) for an Email ticket:
    Alice is the suggestion under the default weights, Carol when workload dominates."""
    from dispatch.services import decision_create
    from tests.factories import CategoryFactory, SkillFactory, TechnicianFactory, TicketFactory, UserFactory

    skill = SkillFactory(name="Exchange")
    category = CategoryFactory(name="Email", skills=[skill])
    alice = TechnicianFactory(external_id="tech-alice", name="Alice Expert", skills={skill: "expert"})
    carol = TechnicianFactory(external_id="tech-carol", name="Carol Middle", skills={skill: "intermediate"})
    TicketFactory(external_id="old-1", assigned_to=alice, estimated_hours=3, status="In Progress")
    ticket = TicketFactory(external_id="7001", subject="Mailbox full", category=category, priority="High")
    decision = decision_create(ticket=ticket, mode="suggest", initiated_by="test")
    return {
        "dana": UserFactory(username="dana", role="dispatcher"),
        "sam": UserFactory(username="sam", role="dispatcher"),
        "ticket": ticket,
        "decision": decision,
        "category": category,
        "alice": alice,
        "carol": carol,
    }
