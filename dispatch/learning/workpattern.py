"""What history shows about each technician's working capacity and working hours.

Pure Python (no Django): `train_models` feeds it every history ticket and stores the result on
`dispatch.models.LearnedWorkPattern`; the replay feeds it its training period.

- **Capacity**: at the opening of each ticket a technician resolved, how many of their tickets
  were open then (opened at or before that instant, resolved after it), that ticket included:
  the load they actually carried when they took on more work. The learned capacity is a high
  percentile (CAPACITY_PERCENTILE) of those counts, so that the load they worked at most of the
  time stays assignable. Needs MIN_CAPACITY_SAMPLES tickets; none below that.
- **Working hours**: the instants they acted on a ticket (first response and resolution; history
  carries no time entries with a time of day), in their time zone. The working days are the
  weekdays holding at least DAY_SHARE of an average day's activity; the hours are the shortest
  daily window (whole hours, possibly across midnight) holding HOURS_SHARE of the activity on
  those days. Needs MIN_HOURS_EVENTS instants; a window of ROUND_THE_CLOCK_HOURS or more is
  "all hours" (no schedule learned).
"""

from __future__ import annotations

import math
import zoneinfo
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time

from .experience import HistoryRecord

CAPACITY_PERCENTILE = 90.0
MIN_CAPACITY_SAMPLES = 10
MIN_HOURS_EVENTS = 30
DAY_SHARE = 0.25  # a working day holds at least a quarter of an average day's activity
HOURS_SHARE = 0.9
ROUND_THE_CLOCK_HOURS = 20


@dataclass(frozen=True)
class LearnedHours:
    """A weekly working window in the technician's local time; end <= start crosses midnight."""

    days: tuple[int, ...]  # 0 = Monday
    start: time
    end: time
    share: float  # of the technician's activity that falls inside it
    events: int

    def to_json(self) -> dict[str, object]:
        return {
            "days": list(self.days),
            "start": self.start.strftime("%H:%M"),
            "end": self.end.strftime("%H:%M"),
            "share": round(self.share, 4),
            "events": self.events,
        }

    @classmethod
    def from_json(cls, value: dict[str, object] | None) -> LearnedHours | None:
        if not value:
            return None
        return cls(
            days=tuple(int(d) for d in value.get("days", ())),  # type: ignore[attr-defined]
            start=time.fromisoformat(str(value["start"])),
            end=time.fromisoformat(str(value["end"])),
            share=float(value.get("share", 0.0)),  # type: ignore[arg-type]
            events=int(value.get("events", 0)),  # type: ignore[call-overload]
        )


@dataclass(frozen=True)
class LearnedPattern:
    tech: str
    capacity: int | None  # None: too little history
    capacity_samples: int  # tickets the capacity was measured on
    capacity_median: float | None  # the median of the same counts (shown to managers)
    hours: LearnedHours | None  # None: too little history, or round the clock


def percentile(values: list[int], pct: float) -> float:
    """Linear-interpolated percentile of `values` (numpy's default method)."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    pos = (len(ordered) - 1) * pct / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def concurrent_counts(records: Iterable[HistoryRecord]) -> dict[str, list[int]]:
    """Per technician, at each opening of a ticket they resolved: their tickets open then, that
    one included (opened at or before, resolved strictly after the instant)."""
    opens: dict[str, list[float]] = defaultdict(list)
    closes: dict[str, list[float]] = defaultdict(list)
    for r in records:
        if r.tech and r.resolved_at is not None and r.resolved_at > r.opened_at:
            opens[r.tech].append(_ts(r.opened_at))
            closes[r.tech].append(_ts(r.resolved_at))
    out: dict[str, list[int]] = {}
    for tech, starts in opens.items():
        starts.sort()
        ends = sorted(closes[tech])
        out[tech] = [bisect_right(starts, t) - bisect_right(ends, t) for t in starts]
    return out


def learn_capacity(
    records: Iterable[HistoryRecord],
    *,
    pct: float = CAPACITY_PERCENTILE,
    min_samples: int = MIN_CAPACITY_SAMPLES,
) -> dict[str, tuple[int | None, int, float | None]]:
    """{tech: (capacity, samples, median)}; capacity None with fewer than `min_samples` tickets."""
    out: dict[str, tuple[int | None, int, float | None]] = {}
    for tech, counts in concurrent_counts(records).items():
        if len(counts) < min_samples:
            out[tech] = (None, len(counts), None)
            continue
        out[tech] = (max(1, math.ceil(percentile(counts, pct) - 1e-9)), len(counts), percentile(counts, 50))
    return out


def activity_instants(records: Iterable[HistoryRecord]) -> dict[str, list[datetime]]:
    """Per technician, the instants history shows them acting: first responses and resolutions."""
    out: dict[str, list[datetime]] = defaultdict(list)
    for r in records:
        if not r.tech:
            continue
        if r.first_response_at is not None:
            out[r.tech].append(r.first_response_at)
        if r.resolved_at is not None:
            out[r.tech].append(r.resolved_at)
    return out


def learn_hours(
    instants: list[datetime],
    tz: str = "UTC",
    *,
    min_events: int = MIN_HOURS_EVENTS,
    day_share: float = DAY_SHARE,
    hours_share: float = HOURS_SHARE,
) -> LearnedHours | None:
    """The weekly window holding most of the activity (see the module docstring); None with too
    few instants or when the activity is spread round the clock."""
    if len(instants) < min_events:
        return None
    zone = _zone(tz)
    local = [(a if a.tzinfo is not None else a.replace(tzinfo=UTC)).astimezone(zone) for a in instants]
    per_day = [0] * 7
    for a in local:
        per_day[a.weekday()] += 1
    average = len(local) / 7
    days = tuple(d for d in range(7) if per_day[d] >= day_share * average)
    per_hour = [0] * 24
    for a in local:
        if a.weekday() in days:
            per_hour[a.hour] += 1
    on_days = sum(per_hour)
    need = hours_share * on_days
    best: tuple[int, int, int] | None = None  # (length, start hour, events inside)
    for length in range(1, 25):
        for start in range(24):
            inside = sum(per_hour[(start + i) % 24] for i in range(length))
            if inside >= need and (best is None or inside > best[2]):
                best = (length, start, inside)
        if best is not None:
            break
    if best is None or best[0] >= ROUND_THE_CLOCK_HOURS:
        return None
    length, start, inside = best
    return LearnedHours(
        days=days,
        start=time(start),
        end=time((start + length) % 24),
        share=inside / len(local),
        events=len(local),
    )


def learn_patterns(
    records: Iterable[HistoryRecord], timezone_of: Callable[[str], str] | None = None
) -> dict[str, LearnedPattern]:
    """Capacity and hours for every technician who resolved something in `records`."""
    records = list(records)
    capacity = learn_capacity(records)
    instants = activity_instants(records)
    out: dict[str, LearnedPattern] = {}
    for tech in sorted(set(capacity) | set(instants)):
        cap, samples, median = capacity.get(tech, (None, 0, None))
        tz = timezone_of(tech) if timezone_of is not None else "UTC"
        out[tech] = LearnedPattern(tech, cap, samples, median, learn_hours(instants.get(tech, []), tz))
    return out


def effective_capacity(
    stated: int | None, confirmed: int | None, learned: int | None, default: int
) -> int | None:
    """The capacity a technician is ranked with (None: the desk default): the stated one
    (workspace, PSA, admin), else the one a manager confirmed or set, else the learned one where
    it is above the desk default. A learned value at or below the default is shown, not used
    until confirmed: a quiet history (or an export of part of it) shows how much a technician
    carried, not how much more they could have taken."""
    if stated:
        return stated
    if confirmed:
        return confirmed
    if learned is not None and learned > default:
        return learned
    return None


def fallback_hours(
    learned: dict[str, object] | None, confirmed: dict[str, object] | None, ignored: bool
) -> LearnedHours | None:
    """The working hours to rank a technician with who has no schedule at all: the learned ones
    once a manager confirmed them, never unconfirmed. Replayed on BPI 2013, learned hours used
    as they come made the actual resolver unavailable at the opening of tickets they went on to
    resolve (top-3 21.7 -> 18.0 %, docs/quality.md): when someone acts is not when they may be
    given work. `learned` and `ignored` are what the page shows next to it."""
    del learned, ignored
    return LearnedHours.from_json(confirmed) if confirmed else None


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _ts(at: datetime) -> float:
    return (at if at.tzinfo is not None else at.replace(tzinfo=UTC)).timestamp()
