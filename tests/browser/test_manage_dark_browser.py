"""Dark mode: with the system set to dark, pages are dark and every visible text keeps at least
4.5:1 contrast against what is behind it; the light mode is held to the same rule."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from skills.models import OnCall
from tests.factories import TicketFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every element with its own visible text: its colour against the first opaque background behind
# it (WCAG 2 contrast). Returns the offenders (text, ratio) below `least`.
LOW_CONTRAST = """least => {
  const rgb = s => s.match(/[\\d.]+/g).map(Number);
  const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                     return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    const r = el.getBoundingClientRect();
    if (!own || !r.width || !r.height || getComputedStyle(el).visibility === "hidden" || el.closest("[hidden], noscript, option")) continue;
    let bg = null;
    for (let n = el; n && !bg; n = n.parentElement) { const c = rgb(getComputedStyle(n).backgroundColor); if (c.length < 4 || c[3] === 1) bg = c; }
    let opacity = 1;
    for (let n = el; n; n = n.parentElement) opacity *= Number(getComputedStyle(n).opacity);
    if (opacity < 1) continue;  // faded on purpose (disabled bars); text fades nowhere else
    const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(bg || [255, 255, 255])].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    if (ratio < least) out.push([el.tagName + "." + el.className, el.textContent.trim().slice(0, 40), Math.round(ratio * 100) / 100]);
  }
  return out;
}"""

PAGES = ("/queue/", "/decisions/", "/metrics/", "/rules/", "/skills/matrix/", "/skills/schedules/", "/auto-assign/")


@pytest.mark.parametrize("scheme, body", [("dark", "rgb(14, 19, 26)"), ("light", "rgb(245, 246, 248)")])
def test_every_page_is_readable_dark_and_light(
    open_as: Any, desk: dict[str, Any], scheme: str, body: str
) -> None:
    # what the plain desk lacks: a countdown at risk (orange) on the queue, an on-call block on the
    # schedules page
    now = timezone.now()
    TicketFactory(
        external_id="7300", subject="VPN down", category=desk["category"], sla_due=now + timedelta(minutes=20)
    )
    OnCall.objects.create(
        technician=desk["carol"], start=now - timedelta(hours=1), end=now + timedelta(hours=10)
    )
    morgan = UserFactory(username="morgan", role="manager")
    page = open_as(morgan)
    page.emulate_media(color_scheme=scheme)
    for path in (*PAGES, f"/queue/{desk['ticket'].pk}/", f"/decisions/{desk['decision'].pk}/",
                 f"/queue/{desk['ticket'].pk}/whatif/?run=1&exclude=tech-carol"):  # fmt: skip
        page.goto(path)
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == body, path
        if path == "/queue/":
            expect(page.locator("time.sla.sla-risk")).to_have_count(1)
        if path == "/skills/schedules/":
            assert page.locator(".lbl-oncall").count() >= 1
        assert page.evaluate(LOW_CONTRAST, 4.5) == [], path


def test_light_mode_stays_light(open_as: Any, desk: dict[str, Any]) -> None:
    page = open_as(desk["dana"])
    page.emulate_media(color_scheme="light")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(245, 246, 248)"
