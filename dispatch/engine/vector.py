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
    SkillAssessment,
    assess_all,
    cost_position,
    cost_range,
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
    best_eligible,
    decide,
    disabled_ranking,
    evaluate,
    new_evaluation,
)
from .rules import rules_applied
from .strategies import ORDERINGS, performance_focus
from .types import SENIORITIES, Policy, Ranking, TechFacts, TicketFacts, Workload

STATUS_AVAILABLE, STATUS_ON_CALL = "available", "on_call"
_MEMO_LIMIT = 4096


_EXACT = np.finfo(np.longdouble).nmant >= 63  # x87 extended: x * 10 or x * 100 of a double is exact


def pyround(x: np.ndarray, digits: int) -> np.ndarray:
    """Python's round(x, digits), element-wise and exactly: numpy's rounding differs from Python's
    correctly rounded one only next to a half. There the exact product x * 10**digits (exact in
    extended precision for digits <= 2) says on which side of the half x lies, and a true tie
    rounds to even, as Python's round does on the exact value."""
    scale = 10.0**digits
    y = x * scale
    out = np.rint(y) / scale
    frac = y - np.floor(y)
    near = np.abs(frac - 0.5) < 1e-6
    if near.any():
        flat_out, flat_x = out.reshape(-1), np.asarray(x, dtype=float).reshape(-1)  # views: out is fresh
        idx = np.flatnonzero(near)
        if _EXACT and digits <= 2:
            exact = flat_x[idx].astype(np.longdouble) * np.longdouble(10**digits)
            low = np.floor(exact)
            half = exact - low  # exact too: both are within the same binade
            up = (half > 0.5) | ((half == 0.5) & (np.fmod(low, 2) != 0))
            flat_out[idx] = (low + up).astype(float) / scale
        else:
            for i in idx:
                flat_out[i] = round(float(flat_x[i]), digits)
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
        self.costs = cost_range(self.techs)
        self.cost_pos = np.array([cost_position(t, self.costs) for t in self.techs])
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
        self._positions: dict[str, list[int]] = {}

    # Memos that depend on the technicians' people facts only (skills, rota, history, languages,
    # sites), not on their workload or last assignment.
    PEOPLE_MEMOS = frozenset(
        {"skill", "performance", "familiarity", "language", "affinity", "affinity-company", "company-feature", "geo", "status"}
    )

    def adopt_memos(self, other: TechTable, rota_changed: bool = False) -> None:
        """Take over `other`'s people-only memos: the caller vouches that both tables hold the
        same technicians with the same people facts, in the same order, and differ at most in
        workload (dispatch.snapshot.table_for, for a workload-only change of facts).
        `rota_changed`: their shifts, time off or on-call may differ too, so the per-minute
        availability memos stay behind."""
        if other.ids != self.ids:
            return
        kinds = self.PEOPLE_MEMOS - {"status"} if rota_changed else self.PEOPLE_MEMOS
        self._memo.update((k, v) for k, v in other._memo.items() if k[0] in kinds)
        self._positions.update(other._positions)

    def memo(self, key: tuple, build: Callable[[], Any]) -> Any:
        found = self._memo.get(key)
        if found is None:
            if len(self._memo) >= _MEMO_LIMIT:
                self._memo.clear()
            found = self._memo[key] = build()
        return found

    # ------------------------------------------------------------ per kind of ticket

    def positions(self, tech_id: str) -> list[int]:
        """Every index holding this id (ids are unique in production; tests draw duplicates)."""
        found = self._positions.get(tech_id)
        if found is None:
            found = self._positions[tech_id] = [i for i, t in enumerate(self.ids) if t == tech_id]
        return found

    def skills(self, ticket: TicketFacts, required: tuple[str, ...]) -> tuple[list[SkillAssessment], np.ndarray]:
        """(each technician's assessment, their skill match %) for this kind of ticket."""
        key = ("skill", required, ticket.category, ticket.board)

        def build() -> tuple[list[SkillAssessment], np.ndarray]:
            found = assess_all(ticket, self.techs, required)  # as ranking.evaluate: current standings
            return found, np.array([a.pct for a in found])

        return self.memo(key, build)

    def skill_pct(self, ticket: TicketFacts, required: tuple[str, ...]) -> np.ndarray:
        return self.skills(ticket, required)[1]

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

        def final() -> tuple[np.ndarray | None]:
            head, rows = self.memo(("affinity", *key), head_tail)
            company = self.memo(("company-feature", ticket.company_id), lambda: self._company_feature(ticket))
            shown = (rows[:, 0] > 0) | (rows[:, 2] > 0) | (company > 0)  # history shows them on this work
            if not shown.any():
                return (None,)
            scores = head + weights[3] * company
            for k in (4, 5):
                scores = scores + weights[k] * rows[:, k]
            top = scores[shown].max()
            exps = [math.exp(v - top) if ok else math.nan for v, ok in zip(scores.tolist(), shown.tolist(), strict=True)]
            return (np.array(exps),)

        # The whole result per kind and company (a tuple: the memo takes None for "not built").
        return self.memo(("affinity-company", *key, ticket.company_id), final)[0]

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

    def status(self, now: datetime, bh_closed: bool) -> tuple[list[str], np.ndarray, list[datetime | None], np.ndarray]:
        """(status per technician, available, next available, availability value before travel)
        as ranking._status and factors.availability_factor compute them. Memoized per minute when
        every rota boundary is on a whole minute (then nothing can change inside one)."""

        def build() -> tuple[list[str], np.ndarray, list[datetime | None], np.ndarray]:
            statuses: list[str] = []
            oks: list[bool] = []
            nexts: list[datetime | None] = []
            values: list[float] = []
            for tech in self.techs:
                ok, status, next_at = work_status(tech, now, bh_closed)
                statuses.append(status)
                oks.append(ok)
                nexts.append(next_at)
                value = 1.0 if status == STATUS_AVAILABLE else ON_CALL_VALUE if status == STATUS_ON_CALL else 0.0
                if status == "off_shift" and next_at is not None:
                    hours = (next_at - now).total_seconds() / 3600
                    value = OFF_SHIFT_MAX * min(1.0, max(0.0, 1 - hours / OFF_SHIFT_DECAY_HOURS))
                values.append(value)
            return statuses, np.array(oks, dtype=bool), nexts, np.array(values)

        if not self.shifts_aligned:
            return build()
        minute = now.replace(second=0, microsecond=0)
        return self.memo(("status", minute, bisect.bisect_right(self.odd_instants, now), bh_closed), build)


def _boundaries(tech: TechFacts) -> list[datetime]:
    """Instants where the technician's time off or on call starts or ends (shifts are wall-clock
    times: whole minutes in every time zone in use)."""
    return [aware(at) for iv in (*tech.time_off, *tech.on_call) for at in (iv.start, iv.end)]


class Loads:
    """Workloads (and, for the rotation, last assignments) that differ from the snapshot's: the
    batch's view of the queue at a ticket's turn. Arrays over the table's technicians; `last_at`
    maps the index of a technician the batch assigned to the instant it counts as assigned."""

    __slots__ = ("active", "estimated", "weighted", "has_last", "last_ts", "last_at")

    def __init__(
        self,
        table: TechTable,
        active: np.ndarray | None = None,
        estimated: np.ndarray | None = None,
        weighted: np.ndarray | None = None,
        has_last: np.ndarray | None = None,
        last_ts: np.ndarray | None = None,
        last_at: dict[int, datetime] | None = None,
    ) -> None:
        self.active = table.active_tickets if active is None else active
        self.estimated = table.estimated_hours if estimated is None else estimated
        self.weighted = table.weighted_hours if weighted is None else weighted
        self.has_last = table.has_last if has_last is None else has_last
        self.last_ts = table.last_ts if last_ts is None else last_ts
        self.last_at = last_at or {}

    def workload(self, table: TechTable, i: int) -> Workload:
        if self.active is table.active_tickets:
            return table.techs[i].workload
        return Workload(int(self.active[i]), float(self.estimated[i]), float(self.weighted[i]))

    def last(self, table: TechTable, i: int) -> datetime | None:
        return self.last_at.get(i, table.techs[i].last_assigned_at)

    def as_mappings(self, table: TechTable) -> tuple[dict[str, Workload], dict[str, datetime]]:
        """For the reference path: evaluate()'s workloads / last_assigned overrides."""
        loads = {} if self.active is table.active_tickets else {
            table.ids[i]: self.workload(table, i) for i in range(table.n)
        }  # fmt: skip
        return loads, {table.ids[i]: at for i, at in self.last_at.items()}


def workload_values(
    table: TechTable,
    policy: Policy,
    active: np.ndarray,
    estimated: np.ndarray,
    weighted: np.ndarray,
    capacity: np.ndarray | None = None,
) -> np.ndarray:
    """factors.workload_factor's value at these loads (the same float operations), for every
    technician or, with `capacity`, for the entries given."""
    capacity = table_capacity(table, policy) if capacity is None else capacity
    method = policy.workload_calculation_method
    if method == "ticket_count":
        ratio = active / capacity
    else:
        hours = estimated if method == "estimated_hours" else weighted
        ratio = hours / (capacity * policy.hours_per_ticket)
    return np.clip(1 - ratio, 0.0, 1.0)


def table_capacity(table: TechTable, policy: Policy) -> np.ndarray:
    """factors.capacity_of for every technician."""
    return np.maximum(1, np.where(table.own_capacity > 0, table.own_capacity, policy.max_tickets_per_technician))


class Scored:
    """One ticket scored against every technician (the arrays `_rank` orders and explains, and
    the batch optimiser reads)."""

    ev: Evaluation
    risk: str
    hours_left: float | None
    statuses: list[str]
    ok: np.ndarray  # available (rota, time off, on call, business hours)
    nexts: list[datetime | None]
    assessments: list[SkillAssessment]
    language: str | None
    hard_ok: np.ndarray
    skill_ok: np.ndarray
    block_seniority: np.ndarray
    values: tuple[np.ndarray, ...]  # FACTORS order
    points: np.ndarray  # (factor, technician), FACTORS order
    score: np.ndarray
    bonus: np.ndarray
    pref_rank: np.ndarray
    aff: np.ndarray | None
    lower_qualifies: bool
    capacity: np.ndarray
    workload: np.ndarray
    pulled: np.ndarray  # seniors pulled off other work (factors.senior_pulled): workload counted free


def _reference(ticket: TicketFacts, table: TechTable, policy: Policy, strategy: str | None, loads: Loads | None = None,
               forced: str | None = None, batch_full: bool = False, batch_rows: int = 0) -> Ranking:  # fmt: skip
    workloads, last = loads.as_mappings(table) if loads is not None else ({}, {})
    ev = evaluate(ticket, table.techs, policy, strategy, workloads=workloads, last_assigned=last)
    note = ""
    if forced is not None:
        best = best_eligible(ev)
        if ev.effects.assign_to:
            target = ev.by_id.get(ev.effects.assign_to[0][1])
            best = target if target is not None and target.tier is not None else best
        if best is not None and best.tech_id != forced:
            note = explain.batch_note(forced, ev.by_id[forced].score, best.tech_id, best.score, batch_rows)
    return decide(ev, forced=forced, batch_full=batch_full, batch_note=note)


def rank_vector(ticket: TicketFacts, table: TechTable, policy: Policy, strategy: str | None = None) -> Ranking:
    """engine.rank over a TechTable (see the module docstring)."""
    ranking = _rank(ticket, table, policy, strategy, advice_only=False)
    assert isinstance(ranking, Ranking)
    return ranking


def rank_at(
    ticket: TicketFacts,
    table: TechTable,
    policy: Policy,
    loads: Loads,
    forced: str | None = None,
    batch_full: bool = False,
    batch_rows: int = 0,
) -> Ranking:
    """The batch's ranking of one ticket at its turn: `loads` as the batch left the queue,
    `forced` the optimiser's choice (explained against the best eligible, as ranking.decide with a
    batch note), `batch_full` when no slot was left for it."""
    ranking = _rank(ticket, table, policy, None, advice_only=False, loads=loads, forced=forced,
                    batch_full=batch_full, batch_rows=batch_rows)  # fmt: skip
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


def needs_reference(ticket: TicketFacts, table: TechTable, ev: Evaluation) -> bool:
    """Tickets the vectorized path hands to the reference whole: an assign_to rule decides, or a
    breached SLA that may not be forced (their explanations speak of every technician)."""
    risk, _ = sla_risk(ticket, ev.now)
    return bool(ev.effects.assign_to) or (risk == "breached" and not ev.force) or table.n == 0


def score(ticket: TicketFacts, table: TechTable, policy: Policy, strategy: str | None, ev: Evaluation,
          loads: Loads | None = None, total: bool = True) -> Scored:  # fmt: skip
    """Hard filters, availability, the five factors and the score of every technician at once
    (ranking._assess and _finish, vectorized). total=False leaves `score` unset (the batch's cost
    matrix adds the points up itself, slot by slot)."""
    now = ev.now
    fx = ev.effects
    sc = Scored()
    sc.ev = ev
    sc.risk, sc.hours_left = sla_risk(ticket, now)
    n = table.n
    statuses, ok, nexts, avail = table.status(now, ev.bh_closed)
    sc.statuses, sc.ok, sc.nexts = statuses, ok, nexts

    # Hard filters (ranking._hard_filters) and availability.
    language = sc.language = ticket.language.casefold() if ticket.language else None
    block_language = ~table.speaks(language) if language else np.zeros(n, dtype=bool)
    excluded = np.zeros(n, dtype=bool)
    rule_excluded = np.zeros(n, dtype=bool)
    for tech_id in ticket.exclude:
        excluded[table.positions(tech_id)] = True
    for tech_id in fx.exclude:
        rule_excluded[table.positions(tech_id)] = True
    block_onsite = ~table.onsite_capable if ticket.onsite else np.zeros(n, dtype=bool)
    block_seniority = sc.block_seniority = (
        table.seniority < SENIORITIES[fx.min_seniority] if fx.min_seniority else np.zeros(n, dtype=bool)
    )
    hard_ok = sc.hard_ok = table.active & ~block_language & ~excluded & ~rule_excluded & ~block_onsite & ~block_seniority

    # Skill (before the seniority fit) and the skill threshold.
    sc.assessments, pct = table.skills(ticket, ev.required)
    skill_ok = sc.skill_ok = pct >= policy.skill_match_threshold if ev.required else np.ones(n, dtype=bool)

    # Availability value (ranking.availability_factor), workload, performance, customer preference.
    if ticket.onsite and (ticket.location or ticket.company_location) is not None:
        geo, noted = table.geography(ticket)
        avail = np.where(noted, avail * geo, avail)
    sc.capacity = table_capacity(table, policy)
    if loads is None:
        workload = workload_values(table, policy, table.active_tickets, table.estimated_hours, table.weighted_hours)
    else:
        workload = workload_values(table, policy, loads.active, loads.estimated, loads.weighted)
    if policy.senior_pull and ticket.priority == "Critical" and ticket.company_tier.lower() == "vip":
        sc.pulled = table.senior & hard_ok & ok & skill_ok  # factors.senior_pulled
        workload = np.where(sc.pulled, 1.0, workload)
    else:
        sc.pulled = np.zeros(n, dtype=bool)
    sc.workload = workload
    performance = table.performance(ticket, performance_focus(ev.strategy))
    pref_rank = sc.pref_rank = np.full(n, 2, dtype=np.int64)
    for tech_id in ticket.account_techs:
        pref_rank[table.positions(tech_id)] = 1
    if policy.preferred_tech_priority and ticket.preferred_tech:
        pref_rank[table.positions(ticket.preferred_tech)] = 0
    customer = np.where(pref_rank == 0, 1.0, np.where(pref_rank == 1, 0.8, table.familiarity(ticket, policy)))

    # Seniority fit (ranking._finish), history affinity, composition (strategies.compose).
    lower_qualifies = sc.lower_qualifies = bool((hard_ok & ok & skill_ok & table.junior_or_mid).any())
    ev.costs = table.costs
    mult = np.ones(n)
    if demanding(ticket):
        mult[table.junior] = JUNIOR_ON_HARD_WORK
    elif ticket.complexity == "low" and lower_qualifies and policy.easy_work_cost_penalty > 0:
        mult = 1 - policy.easy_work_cost_penalty * table.cost_pos  # factors.cost_fit
        performance = performance * mult
    skill = np.minimum(1.0, pct / 100 * mult)
    aff = sc.aff = table.affinity(ticket, policy.affinity_weights) if policy.affinity_weights else None
    if aff is not None:  # affinity.blend_affinity, NaN (history silent here) as silent_affinity
        ev.silent_affinity = min(NEUTRAL_AFFINITY, float(np.nanmin(aff)))
        blend = min(1.0, max(0.0, policy.affinity_blend))
        skill = (1 - blend) * skill + blend * np.where(np.isnan(aff), ev.silent_affinity, np.clip(aff, 0.0, 1.0))
    values = sc.values = (skill, avail, workload, performance, customer)
    bonus = sc.bonus = np.zeros(n)
    for tech_id, b in fx.prefer.items():
        at = table.index.get(tech_id)
        if at is not None:
            bonus[at] = b
    points = sc.points = pyround((np.stack(values) * np.array(ev.weight_list)[:, None]) * 100, 1)  # (v * w) * 100
    if total:
        sc.score = compose_scores(points, bonus)
    return sc


def _eligibility(sc: Scored, table: TechTable, policy: Policy, lds: Loads) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(at capacity, needs overflow, eligible) per technician: ranking._finish's blocked list."""
    ev = sc.ev
    at_capacity = lds.active >= sc.capacity
    needs_overflow = at_capacity & (not policy.override_workload_limit) & ~sc.pulled
    blocked = ~sc.hard_ok | (~sc.ok & table.active)
    if not ev.force:
        blocked = blocked | ~sc.skill_ok
    if not ev.overflow_allowed:
        blocked = blocked | needs_overflow
    return at_capacity, needs_overflow, ~blocked


def still_eligible(ticket: TicketFacts, table: TechTable, policy: Policy, tech_id: str) -> bool | None:
    """Whether `tech_id` may still take the ticket on these facts (hard filters, availability,
    threshold or force, capacity or overflow), whoever ranks first. None when an assign_to rule
    or a breached SLA decides (only the full ranking can tell). The re-rank keeps a batch
    optimiser's pick while this holds."""
    if not policy.dispatching_enabled or tech_id not in table.index:
        return False if policy.dispatching_enabled else None
    ev = new_evaluation(ticket, policy, None)
    if needs_reference(ticket, table, ev):
        return None
    sc = score(ticket, table, policy, None, ev, total=False)
    return bool(_eligibility(sc, table, policy, Loads(table))[2][table.index[tech_id]])


def compose_scores(points: Sequence[np.ndarray] | np.ndarray, bonus: np.ndarray, start: bool = True) -> np.ndarray:
    """strategies.compose's score, element-wise: the rounded points' sum (in FACTORS order),
    capped at 100, plus the rule bonus capped to keep 0..100. start=False: points[0] is already
    a partial sum begun at 0, as sum() begins."""
    base_sum = np.zeros(np.shape(points[0])) if start else points[0]
    for pts in points if start else points[1:]:
        base_sum = base_sum + pts
    base = np.minimum(pyround(base_sum, 1), 100.0)  # past 100 by rounding: compose takes it off
    if not np.any(bonus):  # no rule bonus: base is the score (rounding a rounded value keeps it)
        return base
    bonus_pts = pyround(np.maximum(-base, np.minimum(bonus, 100 - base)), 1)
    return pyround(base + bonus_pts, 1)


def _rank(
    ticket: TicketFacts,
    table: TechTable,
    policy: Policy,
    strategy: str | None,
    advice_only: bool,
    loads: Loads | None = None,
    forced: str | None = None,
    batch_full: bool = False,
    batch_rows: int = 0,
) -> Ranking | Advice | None:
    if not policy.dispatching_enabled:
        return (None, "DISPATCHING_DISABLED", "") if advice_only else disabled_ranking(ticket, policy, strategy)
    ev = new_evaluation(ticket, policy, strategy)
    fx = ev.effects
    risk, _hours = sla_risk(ticket, ev.now)
    if advice_only and fx.assign_to:
        return None
    if advice_only and risk == "breached" and not ev.force:
        return (None, "SLA_ALREADY_BREACHED", "")
    if needs_reference(ticket, table, ev):
        return _reference(ticket, table, policy, strategy, loads, forced, batch_full, batch_rows)
    sc = score(ticket, table, policy, strategy, ev, loads)
    lds = loads if loads is not None else Loads(table)
    hard_ok, ok, skill_ok, score_ = sc.hard_ok, sc.ok, sc.skill_ok, sc.score
    workload = sc.workload
    n = table.n

    # Tiers (ranking._finish) and errors (ranking._pool_error): failures take the reference path.
    at_capacity, needs_overflow, eligible = _eligibility(sc, table, policy, lds)
    pool = hard_ok & ok
    if not eligible.any():
        if advice_only:
            return _failure_advice(ev, table, pool, hard_ok, skill_ok, ok, sc.nexts, sc.statuses)
        # Everyone who may take it is at capacity (a full batch, a busy desk): explained from
        # counts. Other failures speak of every technician: the reference path.
        at_capacity_only = pool.any() and (pool & (skill_ok | ev.force)).any() and not ev.held
        if not at_capacity_only or forced is not None:
            return _reference(ticket, table, policy, strategy, loads, forced, batch_full, batch_rows)
        batch_full = True  # no selection, ALL_TECHNICIANS_AT_CAPACITY (as _pool_error would say)
    tier = np.where(skill_ok, 0, 2) + needs_overflow.astype(np.int64)

    # Order (strategies.order_key within tiers): eligible first, then the rest by score.
    ordering = ORDERINGS[ev.strategy]
    keys: tuple[np.ndarray, ...]
    if ordering == "rotation":
        keys = (table.id_rank, -score_, lds.last_ts, lds.has_last, tier)
    elif ordering == "load":
        keys = (table.id_rank, -score_, -pyround(workload, 2), tier)
    elif ordering == "preference":
        keys = (table.id_rank, -score_, sc.pref_rank, tier)
    else:
        keys = (table.id_rank, -workload, -score_, tier)
    elig_idx = np.flatnonzero(eligible)
    elig_sorted = elig_idx[np.lexsort(tuple(k[elig_idx] for k in keys))]
    if advice_only:
        return (table.ids[int(elig_sorted[0])], None, "")  # (eligible is not empty here)
    elig_order = elig_sorted.tolist()
    rest_idx = np.flatnonzero(~eligible)
    rest_order = rest_idx[np.lexsort((table.id_rank[rest_idx], -score_[rest_idx]))].tolist()
    error: str | None = None
    note = ""
    chosen_i: int | None
    if forced is not None:
        chosen_i = table.index[forced]
        best_i = elig_order[0]
        if best_i != chosen_i:
            note = explain.batch_note(forced, float(score_[chosen_i]), table.ids[best_i], float(score_[best_i]), batch_rows)
        ordered = [chosen_i] + [i for i in elig_order if i != chosen_i] + [i for i in rest_order if i != chosen_i]
        runner_i = next((i for i in ordered[1:] if eligible[i]), None)
    elif batch_full:
        if ev.held:  # the waiting reason names who is next among every technician: the reference
            return _reference(ticket, table, policy, strategy, loads, forced, batch_full, batch_rows)
        chosen_i, runner_i, error = None, None, "ALL_TECHNICIANS_AT_CAPACITY"
        ordered = elig_order + rest_order
    else:
        chosen_i = elig_order[0]
        ordered = elig_order + rest_order
        runner_i = elig_order[1] if len(elig_order) > 1 else None
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
        d = _assess(tech, ev, lds.workload(table, i), lds.last(table, i), sc.language, sc.assessments[i])
        if sc.aff is not None:
            d.affinity = float(sc.aff[i])
        _finish(d, ev, sc.lower_qualifies)
        drafts[i] = d
        ev.drafts.append(d)
        ev.by_id.setdefault(d.tech_id, d)
    in_pool = hard_ok & ok
    ev.tallies = {
        "min_seniority": int(sc.block_seniority.sum()),
        "busy": int((in_pool & at_capacity).sum()),
        "in": int(in_pool.sum()),
    }
    chosen = drafts[chosen_i] if chosen_i is not None else None
    runner_up = drafts[runner_i] if runner_i is not None else None
    level, value = explain.confidence(chosen, runner_up, bool(ev.required)) if chosen else ("low", 0.0)
    candidates = tuple(
        _candidate(drafts[i], ev, "" if i == chosen_i else explain.not_selected(drafts[i], chosen, ev, error, note))
        for i in shown
    )
    breached = risk == "breached"
    return Ranking(
        ticket_id=ticket.id,
        strategy=ev.strategy,
        candidates=candidates,
        selected=chosen.tech_id if chosen else None,
        confidence=level,
        confidence_value=value,
        rules_applied=rules_applied(ev, chosen, "", breached, note),
        error_code=error,
        error_message=explain.error_message(error, ev) if error else "",
        blocking_factors=explain.blocking_factors(error, ev, "") if error else (),
        recommended_actions=explain.recommended_actions(error, ev) if error else (),
        escalate_to=fx.escalate_to or ((policy.escalation_email or None) if (breached or error) else None),
        route_to_board=fx.board,
        sla_risk=sc.risk,
        sla_hours_remaining=sc.hours_left,
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


__all__ = [
    "Advice", "Loads", "Scored", "TechTable", "advice", "compose_scores", "pyround", "rank_at", "rank_vector", "score",
    "still_eligible",
]  # fmt: skip
