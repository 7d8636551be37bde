"""Rank technicians for one ticket: evaluate every technician, then decide.

`evaluate` does the per-technician work (hard filters, availability, five factors, score) and is
shared with the batch optimiser, which re-scores the same evaluation at different workloads.
`decide` applies the selection rules (assign_to, tiers, error codes) and turns the evaluation
into a `Ranking` with reasons.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from . import explain
from .affinity import NEUTRAL_AFFINITY, affinities, affinity_reason, blend_affinity, silent_affinity
from .availability import aware, in_business_hours, work_status
from .factors import (
    SkillAssessment,
    assess_all,
    assess_skills,
    availability_factor,
    capacity_of,
    cost_fit,
    cost_range,
    customer_preference_factor,
    performance_factor,
    preference_rank,
    required_skills,
    senior_pulled,
    seniority_fit,
    skill_reason,
    sla_hours_remaining,
    sla_risk,
    sla_urgency,
    workload_factor,
)
from .rules import RuleEffects, collect_effects, rules_applied
from .strategies import compose, order_key, performance_focus, resolve_strategy, strategy_weights
from .types import (
    FACTORS,
    SENIORITIES,
    URGENT_PRIORITIES,
    BlockingFactor,
    Candidate,
    FactorScore,
    Policy,
    Ranking,
    TechFacts,
    TicketFacts,
    Workload,
)


@dataclass(slots=True)
class Draft:
    """One technician under evaluation (mutable while the ranking is built)."""

    tech: TechFacts
    tech_id: str
    status: str
    available: bool
    next_at: datetime | None
    blocked: list[str]
    hard_ok: bool
    skill: SkillAssessment
    skill_ok: bool
    values: dict[str, float]
    reasons: dict[str, str]
    load: Workload
    capacity: int
    at_capacity: bool
    bonus: float
    pref_rank: int
    last_assigned_at: datetime | None
    workload_value: float = 0.0
    score: float = 0.0
    points: tuple[float, ...] = ()
    bonus_points: float = 0.0
    tier: int | None = None  # None: not eligible; 0 best; +1 needs overflow; +2 below skill threshold
    pulled: bool = False  # a senior pulled off other work for Critical VIP work (factors.senior_pulled)
    affinity: float | None = None  # 0..1 relative likelihood of resolving it, from history


@dataclass
class Evaluation:
    ticket: TicketFacts
    policy: Policy
    now: datetime
    strategy: str
    weights: dict[str, float]
    shift: float
    urgency: float
    effects: RuleEffects
    required: tuple[str, ...]
    bh_closed: bool
    overflow_allowed: bool
    drafts: list[Draft]
    by_id: dict[str, Draft]
    shown_weights: tuple[float, ...] = ()  # effective weights in FACTORS order, rounded for display
    weight_list: tuple[float, ...] = ()  # effective weights in FACTORS order
    force: bool = True  # may this ticket go below the skill threshold (forces_below_threshold)
    costs: tuple[float, float] | None = None  # the desk's (cheapest, dearest) hourly rate
    silent_affinity: float = NEUTRAL_AFFINITY  # affinity.silent_affinity over the technicians ranked
    # Counts over every technician when `drafts` holds only some (the vectorized path): keys
    # "min_seniority" (blocked by it), "in" (available, hard filters passed) and "busy" (those at capacity).
    tallies: dict[str, int] | None = None

    def tally(self, name: str) -> int:
        if self.tallies is not None:
            return self.tallies[name]
        if name == "min_seniority":
            return sum(1 for d in self.drafts if "min_seniority" in d.blocked)
        if name == "in":  # hard filters passed and available
            return sum(1 for d in self.drafts if d.hard_ok and d.available)
        return sum(1 for d in self.drafts if d.hard_ok and d.available and d.at_capacity)

    @property
    def held(self) -> bool:
        """force_assignment is on, but its scope keeps this ticket for a qualified technician."""
        return self.policy.force_assignment and not self.force


def _status(tech: TechFacts, ev: Evaluation) -> tuple[bool, str, datetime | None]:
    """(available, status, next available) with the business-hours restriction applied."""
    return work_status(tech, ev.now, ev.bh_closed)


def _hard_filters(tech: TechFacts, ev: Evaluation, language: str | None) -> list[str]:
    """Names of the hard filters the technician fails (never assignable to this ticket)."""
    ticket, fx = ev.ticket, ev.effects
    blocked: list[str] = []
    if not tech.active:
        blocked.append("inactive")
    if language and not any(lang.casefold() == language for lang in tech.languages):
        blocked.append("language")
    if tech.id in ticket.exclude:
        blocked.append("excluded")
    if tech.id in fx.exclude:
        blocked.append("rule_exclude")
    if ticket.onsite and not tech.onsite_capable:
        blocked.append("onsite")
    if fx.min_seniority and SENIORITIES.get(tech.seniority, 2) < SENIORITIES[fx.min_seniority]:
        blocked.append("min_seniority")
    return blocked


def _assess(
    tech: TechFacts,
    ev: Evaluation,
    load: Workload,
    last: datetime | None,
    language: str | None,
    skill: SkillAssessment | None = None,
) -> Draft:
    """Hard filters, availability and the raw factors for one technician (skill value and score
    come later, once it is known whether a junior/mid qualifies). `skill`: assess_skills for this
    technician and ticket when the caller already has it (the vectorized path memoizes it)."""
    ticket, policy, fx, now = ev.ticket, ev.policy, ev.effects, ev.now
    ok, status, next_at = _status(tech, ev)
    blocked = _hard_filters(tech, ev, language)
    hard_ok = not blocked
    if not ok and tech.active:
        blocked.append("business_hours" if status == "outside_business_hours" else "availability")
    skill = assess_skills(ticket, tech, ev.required) if skill is None else skill
    capacity = capacity_of(tech, policy)
    values: dict[str, float] = {}
    reasons: dict[str, str] = {}
    values["availability"], reasons["availability"] = availability_factor(ticket, tech, now, status, next_at)
    values["workload"], reasons["workload"] = workload_factor(tech, policy, load)
    values["performance"], reasons["performance"] = performance_factor(
        ticket, tech, performance_focus(ev.strategy)
    )
    values["customer_preference"], reasons["customer_preference"] = customer_preference_factor(
        ticket, tech, policy
    )
    return Draft(
        tech=tech,
        tech_id=tech.id,
        status=status,
        available=ok,
        next_at=next_at,
        blocked=blocked,
        hard_ok=hard_ok,
        skill=skill,
        skill_ok=not ev.required or skill.pct >= policy.skill_match_threshold,
        values=values,
        reasons=reasons,
        load=load,
        capacity=capacity,
        at_capacity=load.active_tickets >= capacity,
        bonus=fx.prefer.get(tech.id, 0.0),
        pref_rank=preference_rank(ticket, tech, policy),
        last_assigned_at=last,
        workload_value=values["workload"],
    )


def _finish(d: Draft, ev: Evaluation, lower_qualifies: bool) -> None:
    """Skill value (with seniority fit), score, and eligibility tier."""
    mult, note = seniority_fit(ev.ticket, d.tech, lower_qualifies, ev.costs, ev.policy.easy_work_cost_penalty)
    d.values["skill"] = min(1.0, d.skill.pct / 100 * mult)
    d.reasons["skill"] = skill_reason(d.skill, note)
    if d.affinity is not None:
        # The skill threshold (skill_ok) stays on the matrix match: history re-orders the
        # people the desk may assign, it does not make anyone qualified.
        d.values["skill"] = blend_affinity(
            d.values["skill"], d.affinity, ev.silent_affinity, ev.policy.affinity_blend
        )
        d.reasons["skill"] += "; " + affinity_reason(d.affinity, ev.ticket)
    policy = ev.policy
    cost_mult = cost_fit(ev.ticket, d.tech, lower_qualifies, ev.costs, policy.easy_work_cost_penalty)
    if cost_mult < 1:  # the track record's edge is discounted like the skill's
        d.values["performance"] = d.values["performance"] * cost_mult
        d.reasons["performance"] += f" (x{cost_mult:.2f} on low-complexity work: cost)"
    if d.hard_ok and d.available and d.skill_ok and senior_pulled(ev.ticket, d.tech, policy):
        d.pulled = True
        d.values["workload"] = d.workload_value = 1.0
        d.reasons["workload"] = f"{d.reasons['workload']}; pulled off other work for Critical VIP work (counted free)"
    d.points, d.bonus_points, d.score = compose([d.values[f] for f in FACTORS], ev.weight_list, d.bonus)
    needs_overflow = d.at_capacity and not policy.override_workload_limit and not d.pulled
    if not d.skill_ok and not ev.force:
        d.blocked.append("skill_threshold")
    if needs_overflow and not ev.overflow_allowed:
        d.blocked.append("capacity")
    d.tier = None if d.blocked else (0 if d.skill_ok else 2) + (1 if needs_overflow else 0)


def forces_below_threshold(policy: Policy, ticket: TicketFacts, now: datetime) -> bool:
    """Whether force_assignment applies to this ticket: always, or with force_scope "urgent" only
    for High/Critical tickets and tickets within force_window_minutes of their SLA deadline
    (breached ones included); the rest wait for a qualified technician."""
    if not policy.force_assignment:
        return False
    if policy.force_scope != "urgent" or ticket.priority in URGENT_PRIORITIES:
        return True
    hours_left = sla_hours_remaining(ticket, now)
    return hours_left is not None and hours_left * 60 <= policy.force_window_minutes


def new_evaluation(ticket: TicketFacts, policy: Policy, strategy: str | None) -> Evaluation:
    """The ticket-level part of an evaluation (strategy, weights, rules' effects, required skills,
    business hours, force scope), with no technician assessed yet."""
    name = resolve_strategy(strategy, policy)
    now = aware(policy.now)
    fx = collect_effects(policy.rules, ticket)
    urgency = sla_urgency(ticket, now)
    weights, shift = strategy_weights(name, policy, urgency)
    return Evaluation(
        ticket=ticket,
        policy=policy,
        now=now,
        strategy=name,
        weights=weights,
        shift=shift,
        urgency=urgency,
        effects=fx,
        required=required_skills(ticket, fx.require_skills),
        bh_closed=policy.business_hours_only and not in_business_hours(policy.business_hours, now),
        overflow_allowed=policy.allow_overflow_assignment or fx.allow_overflow,
        drafts=[],
        by_id={},
        shown_weights=tuple(round(weights[f], 4) for f in FACTORS),
        weight_list=tuple(weights[f] for f in FACTORS),
        force=forces_below_threshold(policy, ticket, now),
    )


def evaluate(
    ticket: TicketFacts,
    techs: Sequence[TechFacts],
    policy: Policy,
    strategy: str | None = None,
    workloads: Mapping[str, Workload] | None = None,
    last_assigned: Mapping[str, datetime] | None = None,
) -> Evaluation:
    """Assess every technician for the ticket. `workloads` / `last_assigned` override the facts
    (the batch dispatcher uses them to account for assignments made earlier in the batch)."""
    ev = new_evaluation(ticket, policy, strategy)
    language = ticket.language.casefold() if ticket.language else None
    workloads = workloads or {}
    last_assigned = last_assigned or {}
    # Standing on the category is against whoever does this work now (factors.current_standings).
    skills = assess_all(ticket, techs, ev.required)
    for tech, skill in zip(techs, skills, strict=True):
        d = _assess(
            tech,
            ev,
            workloads.get(tech.id, tech.workload),
            last_assigned.get(tech.id, tech.last_assigned_at),
            language,
            skill,
        )
        ev.drafts.append(d)
        ev.by_id.setdefault(tech.id, d)
    lower_qualifies = any(
        d.hard_ok and d.available and d.skill_ok and d.tech.seniority in ("junior", "mid") for d in ev.drafts
    )
    if policy.affinity_weights:
        found = affinities([d.tech for d in ev.drafts], ticket, policy.affinity_weights)
        if found is not None:
            ev.silent_affinity = silent_affinity(found)
            for d, a in zip(ev.drafts, found, strict=True):
                d.affinity = a
    ev.costs = cost_range(techs)
    for d in ev.drafts:
        _finish(d, ev, lower_qualifies)
    return ev


def best_eligible(ev: Evaluation) -> Draft | None:
    """The candidate `decide` would pick without rules forcing anyone (strategy order, tiers)."""
    eligible = [d for d in ev.drafts if d.tier is not None]
    return min(eligible, key=lambda d: (d.tier, order_key(ev.strategy, d)), default=None)


def _pool_error(ev: Evaluation) -> str | None:
    """Why nobody is eligible, in the order a dispatcher would fix things."""
    pool = [d for d in ev.drafts if d.hard_ok and d.available]
    if not pool:
        return "BUSINESS_HOURS_RESTRICTION" if ev.bh_closed else "NO_QUALIFIED_TECHNICIANS_AVAILABLE"
    skilled = [d for d in pool if d.skill_ok or ev.force]
    if not skilled:
        # The technicians who do qualify are away (time off, off shift, business hours): that is
        # the blocker, not the skill match of whoever happens to be in. A ticket held for a
        # qualified technician (force scope) keeps its waiting reason, which names who is next.
        away = [d for d in ev.drafts if d.hard_ok and d.skill_ok and not d.available]
        if away:
            closed = ev.bh_closed and all(d.status == "outside_business_hours" for d in away)
            return "BUSINESS_HOURS_RESTRICTION" if closed else "NO_QUALIFIED_TECHNICIANS_AVAILABLE"
        return "SKILL_MATCH_BELOW_THRESHOLD"
    if not any(d.tier is not None for d in skilled):
        return "ALL_TECHNICIANS_AT_CAPACITY"
    return None


def _candidate(d: Draft, ev: Evaluation, reason: str) -> Candidate:
    weights = ev.shown_weights
    values, reasons, points = d.values, d.reasons, d.points
    breakdown = [
        FactorScore(f, round(values[f], 4), weights[i], points[i], reasons[f]) for i, f in enumerate(FACTORS)
    ]
    breakdown.append(
        FactorScore(
            "rules",
            1.0 if d.bonus else 0.0,
            0.0,
            d.bonus_points,
            explain.bonus_reason(d.bonus, d.bonus_points),
        )
    )
    return Candidate(
        tech_id=d.tech_id,
        name=d.tech.name,
        score=d.score,
        breakdown=tuple(breakdown),
        skill_match_pct=d.skill.pct,  # rounded once where shown, as the reasons are
        matched_skills=d.skill.matched,
        missing_skills=d.skill.missing,
        available=d.available,
        availability_status=d.status,
        qualified=d.hard_ok and d.skill_ok,
        at_capacity=d.at_capacity,
        capacity_pct=round(d.load.active_tickets / d.capacity * 100, 1),
        eligible=d.tier is not None,
        blocked_by=tuple(d.blocked),
        reason_not_selected=reason,
        times=explain.candidate_times(d, ev, (reason, *(f.reason for f in breakdown))),
    )


def _assign_to(ev: Evaluation) -> tuple[str | None, str | None, str]:
    """(selected tech id, error code, outcome text) for the first assign_to rule, if any."""
    if not ev.effects.assign_to:
        return None, None, ""
    rule, target = ev.effects.assign_to[0]
    d = ev.by_id.get(target)
    if d is not None and d.tier is not None:
        return target, None, f"Assigned to {target}"
    why = explain.blocked_reason(d, ev) if d is not None else "not among the evaluated technicians"
    if rule.unless_unavailable:
        return None, None, f"{target} unavailable ({why}); fell back to normal ranking"
    return None, "TECHNICIAN_UNAVAILABLE", f"{target} unavailable ({why}); rule does not allow fallback"


def _select(
    ev: Evaluation, forced: str | None, batch_full: bool, breached: bool
) -> tuple[str | None, str | None, str]:
    """(selected tech id, error code, assign_to outcome) per the precedence in docs/engine.md."""
    if forced is not None:
        if not ev.effects.assign_to:
            return forced, None, ""
        target = ev.effects.assign_to[0][1]
        if forced == target:
            return forced, None, f"Assigned to {target}"
        return forced, None, f"{target} had no slot left in this batch; fell back to normal ranking"
    if breached and not ev.force:
        return None, "SLA_ALREADY_BREACHED", ""
    selected, error, outcome = _assign_to(ev)
    if selected is None and error is None:
        error = _pool_error(ev)
        if error is None:
            best = best_eligible(ev)
            assert best is not None  # no pool error: some draft has a tier, so one is eligible
            selected = best.tech_id
    if selected is not None and batch_full:
        if outcome.startswith("Assigned to "):
            outcome = f"{outcome.removeprefix('Assigned to ')} had no slot left in this batch"
        return None, "ALL_TECHNICIANS_AT_CAPACITY", outcome
    return selected, error, outcome


def _ordered(ev: Evaluation, chosen: Draft | None) -> list[Draft]:
    """Selected first, then eligible candidates in tier + strategy order, then ineligible by score."""
    eligible = sorted(
        (d for d in ev.drafts if d.tier is not None and d is not chosen),
        key=lambda d: (d.tier, order_key(ev.strategy, d)),
    )
    ineligible = sorted(
        (d for d in ev.drafts if d.tier is None and d is not chosen), key=lambda d: (-d.score, d.tech_id)
    )
    return ([chosen] if chosen else []) + eligible + ineligible


def decide(
    ev: Evaluation,
    forced: str | None = None,
    batch_full: bool = False,
    batch_note: str = "",
) -> Ranking:
    """Select a technician (or explain why none) and build the Ranking.

    forced: the batch optimiser's choice for this ticket. batch_full: the batch left this ticket
    without a slot, so no selection may be made even if one looks possible.
    """
    ticket, policy = ev.ticket, ev.policy
    risk, hours = sla_risk(ticket, ev.now)
    breached = risk == "breached"
    selected, error, assign_outcome = _select(ev, forced, batch_full, breached)
    chosen = ev.by_id.get(selected) if selected else None
    ordered = _ordered(ev, chosen)
    runner_up = next((d for d in ordered[1:] if d.tier is not None), None) if chosen else None
    level, value = explain.confidence(chosen, runner_up, bool(ev.required)) if chosen else ("low", 0.0)
    shown = ordered if policy.candidates_shown is None else ordered[: max(1, policy.candidates_shown)]
    candidates = tuple(
        _candidate(d, ev, "" if d is chosen else explain.not_selected(d, chosen, ev, error, batch_note))
        for d in shown
    )
    escalate = ev.effects.escalate_to or ((policy.escalation_email or None) if (breached or error) else None)
    return Ranking(
        ticket_id=ticket.id,
        strategy=ev.strategy,
        candidates=candidates,
        selected=selected,
        confidence=level,
        confidence_value=value,
        rules_applied=rules_applied(ev, chosen, assign_outcome, breached, batch_note),
        error_code=error,
        error_message=explain.error_message(error, ev) if error else "",
        blocking_factors=explain.blocking_factors(error, ev, assign_outcome) if error else (),
        recommended_actions=explain.recommended_actions(error, ev) if error else (),
        escalate_to=escalate,
        route_to_board=ev.effects.board,
        sla_risk=risk,
        sla_hours_remaining=hours,
        counts={
            "evaluated": len(ev.drafts),
            "available": sum(1 for d in ev.drafts if d.available),
            "qualified": sum(1 for d in ev.drafts if d.hard_ok and d.skill_ok),
        },
    )


def disabled_ranking(ticket: TicketFacts, policy: Policy, strategy: str | None) -> Ranking:
    """The master switch is off: nothing is evaluated."""
    code = "DISPATCHING_DISABLED"
    risk, hours = sla_risk(ticket, aware(policy.now))
    return Ranking(
        ticket_id=ticket.id,
        strategy=resolve_strategy(strategy, policy),
        candidates=(),
        selected=None,
        confidence="low",
        confidence_value=0.0,
        rules_applied=(),
        error_code=code,
        error_message=explain.ERROR_MESSAGES[code],
        blocking_factors=(
            BlockingFactor("dispatching", "Dispatching is disabled in the organisation settings"),
        ),
        recommended_actions=explain.RECOMMENDED_ACTIONS[code],
        sla_risk=risk,
        sla_hours_remaining=hours,
        counts={"evaluated": 0, "available": 0, "qualified": 0},
    )


def rank(
    ticket: TicketFacts,
    techs: Sequence[TechFacts],
    policy: Policy,
    strategy: str | None = None,
    table: Any = None,
) -> Ranking:
    """Rank every technician for one ticket and select one, or say precisely why not.

    `table` (a vector.TechTable built on `techs`) scores everyone at once with numpy and writes
    reasons only for the candidates shown; without it, every technician is evaluated one by one
    (the reference the vectorized path is tested against)."""
    if not policy.dispatching_enabled:
        return disabled_ranking(ticket, policy, strategy)
    if table is not None:
        from .vector import rank_vector

        return rank_vector(ticket, table, policy, strategy)
    return decide(evaluate(ticket, techs, policy, strategy))
