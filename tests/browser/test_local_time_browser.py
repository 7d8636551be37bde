"""Times the server renders in UTC are shown in the dispatcher's own time zone."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_queue_update_time_is_local_with_utc_in_the_tooltip(open_as: Any, desk: dict[str, Any]) -> None:
    page = open_as(desk["dana"], timezone_id="America/New_York")
    selector = ".queue-meta time[data-local]"
    expect(page.locator(selector)).not_to_have_text(re.compile("UTC"))
    # one read of all three, so a poll swapping the element in between cannot mix two instants
    stamp, text, title = page.eval_on_selector(selector, "el => [el.getAttribute('datetime'), el.textContent, el.title]")
    local = datetime.fromisoformat(stamp).astimezone(ZoneInfo("America/New_York"))
    assert text == local.strftime("%H:%M:%S") and title.endswith("UTC")
