from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.urls import reverse

from skills.models import OnCall, Shift, TimeOff

URL = reverse("skills:schedules")
MONDAY = "2026-03-02"
UTC = ZoneInfo("UTC")


def test_week_grid_shows_each_technician_and_seven_days(manager_client: Any, alice: Any, bob: Any) -> None:
    page = manager_client.get(URL, {"week": MONDAY}).content.decode()
    assert "Alice Expert" in page and "Bob Beginner" in page
    assert page.count('class="day') == 14


def test_overnight_shift_is_drawn_on_both_days(manager_client: Any, alice: Any) -> None:
    Shift.objects.create(technician=alice, weekday=0, start=time(22), end=time(6))
    page = manager_client.get(URL, {"week": MONDAY}).content.decode()
    assert "22:00–06:00" in page and "…06:00" in page


def test_time_off_and_on_call_appear_in_the_week(manager_client: Any, alice: Any) -> None:
    TimeOff.objects.create(
        technician=alice,
        start=datetime(2026, 3, 3, tzinfo=UTC),
        end=datetime(2026, 3, 4, tzinfo=UTC),
        reason="Dentist",
    )
    OnCall.objects.create(
        technician=alice, start=datetime(2026, 3, 5, 18, tzinfo=UTC), end=datetime(2026, 3, 6, 8, tzinfo=UTC)
    )
    page = manager_client.get(URL, {"week": MONDAY}).content.decode()
    assert "Time off: Dentist" in page and "blk-oncall" in page and "is-off" in page


def test_any_day_snaps_to_its_monday_and_links_both_ways(manager_client: Any, db: Any) -> None:
    page = manager_client.get(URL, {"week": "2026-03-05"}).content.decode()
    assert "week of Mon 2 Mar 2026" in page
    assert "?week=2026-02-23" in page and "?week=2026-03-09" in page


def test_schedules_is_for_managers_only(dispatcher_client: Any) -> None:
    assert dispatcher_client.get(URL).status_code == 403


def test_schedules_anonymous_goes_to_login(client: Any, db: Any) -> None:
    assert client.get(URL).status_code == 302
