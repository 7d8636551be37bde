"""The five scoring factors, each a pure function returning (value 0..1, human-readable reason).

Values are raw fitness in 0..1; strategies decide how much each one weighs. Reasons are written
for a dispatcher reading the queue, so they quote the evidence (levels, counts, hours) rather
than the arithmetic.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from .availability import aware, format_wait, haversine_km, is_available, next_available
from .types import (
    PRIORITIES,
    PRIORITY_WORKLOAD_WEIGHT,
    SKILL_LEVELS,
    Experience,
    Policy,
    TechFacts,
    TicketFacts,
    Workload,
)

# Skill level 1..3 -> credit. Beginner counts for half: they can work the ticket but slowly.
LEVEL_CREDIT: dict[int, float] = {1: 0.5, 2: 0.8, 3: 1.0}
LEVEL_NAMES: dict[int, str] = {level: name for name, level in SKILL_LEVELS.items()}
CERT_BONUS = 0.1  # a certification naming the skill: evidence beyond self-assessment
EXPERIENCE_SATURATION = 5.0  # without a slice leader: resolved tickets at which experience reaches ~63%
STANDING_CONFIDENCE = 1.0  # with one: decayed tickets at which the standing counts ~63%
BOARD_EVIDENCE = 0.5  # a board's standing counts half as much as the category's
CURRENT_PRIOR_TICKETS = 5.0  # weight of the long-run share in the current one, in tickets (as for rates)
SKILL_BLEND = 0.75  # share of the skills matrix when history also speaks
NEUTRAL = 0.5
SENIORITY_COST_POSITION: dict[str, float] = {"junior": 0.0, "mid": 0.5, "senior": 1.0}  # no hourly cost known
JUNIOR_ON_HARD_WORK = 0.8  # high complexity, VIP or Critical work wants experience
ON_CALL_VALUE = 0.8  # reachable, but interrupting someone off shift costs response time
OFF_SHIFT_MAX = 0.6  # best possible value for an off-shift technician (back "now")
OFF_SHIFT_DECAY_HOURS = 8.0  # back in 8 h or more counts as not available at all
GEO_FULL_KM, GEO_ZERO_KM = 50.0, 500.0
HOURS_PER_TICKET = 2.0  # Policy.hours_per_ticket when the desk's typical ticket is unknown
REFERENCE_RESOLUTION_HOURS = 4.0  # resolution time that counts as "average" (speed 0.5)
FAMILIARITY_SATURATION = 5.0
FAMILIARITY_MAX = 0.6  # familiarity alone stays below an account technician's 0.8
PRIORITY_URGENCY: dict[str, float] = {"Low": 0.0, "Medium": 0.0, "High": 0.3, "Critical": 0.6}
URGENCY_HOURS = 4.0  # SLA time urgency = exp(-hours_left / this)


@dataclass(frozen=True, slots=True)
class SkillAssessment:
    """How well a technician's skills cover what a ticket needs, before the seniority fit."""

    pct: float  # 0..100
    matched: tuple[str, ...]
    missing: tuple[str, ...]
    detail: str


def clamp(x: float, lo: float = 0.0, hi: float = 1.0) -> float:
    """x limited to [lo, hi]."""
    return lo if x < lo else hi if x > hi else x


def required_skills(ticket: TicketFacts, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Category skills + ticket skills + rule-required skills, de-duplicated case-insensitively."""
    seen: set[str] = set()
    out: list[str] = []
    for skill in (*ticket.category_required_skills, *ticket.required_skills, *extra):
        key = skill.casefold()
        if key not in seen:
            seen.add(key)
            out.append(skill)
    return tuple(out)


def _level(raw: object) -> int:
    """Skill level 0..3 from an int or a level name (tolerant of either form)."""
    if isinstance(raw, str):
        return SKILL_LEVELS.get(raw.lower(), 0)
    return max(0, min(3, int(raw))) if isinstance(raw, int | float) else 0


def standing(exp: Experience | None) -> float | None:
    """0..1: how established a technician is in one slice of work, from history; None when silent.

    With the slice leader known (`relative`), the technician's count over the leader's, scaled
    down while the count itself is small (one ticket is an anecdote, not a pattern). Without it,
    the count alone, saturating: `1 - exp(-resolved / 5)`."""
    if exp is None or exp.resolved <= 0:
        return None
    if exp.relative is None:
        return 1.0 - math.exp(-exp.resolved / EXPERIENCE_SATURATION)
    return clamp(exp.relative) * (1.0 - math.exp(-exp.resolved / STANDING_CONFIDENCE))


def current_counts(
    counts: Sequence[float], week: Sequence[float], prior: float = CURRENT_PRIOR_TICKETS
) -> list[float]:
    """Each technician's decayed count on a slice of work, restated at their *current* share of it:
    their share of the slice's resolutions in the last 7 days, smoothed toward their long-run share
    (decayed count over the slice's decayed total) with `prior` tickets of weight, times the slice's
    decayed total. Unchanged when nobody resolved any of it this week.

    The decay (a 90-day half-life) needs a season to notice that the work changed hands; the week
    notices in days. A technician who has stopped working the slice loses their standing as the team
    resolves it without them, one who took it over gains it, and on a desk where the same people
    keep doing the same work this week's share is the long-run share, so nothing moves."""
    total, this_week = sum(counts), sum(week)
    if total <= 0 or this_week <= 0:
        return list(counts)
    return [total * (w + prior * n / total) / (this_week + prior) for n, w in zip(counts, week, strict=True)]


@dataclass(frozen=True, slots=True)
class CurrentStanding:
    """A technician's standing on the ticket's category as of this week (current_standings)."""

    relative: float  # current count over the current leader's, 0..1
    team_this_week: int  # the category's resolutions by everyone ranked, last 7 days


def current_standings(
    techs: Sequence[TechFacts], category: str | None
) -> list[CurrentStanding | None] | None:
    """Per technician (in order), their standing on the category against its current leader
    (current_counts); None for a technician with no history there. None for everyone when nobody
    resolved any of the category in the last 7 days (the long-run standing, `Experience.relative`,
    stands)."""
    if not category:
        return None
    found = [t.experience.get(category) for t in techs]
    week = [max(0, e.resolved_this_week) if e is not None and e.resolved > 0 else 0 for e in found]
    team = sum(week)
    if team <= 0:
        return None
    counts = [max(0.0, e.resolved) if e is not None else 0.0 for e in found]
    now = current_counts(counts, week)
    top = max(now)
    if top <= 0:
        return None
    return [
        CurrentStanding(min(1.0, n / top), team) if e is not None and e.resolved > 0 else None
        for e, n in zip(found, now, strict=True)
    ]


def experience_match(
    tech: TechFacts, ticket: TicketFacts, current: CurrentStanding | None = None
) -> tuple[float | None, str]:
    """(history evidence 0..1 or None when history is silent, what it rests on) for the ticket's
    category and board: the category's standing (against its current leader when `current` is
    given, current_standings), and the board's (the queue the ticket came in, i.e. the team that
    usually works it) at BOARD_EVIDENCE of its weight."""
    cat = tech.experience.get(ticket.category) if ticket.category else None
    board = tech.board_experience.get(ticket.board) if ticket.board else None
    if cat is not None and current is not None:
        cat = replace(cat, relative=current.relative)
    by_cat, by_board = standing(cat), standing(board)
    if by_cat is None and by_board is None:
        return None, ""
    notes: list[str] = []
    if cat is not None and by_cat is not None:
        notes.append(_history_note(cat, str(ticket.category), current))
    value = by_cat or 0.0
    if board is not None and by_board is not None:
        # Two pieces of evidence, combined as either showing it (noisy-or): the category, and the
        # board discounted, since a team's queue holds work of many kinds.
        value = 1 - (1 - value) * (1 - BOARD_EVIDENCE * by_board)
        notes.append(_history_note(board, f"board {ticket.board}"))
    return value, "; ".join(notes)


def _history_note(exp: Experience, what: str, current: CurrentStanding | None = None) -> str:
    text = f"resolved {exp.resolved:.0f} {what} tickets recently"
    if current is not None:
        # Standing against whoever does this work now: say what "now" rests on.
        mine = "none" if exp.resolved_this_week <= 0 else f"{exp.resolved_this_week}"
        share = "the main resolver now" if current.relative >= 1 else f"{current.relative:.0%} of the main one now"
        return f"{text}, {mine} of the team's {current.team_this_week} this week ({share})"
    if exp.relative is not None:
        text += " (the most on the team)" if exp.relative >= 1 else f" ({exp.relative:.0%} of the most on the team)"
    return text


def assess_all(
    ticket: TicketFacts, techs: Sequence[TechFacts], required: tuple[str, ...]
) -> list[SkillAssessment]:
    """assess_skills for every technician ranked, each with their standing on the category against
    its current leader (current_standings): what both the reference and the vectorized engine use."""
    now = current_standings(techs, ticket.category)
    if now is None:
        return [assess_skills(ticket, t, required) for t in techs]
    return [assess_skills(ticket, t, required, c) for t, c in zip(techs, now, strict=True)]


def assess_skills(
    ticket: TicketFacts, tech: TechFacts, required: tuple[str, ...], current: CurrentStanding | None = None
) -> SkillAssessment:
    """Skills matrix first; learned experience when the matrix is silent; history may lift but
    never lower a match (the matrix is declared truth, history corroborates it; with no skills
    required, no history is neutral and history only lifts above it). `current`: the technician's
    standing on the category against its current leader (assess_all); without it, the long-run one."""
    exp_match, history = experience_match(tech, ticket, current)
    if not required:
        if exp_match is not None:
            lifted = NEUTRAL + (1 - NEUTRAL) * exp_match
            return SkillAssessment(lifted * 100, (), (), f"No specific skills required; {history}")
        return SkillAssessment(NEUTRAL * 100, (), (), "No specific skills required (neutral)")
    if not tech.skills:
        if exp_match is None:
            return SkillAssessment(
                0.0, (), tuple(required), "No skills recorded and no history in this category"
            )
        return SkillAssessment(exp_match * 100, (), (), f"No skills recorded; history: {history}")
    folded: dict[str, object] | None = None  # built only when a name differs in case
    certs = [c.casefold() for c in tech.certifications]
    matched: list[str] = []
    missing: list[str] = []
    notes: list[str] = []
    total = 0.0
    for skill in required:
        key = skill.casefold()
        raw: object = tech.skills.get(skill)
        if raw is None:
            if folded is None:
                folded = {name.casefold(): value for name, value in tech.skills.items()}
            raw = folded.get(key, 0)
        level = _level(raw)
        credit = LEVEL_CREDIT.get(level, 0.0)
        certified = any(key in cert for cert in certs)
        if certified:
            credit = min(1.0, credit + CERT_BONUS)
        total += credit
        if level:
            matched.append(skill)
            notes.append(f"{skill} {LEVEL_NAMES[level]}{' (certified)' if certified else ''}")
        else:
            missing.append(skill)
    match = total / len(required)
    detail = ", ".join(notes) if notes else "none of the required skills"
    if missing:
        detail += f"; missing {', '.join(missing)}"
    if exp_match is not None:
        blended = SKILL_BLEND * match + (1 - SKILL_BLEND) * exp_match
        if blended > match:
            detail += f"; history lifts it ({history})"
            match = blended
    return SkillAssessment(match * 100, tuple(matched), tuple(missing), detail)


def skill_match(ticket: TicketFacts, tech: TechFacts) -> tuple[float, tuple[str, ...], tuple[str, ...]]:
    """(match percentage 0..100, matched skills, missing skills) for the ticket's required skills."""
    a = assess_skills(ticket, tech, required_skills(ticket))
    return round(a.pct, 1), a.matched, a.missing


def demanding(ticket: TicketFacts) -> bool:
    """High complexity, VIP customers and Critical priority call for seniority."""
    return (
        ticket.complexity == "high" or ticket.company_tier.lower() == "vip" or ticket.priority == "Critical"
    )


def cost_range(techs: Sequence[TechFacts]) -> tuple[float, float] | None:
    """(cheapest, dearest) hourly cost on the desk; None when no technician has one."""
    costs = [t.hourly_cost for t in techs if t.hourly_cost is not None]
    return (min(costs), max(costs)) if costs else None


def cost_position(tech: TechFacts, costs: tuple[float, float] | None) -> float:
    """0 for the desk's cheapest rate .. 1 for its dearest; by seniority when the rate is unknown."""
    if tech.hourly_cost is not None and costs is not None:
        lo, hi = costs
        return 0.0 if hi <= lo else clamp((tech.hourly_cost - lo) / (hi - lo))
    return SENIORITY_COST_POSITION.get(tech.seniority, 0.5)


def cost_fit(
    ticket: TicketFacts, tech: TechFacts, lower_qualifies: bool, costs: tuple[float, float] | None, cost_penalty: float
) -> float:
    """On low-complexity work, while a junior or mid qualifies and is available, a dear technician's
    edge (skill and track record) counts for less: the desk's dearest rate x(1 - cost_penalty),
    the cheapest x1. 1 for any other ticket."""
    if demanding(ticket) or ticket.complexity != "low" or not lower_qualifies or cost_penalty <= 0:
        return 1.0
    return 1 - cost_penalty * cost_position(tech, costs)


def seniority_fit(
    ticket: TicketFacts,
    tech: TechFacts,
    lower_qualifies: bool,
    costs: tuple[float, float] | None = None,
    cost_penalty: float = 0.0,
) -> tuple[float, str]:
    """Multiplier on the skill value: keep juniors off VIP/critical/complex work, and dear
    technicians off low-complexity work a cheaper one can do (cost_fit)."""
    if demanding(ticket):
        if tech.seniority == "junior":
            return JUNIOR_ON_HARD_WORK, f"junior on demanding work (x{JUNIOR_ON_HARD_WORK})"
        return 1.0, ""
    mult = cost_fit(ticket, tech, lower_qualifies, costs, cost_penalty)
    if mult < 1:
        rate = f"${tech.hourly_cost:g}/h" if tech.hourly_cost is not None and costs is not None else tech.seniority
        return mult, f"{rate} on low-complexity work while a cheaper technician qualifies (x{mult:.2f})"
    return 1.0, ""


def senior_pulled(ticket: TicketFacts, tech: TechFacts, policy: Policy) -> bool:
    """Critical work for a VIP customer goes to a qualified, available senior even when they are
    busy: their other work waits (the workload factor counts them free, capacity does not hold
    them back)."""
    return (
        policy.senior_pull
        and ticket.priority == "Critical"
        and ticket.company_tier.lower() == "vip"
        and tech.seniority == "senior"
    )


def skill_factor(
    ticket: TicketFacts,
    tech: TechFacts,
    required: tuple[str, ...] | None = None,
    lower_qualifies: bool = False,
    cost_penalty: float = 0.0,
    costs: tuple[float, float] | None = None,
) -> tuple[float, str]:
    """Skill coverage x seniority fit."""
    a = assess_skills(ticket, tech, required_skills(ticket) if required is None else required)
    mult, note = seniority_fit(ticket, tech, lower_qualifies, cost_penalty=cost_penalty, costs=costs)
    return clamp(a.pct / 100 * mult), skill_reason(a, note)


def skill_reason(a: SkillAssessment, note: str) -> str:
    """The skill factor's reason: match, evidence, and the seniority note if any."""
    text = f"{a.pct:.0f}% skill match: {a.detail}"
    return f"{text}; {note}" if note else text


def geography(ticket: TicketFacts, tech: TechFacts) -> tuple[float, str]:
    """Travel fitness for on-site work: full within 50 km, falling linearly to 0 at 500 km."""
    site = ticket.location or ticket.company_location
    if not ticket.onsite or site is None:
        return 1.0, ""
    if tech.location is None:
        return NEUTRAL, "location unknown"
    km = haversine_km(site, tech.location)
    value = clamp(1 - (km - GEO_FULL_KM) / (GEO_ZERO_KM - GEO_FULL_KM))
    return value, f"{km:.0f} km from site"


def availability_factor(
    ticket: TicketFacts,
    tech: TechFacts,
    now: datetime,
    status: str | None = None,
    next_at: datetime | None = None,
) -> tuple[float, str]:
    """On shift 1.0, on call 0.8, off shift graded by how soon they are back, time off/inactive 0;
    on-site tickets multiply in travel distance."""
    now = aware(now)
    if status is None:
        status = is_available(tech, now)[1]
        if status == "off_shift":
            next_at = next_available(tech, now)
    if status == "available":
        value, reason = 1.0, "On shift"
    elif status == "on_call":
        value, reason = ON_CALL_VALUE, "On call (outside shift)"
    elif status == "off_shift":
        if next_at is None:
            value, reason = 0.0, "Off shift, no shift in the next two weeks"
        else:
            hours = (next_at - now).total_seconds() / 3600
            value = OFF_SHIFT_MAX * clamp(1 - hours / OFF_SHIFT_DECAY_HOURS)
            reason = f"Off shift, back {format_wait(next_at, now, tech.timezone)}"
    elif status == "time_off":
        value, reason = 0.0, "On time off"
    elif status == "outside_business_hours":
        value, reason = 0.0, "Outside business hours and not on call"
    else:
        value, reason = 0.0, "Inactive"
    geo, geo_note = geography(ticket, tech)
    if geo_note:
        value *= geo
        reason = f"{reason}; {geo_note}"
    return value, reason


def capacity_of(tech: TechFacts, policy: Policy) -> int:
    """A technician's own limit wins over the organisation's."""
    return max(1, tech.max_active_tickets or policy.max_tickets_per_technician)


def typical_ticket(mean_hours: float | None) -> float:
    """Policy.hours_per_ticket from a desk's mean ticket estimate: within 0.25..8 h, HOURS_PER_TICKET
    when unknown (production: dispatch.facts.typical_ticket_hours; the simulator: its ticket stream)."""
    return HOURS_PER_TICKET if mean_hours is None else round(min(8.0, max(0.25, mean_hours)), 3)


def load_ratio(load: Workload, capacity: int, method: str, hours_per_ticket: float = HOURS_PER_TICKET) -> float:
    """Fraction of capacity in use under the configured workload method; in hours, capacity is
    that many of the desk's typical tickets."""
    if method == "ticket_count":
        return load.active_tickets / capacity
    hours = load.estimated_hours if method == "estimated_hours" else load.weighted_hours
    return hours / (capacity * hours_per_ticket)


def workload_factor(tech: TechFacts, policy: Policy, load: Workload | None = None) -> tuple[float, str]:
    """1 - load ratio: an idle technician scores 1, one at (or past) capacity 0."""
    load = tech.workload if load is None else load
    cap = capacity_of(tech, policy)
    method = policy.workload_calculation_method
    value = clamp(1 - load_ratio(load, cap, method, policy.hours_per_ticket))
    if method == "ticket_count":
        reason = f"{load.active_tickets} of {cap} active ticket{'' if cap == 1 else 's'}"
    else:
        hours = load.estimated_hours if method == "estimated_hours" else load.weighted_hours
        kind = "estimated" if method == "estimated_hours" else "priority-weighted"
        active = f"{load.active_tickets} active ticket{'' if load.active_tickets == 1 else 's'}"
        reason = f"{hours:.1f} {kind} h of {cap * policy.hours_per_ticket:.0f} h ({active})"
    if load.active_tickets >= cap:
        reason += ", at capacity"
    return value, reason


def performance_factor(ticket: TicketFacts, tech: TechFacts, focus: str = "balanced") -> tuple[float, str]:
    """Track record on this category (else overall): on-time rate, CSAT, reopen rate, speed.

    focus="on_time" (SLA-driven dispatch) weighs meeting deadlines and speed only.
    """
    exp: Experience | None = tech.experience.get(ticket.category) if ticket.category else None
    scope = ticket.category
    if exp is None:
        exp, scope = tech.experience.get("*"), "overall"
    if exp is None:
        return NEUTRAL, "No track record yet (neutral)"
    parts: list[tuple[float, float]] = []
    notes: list[str] = []
    on_time_w, csat_w, reopen_w, speed_w = (
        (0.7, 0.0, 0.0, 0.3) if focus == "on_time" else (0.35, 0.3, 0.15, 0.2)
    )
    if exp.on_time_rate is not None:
        parts.append((on_time_w, clamp(exp.on_time_rate)))
        notes.append(f"{exp.on_time_rate:.0%} on time")
    if exp.csat is not None and csat_w:
        parts.append((csat_w, clamp((exp.csat - 1) / 4)))
        notes.append(f"CSAT {exp.csat:.1f}")
    if exp.reopen_rate is not None and reopen_w:
        parts.append((reopen_w, clamp(1 - 2 * exp.reopen_rate)))
        notes.append(f"{exp.reopen_rate:.0%} reopened")
    if exp.avg_resolution_hours is not None:
        # Average speed scores 0.5, like no record at all: measured against the team's typical
        # time on the same work when known (an incident desk where work takes days is not slow).
        ref = exp.typical_hours if exp.typical_hours else REFERENCE_RESOLUTION_HOURS
        speed = ref / (ref + max(0.0, exp.avg_resolution_hours))
        parts.append((speed_w, speed))
        typical = f" (team {exp.typical_hours:.1f} h)" if exp.typical_hours else ""
        notes.append(f"{exp.avg_resolution_hours:.1f} h avg resolution{typical}")
    total_w = sum(w for w, _ in parts)
    if total_w <= 0:
        return NEUTRAL, f"No {scope} metrics yet (neutral)"
    value = sum(w * v for w, v in parts) / total_w
    return value, f"{scope}: {', '.join(notes)}"


def preference_rank(ticket: TicketFacts, tech: TechFacts, policy: Policy) -> int:
    """0 the customer's preferred technician (when honoured), 1 an account technician, 2 other."""
    if policy.preferred_tech_priority and ticket.preferred_tech and ticket.preferred_tech == tech.id:
        return 0
    return 1 if tech.id in ticket.account_techs else 2


def customer_preference_factor(ticket: TicketFacts, tech: TechFacts, policy: Policy) -> tuple[float, str]:
    """Preferred 1.0, account technician 0.8, else familiarity with the company (saturating in
    ticket count, scaled by the CSAT they earned there), else 0."""
    rank = preference_rank(ticket, tech, policy)
    if rank == 0:
        return 1.0, "Customer's preferred technician"
    if rank == 1:
        return 0.8, f"Account technician for {ticket.company_name or ticket.company_id}"
    hist = tech.company_history.get(ticket.company_id) if ticket.company_id else None
    if hist is None or hist.tickets <= 0:
        return 0.0, "No history with this customer"
    familiarity = 1 - math.exp(-hist.tickets / FAMILIARITY_SATURATION)
    satisfaction = 1.0 if hist.csat is None else 0.6 + 0.4 * clamp((hist.csat - 1) / 4)
    csat_note = f", CSAT {hist.csat:.1f}" if hist.csat is not None else ""
    return (
        FAMILIARITY_MAX * familiarity * satisfaction,
        f"{hist.tickets} previous tickets for this customer{csat_note}",
    )


def sla_hours_remaining(ticket: TicketFacts, now: datetime) -> float | None:
    """Hours until the SLA deadline (negative once breached); None without a deadline."""
    if ticket.sla_due is None:
        return None
    return (aware(ticket.sla_due) - aware(now)).total_seconds() / 3600


def sla_urgency(ticket: TicketFacts, now: datetime) -> float:
    """0..1: exp(-hours left / 4) from the SLA deadline, floored by a priority baseline."""
    base = PRIORITY_URGENCY.get(ticket.priority, 0.0)
    hours = sla_hours_remaining(ticket, now)
    if hours is None:
        return base
    if hours <= 0:
        return 1.0
    return max(base, math.exp(-hours / URGENCY_HOURS))


def sla_risk(ticket: TicketFacts, now: datetime) -> tuple[str, float | None]:
    """(low | medium | high | breached, hours remaining). Relative to the SLA policy's response
    time when known (under a quarter left: high, under three quarters: medium), else absolute
    (under 1 h high, under 4 h medium)."""
    hours = sla_hours_remaining(ticket, now)
    if hours is None:
        return "low", None
    if hours < 0:
        return "breached", round(hours, 2)
    high, medium = (
        (0.25 * ticket.response_hours, 0.75 * ticket.response_hours) if ticket.response_hours else (1.0, 4.0)
    )
    risk = "high" if hours < high else "medium" if hours < medium else "low"
    return risk, round(hours, 2)


def priority_rank(priority: str) -> int:
    """0 Low .. 3 Critical (unknown counts as Medium)."""
    return PRIORITIES.index(priority) if priority in PRIORITIES else 1


def load_increment(tickets: list[TicketFacts] | tuple[TicketFacts, ...]) -> Workload:
    """The workload one more ticket adds in a batch: one ticket and the batch's mean hours."""
    if not tickets:
        return Workload(1, 1.0, 1.0)
    hours = sum(t.estimated_hours for t in tickets) / len(tickets)
    weighted = sum(t.estimated_hours * PRIORITY_WORKLOAD_WEIGHT.get(t.priority, 1.0) for t in tickets) / len(
        tickets
    )
    return Workload(1, hours, weighted)


def add_load(load: Workload, inc: Workload, times: int = 1) -> Workload:
    """`load` plus `times` increments (multiplied, not summed, so every caller gets identical floats)."""
    return Workload(
        load.active_tickets + inc.active_tickets * times,
        load.estimated_hours + inc.estimated_hours * times,
        load.weighted_hours + inc.weighted_hours * times,
    )
