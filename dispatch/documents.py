"""The decision document: the engine's Ranking rendered in the shape of the seed's
"Returned Data" (contracts/dispatch-api.md), with this project's additions
(score_breakdown on every candidate, pending_approval in suggest mode, decision_id).

Pure functions of plain values, so the API, the queue page and stored decisions agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from dispatch.engine.types import Candidate, Ranking, TechFacts, TicketFacts

ERROR_MESSAGES = {
    "NO_QUALIFIED_TECHNICIANS_AVAILABLE": ("ERR-DISPATCH-001", "No technicians available with the required skills"),
    "ALL_TECHNICIANS_AT_CAPACITY": ("ERR-DISPATCH-002", "All qualified technicians are at capacity"),
    "BUSINESS_HOURS_RESTRICTION": ("ERR-DISPATCH-003", "Outside business hours and no on-call technician qualifies"),
    "SKILL_MATCH_BELOW_THRESHOLD": ("ERR-DISPATCH-004", "No technician meets the minimum skill match"),
    "SLA_ALREADY_BREACHED": ("ERR-DISPATCH-005", "The ticket's SLA is already breached; escalation needed"),
    "TECHNICIAN_UNAVAILABLE": ("ERR-DISPATCH-006", "The selected technician is not available"),
    "PSA_UPDATE_FAILED": ("ERR-DISPATCH-007", "Unable to update the ticket assignment in the PSA"),
    "DISPATCHING_DISABLED": ("ERR-DISPATCH-008", "Dispatching is disabled in the organisation settings"),
}


def iso(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class DocumentContext:
    """What the document needs beyond the ranking."""

    ticket: TicketFacts
    techs: dict[str, TechFacts]
    mode: str  # suggest | assign
    assigned: bool
    decision_id: int | None
    started_at: datetime
    finished_at: datetime
    algorithm_version: str
    initiated_by: str = "system_automation"
    capacity_default: int = 10
    notifications: dict[str, Any] = field(default_factory=dict)
    psa_sync: dict[str, Any] | None = None
    fallback_status: str = "Pending Dispatch"
    escalation_email: str = ""
    # Where the ticket's deadline (TicketFacts.sla_due) came from: "given" (the PSA, the API body,
    # the workspace file), "policy" (computed from the SLA policy, dispatch.sla) or "" (none).
    sla_source: str = ""
    sla_response_due: datetime | None = None
    sla_resolution_due: datetime | None = None
    skill_match_threshold: float | None = None  # the policy's, for marking a forced below-threshold pick


def breakdown(candidate: Candidate) -> list[dict[str, Any]]:
    return [
        {"factor": f.factor, "value": round(f.value, 3), "weight": round(f.weight, 4), "points": f.points, "reason": f.reason}
        for f in candidate.breakdown
    ]


def meets_skill_threshold(c: Candidate, threshold: float | None) -> bool | None:
    """Whether the candidate reaches the skill-match threshold (as the engine's skill_ok: a ticket
    that requires no skill is met by anyone); None when the threshold is not known."""
    if threshold is None:
        return None
    return not (c.matched_skills or c.missing_skills) or c.skill_match_pct >= threshold


def below_threshold_warning(c: Candidate, threshold: float | None) -> dict[str, Any] | None:
    """The document's warning for a chosen technician below the skill-match threshold."""
    from dispatch.models import below_threshold_text

    if meets_skill_threshold(c, threshold) is not False:
        return None
    return {
        "code": "BELOW_SKILL_THRESHOLD",
        "technician_id": c.tech_id,
        "skill_match_percentage": round(c.skill_match_pct),
        "skill_match_threshold": threshold,
        "message": f"{c.name}: {below_threshold_text(c.skill_match_pct, threshold).lower()}; "
        "placed below the threshold because below-threshold assignment is allowed for this ticket",
    }


def candidate_row(c: Candidate, threshold: float | None = None) -> dict[str, Any]:
    """One ranked candidate as stored in `Decision.candidates` (and shown by what-if);
    with the threshold, whether it reaches the skill-match threshold."""
    row = {
        "technician_id": c.tech_id,
        "name": c.name,
        "score": c.score,
        "skill_match_percentage": round(c.skill_match_pct),
        "availability": c.availability_status,
        "eligible": c.eligible,
        "qualified": c.qualified,
        "at_capacity": c.at_capacity,
        "capacity_pct": round(c.capacity_pct),
        "blocked_by": list(c.blocked_by),
        "reason_not_selected": c.reason_not_selected,
        "score_breakdown": breakdown(c),
    }
    meets = meets_skill_threshold(c, threshold)
    if meets is not None:
        row["meets_skill_threshold"] = meets
    if c.times:  # the moments its reasons name, as written (pages show them in the viewer's zone)
        row["times"] = [{"text": t.text, "at": iso(t.at), "zone": t.zone} for t in c.times]
    return row


def _capacity(tech: TechFacts, default: int) -> int:
    return tech.max_active_tickets or default


def candidate_summary(candidate: Candidate, tech: TechFacts | None) -> dict[str, Any]:
    """One alternative as the seed lists it, plus score_breakdown and eligibility."""
    return {
        "technician_id": candidate.tech_id,
        "name": candidate.name,
        "score": candidate.score,
        "skill_match_percentage": round(candidate.skill_match_pct),
        "current_workload": tech.workload.active_tickets if tech else 0,
        "reason_not_selected": candidate.reason_not_selected,
        "availability": candidate.availability_status,
        "eligible": candidate.eligible,
        "blocked_by": list(candidate.blocked_by),
        "score_breakdown": breakdown(candidate),
    }


def _tech_contact(tech: TechFacts) -> dict[str, Any]:
    return {
        "technician_id": tech.id,
        "name": tech.name,
        "email": tech.email,
        "phone": tech.phone,
        "specialization": tech.specialization,
    }


def _current_shift(tech: TechFacts, at: datetime) -> str:
    from zoneinfo import ZoneInfo

    local = at.astimezone(ZoneInfo(tech.timezone))
    for shift in tech.schedule:
        if local.weekday() in shift.days or (shift.end <= shift.start and (local.weekday() - 1) % 7 in shift.days):
            return f"{shift.start:%H:%M}-{shift.end:%H:%M} {tech.timezone}"
    return "No fixed schedule" if not tech.schedule else "Off shift"


def technician_details(candidate: Candidate, tech: TechFacts, ticket: TicketFacts, at: datetime, capacity_default: int) -> dict[str, Any]:
    capacity = _capacity(tech, capacity_default)
    exp = tech.experience.get(ticket.category or "") or tech.experience.get("*")
    history = tech.company_history.get(ticket.company_id or "")
    upcoming = sorted(i.start for i in tech.time_off if i.start > at)
    return {
        "current_workload": {
            "active_tickets": tech.workload.active_tickets,
            "capacity_percentage": round(100 * tech.workload.active_tickets / capacity) if capacity else 0,
            "estimated_hours_remaining": round(tech.workload.estimated_hours, 1),
        },
        "skill_match": {
            "primary_skills_matched": list(candidate.matched_skills),
            "missing_skills": list(candidate.missing_skills),
            "skill_match_percentage": round(candidate.skill_match_pct),
            "certifications": sorted(tech.certifications),
        },
        "availability": {
            "status": candidate.availability_status,
            "current_shift": _current_shift(tech, at),
            "breaks_scheduled": [],
            "next_time_off": iso(upcoming[0]) if upcoming else None,
        },
        "performance_metrics": {
            "average_resolution_time_hours": round(exp.avg_resolution_hours, 1) if exp and exp.avg_resolution_hours else None,
            "customer_satisfaction_score": round(exp.csat, 2) if exp and exp.csat else None,
            "tickets_resolved_this_week": exp.resolved_this_week if exp else 0,
            "on_time_resolution_rate": round(100 * exp.on_time_rate, 1) if exp and exp.on_time_rate is not None else None,
        },
        "customer_history": {
            "previous_tickets_for_company": history.tickets if history else 0,
            "customer_satisfaction_avg": round(history.csat, 2) if history and history.csat else None,
            "preferred_technician": ticket.preferred_tech == tech.id,
        },
        "score": candidate.score,
        "score_breakdown": breakdown(candidate),
    }


def ticket_info(ticket: TicketFacts, at: datetime) -> dict[str, Any]:
    return {
        "subject": ticket.subject,
        "category": ticket.category,
        "priority": ticket.priority,
        "board": ticket.board,
        "company": ticket.company_name or ticket.company_id,
        "sla_due": iso(ticket.sla_due),
        "sla_hours_remaining": round((ticket.sla_due - at).total_seconds() / 3600, 2) if ticket.sla_due else None,
    }


def sla_tracking(ranking: Ranking, ticket: TicketFacts, at: datetime, ctx: DocumentContext | None = None) -> dict[str, Any]:
    """The seed's sla_tracking, plus (additive) where the deadline came from and, for a deadline
    computed from the policy, both of the policy's deadlines."""
    remaining = ranking.sla_hours_remaining
    expected = at + timedelta(minutes=15)
    source = (ctx.sla_source if ctx else "") or ("given" if ticket.sla_due is not None else "")
    return {
        "sla_policy": ticket.sla_policy or None,
        "sla_deadline": iso(ticket.sla_due),
        "sla_deadline_source": source or None,
        "response_deadline": iso(ctx.sla_response_due) if ctx and source == "policy" else None,
        "resolution_deadline": iso(ctx.sla_resolution_due) if ctx and source == "policy" else None,
        "time_remaining_hours": round(remaining, 2) if remaining is not None else None,
        "expected_first_response": iso(expected),
        "sla_risk_level": ranking.sla_risk,
        "on_track": ticket.sla_due is None or expected <= ticket.sla_due,
    }


def _summary(ranking: Ranking) -> dict[str, Any]:
    return {
        "candidates_evaluated": ranking.counts.get("evaluated", len(ranking.candidates)),
        "candidates_available": ranking.counts.get("available", 0),
        "candidates_qualified": ranking.counts.get("qualified", 0),
    }


def _audit(ranking: Ranking, ctx: DocumentContext) -> dict[str, Any]:
    return {
        "workflow_run_id": f"dispatch-{ctx.ticket.id}-decision-{ctx.decision_id}" if ctx.decision_id else None,
        "decision_id": ctx.decision_id,
        "initiated_by": ctx.initiated_by,
        "initiated_timestamp": iso(ctx.started_at),
        "completed_timestamp": iso(ctx.finished_at),
        "duration_seconds": round((ctx.finished_at - ctx.started_at).total_seconds(), 3),
        "algorithm_version": ctx.algorithm_version,
        "strategy": ranking.strategy,
    }


def success_document(ranking: Ranking, ctx: DocumentContext) -> dict[str, Any]:
    assert ranking.selected is not None
    chosen = next(c for c in ranking.candidates if c.tech_id == ranking.selected)
    tech = ctx.techs[chosen.tech_id]
    results: dict[str, Any] = {
        "assigned": ctx.assigned,
        "assigned_technician": _tech_contact(tech) if ctx.assigned else None,
        "assignment_timestamp": iso(ctx.finished_at) if ctx.assigned else None,
        "time_to_dispatch_seconds": round((ctx.finished_at - ctx.started_at).total_seconds(), 3),
        "assignment_method": ranking.strategy,
    }
    if not ctx.assigned:
        results["status"] = "pending_approval"
        results["recommended_technician"] = _tech_contact(tech)
    if ranking.route_to_board:
        results["route_to_board"] = ranking.route_to_board
    if ranking.escalate_to:
        results["escalated_to"] = ranking.escalate_to
    warning = below_threshold_warning(chosen, ctx.skill_match_threshold)
    results["below_skill_threshold"] = warning is not None
    alternatives = [c for c in ranking.candidates if c.tech_id != chosen.tech_id]
    details = technician_details(chosen, tech, ctx.ticket, ctx.started_at, ctx.capacity_default)
    if ctx.skill_match_threshold is not None:
        details["skill_match"]["skill_match_threshold"] = ctx.skill_match_threshold
        details["skill_match"]["meets_threshold"] = warning is None
    doc: dict[str, Any] = {
        "success": True,
        "ticket_id": ctx.ticket.id,
        "ticket_info": ticket_info(ctx.ticket, ctx.started_at),
        "dispatching_results": results,
        "evaluation_summary": {
            **_summary(ranking),
            "top_candidate_score": chosen.score,
            "assignment_confidence": ranking.confidence,
            "confidence_value": round(ranking.confidence_value, 3),
        },
        "assigned_technician_details": details,
        "alternative_candidates": [candidate_summary(c, ctx.techs.get(c.tech_id)) for c in alternatives],
        "dispatching_rules_applied": [{"rule": r.rule, "applied": r.applied, "impact": r.impact} for r in ranking.rules_applied],
        "notifications_sent": ctx.notifications,
        "sla_tracking": sla_tracking(ranking, ctx.ticket, ctx.started_at, ctx),
        "audit_trail": _audit(ranking, ctx),
        "warnings": [warning] if warning else [],
    }
    if ctx.psa_sync is not None:
        doc["psa_sync"] = ctx.psa_sync
    return doc


def failure_document(ranking: Ranking, ctx: DocumentContext) -> dict[str, Any]:
    code = ranking.error_code or "NO_QUALIFIED_TECHNICIANS_AVAILABLE"
    err_code, default_message = ERROR_MESSAGES.get(code, ("ERR-DISPATCH-000", code))
    escalated_to = ranking.escalate_to or ctx.escalation_email or None
    return {
        "success": False,
        "ticket_id": ctx.ticket.id,
        "ticket_info": ticket_info(ctx.ticket, ctx.started_at),
        "dispatching_results": {"assigned": False, "reason": code},
        "error_details": {
            "type": "DISPATCHING_FAILED",
            "message": ranking.error_message or default_message,
            "code": err_code,
            "timestamp": iso(ctx.finished_at),
        },
        "evaluation_summary": {
            **_summary(ranking),
            "blocking_factors": [{"factor": b.factor, "details": b.details} for b in ranking.blocking_factors],
        },
        "fallback_action": {
            "action_taken": "escalated_to_manager" if escalated_to else "left_in_queue",
            "escalated_to": escalated_to,
            "notification_sent": bool(ctx.notifications.get("manager_notification", {}).get("sent")),
            "ticket_status": ctx.fallback_status,
            "manual_assignment_required": True,
        },
        "recommended_actions": list(ranking.recommended_actions),
        "alternative_candidates": [candidate_summary(c, ctx.techs.get(c.tech_id)) for c in ranking.candidates],
        "dispatching_rules_applied": [{"rule": r.rule, "applied": r.applied, "impact": r.impact} for r in ranking.rules_applied],
        "notifications_sent": ctx.notifications,
        "sla_tracking": sla_tracking(ranking, ctx.ticket, ctx.started_at, ctx),
        "audit_trail": _audit(ranking, ctx),
        "warnings": [],
    }


def build_document(ranking: Ranking, ctx: DocumentContext) -> dict[str, Any]:
    return success_document(ranking, ctx) if ranking.selected and not ranking.error_code else failure_document(ranking, ctx)
