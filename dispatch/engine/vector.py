"""The vectorized engine: every technician scored at once, reasons only for what is shown.

`TechTable` holds the technicians' facts as numpy arrays, built once per facts snapshot, and
memoizes what depends only on the kind of ticket (skill match per required skills, category and
board; track record per category; familiarity per company; history affinity; language) and
what depends only on the clock (availability per minute, when every boundary of the rota falls
on a whole minute). `rank_vector` then scores a ticket with a handful of array operations, picks
the technician as `ranking.decide` would, and runs the one-by-one code (`ranking._assess`,
`_finish`, `explain`) only for the candidates it shows: the breakdowns and reasons are the
reference's own. Tickets that fail or that an assign_to rule or a breached SLA decides take the
reference path whole (their explanations speak of every technician).

tests/engine/test_vector.py checks selection, scores and breakdowns against the reference on
randomly drawn desks.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import numpy as np

from . import explain
from .affinity import AFFINITY_FEATURES, NEUTRAL_AFFINITY, affinity_features
from .availability import aware, work_status
from .factors import (
    JUNIOR_ON_HARD_WORK,
    OFF_SHIFT_DECAY_HOURS,
    OFF_SHIFT_MAX,
    ON_CALL_VALUE,
    SENIOR_ON_EASY_WORK,
    assess_skills,
    customer_preference_factor,
    demanding,
    geography,
    performance_factor,
    sla_risk,
)
from .ranking import (
    Draft,
    Evaluation,
    _assess,
    _candidate,
    _finish,
    decide,
    disabled_ranking,
    evaluate,
    new_evaluation,
)
from .rules import rules_applied
from .strategies import ORDERINGS, performance_focus
from .types import SENIORITIES, Policy, Ranking, TechFacts, TicketFacts

STATUS_AVAILABLE, STATUS_ON_CALL = "available", "on_call"
_MEMO_LIMIT = 4096


def pyround(x: np.ndarray, digits: int) -> np.ndarray:
    """Python's round(x, digits), element-wise and exactly: numpy's rounding differs from Python's
    correctly rounded one only next to a half, and those few are rounded by Python."""
    scale = 10.0**digits
    y = x * scale
    out = np.rint(y) / scale
    frac = y - np.floor(y)
    near = np.abs(frac - 0.5) < 1e-6
    if near.any():
        for i in np.flatnonzero(near):
            out[i] = round(float(x[i]), digits)
    return out


class TechTable:
    """The technicians of one facts snapshot as arrays, with memos for the parts of a ranking that
    depend on the kind of ticket or on the minute, not on the ticket itself."""

    def __init__(self, techs: Sequence[TechFacts]) -> None:
        self.techs: list[TechFacts] = list(techs)
        n = self.n = len(self.techs)
        self.ids = [t.id for t in self.techs]
        self.index: dict[str, int] = {}
        for i, tech_id in enumerate(self.ids):
            self.index.setdefault(tech_id, i)
        order = sorted(range(n), key=lambda i: self.ids[i])
        self.id_rank = np.empty(n, dtype=np.int64)
        self.id_rank[order] = np.arange(n)
        self.active = np.array([t.active for t in self.techs], dtype=bool)
        self.seniority = np.array([SENIORITIES.get(t.seniority, 2) for t in self.techs], dtype=np.int64)
        self.junior_or_mid = np.array([t.seniority in ("junior", "mid") for t in self.techs], dtype=bool)
        self.junior = np.array([t.seniority == "junior" for t in self.techs], dtype=bool)
        self.senior = np.array([t.seniority == "senior" for t in self.techs], dtype=bool)
        self.onsite_capable = np.array([t.onsite_capable for t in self.techs], dtype=bool)
        self.own_capacity = np.array([t.max_active_tickets or 0 for t in self.techs], dtype=np.int64)
        self.active_tickets = np.array([t.workload.active_tickets for t in self.techs], dtype=np.int64)
        self.estimated_hours = np.array([t.workload.estimated_hours for t in self.techs], dtype=float)
        self.weighted_hours = np.array([t.workload.weighted_hours for t in self.techs], dtype=float)
        self.has_last = np.array([t.last_assigned_at is not None for t in self.techs], dtype=bool)
        self.last_ts = np.array(
            [t.last_assigned_at.timestamp() if t.last_assigned_at is not None else 0.0 for t in self.techs]
        )
        # Instants where someone's availability changes that do not fall on a whole minute (time off
        # synced to the second, say): the per-minute memo is keyed by how many have passed.
        self.shifts_aligned = all(
            not (s.start.second or s.start.microsecond or s.end.second or s.end.microsecond)
            for t in self.techs
            for s in t.schedule
        )
        self.odd_instants = sorted({at for t in self.techs for at in _boundaries(t) if at.second or at.microsecond})
        self._memo: dict[tuple, Any] = {}

    def memo(self, key: tuple, build: Callable[[], Any]) -> Any:
        found = self._memo.get(key)
        if found is None:
            if len(self._memo) >= _MEMO_LIMIT:
                self._memo.clear()
            found = self._memo[key] = build()
        return found

    # ------------------------------------------------------------ per kind of ticket

    def skill_pct(self, ticket: TicketFacts, required: tuple[str, ...]) -> np.ndarray:
        key = ("skill", required, ticket.category, ticket.board)
        return self.memo(key, lambda: np.array([assess_skills(ticket, t, required).pct for t in self.techs]))

    def performance(self, ticket: TicketFacts, focus: str) -> np.ndarray:
        key = ("performance", ticket.category, focus)
        return self.memo(key, lambda: np.array([performance_factor(ticket, t, focus)[0] for t in self.techs]))

    def familiarity(self, ticket: TicketFacts, policy: Policy) -> np.ndarray:
        """customer_preference value for technicians neither preferred nor on the account."""
        plain = replace(ticket, preferred_tech=None, account_techs=())
        key = ("familiarity", ticket.company_id)
        return self.memo(key, lambda: np.array([customer_preference_factor(plain, t, policy)[0] for t in self.techs]))

    def speaks(self, language: str) -> np.ndarray:
        key = ("language", language)
        return self.memo(
            key,
            lambda: np.array([any(lang.casefold() == language for lang in t.languages) for t in self.techs], dtype=bool),
        )

    def affinity(self, ticket: TicketFacts, weights: tuple[float, ...]) -> np.ndarray | None:
        """affinity.affinities, exactly: the company's feature is memoized apart from the
        category's and board's (there are far more companies x categories than either), and the
        sum keeps the reference's order of additions."""
        if len(weights) != len(AFFINITY_FEATURES) or not self.n:
            return None
        key = (ticket.category, ticket.board, weights)

        def head_tail() -> tuple[np.ndarray, np.ndarray]:
            rows = np.array(affinity_features(self.techs, replace(ticket, company_id=None)))
            head = np.zeros(self.n)
            for k in range(3):  # category, category share, board: the additions before the company's
                head = head + weights[k] * rows[:, k]
            return head, rows

        head, rows = self.memo(("affinity", *key), head_tail)
        company = self.memo(("company-feature", ticket.company_id), lambda: self._company_feature(ticket))
        shown = (rows[:, 0] > 0) | (rows[:, 2] > 0) | (company > 0)  # history shows them on this work
        if not shown.any():
            return None
        scores = head + weights[3] * company
        for k in (4, 5):
            scores = scores + weights[k] * rows[:, k]
        top = scores[shown].max()
        return np.array([math.exp(v - top) if ok else math.nan for v, ok in zip(scores.tolist(), shown.tolist(), strict=True)])

    def _company_feature(self, ticket: TicketFacts) -> np.ndarray:
        if not ticket.company_id:
            return np.zeros(self.n)
        found = [t.company_history.get(ticket.company_id) for t in self.techs]
        return np.array([math.log1p(max(0, c.tickets)) if c is not None else 0.0 for c in found])

    def geography(self, ticket: TicketFacts) -> tuple[np.ndarray, np.ndarray]:
        """(travel value, has a note) for an on-site ticket."""
        site = ticket.location or ticket.company_location
        key = ("geo", site)

        def build() -> tuple[np.ndarray, np.ndarray]:
            rows = [geography(ticket, t) for t in self.techs]
            return np.array([v for v, _ in rows]), np.array([bool(note) for _, note in rows], dtype=bool)

        return self.memo(key, build)

    # ------------------------------------------------------------ per minute

    def status(self, now: datetime, bh_closed: bool) -> tuple[list[str], np.ndarray, list[datetime | None]]:
        """(status per technician, available, next available) as ranking._status computes them.
        Memoized per minute when every rota boundary is on a whole minute (then nothing can change
        inside one)."""

        def build() -> tuple[list[str], np.ndarray, list[datetime | None]]:
            statuses: list[str] = []
            oks: list[bool] = []
            nexts: list[datetime | None] = []
            for tech in self.techs:
                ok, status, next_at = work_status(tech, now, bh_closed)
                statuses.append(status)
                oks.append(ok)
                nexts.append(next_at)
            return statuses, np.array(oks, dtype=bool), nexts

        if not self.shifts_aligned:
            return build()
        minute = now.replace(second=0, microsecond=0)
        return self.memo(("status", minute, bisect.bisect_right(self.odd_instants, now), bh_closed), build)


def _boundaries(tech: TechFacts) -> list[datetime]:
    """Instants where the technician's time off or on call starts or ends (shifts are wall-clock
    times: whole minutes in every time zone in use)."""
    return [aware(at) for iv in (*tech.time_off, *tech.on_call) for at in (iv.start, iv.end)]


def _reference(ticket: TicketFacts, table: TechTable, policy: Policy, strategy: str | None) -> Ranking:
    return decide(evaluate(ticket, table.techs, policy, strategy))


def rank_vector(ticket: TicketFacts, table: TechTable, policy: Policy, strategy: str | None = None) -> Ranking:
    """engine.rank over a TechTable (see the module docstring)."""
    ranking = _rank(ticket, table, policy, strategy, advice_only=False)
    assert isinstance(ranking, Ranking)
    return ranking


def advice(ticket: TicketFacts, table: TechTable, policy: Policy, strategy: str | None = None) -> Advice | None:
    """What `rank` would advise, without writing any reason: (selected technician, error code,
    waiting reason as services.waiting_reason reports it). None when an assign_to rule decides
    (only the full ranking can tell). The background re-rank uses it to keep decisions that still
    say the same, and ranks in full only the tickets whose advice changed."""
    found = _rank(ticket, table, policy, strategy, advice_only=True)
    assert found is None or isinstance(found, tuple)
    return found


Advice = tuple[str | None, str | None, str]


def _rank(
    ticket: TicketFacts, table: TechTable, policy: Policy, strategy: str | None, advice_only: bool
) -> Ranking | Advice | None:
    if not policy.dispatching_enabled:
        return (None, "DISPATCHING_DISABLED", "") if advice_only else disabled_ranking(ticket, policy, strategy)
    now = aware(policy.now)
    ev = new_evaluation(ticket, policy, strategy)
    fx = ev.effects
    risk, hours_left = sla_risk(ticket, now)
    if advice_only and fx.assign_to:
        return None
    if advice_only and risk == "breached" and not ev.force:
        return (None, "SLA_ALREADY_BREACHED", "")
    if fx.assign_to or (risk == "breached" and not ev.force) or table.n == 0:
        return _reference(ticket, table, policy, strategy)
    n = table.n
    statuses, ok, nexts = table.status(now, ev.bh_closed)

    # Hard filters (ranking._hard_filters) and availability.
    language = ticket.language.casefold() if ticket.language else None
    block_language = ~table.speaks(language) if language else np.zeros(n, dtype=bool)
    excluded = np.zeros(n, dtype=bool)
    rule_excluded = np.zeros(n, dtype=bool)
    for tech_id in ticket.exclude:
        excluded[[i for i, t in enumerate(table.ids) if t == tech_id]] = True
    for tech_id in fx.exclude:
        rule_excluded[[i for i, t in enumerate(table.ids) if t == tech_id]] = True
    block_onsite = ~table.onsite_capable if ticket.onsite else np.zeros(n, dtype=bool)
    block_seniority = (
        table.seniority < SENIORITIES[fx.min_seniority] if fx.min_seniority else np.zeros(n, dtype=bool)
    )
    hard_ok = table.active & ~block_language & ~excluded & ~rule_excluded & ~block_onsite & ~block_seniority
    blocked_availability = ~ok & table.active

    # Skill (before the seniority fit) and the skill threshold.
    pct = table.skill_pct(ticket, ev.required)
    skill_ok = pct >= policy.skill_match_threshold if ev.required else np.ones(n, dtype=bool)

    # Availability value (ranking.availability_factor), workload, performance, customer preference.
    avail = np.zeros(n)
    avail[[s == STATUS_AVAILABLE for s in statuses]] = 1.0
    avail[[s == STATUS_ON_CALL for s in statuses]] = ON_CALL_VALUE
    for i, status in enumerate(statuses):
        if status == "off_shift" and nexts[i] is not None:
            hours = (nexts[i] - now).total_seconds() / 3600  # type: ignore[operator]
            avail[i] = OFF_SHIFT_MAX * min(1.0, max(0.0, 1 - hours / OFF_SHIFT_DECAY_HOURS))
    if ticket.onsite and (ticket.location or ticket.company_location) is not None:
        geo, noted = table.geography(ticket)
        avail = np.where(noted, avail * geo, avail)
    capacity = np.maximum(1, np.where(table.own_capacity > 0, table.own_capacity, policy.max_tickets_per_technician))
    method = policy.workload_calculation_method
    if method == "ticket_count":
        ratio = table.active_tickets / capacity
    else:
        hours = table.estimated_hours if method == "estimated_hours" else table.weighted_hours
        ratio = hours / (capacity * policy.hours_per_ticket)
    workload = np.clip(1 - ratio, 0.0, 1.0)
    performance = table.performance(ticket, performance_focus(ev.strategy))
    pref_rank = np.full(n, 2, dtype=np.int64)
    for tech_id in ticket.account_techs:
        pref_rank[[i for i, t in enumerate(table.ids) if t == tech_id]] = 1
    if policy.preferred_tech_priority and ticket.preferred_tech:
        pref_rank[[i for i, t in enumerate(table.ids) if t == ticket.preferred_tech]] = 0
    customer = np.where(pref_rank == 0, 1.0, np.where(pref_rank == 1, 0.8, table.familiarity(ticket, policy)))

    # Seniority fit (ranking._finish), history affinity, composition (strategies.compose).
    lower_qualifies = bool((hard_ok & ok & skill_ok & table.junior_or_mid).any())
    mult = np.ones(n)
    if demanding(ticket):
        mult[table.junior] = JUNIOR_ON_HARD_WORK
    elif ticket.complexity == "low" and lower_qualifies:
        mult[table.senior] = SENIOR_ON_EASY_WORK
    skill = np.minimum(1.0, pct / 100 * mult)
    aff = table.affinity(ticket, policy.affinity_weights) if policy.affinity_weights else None
    if aff is not None:  # affinity.blend_affinity, NaN (history silent here) as neutral
        skill = 0.5 * skill + 0.5 * np.where(np.isnan(aff), NEUTRAL_AFFINITY, np.clip(aff, 0.0, 1.0))
    values = (skill, avail, workload, performance, customer)
    bonus = np.zeros(n)
    for tech_id, b in fx.prefer.items():
        at = table.index.get(tech_id)
        if at is not None:
            bonus[at] = b
    points = [pyround(v * w * 100, 1) for v, w in zip(values, ev.weight_list, strict=True)]
    base_sum = np.zeros(n)
    for pts in points:
        base_sum = base_sum + pts
    base = pyround(base_sum, 1)
    over = np.flatnonzero(base > 100)
    for i in map(int, over):  # rounding past 100 (compose takes the excess off the largest entry)
        row = [float(p[i]) for p in points]
        j = max(range(len(row)), key=row.__getitem__)
        points[j][i] = round(row[j] - (float(base[i]) - 100), 1)
        base[i] = 100.0
    bonus_pts = pyround(np.maximum(-base, np.minimum(bonus, 100 - base)), 1)
    score = pyround(base + bonus_pts, 1)

    # Tiers (ranking._finish) and errors (ranking._pool_error): failures take the reference path.
    at_capacity = table.active_tickets >= capacity
    needs_overflow = at_capacity & (not policy.override_workload_limit)
    blocked = ~hard_ok | blocked_availability
    if not ev.force:
        blocked = blocked | ~skill_ok
    if not ev.overflow_allowed:
        blocked = blocked | needs_overflow
    eligible = ~blocked
    pool = hard_ok & ok
    if not eligible.any():
        if advice_only:
            return _failure_advice(ev, table, pool, hard_ok, skill_ok, ok, nexts, statuses)
        return _reference(ticket, table, policy, strategy)
    tier = np.where(skill_ok, 0, 2) + needs_overflow.astype(np.int64)

    # Order (strategies.order_key within tiers): eligible first, then the rest by score.
    ordering = ORDERINGS[ev.strategy]
    keys: tuple[np.ndarray, ...]
    if ordering == "rotation":
        keys = (table.id_rank, -score, table.last_ts, table.has_last, tier)
    elif ordering == "load":
        keys = (table.id_rank, -score, -pyround(workload, 2), tier)
    elif ordering == "preference":
        keys = (table.id_rank, -score, pref_rank, tier)
    else:
        keys = (table.id_rank, -workload, -score, tier)
    elig_idx = np.flatnonzero(eligible)
    elig_order = elig_idx[np.lexsort(tuple(k[elig_idx] for k in keys))]
    rest_idx = np.flatnonzero(~eligible)
    rest_order = rest_idx[np.lexsort((table.id_rank[rest_idx], -score[rest_idx]))]
    ordered = [int(i) for i in elig_order] + [int(i) for i in rest_order]
    chosen_i = ordered[0]
    if advice_only:
        return (table.ids[chosen_i], None, "")
    runner_i = ordered[1] if len(elig_order) > 1 else None
    limit = len(ordered) if policy.candidates_shown is None else max(1, policy.candidates_shown)
    shown = ordered[:limit]

    # The one-by-one path for what is shown: breakdowns and reasons as the reference writes them.
    wanted = list(dict.fromkeys([*shown, *([runner_i] if runner_i is not None else [])]))
    pref_i = table.index.get(ticket.preferred_tech) if policy.preferred_tech_priority and ticket.preferred_tech else None
    if pref_i is not None and pref_i not in wanted:
        wanted.append(pref_i)
    drafts: dict[int, Draft] = {}
    for i in wanted:
        tech = table.techs[i]
        d = _assess(tech, ev, tech.workload, tech.last_assigned_at, language)
        if aff is not None:
            d.affinity = float(aff[i])
        _finish(d, ev, lower_qualifies)
        drafts[i] = d
        ev.drafts.append(d)
        ev.by_id.setdefault(d.tech_id, d)
    ev.tallies = {
        "min_seniority": int(block_seniority.sum()),
        "busy": int((hard_ok & ok & at_capacity).sum()),
    }
    chosen = drafts[chosen_i]
    runner_up = drafts[runner_i] if runner_i is not None else None
    level, value = explain.confidence(chosen, runner_up, bool(ev.required))
    candidates = tuple(
        _candidate(drafts[i], ev, "" if i == chosen_i else explain.not_selected(drafts[i], chosen, ev, None, ""))
        for i in shown
    )
    breached = risk == "breached"
    return Ranking(
        ticket_id=ticket.id,
        strategy=ev.strategy,
        candidates=candidates,
        selected=chosen.tech_id,
        confidence=level,
        confidence_value=value,
        rules_applied=rules_applied(ev, chosen, "", breached, ""),
        escalate_to=fx.escalate_to or ((policy.escalation_email or None) if breached else None),
        route_to_board=fx.board,
        sla_risk=risk,
        sla_hours_remaining=hours_left,
        counts={
            "evaluated": n,
            "available": int(ok.sum()),
            "qualified": int((hard_ok & skill_ok).sum()),
        },
    )


def _failure_advice(
    ev: Evaluation,
    table: TechTable,
    pool: np.ndarray,
    hard_ok: np.ndarray,
    skill_ok: np.ndarray,
    ok: np.ndarray,
    nexts: list[datetime | None],
    statuses: list[str],
) -> Advice:
    """ranking._pool_error and, for a ticket held for a qualified technician, the waiting reason
    (explain.held_reason), from the arrays."""
    if not pool.any():
        return (None, "BUSINESS_HOURS_RESTRICTION" if ev.bh_closed else "NO_QUALIFIED_TECHNICIANS_AVAILABLE", "")
    if not (pool & (skill_ok | ev.force)).any():
        away = np.flatnonzero(hard_ok & skill_ok & ~ok)
        code = "SKILL_MATCH_BELOW_THRESHOLD"
        if len(away):
            closed = ev.bh_closed and all(statuses[i] == "outside_business_hours" for i in away)
            code = "BUSINESS_HOURS_RESTRICTION" if closed else "NO_QUALIFIED_TECHNICIANS_AVAILABLE"
        waiting = ""
        if ev.held:
            soon: list[tuple[datetime, str]] = [
                (at, table.techs[i].name)
                for i in np.flatnonzero(hard_ok & skill_ok & ~ok)
                if (at := nexts[i]) is not None
            ]
            found = min(soon) if soon else None
            waiting = explain.held_text(ev.policy, ev.ticket.priority, ev.now, (found[1], found[0]) if found else None)
        return (None, code, waiting[:300])
    return (None, "ALL_TECHNICIANS_AT_CAPACITY", "")


__all__ = ["Advice", "TechTable", "advice", "pyround", "rank_vector"]
