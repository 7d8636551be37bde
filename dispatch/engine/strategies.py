"""Dispatch strategies: a weight vector over FACTORS plus an ordering of eligible candidates.

Every strategy scores with the same five factors so that any ranking can be explained with the
same breakdown; they differ in how much each factor weighs and, for round robin, least busy and
customer preference, in the order they put eligible candidates in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from .types import DEFAULT_WEIGHTS, FACTORS, STRATEGIES, Policy

# Fixed vectors (sum to 1). Minor factors keep a little weight so ties break sensibly.
SKILLS_BASED: dict[str, float] = {
    "skill": 0.60,
    "availability": 0.15,
    "workload": 0.10,
    "performance": 0.10,
    "customer_preference": 0.05,
}
LEAST_BUSY: dict[str, float] = {
    "skill": 0.15,
    "availability": 0.15,
    "workload": 0.55,
    "performance": 0.10,
    "customer_preference": 0.05,
}
# What sla_driven moves toward as urgency rises: be reachable now, and be someone who meets deadlines.
SLA_DRIVEN_URGENT: dict[str, float] = {
    "skill": 0.15,
    "availability": 0.40,
    "workload": 0.10,
    "performance": 0.30,
    "customer_preference": 0.05,
}
# What the hybrid SLA shift moves weight toward: speed of pickup.
SLA_SHIFT_TARGET: dict[str, float] = {
    "skill": 0.0,
    "availability": 0.5,
    "workload": 0.5,
    "performance": 0.0,
    "customer_preference": 0.0,
}
ORDERINGS: dict[str, str] = {
    "skills_based": "score",
    "least_busy": "load",
    "round_robin": "rotation",
    "hybrid": "score",
    "sla_driven": "score",
    "customer_preference": "preference",
}
# Strategies whose weights follow policy.weights and receive the SLA shift.
SLA_SHIFTED = frozenset({"hybrid", "round_robin", "customer_preference"})


class Orderable(Protocol):
    """What the ordering needs from a candidate under evaluation."""

    score: float
    workload_value: float
    pref_rank: int
    last_assigned_at: datetime | None
    tech_id: str


def resolve_strategy(strategy: str | None, policy: Policy) -> str:
    """The per-call override, else the policy's mode; unknown names are a caller bug."""
    name = strategy or policy.strategy
    if name not in STRATEGIES:
        raise ValueError(f"unknown dispatch strategy {name!r}; expected one of {', '.join(STRATEGIES)}")
    return name


def normalise(weights: Mapping[str, float]) -> dict[str, float]:
    """Weights over exactly FACTORS summing to 1 (missing factors 0; nonsense falls back to defaults)."""
    clean = {f: max(0.0, float(weights.get(f, 0.0) or 0.0)) for f in FACTORS}
    total = sum(clean.values())
    if total <= 0:
        return dict(DEFAULT_WEIGHTS)
    return {f: w / total for f, w in clean.items()}


def mix(base: Mapping[str, float], target: Mapping[str, float], amount: float) -> dict[str, float]:
    """Move `amount` (0..1) of the way from base to target; both sum to 1 so the result does too."""
    amount = min(1.0, max(0.0, amount))
    return {f: (1 - amount) * base[f] + amount * target[f] for f in FACTORS}


def strategy_weights(strategy: str, policy: Policy, urgency: float) -> tuple[dict[str, float], float]:
    """(effective weights, SLA shift applied 0..1).

    hybrid-family: policy weights shifted toward availability/workload by
    sla_priority_weight x urgency. sla_driven: at least half-way to SLA_DRIVEN_URGENT, all the way
    at urgency 1. skills_based / least_busy: fixed vectors, no shift (their point is to be simple).
    """
    if strategy == "skills_based":
        return dict(SKILLS_BASED), 0.0
    if strategy == "least_busy":
        return dict(LEAST_BUSY), 0.0
    base = normalise(policy.weights)
    if strategy == "sla_driven":
        return mix(base, SLA_DRIVEN_URGENT, 0.5 + 0.5 * urgency), 0.0
    shift = max(0.0, min(1.0, policy.sla_priority_weight)) * urgency
    return mix(base, SLA_SHIFT_TARGET, shift), shift


def performance_focus(strategy: str) -> str:
    """sla_driven judges track record on meeting deadlines only."""
    return "on_time" if strategy == "sla_driven" else "balanced"


def order_key(strategy: str, c: Orderable) -> tuple:
    """Sort key among eligible candidates of the same tier (lower sorts first)."""
    ordering = ORDERINGS[strategy]
    if ordering == "rotation":
        last = c.last_assigned_at
        return (last is not None, last.timestamp() if last is not None else 0.0, -c.score, c.tech_id)
    if ordering == "load":
        return (-round(c.workload_value, 2), -c.score, c.tech_id)
    if ordering == "preference":
        return (c.pref_rank, -c.score, c.tech_id)
    return (-c.score, -c.workload_value, c.tech_id)


def compose(
    values: Sequence[float], weights: Sequence[float], bonus: float
) -> tuple[tuple[float, ...], float, float]:
    """(rounded factor points, rounded bonus points, score) so that sum(points) + bonus == score.

    Each factor's points are rounded to 0.1 first and the score is their sum, so the breakdown a
    dispatcher sees adds up exactly. Rounding can push the base past 100 by a hair; that excess
    is taken off the largest entry. The rule bonus is capped so the score stays within 0..100.
    """
    pts = [round(v * w * 100, 1) for v, w in zip(values, weights, strict=True)]
    base = round(sum(pts), 1)
    if base > 100:
        i = max(range(len(pts)), key=pts.__getitem__)
        pts[i] = round(pts[i] - (base - 100), 1)
        base = 100.0
    bonus_pts = round(max(-base, min(bonus, 100 - base)), 1)
    return tuple(pts), bonus_pts, round(base + bonus_pts, 1)
