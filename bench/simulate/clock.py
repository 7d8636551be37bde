"""Simulated time: float minutes since the run's start (local midnight of the start date in the
desk's timezone), and weekly windows turned into absolute intervals on that axis.

Working in minutes keeps the event loop cheap; datetimes are made only at the engine boundary.
Windows are converted with zoneinfo, so they agree with the engine's own availability checks.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Span = tuple[float, float]


class Clock:
    """Converts between simulated minutes and aware UTC datetimes."""

    def __init__(self, start: date, tz: str) -> None:
        self.tz = ZoneInfo(tz)
        self.start_date = start
        self.t0 = datetime.combine(start, time(0), tzinfo=self.tz).astimezone(UTC)
        self._t0_ts = self.t0.timestamp()

    def dt(self, minutes: float) -> datetime:
        return self.t0 + timedelta(minutes=minutes)

    def minutes(self, at: datetime) -> float:
        return (at.timestamp() - self._t0_ts) / 60.0

    def local_windows(
        self, tz: str, days: Sequence[int], start: time, end: time, horizon_days: int
    ) -> list[Span]:
        """A weekly window (local wall clock in `tz`; end <= start crosses midnight) as absolute spans."""
        zi = ZoneInfo(tz)
        spans: list[Span] = []
        for offset in range(-1, horizon_days + 1):
            day = self.start_date + timedelta(days=offset)
            if day.weekday() not in days:
                continue
            a = datetime.combine(day, start, tzinfo=zi)
            b = datetime.combine(day + timedelta(days=1) if end <= start else day, end, tzinfo=zi)
            spans.append((self.minutes(a), self.minutes(b)))
        return merge(spans)


def merge(spans: Iterable[Span]) -> list[Span]:
    """Sorted, non-overlapping union of spans (touching spans are joined)."""
    out: list[list[float]] = []
    for a, b in sorted(spans):
        if b <= a:
            continue
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def subtract(spans: Sequence[Span], holes: Sequence[Span]) -> list[Span]:
    """spans minus holes (both sorted, non-overlapping)."""
    out: list[Span] = []
    holes = merge(holes)
    for a, b in spans:
        cur = a
        for h0, h1 in holes:
            if h1 <= cur or h0 >= b:
                continue
            if h0 > cur:
                out.append((cur, h0))
            cur = max(cur, h1)
            if cur >= b:
                break
        if cur < b:
            out.append((cur, b))
    return out


def overlap(spans: Sequence[Span], a: float, b: float) -> float:
    """Total length of spans inside [a, b)."""
    return sum(max(0.0, min(b, s1) - max(a, s0)) for s0, s1 in spans if s1 > a and s0 < b)


class SpanIndex:
    """Sorted spans with O(log n) membership and business-clock arithmetic."""

    def __init__(self, spans: Sequence[Span]) -> None:
        self.spans = list(merge(spans))
        self.starts = [s for s, _ in self.spans]

    def contains(self, t: float) -> bool:
        i = bisect.bisect_right(self.starts, t) - 1
        return i >= 0 and t < self.spans[i][1]

    def next_start(self, t: float) -> float | None:
        """The first span start at or after t, or t itself when inside a span."""
        if self.contains(t):
            return t
        i = bisect.bisect_left(self.starts, t)
        return self.starts[i] if i < len(self.starts) else None

    def add(self, t: float, minutes: float) -> float:
        """t plus `minutes` of time counted only inside the spans (a business-hours clock)."""
        i = max(0, bisect.bisect_right(self.starts, t) - 1)
        left = minutes
        while i < len(self.spans):
            s0, s1 = self.spans[i]
            cur = max(t, s0)
            if cur < s1:
                if cur + left <= s1:
                    return cur + left
                left -= s1 - cur
            i += 1
        return float("inf")

    def overlap(self, a: float, b: float) -> float:
        i = max(0, bisect.bisect_right(self.starts, a) - 1)
        total = 0.0
        while i < len(self.spans) and self.spans[i][0] < b:
            s0, s1 = self.spans[i]
            total += max(0.0, min(b, s1) - max(a, s0))
            i += 1
        return total
