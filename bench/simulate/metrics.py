"""Per-run metrics over the measured tickets (created after the warm-up, before the end of
arrivals) and the measured window of technician time."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .clock import overlap
from .sim import Simulation

# name, label, unit, higher is better (None: neither)
METRICS: tuple[tuple[str, str, str, bool | None], ...] = (
    ("sla_response", "SLA response met", "%", True),
    ("sla_resolution", "SLA resolution met", "%", True),
    ("sla_both", "SLA met (both)", "%", True),
    ("frt_mean", "First response mean", "min", False),
    ("frt_p95", "First response p95", "min", False),
    ("res_mean", "Resolution mean", "h", False),
    ("res_p95", "Resolution p95", "h", False),
    ("handoffs", "Handoffs / ticket", "", False),
    ("bounced_share", "Tickets bounced", "%", False),
    ("handoffs_bounced", "Handoffs / bounced ticket", "", False),
    ("touches", "Technicians / ticket", "", False),
    ("accuracy", "Right-skill 1st assignment", "%", True),
    ("assign_mean", "Time to assign mean", "min", False),
    ("utilisation", "Utilisation", "%", None),
    ("gini", "Gini of hours worked", "", False),
    ("after_hours", "After-hours share of work", "%", None),
    ("oncall_hours", "On-call hours worked / week", "h", None),
    ("work_ticket", "Hours worked / ticket", "h", False),
    ("cost_ticket", "Cost / ticket (hourly cost x h)", "$", False),
)
METRIC_INFO = {m[0]: m for m in METRICS}


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (numpy's default), without numpy for small lists."""
    if not values:
        return math.nan
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def gini(values: Sequence[float]) -> float:
    xs = sorted(values)
    n = len(xs)
    total = sum(xs)
    if n == 0 or total <= 0:
        return 0.0
    cum = sum((i + 1) * x for i, x in enumerate(xs))
    return (2 * cum) / (n * total) - (n + 1) / n


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else math.nan


def measure(sim: Simulation) -> dict[str, Any]:
    desk = sim.desk
    tickets = [t for t in sim.tickets if desk.measured(t)]
    done = [t for t in tickets if t.resolved is not None]
    n = len(tickets)
    responded = [t for t in tickets if t.first_response is not None]
    frt = [t.first_response - t.created for t in responded]
    res = [(t.resolved - t.created) / 60 for t in done]
    bounced = [t for t in tickets if t.handoffs > 0]
    a, b = desk.measure_from, desk.measure_to
    worked, duty, after = [], [], 0.0
    on_shift = oncall = 0.0
    for tech in sim.techs:
        worked.append(overlap(tech.segments, a, b) / 60)
        duty.append(tech.duty.overlap(a, b) / 60)
        for s0, s1 in tech.segments:
            lo, hi = max(a, s0), min(b, s1)
            if hi > lo:
                after += (hi - lo) - desk.business.overlap(lo, hi)
                in_duty = tech.duty.overlap(lo, hi)
                on_shift += in_duty
                oncall += (hi - lo) - in_duty
    total_work = sum(worked)
    weeks = (b - a) / (7 * 1440)
    return {
        "tickets": n,
        "unresolved": n - len(done),
        "sla_response": 100 * sum(1 for t in responded if t.first_response <= t.response_due) / n,
        "sla_resolution": 100 * sum(1 for t in done if t.resolved <= t.resolution_due) / n,
        "sla_both": 100
        * sum(1 for t in done if t.resolved <= t.resolution_due and t.first_response <= t.response_due)
        / n,  # fmt: skip
        "frt_mean": mean(frt),
        "frt_p95": percentile(frt, 95),
        "res_mean": mean(res),
        "res_p95": percentile(res, 95),
        "handoffs": sum(t.handoffs for t in tickets) / n,
        "bounced_share": 100 * len(bounced) / n,
        "handoffs_bounced": mean([t.handoffs for t in bounced]) if bounced else 0.0,
        "touches": sum(len(t.touched_by) for t in tickets) / n,
        "accuracy": 100 * sum(1 for t in tickets if t.first_right) / n,
        "assign_mean": mean([t.first_assigned - t.created for t in tickets if t.first_assigned is not None]),
        "utilisation": 100 * on_shift / 60 / sum(duty) if sum(duty) else 0.0,  # on-call work excluded
        "gini": gini(worked),
        "after_hours": 100 * after / 60 / total_work if total_work else 0.0,
        "oncall_hours": oncall / 60 / weeks if weeks else 0.0,
        "work_ticket": sum(t.worked for t in tickets) / 60 / n,
        "cost_ticket": sum(t.cost for t in tickets) / n,
        "hours_by_tech": {t.id: round(w, 1) for t, w in zip(sim.techs, worked, strict=True)},
        "by_priority": {
            p: round(
                100
                * sum(1 for t in grp if t.resolved is not None and t.resolved <= t.resolution_due)
                / len(grp),
                1,
            )
            for p in ("Low", "Medium", "High", "Critical")
            if (grp := [t for t in tickets if t.priority == p])
        },
    }
