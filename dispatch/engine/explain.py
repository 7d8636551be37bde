"""Human explanations: why a candidate was not selected, which rules acted, why dispatch failed.

Everything here is presentation of facts the ranking already computed; nothing in this module
changes a decision. Sentences are short and quote numbers ("Lower skill match (70% vs 95%)").
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import TYPE_CHECKING

from .availability import aware, format_local, in_intervals, next_business_open
from .strategies import order_key
from .types import FACTORS, BlockingFactor, Policy, TechFacts, TimeNote

if TYPE_CHECKING:
    from .ranking import Draft, Evaluation

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MIN_GAP_POINTS = 0.5  # factor differences smaller than this are not worth mentioning
CONFIDENT_MARGIN = 15.0  # a lead of 15 points over the runner-up counts as decisive
HIGH, MEDIUM = 0.70, 0.45

ERROR_MESSAGES: dict[str, str] = {
    "NO_QUALIFIED_TECHNICIANS_AVAILABLE": "No technicians available with the required qualifications",
    "ALL_TECHNICIANS_AT_CAPACITY": "All available qualified technicians are at capacity",
    "BUSINESS_HOURS_RESTRICTION": "Outside business hours and no on-call technician is eligible",
    "SKILL_MATCH_BELOW_THRESHOLD": "No available technician reaches the skill match threshold",
    "SLA_ALREADY_BREACHED": "The SLA deadline has already passed and force_assignment is off",
    "TECHNICIAN_UNAVAILABLE": "The technician required by an assignment rule is unavailable",
    "PSA_UPDATE_FAILED": "The assignment could not be written back to the PSA",
    "DISPATCHING_DISABLED": "Dispatching is disabled",
}
RECOMMENDED_ACTIONS: dict[str, tuple[str, ...]] = {
    "NO_QUALIFIED_TECHNICIANS_AVAILABLE": (
        "Review technician schedules and availability",
        "Consider expanding skill requirements",
        "Wait for next dispatch cycle",
    ),
    "ALL_TECHNICIANS_AT_CAPACITY": (
        "Enable override_workload_limit to assign to busy technicians",
        "Enable allow_overflow_assignment in dispatch settings",
        "Rebalance active tickets across technicians",
        "Wait for next dispatch cycle",
    ),
    "BUSINESS_HOURS_RESTRICTION": (
        "Put a technician on call for out-of-hours work",
        "Disable business_hours_only to dispatch outside business hours",
        "Wait for next dispatch cycle",
    ),
    "SKILL_MATCH_BELOW_THRESHOLD": (
        "Enable force_assignment to assign the best available technician",
        "Lower skill_match_threshold",
        "Record the missing skills in the skills matrix or train technicians",
        "Review the category's required skills",
    ),
    "SLA_ALREADY_BREACHED": (
        "Escalate to the service manager",
        "Enable force_assignment to assign despite the breach",
        "Notify the customer of the delay",
    ),
    "TECHNICIAN_UNAVAILABLE": (
        "Set unless_unavailable on the rule to fall back to normal ranking",
        "Assign manually",
        "Wait for next dispatch cycle",
    ),
    "PSA_UPDATE_FAILED": ("Check the PSA connection and credentials", "Retry the PSA update"),
    "DISPATCHING_DISABLED": ("Enable dispatching (dispatching_enabled) in settings", "Assign manually"),
}


def techs(n: int) -> str:
    """Count with the right noun: 1 technician, 3 technicians."""
    return f"{n} technician{'' if n == 1 else 's'}"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def bonus_reason(bonus: float, points: float) -> str:
    """Reason for the "rules" breakdown entry."""
    if not bonus:
        return "No rule adjustments"
    capped = " (capped at 100)" if points != bonus else ""
    return f"Preferred by assignment rule: {points:+g} points{capped}"


def blocked_reason(d: Draft, ev: Evaluation) -> str:
    """Why a technician may not take this ticket, every blocker in one line."""
    tech, ticket = d.tech, ev.ticket
    texts: list[str] = []
    for name in d.blocked:
        if name == "inactive":
            texts.append("Inactive")
        elif name == "language":
            texts.append(f"Does not speak {ticket.language}")
        elif name == "excluded":
            texts.append("Excluded for this ticket")
        elif name == "rule_exclude":
            texts.append(f"Excluded by rule '{ev.effects.exclude.get(tech.id, '')}'")
        elif name == "onsite":
            texts.append("Not on-site capable")
        elif name == "min_seniority":
            texts.append(f"Below required seniority ({tech.seniority} < {ev.effects.min_seniority})")
        elif name == "business_hours":
            texts.append("Outside business hours and not on call")
        elif name == "availability":
            texts.append(_unavailable(d, ev))
        elif name == "capacity":
            texts.append(f"At capacity ({d.load.active_tickets}/{d.capacity})")
        elif name == "skill_threshold":
            texts.append(
                f"Skill match below threshold ({d.skill.pct:.0f}% < {ev.policy.skill_match_threshold}%)"
            )
    return "; ".join(texts)


def _unavailable(d: Draft, ev: Evaluation) -> str:
    return absence(d.tech, d.status, d.next_at, ev.now)


def absence(tech: TechFacts, status: str, next_at: datetime | None, now: datetime) -> str:
    """Why someone on time off or off shift cannot work, and until when: "On time off (Sick)
    until Wed 08:00 EST", "Off shift until 16:00 CST"."""
    until = format_local(next_at, tech.timezone, now) if next_at else None
    if status == "time_off":
        iv = in_intervals(tech.time_off, now)
        why = f" ({iv.reason})" if iv is not None and iv.reason else ""
        return f"On time off{why} until {until}" if until else f"On time off{why}"
    return f"Off shift until {until}" if until else "Off shift (no shift in the next two weeks)"


def candidate_times(d: Draft, ev: Evaluation, texts: tuple[str, ...]) -> tuple[TimeNote, ...]:
    """The moment a candidate's reasons name, if they name one: when someone away is back, written
    in their own zone by `absence` ("until Wed 08:00 EST") or the availability factor ("back Wed
    08:00 EST"). Recorded with its instant and zone so that pages show it in the viewer's zone."""
    if d.next_at is None or d.status not in ("off_shift", "time_off"):
        return ()
    text = format_local(d.next_at, d.tech.timezone, ev.now)
    if not any(text in t for t in texts):
        return ()
    return (TimeNote(text, aware(d.next_at), d.tech.timezone),)


def lowered(text: str) -> str:
    """A sentence to continue another: its first letter only in lower case."""
    return text[:1].lower() + text[1:]


def _factor_phrase(factor: str, d: Draft, c: Draft, ev: Evaluation) -> str:
    """How candidate d compares badly with the chosen c on one factor."""
    if factor == "skill":
        if d.skill.pct < c.skill.pct - 0.5:
            return f"lower skill match ({d.skill.pct:.0f}% vs {c.skill.pct:.0f}%)"
        if d.affinity is not None and c.affinity is not None and not math.isnan(c.affinity):
            if math.isnan(d.affinity):
                return f"no history with this kind of ticket ({c.tech.name} has)"
            if d.affinity < c.affinity - 0.005:
                return f"less history with this kind of ticket ({d.affinity:.0%} vs {c.affinity:.0%} as likely to resolve it)"
        return "seniority less suited to this work"
    if factor == "workload":
        if (
            d.load.active_tickets != c.load.active_tickets
            or ev.policy.workload_calculation_method == "ticket_count"
        ):
            return f"higher workload ({d.load.active_tickets} vs {c.load.active_tickets} active)"
        if ev.policy.workload_calculation_method == "estimated_hours":
            return f"higher workload ({d.load.estimated_hours:.1f} vs {c.load.estimated_hours:.1f} h)"
        return f"higher workload ({d.load.weighted_hours:.1f} vs {c.load.weighted_hours:.1f} weighted h)"
    if factor == "availability":
        if d.status == "on_call" and c.status == "available":
            return "on call rather than on shift"
        return "farther from the site" if ev.ticket.onsite else "less available"
    if factor == "performance":
        return "weaker track record"
    if c.pref_rank == 0 and d.pref_rank != 0:
        return "not the customer's preferred technician"
    if c.pref_rank == 1 and d.pref_rank == 2:
        return "not an account technician for this customer"
    return "less history with this customer"


def _later(a: datetime | None, b: datetime | None) -> bool:
    """Whether a was assigned more recently than b (never assigned counts as longest ago)."""
    return a is not None and (b is None or a > b)


def not_selected(d: Draft, c: Draft | None, ev: Evaluation, error: str | None, batch_note: str) -> str:
    """reason_not_selected for a candidate, compared with the selected one."""
    if d.tier is None:
        return blocked_reason(d, ev)
    if c is None:
        return f"No assignment made: {ERROR_MESSAGES.get(error or '', 'dispatch failed')}"
    if ev.effects.assign_to and ev.effects.assign_to[0][1] == c.tech_id and not batch_note:
        return f"Rule '{ev.effects.assign_to[0][0].name}' assigns {c.tech_id}"
    if c.tier is not None and d.tier > c.tier:
        if d.tier >= 2 and c.tier < 2:
            return f"Skill match below threshold ({d.skill.pct:.0f}% < {ev.policy.skill_match_threshold}%)"
        return f"At capacity ({d.load.active_tickets}/{d.capacity}); only used as overflow"
    if batch_note and (d.tier, order_key(ev.strategy, d)) < (c.tier, order_key(ev.strategy, c)):
        return f"Ranked higher ({d.score:g} vs {c.score:g}) but kept for other tickets in this batch"
    ordering = ev.strategy
    if ordering == "round_robin" and _later(d.last_assigned_at, c.last_assigned_at):
        return f"Assigned more recently than {c.tech.name} (round robin)"
    if ordering == "customer_preference" and c.pref_rank < d.pref_rank:
        return _cap(_factor_phrase("customer_preference", d, c, ev))
    if ordering == "least_busy" and d.workload_value < c.workload_value:
        return _cap(_factor_phrase("workload", d, c, ev))
    gaps = [(c.points[i] - d.points[i], f) for i, f in enumerate(FACTORS)]
    gaps = sorted((g for g in gaps if g[0] >= MIN_GAP_POINTS), reverse=True)[:2]
    phrases = [_factor_phrase(f, d, c, ev) for _, f in gaps]
    if c.bonus_points - d.bonus_points >= MIN_GAP_POINTS and len(phrases) < 2:
        phrases.append(f"no rule preference ({c.bonus_points:+g} to {c.tech_id})")
    if not phrases:
        return f"Slightly lower score ({d.score:g} vs {c.score:g})"
    return _cap(" and ".join(phrases))


def batch_note(chosen: str, chosen_score: float, best: str, best_score: float, rows: int) -> str:
    """Why the batch optimiser's choice is not the ticket's own best candidate."""
    return (
        f"Batch optimiser chose {chosen} ({chosen_score:g}) over {best} ({best_score:g}) "
        f"to maximise the total score across {rows} tickets"
    )


def confidence(top: Draft, runner_up: Draft | None, skills_required: bool) -> tuple[str, float]:
    """(high | medium | low, value 0..1).

    value = 0.5 * score/100 + 0.3 * min(1, margin/15) + 0.2 * skill/100, where margin is the lead
    over the next eligible candidate (a sole candidate has full margin) and skill is the skill
    match (100 when the ticket needs no particular skill). Forced below-threshold picks are capped
    at low, overflow picks at medium. high >= 0.70, medium >= 0.45.
    """
    margin = CONFIDENT_MARGIN if runner_up is None else max(0.0, top.score - runner_up.score)
    skill = top.skill.pct if skills_required else 100.0
    value = 0.5 * top.score / 100 + 0.3 * min(1.0, margin / CONFIDENT_MARGIN) + 0.2 * min(100.0, skill) / 100
    if top.tier is not None and top.tier >= 2:
        value = min(value, MEDIUM - 0.01)
    elif top.tier is not None and top.tier % 2:
        value = min(value, HIGH - 0.01)
    value = round(max(0.0, min(1.0, value)), 3)
    return ("high" if value >= HIGH else "medium" if value >= MEDIUM else "low"), value


def _days(days: tuple[int, ...]) -> str:
    ds = sorted(set(days))
    if ds and ds == list(range(ds[0], ds[-1] + 1)) and len(ds) > 2:
        return f"{DAY_NAMES[ds[0]]}-{DAY_NAMES[ds[-1]]}"
    return ",".join(DAY_NAMES[d] for d in ds)


def error_message(code: str, ev: Evaluation) -> str:
    """The error sentence, with the numbers that explain it where the evaluation has them."""
    thr = ev.policy.skill_match_threshold
    pool = [d for d in ev.drafts if d.hard_ok and d.available]
    if code == "SKILL_MATCH_BELOW_THRESHOLD" and pool:
        best = max(d.skill.pct for d in pool)
        return f"No available technician reaches the {thr}% skill match threshold (best {best:.0f}%)"
    if code == "ALL_TECHNICIANS_AT_CAPACITY":
        n = ev.tally("busy")
        return f"All {n} available qualified technicians are at capacity" if n > 1 else ERROR_MESSAGES[code]
    if code == "SLA_ALREADY_BREACHED" and ev.ticket.sla_due:
        hours = (ev.now - ev.ticket.sla_due).total_seconds() / 3600
        return f"The SLA deadline passed {hours:.1f} h ago and force_assignment is off"
    if code == "TECHNICIAN_UNAVAILABLE" and ev.effects.assign_to:
        rule, target = ev.effects.assign_to[0]
        return f"Technician {target} required by rule '{rule.name}' is unavailable"
    return ERROR_MESSAGES.get(code, code)


def blocking_factors(code: str, ev: Evaluation, assign_outcome: str) -> tuple[BlockingFactor, ...]:
    """What stood in the way, counted over the evaluated technicians."""
    drafts, policy = ev.drafts, ev.policy
    if code == "SLA_ALREADY_BREACHED":
        return (BlockingFactor("sla", error_message(code, ev)),)
    if code == "TECHNICIAN_UNAVAILABLE":
        return (BlockingFactor("technician", assign_outcome),)
    # Held for a qualified technician (force scope) while someone unqualified is in: say who is next.
    someone_in = ev.tally("in") > 0
    held = (BlockingFactor("force_scope", held_reason(ev)),) if ev.held and someone_in else ()
    if code == "BUSINESS_HOURS_RESTRICTION":
        bh = policy.business_hours
        window = f"{_days(bh.days)} {bh.start:%H:%M}-{bh.end:%H:%M} {bh.timezone}"
        return (
            BlockingFactor(
                "business_hours", f"Outside business hours ({window}); no eligible technician is on call"
            ),
            *held,
        )
    if code == "ALL_TECHNICIANS_AT_CAPACITY":
        busy = ev.tally("busy")
        return (BlockingFactor("capacity", f"All {techs(busy)} available who qualify are at capacity"),)
    if code == "SKILL_MATCH_BELOW_THRESHOLD":
        pool = [d for d in drafts if d.hard_ok and d.available]
        missing: dict[str, int] = {}
        for d in pool:
            for s in d.skill.missing:
                missing[s] = missing.get(s, 0) + 1
        common = sorted(missing, key=lambda s: -missing[s])[:3]
        note = f"; most often missing: {', '.join(common)}" if common else ""
        best = max((d.skill.pct for d in pool), default=0.0)
        out = [BlockingFactor("skill_match", f"Best available match {best:.0f}% < {policy.skill_match_threshold}%{note}")]
        return (*out, *held)
    if code == "NO_QUALIFIED_TECHNICIANS_AVAILABLE":
        return (*_filter_blockers(ev), *held)
    return _filter_blockers(ev)


def _filter_blockers(ev: Evaluation) -> tuple[BlockingFactor, ...]:
    """NO_QUALIFIED_TECHNICIANS_AVAILABLE: how many technicians each filter / absence stopped."""
    counts: dict[str, int] = {}
    for d in ev.drafts:
        for name in d.blocked:
            key = d.status if name == "availability" else name
            counts[key] = counts.get(key, 0) + 1
    labels = {
        "inactive": ("status", "inactive"),
        "language": ("language", f"do not speak {ev.ticket.language}"),
        "excluded": ("exclusion", "excluded for this ticket"),
        "rule_exclude": ("exclusion", "excluded by rules"),
        "onsite": ("onsite", "not on-site capable"),
        "min_seniority": ("seniority", "below the required seniority"),
        "off_shift": ("availability", "off shift"),
        "time_off": ("availability", "on time off"),
    }
    out = [
        BlockingFactor(labels[k][0], f"{techs(n)} {labels[k][1]}") for k, n in counts.items() if k in labels
    ]
    away = [d for d in ev.drafts if d.hard_ok and d.skill_ok and not d.available]
    if away:  # who does qualify, and when they are back: the first thing a dispatcher asks
        away.sort(key=lambda d: (d.next_at is None, d.next_at or ev.now, d.tech.name))
        named = "; ".join(f"{d.tech.name}: {_away_text(d, ev)}" for d in away[:5])
        more = f" and {techs(len(away) - 5)} more" if len(away) > 5 else ""
        out.insert(0, BlockingFactor("availability", f"{techs(len(away))} qualified, none available now ({named}{more})"))
    return tuple(out) or (BlockingFactor("technicians", "No technicians to evaluate"),)


def _away_text(d: Draft, ev: Evaluation) -> str:
    if d.status == "outside_business_hours":
        return "outside business hours, not on call"
    if d.status == "inactive":
        return "inactive"
    return lowered(_unavailable(d, ev))


def recommended_actions(code: str, ev: Evaluation) -> tuple[str, ...]:
    """The static advice for the code, made specific where the evaluation says more."""
    actions = list(RECOMMENDED_ACTIONS.get(code, ()))
    if code == "NO_QUALIFIED_TECHNICIANS_AVAILABLE":
        if ev.ticket.language and any("language" in d.blocked for d in ev.drafts):
            actions.insert(
                1, f"Add a {ev.ticket.language}-speaking technician or relax the language requirement"
            )
    if code == "BUSINESS_HOURS_RESTRICTION":
        opens = next_business_open(ev.policy.business_hours, ev.now)
        if opens is not None:
            actions[-1] = (
                f"Wait for next dispatch cycle (business hours resume {format_local(opens, ev.policy.business_hours.timezone, ev.now)})"
            )
    if code == "SKILL_MATCH_BELOW_THRESHOLD":
        actions[1] = f"Lower skill_match_threshold (currently {ev.policy.skill_match_threshold}%)"
        if ev.held:
            actions[0] = HELD_ACTION
    elif ev.held and ev.tally("in"):  # waiting while the qualified are away
        actions.insert(0, HELD_ACTION)
    return tuple(actions)


HELD_ACTION = "Assign by hand now, or let the dispatch cycle assign the next qualified technician"


def next_qualified(ev: Evaluation) -> tuple[str, datetime] | None:
    """(name, when) of the qualified technician who becomes available first, if any is known."""
    soon = [
        (d.next_at, d.tech.name)
        for d in ev.drafts
        if d.hard_ok and d.skill_ok and not d.available and d.next_at is not None
    ]
    if not soon:
        return None
    at, name = min(soon)
    return name, at


def held_reason(ev: Evaluation) -> str:
    """Why a ticket below the threshold was not forced (force_scope "urgent"), and what happens next."""
    return held_text(ev.policy, ev.ticket.priority, ev.now, next_qualified(ev))


def held_text(policy: Policy, priority: str, now: datetime, found: tuple[str, datetime] | None) -> str:
    window = policy.force_window_minutes
    text = (
        f"Not urgent: {priority} tickets are forced below the threshold only within {window} min "
        "of the SLA deadline; waiting for a qualified technician"
    )
    if found is not None:
        name, at = found
        text += f" (next: {name}, {format_local(at, policy.business_hours.timezone, now)})"
    return text
