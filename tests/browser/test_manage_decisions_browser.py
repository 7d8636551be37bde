"""The decisions list at phone width, by keyboard; pages in the browser's own time zone."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_decisions_search_by_keyboard_at_phone_width(open_as: Any, desk: dict[str, Any]) -> None:
    page = open_as(desk["dana"], "/decisions/", width=390, height=800)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    search = page.get_by_label("Search")
    search.focus()
    page.keyboard.type("#7001")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=%237001"))
    link = page.get_by_role("link", name="#7001")
    expect(link).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/queue/{desk['ticket'].pk}/")


def test_pages_show_times_in_the_browsers_zone(open_as: Any, desk: dict[str, Any]) -> None:
    page = open_as(desk["dana"], f"/decisions/{desk['decision'].pk}/", timezone_id="America/Denver")
    page.reload()  # the first page wrote the zone's cookie; from now on the server uses it
    expect(page.locator(".kv time").first).to_have_text(re.compile(r" (MST|MDT)$"))
