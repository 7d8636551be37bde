"""Shapes shared by the queue, the what-if panel and the decision page: a stored or
freshly computed ranking turned into what the candidates partial draws."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dispatch import reason_times
from dispatch.engine.strategies import ORDERINGS
from dispatch.engine.types import FACTORS

FACTOR_LABELS = {
    "skill": "Skills",
    "availability": "Availability",
    "workload": "Workload",
    "performance": "Performance",
    "customer_preference": "Customer preference",
    "rules": "Rules",
}
LEGEND = [(f, FACTOR_LABELS[f]) for f in (*FACTORS, "rules")]

# Short labels for the queue row; the full code is in the tooltip and the expanded panel.
FAILURE_SHORT = {
    "NO_QUALIFIED_TECHNICIANS_AVAILABLE": "No qualified tech",
    "ALL_TECHNICIANS_AT_CAPACITY": "All at capacity",
    "BUSINESS_HOURS_RESTRICTION": "Outside hours",
    "SKILL_MATCH_BELOW_THRESHOLD": "Skill match too low",
    "SLA_ALREADY_BREACHED": "SLA breached",
    "TECHNICIAN_UNAVAILABLE": "Tech unavailable",
    "DISPATCHING_DISABLED": "Dispatch disabled",
}


@dataclass
class CandidateView:
    technician_id: str
    name: str
    score: float
    skill_match: int
    availability: str
    eligible: bool
    blocked_by: list[str]
    reason_not_selected: str
    segments: list[dict[str, Any]]
    penalty: float = 0.0
    qualified: bool = True
    recommended: bool = False
    rank: int = 0
    extras: dict[str, Any] = field(default_factory=dict)
    reasons: list[dict[str, Any]] = field(default_factory=list)
    back_at: datetime | None = None  # away now: when next available (current facts)
    timezone: str = ""  # the technician's own zone, to label their local time


def _segments(breakdown: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], float]:
    segments, penalty = [], 0.0
    for part in breakdown:
        points = float(part.get("points") or 0)
        if points < 0:
            penalty += points
            continue
        if points == 0:
            continue
        factor = part.get("factor", "")
        segments.append(
            {
                "factor": factor,
                "label": FACTOR_LABELS.get(factor, factor),
                "points": round(points, 1),
                "width": f"{min(points, 100):.2f}",
                "weight_pct": round(100 * float(part.get("weight") or 0)),
                "value": part.get("value"),
                "reason": part.get("reason", ""),
            }
        )
    return segments, round(penalty, 1)


def factor_reasons(breakdown: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every factor's reason as text, with its points (rule adjustments only when there are some):
    what the bar's segments say, readable without hovering, by keyboard and by screen readers."""
    out = []
    for part in breakdown:
        factor = part.get("factor", "")
        points = round(float(part.get("points") or 0), 1)
        if factor == "rules" and not points:
            continue
        out.append({"factor": factor, "label": FACTOR_LABELS.get(factor, factor), "points": points,
                    "reason": part.get("reason", "")})  # fmt: skip
    return out


def candidate_views(
    candidates: list[dict[str, Any]], recommended_id: str | None, as_of: datetime | None = None
) -> list[CandidateView]:
    """Stored `Decision.candidates` rows (or what-if rows of the same shape) for display, the times
    their reasons name in the viewer's zone (dispatch.reason_times; `as_of`, the decision's time,
    reads back rows stored without their times)."""
    views = []
    for i, row in enumerate(candidates, start=1):
        segments, penalty = _segments(row.get("score_breakdown") or [])
        reasons = factor_reasons(row.get("score_breakdown") or [])
        why = row.get("reason_not_selected", "")
        moments = _moments(row, [why, *(r["reason"] for r in reasons)], as_of)
        if moments:
            why = reason_times.html(why, moments)
            for r in reasons:
                r["reason"] = reason_times.html(r["reason"], moments)
            for s in segments:
                s["reason"] = reason_times.plain(s["reason"], moments)
        views.append(
            CandidateView(
                technician_id=row["technician_id"],
                name=row.get("name", row["technician_id"]),
                score=row.get("score", 0),
                skill_match=int(row.get("skill_match_percentage") or 0),
                availability=str(row.get("availability", "")).replace("_", " "),
                eligible=bool(row.get("eligible", True)),
                blocked_by=list(row.get("blocked_by") or []),
                reason_not_selected=why,
                segments=segments,
                penalty=penalty,
                qualified=bool(row.get("qualified", True)),
                recommended=row["technician_id"] == recommended_id,
                rank=i,
                reasons=reasons,
                extras={
                    "capacity_pct": row.get("capacity_pct"),
                    "breakdown": row.get("score_breakdown") or [],
                },
            )
        )
    _returns(views)
    return views


def _moments(row: dict[str, Any], texts: list[str], as_of: datetime | None) -> list[reason_times.Moment]:
    """The times a row's reasons name: as the engine recorded them, else read back in the
    technician's zone (rows stored before times were recorded)."""
    if "times" in row:
        return reason_times.stored(row)
    if as_of is None or not any(reason_times.WRITTEN.search(t) for t in texts):
        return []
    zone = reason_times.technician_zones().get(row.get("technician_id", ""), "")
    return [m for t in texts for m in reason_times.read_back(t, [zone], as_of)]


def _returns(views: list[CandidateView]) -> None:
    """For candidates away (off shift, time off) and still away now: when they are back, from the
    current facts snapshot (the page shows it in the viewer's zone and the technician's own)."""
    away = [v for v in views if v.availability in ("off shift", "time off")]
    if not away:
        return
    from django.utils import timezone

    from dispatch.engine.availability import is_available, next_available
    from dispatch.snapshot import tech_facts

    now = timezone.now()
    techs = {t.id: t for t in tech_facts(now).techs}
    for v in away:
        tech = techs.get(v.technician_id)
        if tech is not None and not is_available(tech, now)[0]:
            v.back_at, v.timezone = next_available(tech, now), tech.timezone


def failure_details(document: dict[str, Any], as_of: datetime | None = None) -> dict[str, Any] | None:
    """Reason code, blocking factors and recommended actions of a failed decision; with the
    decision's time, the times they name in the viewer's zone (dispatch.reason_times)."""
    if document.get("success", True):
        return None
    factors = (document.get("evaluation_summary") or {}).get("blocking_factors") or []
    factors = [
        {**b, "details": in_viewer_zone(str(b.get("details", "")), as_of)} if isinstance(b, dict) else b
        for b in factors
    ]
    return {
        "reason": (document.get("dispatching_results") or {}).get("reason", ""),
        "error": document.get("error_details") or {},
        "blocking_factors": factors,
        "recommended_actions": [
            in_viewer_zone(str(a), as_of) for a in document.get("recommended_actions") or []
        ],
        "fallback": document.get("fallback_action") or {},
    }


def in_viewer_zone(text: str, as_of: datetime | None, *, plain: bool = False) -> str:
    """A decision-level reason (blocking factor, action, waiting, why a technician cannot take a
    ticket) written at `as_of`, with its times in the viewer's zone: HTML, or plain text (for an
    attribute or a message)."""
    moments = reason_times.desk_read_back(text, as_of)
    if not moments:
        return text
    return reason_times.plain(text, moments) if plain else reason_times.html(text, moments)


BREACH_RULE = "sla_breach_escalation"


def escalation_as_done(
    document: dict[str, Any], notifications: dict[str, Any], *, assigned: bool, as_of: datetime | None = None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """`_escalation_as_done`; with the decision's time, the times the rules' impacts name ("tech-john
    unavailable (Off shift until Mon 08:00 CST)") in the viewer's zone."""
    rules, notifications = _escalation_as_done(document, notifications, assigned=assigned)
    if as_of is not None:
        rules = [{**r, "impact": in_viewer_zone(str(r.get("impact") or ""), as_of)} for r in rules]
    return rules, notifications


def _escalation_as_done(
    document: dict[str, Any], notifications: dict[str, Any], *, assigned: bool
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The decision's rules applied and notifications as a page shows them, agreeing on an SLA
    breach's escalation: to whom it went (the decision's escalation address), that it waits for
    the assignment, or that no escalation address is configured. The stored rule text claims an
    escalation in every case, and the manager's entry says none was required when no address is set."""
    rules: list[dict[str, Any]] = document.get("dispatching_rules_applied") or []
    breach = next((r for r in rules if r.get("rule") == BREACH_RULE and r.get("applied")), None)
    if breach is None:
        return rules, notifications
    target = (document.get("dispatching_results") or {}).get("escalated_to") or ""
    manager = notifications.get("manager_notification") or {}
    if not target:
        text = "SLA already breached; not escalated: no escalation address is configured"
        if notifications and not manager.get("sent"):
            unsent = {"sent": False, "reason": "No escalation address configured"}
            notifications = {**notifications, "manager_notification": unsent}
    elif not assigned:
        text = f"SLA already breached; escalates to {target} once assigned"
    elif manager.get("sent"):
        text = f"SLA already breached; assigned and escalated to {target}"
    else:
        text = f"SLA already breached; assigned, the escalation to {target} was not sent"
    return [{**r, "impact": text} if r is breach else r for r in rules], notifications


def order_note(cands: list[Any], strategy: str) -> str:
    """Why the candidates are not in score order, when they are not: the engine ranks by tier
    first (dispatch.engine.ranking), then by the strategy within a tier."""
    scores = [c.score for c in cands if c.eligible]
    if all(a >= b for a, b in zip(scores, scores[1:], strict=False)):
        return ""
    within = {"load": "workload (least busy first)", "rotation": "who was assigned longest ago (round robin)",
              "preference": "the customer's preference"}.get(ORDERINGS.get(strategy, "score"), "score")  # fmt: skip
    return (
        "Ordered by tier first, not by score: qualified and within capacity, then qualified over capacity "
        "(overflow), then below the skill-match threshold (unqualified), then blocked; within a tier by "
        f"{within}. A lower score can stand above a higher one from a later tier."
    )
