"""Dispatch metrics over a period: pure-ish functions over querysets, each a fixed number of
queries whatever the volume, returning plain values the metrics and auto-assign pages
render (and Chart.js draws).

- assignments per technician (count and estimated hours)
- time to dispatch: ticket created -> decision decided
- agreement with the top suggestion per category (approved vs overridden, plus shadow
  decisions compared with the ticket's eventual assignee) -> override rate, auto-assign advice
- SLA at risk / breached for open tickets (a snapshot, not a period)
- workload fairness: Gini of assignments and hours per technician, after-hours share
- the imported history (tickets resolved before or outside Switchboard): volume per day,
  resolution time, resolved per technician; every rate carries its sample size n
"""

from __future__ import annotations

import statistics
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.db.models import Count, F, FloatField, Q, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from dispatch.models import Assignment, Decision, DecisionStatus, DispatchSettings, HistoryTicket, Ticket
from skills.models import AutoAssign, Category, Technician

PERIODS = (7, 30, 90)
DECIDED = (DecisionStatus.APPROVED, DecisionStatus.OVERRIDDEN, DecisionStatus.AUTO_ASSIGNED)
# Auto-assign advice: turn on when dispatchers agreed this often over at least this many decisions...
TRUST_AGREEMENT = 0.90
TRUST_MIN_DECISIONS = 20
# ...and off when agreement falls below this, or the last week's override rate climbs this much.
DISTRUST_AGREEMENT = 0.75
CLIMB = 0.10
RECENT = timedelta(days=7)
SMALL_N = 5  # a rate on fewer cases is shown faded (with its n): too few to read much into


def since(days: int, now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=days)


def gini(values: Sequence[float]) -> float:
    """0 = perfectly even, 1 = one technician gets everything."""
    xs = sorted(max(0.0, float(v)) for v in values)
    n, total = len(xs), sum(xs)
    if n == 0 or total == 0:
        return 0.0
    weighted = sum((i + 1) * x for i, x in enumerate(xs))
    return round((2 * weighted) / (n * total) - (n + 1) / n, 3)


def percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    xs = sorted(values)
    k = (len(xs) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


# ---------------------------------------------------------------- distribution


def assignments_per_technician(start: datetime) -> list[dict[str, Any]]:
    """Every active technician (zeros included) with assignments and hours since `start`. Two queries."""
    rows = (
        Assignment.objects.filter(created_at__gte=start)
        .values("technician_id")
        .annotate(
            n=Count("id"), hours=Coalesce(Sum("ticket__estimated_hours"), 0.0, output_field=FloatField())
        )
    )
    by_tech = {r["technician_id"]: r for r in rows}
    techs = Technician.objects.filter(Q(active=True) | Q(pk__in=list(by_tech))).values("pk", "name")
    out = [
        {
            "name": t["name"],
            "assignments": by_tech.get(t["pk"], {}).get("n", 0),
            "hours": round(by_tech.get(t["pk"], {}).get("hours", 0.0), 1),
        }
        for t in techs
    ]
    return sorted(out, key=lambda r: (-r["assignments"], r["name"]))


def _after_hours(moment: datetime, bh: dict[str, Any]) -> bool:
    tz = zoneinfo.ZoneInfo(bh.get("timezone", "UTC"))
    local = moment.astimezone(tz)
    start, end = time.fromisoformat(bh.get("start", "08:00")), time.fromisoformat(bh.get("end", "18:00"))
    return local.weekday() not in bh.get("days", [0, 1, 2, 3, 4]) or not (start <= local.time() < end)


def fairness(start: datetime, per_tech: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Gini of assignments and of hours per technician, and the after-hours share."""
    per_tech = per_tech if per_tech is not None else assignments_per_technician(start)
    bh = DispatchSettings.load().business_hours or {}
    moments = list(Assignment.objects.filter(created_at__gte=start).values_list("created_at", flat=True))
    after = sum(1 for m in moments if _after_hours(m, bh))
    return {
        "gini_assignments": gini([r["assignments"] for r in per_tech]),
        "gini_hours": gini([r["hours"] for r in per_tech]),
        "after_hours_share": round(after / len(moments), 3) if moments else 0.0,
        "after_hours": after,
        "assignments": len(moments),
        "technicians": len(per_tech),
    }


# ---------------------------------------------------------------- speed


def time_to_dispatch(start: datetime) -> dict[str, Any]:
    """Minutes from ticket creation to the confirmed decision; one query."""
    rows = Decision.objects.filter(
        decided_at__gte=start, status__in=DECIDED, ticket__isnull=False
    ).values_list("decided_at", "ticket__created_at", "status")
    minutes: list[float] = []
    by_day: dict[str, list[float]] = {}
    auto = 0
    for decided_at, created_at, status in rows:
        assert decided_at is not None  # NULLs never match decided_at__gte
        value = max(0.0, (decided_at - created_at).total_seconds() / 60)
        minutes.append(value)
        by_day.setdefault(timezone.localtime(decided_at).date().isoformat(), []).append(value)  # viewer's days
        auto += status == DecisionStatus.AUTO_ASSIGNED
    return {
        "count": len(minutes),
        "auto": auto,
        "median": _round(statistics.median(minutes)) if minutes else None,
        "mean": _round(statistics.fmean(minutes)) if minutes else None,
        "p90": _round(percentile(minutes, 0.9)),
        "by_day": [(day, _round(statistics.median(vals))) for day, vals in sorted(by_day.items())],
    }


def _round(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def decisions_per_day(start: datetime) -> list[dict[str, Any]]:
    rows = (
        Decision.objects.filter(created_at__gte=start)
        .exclude(status=DecisionStatus.SUPERSEDED)
        .annotate(day=TruncDate("created_at"))
        .values("day", "status")
        .annotate(n=Count("id"))
        .order_by("day")
    )
    return [{"day": r["day"].isoformat(), "status": r["status"], "n": r["n"]} for r in rows]


# ---------------------------------------------------------------- agreement & earned trust


@dataclass
class Agreement:
    category: str
    approved: int = 0
    overridden: int = 0
    auto_assigned: int = 0
    failed: int = 0
    suggested: int = 0
    shadow_resolved: int = 0
    shadow_agreed: int = 0
    shadow_open: int = 0
    recent_approved: int = 0
    recent_overridden: int = 0

    @property
    def judged(self) -> int:
        """Decisions a dispatcher confirmed or corrected (shadow ones once the ticket was assigned)."""
        return self.approved + self.overridden + self.shadow_resolved

    @property
    def agreed(self) -> int:
        return self.approved + self.shadow_agreed

    @property
    def agreement(self) -> float | None:
        return self.agreed / self.judged if self.judged else None

    @property
    def volume(self) -> int:
        return (
            self.approved
            + self.overridden
            + self.auto_assigned
            + self.failed
            + self.suggested
            + self.shadow_resolved
            + self.shadow_open
        )

    @property
    def confirmed(self) -> int:
        """The override rate's sample size n: decisions a dispatcher approved or overrode."""
        return self.approved + self.overridden

    @property
    def small_sample(self) -> bool:
        return self.confirmed < SMALL_N

    @property
    def override_rate(self) -> float | None:
        confirmed = self.approved + self.overridden
        return self.overridden / confirmed if confirmed else None

    @property
    def recent_override_rate(self) -> float | None:
        confirmed = self.recent_approved + self.recent_overridden
        return self.recent_overridden / confirmed if confirmed else None

    @property
    def earlier_override_rate(self) -> float | None:
        approved, overridden = self.approved - self.recent_approved, self.overridden - self.recent_overridden
        return overridden / (approved + overridden) if approved + overridden else None

    def advice(self, mode: str) -> tuple[str, str]:
        """(action, why): "on", "off" or "" (keep)."""
        agreement = self.agreement
        recent, earlier = self.recent_override_rate, self.earlier_override_rate
        climbing = (
            recent is not None
            and earlier is not None
            and self.recent_approved + self.recent_overridden >= 5
            and recent - earlier >= CLIMB
        )
        if (
            mode != AutoAssign.OFF
            and agreement is not None
            and self.judged >= 5
            and agreement < DISTRUST_AGREEMENT
        ):
            return "off", f"agreement fell to {agreement:.0%}"
        if mode != AutoAssign.OFF and climbing:
            return "off", f"overrides climbing: {recent:.0%} this week vs {earlier:.0%} before"
        if (
            mode != AutoAssign.ON
            and agreement is not None
            and self.judged >= TRUST_MIN_DECISIONS
            and agreement >= TRUST_AGREEMENT
        ):
            return "on", f"{agreement:.0%} agreement over {self.judged} decisions"
        return "", ""


def category_agreement(start: datetime, now: datetime | None = None) -> dict[str, Agreement]:
    """Per category name (as the engine saw it), two queries."""
    recent = (now or timezone.now()) - RECENT
    key = "inputs__ticket__category"
    rows = (
        Decision.objects.filter(created_at__gte=start)
        .exclude(status__in=[DecisionStatus.SUPERSEDED, DecisionStatus.SHADOW])
        .values(key)
        .annotate(
            approved=Count("id", filter=Q(status=DecisionStatus.APPROVED)),
            overridden=Count("id", filter=Q(status=DecisionStatus.OVERRIDDEN)),
            auto_assigned=Count("id", filter=Q(status=DecisionStatus.AUTO_ASSIGNED)),
            failed=Count("id", filter=Q(status=DecisionStatus.FAILED)),
            suggested=Count("id", filter=Q(status=DecisionStatus.SUGGESTED)),
            recent_approved=Count("id", filter=Q(status=DecisionStatus.APPROVED, created_at__gte=recent)),
            recent_overridden=Count("id", filter=Q(status=DecisionStatus.OVERRIDDEN, created_at__gte=recent)),
        )
    )
    out: dict[str, Agreement] = {}
    for row in rows:
        name = row.pop(key) or "(uncategorised)"
        out[name] = Agreement(category=name, **row)
    shadow = (
        Decision.objects.filter(created_at__gte=start, status=DecisionStatus.SHADOW)
        .values(key)
        .annotate(
            resolved=Count("id", filter=Q(ticket__assigned_to__isnull=False)),
            agreed=Count("id", filter=Q(ticket__assigned_to=F("recommended"))),
            open=Count("id", filter=Q(ticket__assigned_to__isnull=True)),
        )
    )
    for row in shadow:
        name = row[key] or "(uncategorised)"
        entry = out.setdefault(name, Agreement(category=name))
        entry.shadow_resolved, entry.shadow_agreed, entry.shadow_open = (
            row["resolved"],
            row["agreed"],
            row["open"],
        )
    return out


@dataclass
class TrustRow:
    category: Category
    stats: Agreement
    advice: str
    why: str


def trust_table(days: int = 30, now: datetime | None = None) -> list[TrustRow]:
    """Every category with its agreement stats and auto-assign advice (three queries)."""
    stats = category_agreement(since(days, now), now)
    rows = []
    for category in Category.objects.order_by("name"):
        agreement = stats.get(category.name, Agreement(category=category.name))
        advice, why = agreement.advice(category.auto_assign)
        rows.append(TrustRow(category, agreement, advice, why))
    return rows


# ---------------------------------------------------------------- SLA


def sla_state(sla_due: datetime | None, created_at: datetime, now: datetime) -> str:
    """breached | at_risk | on_track | none; at risk = under 25% of the window (or 30 min) left."""
    if sla_due is None:
        return "none"
    remaining = (sla_due - now).total_seconds()
    if remaining < 0:
        return "breached"
    window = max((sla_due - created_at).total_seconds(), 1)
    return "at_risk" if remaining < max(1800, 0.25 * window) else "on_track"


def sla_snapshot(now: datetime | None = None) -> dict[str, Any]:
    """Open tickets by SLA state, split into unassigned and assigned; one query."""
    now = now or timezone.now()
    counts = {s: {"unassigned": 0, "assigned": 0} for s in ("breached", "at_risk", "on_track", "none")}
    rows = Ticket.objects.filter(closed=False).values_list("sla_due", "created_at", "assigned_to_id")
    for sla_due, created_at, assigned in rows:
        counts[sla_state(sla_due, created_at, now)]["assigned" if assigned else "unassigned"] += 1
    return counts


# ---------------------------------------------------------------- imported history


def history_resolved(start: datetime, now: datetime) -> dict[str, Any]:
    """Tickets of the imported history resolved in [start, now]: how many, resolution time
    (opened -> resolved, hours: median and p90 with n), per day (days in the active zone) and per
    technician. A desk's past before Switchboard counts too, not only its own decisions. One query."""
    rows = HistoryTicket.objects.filter(resolved_at__gte=start, resolved_at__lte=now).values_list(
        "opened_at", "resolved_at", "resolved_by__name"
    )
    hours: list[float] = []
    by_day: dict[str, list[float]] = {}
    by_tech: dict[str, list[float]] = {}
    for opened_at, resolved_at, name in rows:
        assert resolved_at is not None  # NULLs never match resolved_at__gte
        value = max(0.0, (resolved_at - opened_at).total_seconds() / 3600)
        hours.append(value)
        by_day.setdefault(timezone.localtime(resolved_at).date().isoformat(), []).append(value)
        if name:
            by_tech.setdefault(name, []).append(value)
    return {
        "count": len(hours),
        "median_hours": _round(statistics.median(hours)) if hours else None,
        "p90_hours": _round(percentile(hours, 0.9)),
        "per_day": [
            {"day": day, "resolved": len(vals), "median_hours": _round(statistics.median(vals))}
            for day, vals in sorted(by_day.items())
        ],
        "per_tech": {
            name: {"resolved": len(vals), "median_hours": _round(statistics.median(vals))}
            for name, vals in by_tech.items()
        },
    }


def with_history(per_tech: list[dict[str, Any]], history: dict[str, Any]) -> list[dict[str, Any]]:
    """Per-technician rows with the history's resolved count and median resolution hours."""
    found = history["per_tech"]
    return [
        {**r, "resolved": found.get(r["name"], {}).get("resolved", 0),
         "median_hours": found.get(r["name"], {}).get("median_hours")}
        for r in per_tech
    ]  # fmt: skip


# ---------------------------------------------------------------- the page


def metrics_summary(days: int, now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    start = since(days, now)
    per_tech = assignments_per_technician(start)
    agreement = sorted(category_agreement(start, now).values(), key=lambda a: -a.volume)
    history = history_resolved(start, now)
    return {
        "days": days,
        "start": start,
        "history": history,
        "per_tech": with_history(per_tech, history),
        "fairness": fairness(start, per_tech),
        "dispatch": time_to_dispatch(start),
        "agreement": agreement,
        "sla": sla_snapshot(now),
        "per_day": decisions_per_day(start),
    }


def chart_data(summary: dict[str, Any]) -> dict[str, Any]:
    """What static/js/metrics.js feeds to Chart.js (json_script)."""
    with_rate = [a for a in summary["agreement"] if a.override_rate is not None]
    days = sorted({r["day"] for r in summary["per_day"]})
    statuses = sorted({r["status"] for r in summary["per_day"]})
    per_day = {(r["day"], r["status"]): r["n"] for r in summary["per_day"]}
    return {
        "per_tech": {
            "labels": [r["name"] for r in summary["per_tech"]],
            "assignments": [r["assignments"] for r in summary["per_tech"]],
            "hours": [r["hours"] for r in summary["per_tech"]],
            "resolved": [r.get("resolved", 0) for r in summary["per_tech"]],
        },
        "dispatch": {
            "labels": [d for d, _ in summary["dispatch"]["by_day"]],
            "median": [m for _, m in summary["dispatch"]["by_day"]],
        },
        "override": {
            "labels": [f"{a.category} (n={a.confirmed})" for a in with_rate],
            "rate": [round(100 * (a.override_rate or 0), 1) for a in with_rate],
            "n": [a.confirmed for a in with_rate],
            "small_n": SMALL_N,
        },
        "history": {
            "labels": [r["day"] for r in summary.get("history", {}).get("per_day", [])],
            "resolved": [r["resolved"] for r in summary.get("history", {}).get("per_day", [])],
            "median_hours": [r["median_hours"] for r in summary.get("history", {}).get("per_day", [])],
        },
        "sla": {
            "labels": ["Breached", "At risk", "On track", "No SLA"],
            "unassigned": [
                summary["sla"][s]["unassigned"] for s in ("breached", "at_risk", "on_track", "none")
            ],
            "assigned": [summary["sla"][s]["assigned"] for s in ("breached", "at_risk", "on_track", "none")],
        },
        "per_day": {"labels": days, "series": {s: [per_day.get((d, s), 0) for d in days] for s in statuses}},
    }
