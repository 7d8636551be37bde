"""End to end: keyboard and small-screen access, contrast of the greyed-out text."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# WCAG 2 contrast of an element's text against the first opaque background behind it.
CONTRAST = """el => {
  const rgb = s => s.match(/[\\d.]+/g).map(Number);
  const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                     return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  let bg = null;
  for (let n = el; n && !bg; n = n.parentElement) { const c = rgb(getComputedStyle(n).backgroundColor); if (c.length < 4 || c[3] === 1) bg = c; }
  const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(bg || [255, 255, 255])].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""


def test_the_skip_link_is_the_first_tab_stop_and_moves_focus_to_the_content(
    open_as: Any, desk: dict[str, Any]
) -> None:
    page = open_as(desk["dana"])
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    assert skip.bounding_box()["y"] >= 0  # on screen while focused
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


def test_the_navigation_does_not_overlap_on_a_390px_phone(open_as: Any, desk: dict[str, Any]) -> None:
    morgan = UserFactory(username="morgan", role="manager")
    page = open_as(morgan, width=390, height=844)
    items = page.locator(".topbar .brand, .topbar .mainnav a, .topbar .username, .topbar .userbox button")
    # brand, a manager's eight links (Queue, Decisions, Metrics, Skills, Schedules, Learned, Rules &
    # settings, Auto-assign), the name and sign-out: every one of them checked below
    assert items.count() == 11
    boxes = [items.nth(i).bounding_box() for i in range(items.count())]
    for i, a in enumerate(boxes):
        assert a["x"] >= 0 and a["x"] + a["width"] <= 390, items.nth(i).text_content()
        for b in boxes[i + 1 :]:
            apart = (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                     or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])  # fmt: skip
            assert apart, (a, b)
    for i in range(items.count()):  # nothing is drawn over any of them
        on_top = items.nth(i).evaluate(
            "el => { const r = el.getBoundingClientRect(); return el.contains(document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2)); }"
        )
        assert on_top, items.nth(i).text_content()


def test_blocked_technicians_names_have_enough_contrast(open_as: Any, desk: dict[str, Any]) -> None:
    page = open_as(desk["dana"], f"/queue/{desk['ticket'].pk}/whatif/?run=1&exclude=tech-carol")
    name = page.locator(".whatif-results table.cands tr.is-blocked td.name")
    expect(name).to_contain_text("Carol Middle")
    assert name.evaluate(CONTRAST) >= 4.5


def test_no_page_scrolls_sideways_on_a_390px_phone(open_as: Any, desk: dict[str, Any]) -> None:
    """Wide tables (auto-assign's nine columns, the rules list with its long keywords and addresses)
    scroll inside their own box; the page itself never scrolls sideways."""
    from tests.factories import RuleFactory

    RuleFactory(
        name="Escalate possible security incidents to the SOC lead",
        when={"keywords": "ransomware|breach|phishing"},
        then={"escalate_to": "soc@northwind-ms.example.com"},
    )
    morgan = UserFactory(username="morgan", role="manager")
    page = open_as(morgan, width=390, height=844)
    for path in (
        "/queue/",
        "/decisions/",
        "/metrics/",
        "/rules/",
        "/auto-assign/",
        "/skills/schedules/",
        "/rules/new/",
    ):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path


def test_keyboard_focus_on_checkboxes_and_sliders_is_a_visible_ring(open_as: Any, desk: dict[str, Any]) -> None:
    """A row's bulk box and a weight slider reached by Tab show the primary ring (>= 3:1 against the
    page), not the pale outline text fields pair with their coloured border."""
    morgan = UserFactory(username="morgan", role="manager")
    page = open_as(morgan)
    ring = "el => { const s = getComputedStyle(el); return [s.outlineStyle, s.outlineColor]; }"
    for path, target in (("/queue/", "input.row-select"), ("/rules/", ".settings-weights input[type=range]")):
        page.goto(path)
        for _ in range(80):
            page.keyboard.press("Tab")
            if page.evaluate(f"document.activeElement.matches({target!r})"):
                break
        else:
            raise AssertionError(f"Tab never reached {target} on {path}")
        assert page.evaluate(f"({ring})(document.activeElement)") == ["solid", "rgb(31, 79, 191)"], path
