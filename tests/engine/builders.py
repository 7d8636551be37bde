"""Small builders for engine tests: sensible defaults, override only what a test is about."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from dispatch.engine.types import (
    BusinessHours,
    CompanyHistory,
    Experience,
    GeoPoint,
    Interval,
    Policy,
    Rule,
    Shift,
    TechFacts,
    TicketFacts,
    Workload,
)

NOW = datetime(2026, 1, 13, 15, 30, tzinfo=UTC)  # a Tuesday afternoon
WEEKDAYS = (0, 1, 2, 3, 4)
BOSTON = GeoPoint(42.36, -71.06, "Boston")
PROVIDENCE = GeoPoint(41.82, -71.41, "Providence")  # ~70 km from Boston
NEW_YORK = GeoPoint(40.71, -74.01, "New York")  # ~300 km
CHICAGO = GeoPoint(41.88, -87.63, "Chicago")  # ~1,370 km


def tech(id: str = "t1", **kw: Any) -> TechFacts:
    """An active, always-available English speaker with no skills and no load unless told."""
    kw.setdefault("name", id.replace("-", " ").title())
    if "skills" in kw:
        kw["skills"] = dict(kw["skills"])
    if "languages" in kw:
        kw["languages"] = frozenset(kw["languages"])
    if "certifications" in kw:
        kw["certifications"] = frozenset(kw["certifications"])
    if "active_tickets" in kw:
        n = kw.pop("active_tickets")
        kw["workload"] = Workload(n, 2.0 * n, 2.0 * n)
    return TechFacts(id=id, **kw)


def ticket(id: str = "T1", **kw: Any) -> TicketFacts:
    kw.setdefault("subject", "Email connection issues in Outlook")
    kw.setdefault("category", "Email Support")
    kw.setdefault("company_id", "acme")
    kw.setdefault("company_name", "Acme Corporation")
    return TicketFacts(id=id, **kw)


def policy(**kw: Any) -> Policy:
    kw.setdefault("now", NOW)
    kw.setdefault("workload_calculation_method", "ticket_count")
    return Policy(**kw)


def rule(name: str = "r", when: dict | None = None, then: dict | None = None, **kw: Any) -> Rule:
    return Rule(name=name, when=when or {}, then=then or {}, **kw)


def shift(start: str, end: str, days: tuple[int, ...] = WEEKDAYS) -> Shift:
    return Shift(days, time.fromisoformat(start), time.fromisoformat(end))


def interval(start: datetime, hours: float, reason: str = "") -> Interval:
    return Interval(start, start + timedelta(hours=hours), reason)


def experience(resolved: float = 10, **kw: Any) -> Experience:
    return Experience(resolved=resolved, **kw)


def history(tickets: int, csat: float | None = None) -> CompanyHistory:
    return CompanyHistory(tickets, csat)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def at(iso: str) -> datetime:
    """An aware instant from ISO text (must carry an offset or Z)."""
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def office(tz: str = "UTC", start: str = "08:00", end: str = "18:00") -> BusinessHours:
    return BusinessHours(timezone=tz, start=time.fromisoformat(start), end=time.fromisoformat(end))


def candidate(ranking, tech_id: str):
    return next(c for c in ranking.candidates if c.tech_id == tech_id)


def factor(cand, name: str):
    return next(f for f in cand.breakdown if f.factor == name)


def reasons(ranking) -> dict[str, str]:
    return {r.rule: r.impact for r in ranking.rules_applied}
