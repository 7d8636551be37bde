"""The metrics page draws every chart (history included) without a script error, at phone width too."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_metrics_charts_draw_with_history(open_as: Any, desk: dict[str, Any]) -> None:
    from tests.factories import HistoryTicketFactory

    for _ in range(3):
        HistoryTicketFactory(resolved_by=desk["alice"])
    errors: list[str] = []
    page = open_as(desk["dana"], "/queue/", width=390, height=800)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto("/metrics/")
    page.wait_for_function("window.Chart && Object.keys(Chart.instances).length === 6")
    assert errors == []
    wide = page.evaluate("""() => [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), wide
