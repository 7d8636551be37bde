"""Assignment rules (contracts/workspace.md): `when` keys must all hold; `then` carries the action.

Matching is done once per ticket; the collected effects are then applied by the ranking (hard
filters, bonus points, extra required skills, routing). Each rule that fired is reported with an
impact sentence, so a dispatcher sees why the written "custom instructions" changed the result.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from . import explain
from .factors import PRIORITY_URGENCY, URGENCY_HOURS, sla_hours_remaining
from .types import (
    FACTORS,
    PRIORITIES,
    RULE_ACTIONS,
    RULE_WHEN_KEYS,
    SENIORITIES,
    URGENT_PRIORITIES,
    Rule,
    RuleApplied,
    TicketFacts,
)

if TYPE_CHECKING:
    from .ranking import Draft, Evaluation

DEFAULT_PREFER_POINTS = 10.0
WHEN_KEYS = frozenset(RULE_WHEN_KEYS)


@dataclass
class RuleEffects:
    """What the fired rules ask for, merged (first assign_to wins, exclusions accumulate)."""

    fired: list[Rule] = field(default_factory=list)
    assign_to: list[tuple[Rule, str]] = field(default_factory=list)
    prefer: dict[str, float] = field(default_factory=dict)  # tech id -> bonus points
    min_seniority: str | None = None
    min_seniority_rule: str = ""
    require_skills: tuple[str, ...] = ()
    exclude: dict[str, str] = field(default_factory=dict)  # tech id -> rule name
    allow_overflow: bool = False
    board: str | None = None
    escalate_to: str | None = None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str | int | float):
        return [value]
    return list(value)


def _one_of(actual: str | None, wanted: Any) -> bool:
    """Case-insensitive membership; `wanted` may be one value or a list."""
    if actual is None:
        return False
    folded = str(actual).casefold()
    return any(folded == str(w).casefold() for w in _as_list(wanted))


@lru_cache(maxsize=1024)
def _keyword_pattern(keyword: str) -> re.Pattern[str]:
    """Whole-word (or whole-phrase) match, case-insensitive: "VPN" must not match "vpnclient"."""
    return re.compile(rf"(?<!\w){re.escape(keyword)}(?!\w)", re.IGNORECASE)


def rule_matches(rule: Rule, ticket: TicketFacts) -> bool:
    """All given `when` keys hold. An unknown key never holds: a condition the engine cannot
    evaluate must not fire an action silently."""
    for key, wanted in rule.when.items():
        if key == "company":
            ok = _one_of(ticket.company_id, wanted)
        elif key == "tier":
            ok = _one_of(ticket.company_tier, wanted)
        elif key == "category":
            ok = _one_of(ticket.category, wanted)
        elif key == "priority":
            ok = _one_of(ticket.priority, wanted)
        elif key == "board":
            ok = _one_of(ticket.board, wanted)
        elif key == "keywords":
            text = f"{ticket.subject}\n{ticket.description}"
            ok = any(_keyword_pattern(str(k)).search(text) for k in _as_list(wanted) if str(k).strip())
        else:
            ok = False
        if not ok:
            return False
    return True


def collect_effects(rules: Iterable[Rule], ticket: TicketFacts) -> RuleEffects:
    """Match every enabled rule against the ticket and merge what the fired ones ask for."""
    fx = RuleEffects()
    extra_skills: list[str] = []
    for rule in rules:
        if not rule.enabled or not rule_matches(rule, ticket):
            continue
        fx.fired.append(rule)
        then: Mapping[str, Any] = rule.then
        if then.get("assign_to"):
            fx.assign_to.append((rule, str(then["assign_to"])))
        if then.get("prefer"):
            points = float(then.get("points", DEFAULT_PREFER_POINTS))
            for tech_id in _as_list(then["prefer"]):
                fx.prefer[str(tech_id)] = fx.prefer.get(str(tech_id), 0.0) + points
        level = then.get("min_seniority")
        if level in SENIORITIES and (
            fx.min_seniority is None or SENIORITIES[level] > SENIORITIES[fx.min_seniority]
        ):
            fx.min_seniority, fx.min_seniority_rule = level, rule.name
        extra_skills.extend(str(s) for s in _as_list(then.get("require_skills")))
        for tech_id in _as_list(then.get("exclude")):
            fx.exclude.setdefault(str(tech_id), rule.name)
        if then.get("allow_overflow"):
            fx.allow_overflow = True
        if then.get("board") and fx.board is None:
            fx.board = str(then["board"])
        if then.get("escalate_to") and fx.escalate_to is None:
            fx.escalate_to = str(then["escalate_to"])
    fx.require_skills = tuple(extra_skills)
    return fx


def rule_impact(
    rule: Rule, *, below_seniority: int = 0, assign_outcome: str = "", overflow_used: bool = False
) -> str:
    """One sentence per fired rule, naming what it changed."""
    then = rule.then
    parts: list[str] = []
    if then.get("assign_to"):
        parts.append(assign_outcome or f"Assigned to {then['assign_to']}")
    if then.get("prefer"):
        points = float(then.get("points", DEFAULT_PREFER_POINTS))
        ids = ", ".join(str(t) for t in _as_list(then["prefer"]))
        parts.append(f"{points:+g} points to {ids}")
    if then.get("min_seniority"):
        parts.append(
            f"Excluded {below_seniority} technician{'' if below_seniority == 1 else 's'} below {then['min_seniority']}"
        )
    if then.get("require_skills"):
        parts.append(f"Required skills added: {', '.join(str(s) for s in _as_list(then['require_skills']))}")
    if then.get("exclude"):
        parts.append(f"Excluded {', '.join(str(t) for t in _as_list(then['exclude']))}")
    if then.get("allow_overflow"):
        parts.append(
            "Assigned past capacity (overflow allowed)" if overflow_used else "Overflow past capacity allowed"
        )
    if then.get("board"):
        parts.append(f"Routed to board {then['board']}")
    if then.get("escalate_to"):
        parts.append(f"Escalation to {then['escalate_to']}")
    return "; ".join(parts) or "No effect"


def validate_rule(rule: Rule) -> list[str]:
    """Problems with a rule's shape (for importers and forms; the engine tolerates them)."""
    problems = [f"unknown when key {k!r}" for k in rule.when if k not in WHEN_KEYS]
    for p in _as_list(rule.when.get("priority")):
        if p not in PRIORITIES:
            problems.append(f"unknown priority {p!r}")
    actions = set(RULE_ACTIONS)
    if not any(k in actions for k in rule.then):
        problems.append("then has no action")
    level = rule.then.get("min_seniority")
    if level is not None and level not in SENIORITIES:
        problems.append(f"unknown seniority {level!r}")
    return problems


def rules_applied(
    ev: Evaluation, c: Draft | None, assign_outcome: str, breached: bool, batch_note: str
) -> tuple[RuleApplied, ...]:
    """Configured rules that fired, then the built-in rules that acted on this ticket."""
    overflow_used = c is not None and c.tier is not None and c.tier % 2 == 1
    out = _configured(ev, assign_outcome, overflow_used)
    out += [r for r in (_preferred(ev), _sla_boost(ev), _workload_balancing(ev)) if r is not None]
    policy = ev.policy
    if c is not None and overflow_used:
        text = (
            f"Assigned past capacity ({c.load.active_tickets}/{c.capacity}): no one under capacity qualifies"
        )
        out.append(RuleApplied("overflow_assignment", True, text))
    if c is not None and c.tier is not None and c.tier >= 2:
        text = f"Assigned below the skill threshold ({c.skill.pct:.0f}% < {policy.skill_match_threshold}%)"
        if policy.force_scope == "urgent":
            why = "urgent priority" if ev.ticket.priority in URGENT_PRIORITIES else "SLA deadline near"
            text += f"; forced: {why}"
        out.append(RuleApplied("force_assignment", True, text))
    if breached and c is not None:
        target = ev.effects.escalate_to or policy.escalation_email or "the service manager"
        text = f"SLA already breached; assigned and escalated to {target}"
        out.append(RuleApplied("sla_breach_escalation", True, text))
    if batch_note:
        out.append(RuleApplied("batch_optimisation", True, batch_note))
    return tuple(out)


def _configured(ev: Evaluation, assign_outcome: str, overflow_used: bool) -> list[RuleApplied]:
    """One entry per fired rule. An assign_to that could not assign, or that an earlier assign_to
    superseded, is reported with applied=False so the dispatcher sees it was considered."""
    fx = ev.effects
    first = fx.assign_to[0][0] if fx.assign_to else None
    out: list[RuleApplied] = []
    for rule in fx.fired:
        if rule.then.get("assign_to") and first is not None and rule is not first:
            out.append(RuleApplied(rule.name, False, f"Not applied: rule '{first.name}' already assigns"))
            continue
        below = ev.tally("min_seniority") if rule.name == fx.min_seniority_rule else 0
        outcome = assign_outcome if rule is first else ""
        applied = rule is not first or outcome.startswith("Assigned")
        impact = rule_impact(rule, below_seniority=below, assign_outcome=outcome, overflow_used=overflow_used)
        out.append(RuleApplied(rule.name, applied, impact))
    return out


def _preferred(ev: Evaluation) -> RuleApplied | None:
    """customer_preferred_technician: the points the preferred technician received, or why none."""
    pref = ev.ticket.preferred_tech if ev.policy.preferred_tech_priority else None
    if not pref:
        return None
    d = ev.by_id.get(pref)
    if d is None:
        return RuleApplied(
            "customer_preferred_technician", False, f"{pref} is not among the evaluated technicians"
        )
    name = d.tech.name or pref  # what a dispatcher reads: the name, not the PSA id
    if d.tier is None:
        return RuleApplied(
            "customer_preferred_technician", False, f"{name} not eligible: {explain.blocked_reason(d, ev)}"
        )
    pts = d.points[FACTORS.index("customer_preference")]
    return RuleApplied("customer_preferred_technician", True, f"+{pts:g} points to {name}")


def _sla_boost(ev: Evaluation) -> RuleApplied | None:
    """sla_urgency_boost: how much weight SLA urgency moved, and whether the deadline or the
    priority drove it."""
    ticket = ev.ticket
    if ev.shift >= 0.005:
        hours = sla_hours_remaining(ticket, ev.now)
        if hours is not None and hours <= 0:
            why = "SLA breached"
        elif hours is not None and math.exp(-hours / URGENCY_HOURS) >= PRIORITY_URGENCY.get(
            ticket.priority, 0.0
        ):
            why = f"SLA due in {hours:.1f} h"
        else:
            why = f"{ticket.priority} priority"
        text = f"{ev.shift * 100:.0f}% of the weight moved to availability and workload ({why})"
        return RuleApplied("sla_urgency_boost", True, text)
    if ev.strategy == "sla_driven" and ev.urgency > 0:
        text = f"Weights moved toward availability and on-time record (urgency {ev.urgency:.2f})"
        return RuleApplied("sla_urgency_boost", True, text)
    return None


def _workload_balancing(ev: Evaluation) -> RuleApplied | None:
    """workload_balancing: available technicians at capacity and what happened to them."""
    busy = ev.tally("busy")
    if not busy:
        return None
    if ev.policy.override_workload_limit:
        text = f"{explain.techs(busy)} at capacity; workload limit overridden"
    elif ev.overflow_allowed:
        text = f"{explain.techs(busy)} at capacity; used only as overflow"
    else:
        text = f"Excluded {explain.techs(busy)} at capacity"
    return RuleApplied("workload_balancing", True, text)
