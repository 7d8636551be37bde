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


def test_candidate_reasons_name_times_in_the_viewers_zone(open_as: Any, desk: dict[str, Any]) -> None:
    """Carol (Chicago) is on time off: the engine writes her return in her zone; a dispatcher in
    Berlin reads it in Berlin time, with Carol's own time labelled, in the reason and its tooltip."""
    from datetime import timedelta

    from django.utils import timezone

    from dispatch.services import decision_create
    from skills.models import TimeOff

    carol, dana = desk["carol"], desk["dana"]
    carol.timezone = "America/Chicago"
    carol.save()
    now = timezone.now()
    end = (now + timedelta(days=2)).replace(second=0, microsecond=0)
    TimeOff.objects.create(technician=carol, start=now - timedelta(hours=1), end=end, reason="Sick")
    decision = decision_create(ticket=desk["ticket"], mode="suggest", initiated_by="test")
    row = next(r for r in decision.candidates if r["technician_id"] == "tech-carol")
    theirs, mine = end.astimezone(ZoneInfo("America/Chicago")), end.astimezone(ZoneInfo("Europe/Berlin"))
    assert row["reason_not_selected"] == f"On time off (Sick) until {theirs:%a %H:%M} {theirs.tzname()}"
    dana.time_zone = "Europe/Berlin"
    dana.save()
    page = open_as(dana, f"/queue/{desk['ticket'].pk}/", timezone_id="Europe/Berlin")
    local = f"{theirs:%H:%M}" if theirs.date() == mine.date() else f"{theirs:%a %H:%M}"
    year = "" if mine.year == now.astimezone(ZoneInfo("Europe/Berlin")).year else f" {mine.year}"
    said = f"On time off (Sick) until {mine:%a} {mine.day} {mine:%b}{year} {mine:%H:%M} {mine.tzname()} ({local} {theirs.tzname()} local)"
    why = page.locator("tr.cand[data-tech=tech-carol] td.why")
    expect(why).to_contain_text(said)
    expect(why.locator("time")).to_have_attribute("datetime", end.isoformat())
