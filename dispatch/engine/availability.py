"""When a technician can take work: weekly shifts, time off, on-call, business hours, distance.

Shifts are wall-clock times in the technician's own IANA timezone, so every check converts the
instant to local time first; that makes daylight-saving changes harmless (a 08:00 shift starts at
08:00 local on both sides of the change). A shift whose end is not after its start crosses
midnight: "Mon 22:00-06:00" covers Monday evening and Tuesday until 06:00.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .types import BusinessHours, GeoPoint, Interval, Shift, TechFacts

# How far ahead `next_available` looks for the next shift / on-call / end of time off.
HORIZON_DAYS = 14
EARTH_RADIUS_KM = 6371.0


@lru_cache(maxsize=1024)
def zone(name: str) -> tzinfo:
    """The tzinfo for an IANA name, cached: constructing ZoneInfo in a hot loop is costly.

    Unknown names fall back to UTC rather than failing a whole dispatch over one bad profile.
    """
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def aware(at: datetime) -> datetime:
    """Treat naive datetimes as UTC so comparisons with aware intervals never raise."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def covers(days: tuple[int, ...], start: time, end: time, local: datetime) -> bool:
    """Whether a weekly window (local wall-clock) covers the local datetime `local`.

    When end <= start the window crosses midnight: its evening part belongs to `days` and its
    morning part to the following day (so Mon 22:00-06:00 covers Tue 03:00).
    """
    weekday = local.weekday()
    now_t = local.time()
    if start < end:
        return weekday in days and start <= now_t < end
    if weekday in days and now_t >= start:
        return True
    return (weekday - 1) % 7 in days and now_t < end


def in_schedule(schedule: tuple[Shift, ...], tz: str, at: datetime) -> bool:
    """Whether any shift covers `at`; an empty schedule means "available at all hours"."""
    if not schedule:
        return True
    local = aware(at).astimezone(zone(tz))
    for s in schedule:
        if covers(s.days, s.start, s.end, local):
            return True
    return False


def in_intervals(intervals: tuple[Interval, ...], at: datetime) -> Interval | None:
    """The first half-open interval [start, end) containing `at`, if any."""
    for iv in intervals:
        if aware(iv.start) <= at < aware(iv.end):
            return iv
    return None


def is_available(tech: TechFacts, at: datetime) -> tuple[bool, str]:
    """(can take work now, status) with status available | on_call | off_shift | time_off | inactive.

    Time off wins over on-call: someone on holiday is not reachable even if the rota says so.
    On-call makes an off-shift technician available, reported as "on_call".
    """
    at = aware(at)
    if not tech.active:
        return False, "inactive"
    if tech.time_off and in_intervals(tech.time_off, at) is not None:
        return False, "time_off"
    if in_schedule(tech.schedule, tech.timezone, at):
        return True, "available"
    if tech.on_call and in_intervals(tech.on_call, at) is not None:
        return True, "on_call"
    return False, "off_shift"


def work_status(tech: TechFacts, at: datetime, business_closed: bool) -> tuple[bool, str, datetime | None]:
    """(may work now, status, next available) with the business-hours restriction applied: while
    the desk is closed (business_hours_only, outside its hours) only on-call technicians may work.
    The next available instant is looked up for the off shift and those on time off."""
    ok, status = is_available(tech, at)
    if business_closed and ok:
        if on_call_at(tech, at):
            status = "on_call"
        else:
            ok, status = False, "outside_business_hours"
    next_at = next_available(tech, at) if status in ("off_shift", "time_off") else None
    return ok, status, next_at


def on_call_at(tech: TechFacts, at: datetime) -> bool:
    """Whether `at` falls in one of the technician's on-call intervals (and not in time off)."""
    at = aware(at)
    if not tech.active or not tech.on_call or in_intervals(tech.on_call, at) is None:
        return False
    return not (tech.time_off and in_intervals(tech.time_off, at) is not None)


@lru_cache(maxsize=4096)
def _window_starts(
    windows: tuple[tuple[tuple[int, ...], time], ...], tz: str, first: date
) -> tuple[datetime, ...]:
    """Every window start from the day before `first` over the horizon, as UTC instants (cached:
    technicians on the same rota share it)."""
    zi = zone(tz)
    starts: list[datetime] = []
    for offset in range(-1, HORIZON_DAYS + 1):
        day = first + timedelta(days=offset)
        for days, start in windows:
            if day.weekday() in days:
                starts.append(datetime.combine(day, start, tzinfo=zi).astimezone(UTC))
    return tuple(sorted(starts))


def shift_starts(schedule: tuple[Shift, ...], tz: str, at: datetime) -> list[datetime]:
    """Shift start instants after `at` within the horizon."""
    at = aware(at)
    local_day = at.astimezone(zone(tz)).date()
    key = tuple((tuple(s.days), s.start) for s in schedule)
    return [s for s in _window_starts(key, tz, local_day) if s > at]


def next_available(tech: TechFacts, at: datetime) -> datetime | None:
    """The first instant after `at` when the technician becomes available, or None (not within
    the horizon, or inactive).

    Availability can only begin at a shift start, an on-call start or the end of time off, so
    those are the only instants worth testing. Cached on the rota (technicians sharing one, and a
    batch ranking the same team many times, compute it once).
    """
    if not tech.active:
        return None
    try:
        return _next_available(tech.schedule, tech.timezone, tech.time_off, tech.on_call, aware(at))
    except TypeError:  # an unhashable rota (lists instead of tuples): compute without the cache
        return _next_available.__wrapped__(
            tech.schedule, tech.timezone, tech.time_off, tech.on_call, aware(at)
        )


@lru_cache(maxsize=4096)
def _next_available(
    schedule: tuple[Shift, ...],
    tz: str,
    time_off: tuple[Interval, ...],
    on_call: tuple[Interval, ...],
    at: datetime,
) -> datetime | None:
    limit = at + timedelta(days=HORIZON_DAYS)
    moments = set(shift_starts(schedule, tz, at)) if schedule else set()
    moments.update(aware(iv.end) for iv in time_off if aware(iv.end) > at)
    moments.update(aware(iv.start) for iv in on_call if aware(iv.start) > at)
    for moment in sorted(moments):
        if moment > limit:
            break
        if in_intervals(time_off, moment) is None and (
            in_schedule(schedule, tz, moment) or in_intervals(on_call, moment) is not None
        ):
            return moment
    return None


def in_business_hours(bh: BusinessHours, at: datetime) -> bool:
    """Whether the organisation is open at `at` (its own timezone, crossing midnight allowed)."""
    local = aware(at).astimezone(zone(bh.timezone))
    return covers(tuple(bh.days), bh.start, bh.end, local)


def next_business_open(bh: BusinessHours, at: datetime) -> datetime | None:
    """When business hours next begin after `at` (for "wait until" advice)."""
    starts = shift_starts((Shift(tuple(bh.days), bh.start, bh.end),), bh.timezone, at)
    return starts[0] if starts else None


@lru_cache(maxsize=4096)
def format_local(moment: datetime, tz: str, now: datetime | None = None) -> str:
    """A short local time for humans: "Mon 08:00 EST", with the date when more than 6 days away."""
    local = aware(moment).astimezone(zone(tz))
    far = now is not None and (aware(moment) - aware(now)) > timedelta(days=6)
    text = local.strftime("%a %d %b %H:%M" if far else "%a %H:%M")
    abbrev = local.tzname() or ""
    return f"{text} {abbrev}".strip()


def format_wait(moment: datetime, now: datetime, tz: str) -> str:
    """ "in 35 min", "in 3.5 h" or the local time when it is a day or more away."""
    minutes = (aware(moment) - aware(now)).total_seconds() / 60
    if minutes < 90:
        return f"in {max(1, round(minutes))} min"
    if minutes < 12 * 60:
        return f"in {minutes / 60:.1f} h"
    return format_local(moment, tz, now)


def haversine_km(a: GeoPoint, b: GeoPoint) -> float:
    """Great-circle distance in kilometres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
