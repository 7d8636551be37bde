from datetime import time

from dispatch.engine import in_business_hours, is_available, next_available, rank
from dispatch.engine.availability import format_local, haversine_km, zone
from dispatch.engine.types import Shift

from .builders import (
    BOSTON,
    CHICAGO,
    NEW_YORK,
    at,
    candidate,
    hours,
    interval,
    office,
    policy,
    shift,
    tech,
    ticket,
)


def test_day_shift_covers_inside_and_not_outside():
    t = tech(schedule=(shift("08:00", "16:00"),))
    assert is_available(t, at("2026-01-13T09:00Z")) == (True, "available")
    assert is_available(t, at("2026-01-13T16:00Z")) == (False, "off_shift")  # end is exclusive
    assert is_available(t, at("2026-01-17T09:00Z")) == (False, "off_shift")  # Saturday


def test_shift_crossing_midnight_covers_the_next_morning():
    t = tech(schedule=(shift("22:00", "06:00", days=(0,)),))  # Monday night
    assert is_available(t, at("2026-01-12T23:00Z"))[0]  # Mon 23:00
    assert is_available(t, at("2026-01-13T03:00Z"))[0]  # Tue 03:00
    assert not is_available(t, at("2026-01-13T07:00Z"))[0]  # Tue 07:00
    assert not is_available(t, at("2026-01-14T03:00Z"))[0]  # Wed 03:00: Tuesday has no shift


def test_sunday_night_shift_wraps_into_monday():
    t = tech(schedule=(shift("22:00", "06:00", days=(6,)),))
    assert is_available(t, at("2026-01-12T05:59Z"))[0]  # Mon 05:59


def test_shift_is_read_in_the_technicians_timezone():
    t = tech(timezone="Asia/Tokyo", schedule=(shift("09:00", "17:00"),))
    assert is_available(t, at("2026-01-13T01:00Z"))[0]  # 10:00 in Tokyo
    assert not is_available(t, at("2026-01-13T12:00Z"))[0]  # 21:00 in Tokyo


def test_shift_follows_local_wall_clock_across_dst_change():
    t = tech(timezone="America/New_York", schedule=(shift("08:00", "16:00"),))
    assert not is_available(t, at("2026-03-06T12:30Z"))[0]  # Fri 07:30 EST
    assert is_available(t, at("2026-03-09T12:30Z"))[0]  # Mon 08:30 EDT
    assert next_available(t, at("2026-03-06T22:00Z")) == at("2026-03-09T12:00Z")  # Mon 08:00 EDT


def test_empty_schedule_means_always_available():
    assert is_available(tech(), at("2026-01-18T03:00Z")) == (True, "available")


def test_time_off_blocks_even_on_shift_and_beats_on_call():
    now = at("2026-01-13T10:00Z")
    t = tech(time_off=(interval(now, -2 + 4),), on_call=(interval(now, 2),))
    assert is_available(t, now) == (False, "time_off")
    assert next_available(t, now) == now + hours(2)


def test_on_call_makes_an_off_shift_technician_available():
    now = at("2026-01-13T20:00Z")
    t = tech(schedule=(shift("08:00", "16:00"),), on_call=(interval(now - hours(1), 3),))
    assert is_available(t, now) == (True, "on_call")
    assert is_available(t, now + hours(3)) == (False, "off_shift")


def test_inactive_technician_is_never_available():
    assert is_available(tech(active=False), at("2026-01-13T10:00Z")) == (False, "inactive")
    assert next_available(tech(active=False), at("2026-01-13T10:00Z")) is None


def test_next_available_is_the_next_shift_start():
    t = tech(schedule=(shift("08:00", "16:00"),))
    assert next_available(t, at("2026-01-16T17:00Z")) == at("2026-01-19T08:00Z")  # Fri -> Mon


def test_off_shift_reason_names_the_local_return_time():
    t = tech(schedule=(shift("08:00", "16:00"),))
    r = rank(ticket(), [t, tech("t2")], policy(now=at("2026-01-16T17:00Z")))
    assert candidate(r, "t1").reason_not_selected == "Off shift until Mon 08:00 UTC"


def test_business_hours_in_the_org_timezone():
    bh = office("America/New_York")
    assert in_business_hours(bh, at("2026-01-13T14:00Z"))  # 09:00 EST
    assert not in_business_hours(bh, at("2026-01-13T12:00Z"))  # 07:00 EST
    assert not in_business_hours(bh, at("2026-01-17T15:00Z"))  # Saturday


def test_unknown_timezone_falls_back_to_utc_and_zones_are_cached():
    assert zone("Not/AZone").utcoffset(None).total_seconds() == 0
    assert zone("Europe/Paris") is zone("Europe/Paris")


def test_haversine_distances_are_plausible():
    assert 280 < haversine_km(BOSTON, NEW_YORK) < 320
    assert 1300 < haversine_km(BOSTON, CHICAGO) < 1420


def test_format_local_shows_date_when_far_away():
    now = at("2026-01-13T10:00Z")
    assert format_local(at("2026-01-14T08:00Z"), "UTC", now) == "Wed 08:00 UTC"
    assert format_local(at("2026-01-24T08:00Z"), "UTC", now) == "Sat 24 Jan 08:00 UTC"


def test_rota_given_with_list_days_still_works_without_the_cache():
    t = tech(schedule=(Shift([0, 1, 2, 3, 4], time(8), time(16)),))
    assert next_available(t, at("2026-01-16T17:00Z")) == at("2026-01-19T08:00Z")
