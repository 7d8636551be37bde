"""Fit a desk's composite weights and history-affinity share to its own history.

`fit_weights` replays the latest tickets of the history it is given (the fit's *validation*
window, the last `FIT_SHARE` of it, at most `FIT_TICKETS`) with the real engine, learning only
from what came before each ticket, exactly as `dispatch.learning.replay` does: experience from the
tickets resolved before its opening, workload rebuilt from history, the affinity weights and the
learned capacity from the tickets opened before the window. Nothing after the history it is given
is read, so the replay (`evaluate_history`) can hand it the training period alone.

Fast: the engine runs once per validation ticket (`dispatch.engine.ranking.evaluate`, affinity
share 0), and what a weight vector changes is only the score, which is linear in the weights for a
given affinity share. So each ticket keeps, for the technicians that could be ranked ahead of the
actual resolver, their factor values minus the resolver's (skill from the matrix, affinity,
availability, workload, performance, customer preference), the SLA shift and the rule bonus;
the technicians ahead of the resolver whatever the weights (a better eligibility tier) are a count.
A candidate setting is then a matrix product and a comparison: thousands of candidates in seconds.

Scored by the hit rate of the actual resolver (mean of top-1, top-3 and top-5) under the hybrid
ordering (tiers, then score), which is what the desk's weights drive. The guard: history is not
balanced (the people who resolve the most are often the busy ones) and it does not show what
the work waits for, so a hit-rate fit would take weight off workload and availability, which the
simulator shows shortens first response and keeps the SLA (docs/simulator.md). The fit never
lowers those two below what the desk has set, nor below `FLOORS` (`guard_floors`); it reports
where a floor holds and what the fit without floors would have chosen and scored, so a manager
sees the trade-off instead of it being made silently. Among
settings within `TOLERANCE` of the best the one nearest the current setting wins, and a change is
proposed only when it gains at least `MIN_GAIN` over the current setting on the same tickets.

Pure Python and numpy (no Django): `train_models` stores the result with the model version as a
proposal (`metrics["weight_fit"]`), managers see it on the Learned page and apply it
(`dispatch.learning.weightreview.apply_weight_fit`), or it is applied by training where the desk opted in.
"""

from __future__ import annotations

import itertools
import math
import time as _time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix

from dispatch.engine.factors import sla_risk
from dispatch.engine.ranking import _assign_to, evaluate
from dispatch.engine.strategies import SLA_SHIFT_TARGET, normalise
from dispatch.engine.types import FACTORS, Policy, TechFacts

from .experience import HALF_LIFE_DAYS, PRIOR_STRENGTH, ExperienceLearner, HistoryRecord

FIT_SHARE = 0.2  # the latest share of the history the fit validates on
FIT_TICKETS = 500  # at most this many validation tickets (the latest)
MIN_FIT_TICKETS = 30  # below this the fit proposes nothing
# The guard: the fit never lowers these below what the desk has set, nor below these minimums.
FLOORS: dict[str, float] = {"availability": 0.10, "workload": 0.10}
BLENDS: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75)
GRID_STEP = 0.1  # coarse grid over the weight simplex, refined by REFINE_STEP moves
REFINE_STEP = 0.05
TOLERANCE = 0.002  # settings this close to the best count as as good (the nearest to current wins)
MIN_GAIN = 0.01  # propose a change only for at least 1 point of mean hit rate on the validation tickets
KS: tuple[int, ...] = (1, 3, 5)
TIE = 0.0005  # score differences below 0.05 points are ties (the engine rounds points to 0.1)
CHUNK_CELLS = 4_000_000  # competitor rows x candidates evaluated at once
Progress = Callable[[int, int], None]


@dataclass
class FitInputs:
    """Per validation ticket, what a weight setting can change about the resolver's place."""

    tickets: int  # validation tickets with a resolver (misses whatever the weights count too)
    before: np.ndarray  # (T,) ranked ahead of the resolver whatever the weights
    starts: np.ndarray  # (T + 1,) rows of each ticket's competitors in the arrays below
    diff: (
        np.ndarray
    )  # (N, 6) competitor minus resolver: skill, affinity, availability, workload, performance, customer
    scale: np.ndarray  # (N,) 1 - SLA shift of the ticket
    fixed: np.ndarray  # (N,) shift x (SLA target's score difference) + rule bonus difference / 100
    tie_ahead: np.ndarray  # (N,) on an equal score, ranked ahead of the resolver
    affinity: bool  # history affinity was known for some ticket (the share matters)
    baseline: dict[str, float] = field(default_factory=dict)  # category most frequent on the same tickets


@dataclass(frozen=True)
class Setting:
    weights: tuple[float, ...]  # FACTORS order, sum 1
    blend: float

    def as_json(self) -> dict[str, Any]:
        return {
            "weights": {f: round(w, 4) for f, w in zip(FACTORS, self.weights, strict=True)},
            "affinity_blend": round(self.blend, 4),
        }


@dataclass
class WeightFit:
    tickets: int
    train_tickets: int
    current: Setting
    fitted: Setting
    unconstrained: Setting
    floors: dict[str, float]
    scores: dict[Setting, dict[str, float]]
    baseline: dict[str, float]
    candidates: int
    seconds: float
    affinity: bool

    @property
    def changed(self) -> bool:
        return self.fitted != self.current

    def at_floor(self) -> list[str]:
        """The floors that bind: the fitted weight sits on it and the fit without floors goes lower."""
        fitted = dict(zip(FACTORS, self.fitted.weights, strict=True))
        free = dict(zip(FACTORS, self.unconstrained.weights, strict=True))
        return [f for f, floor in self.floors.items() if fitted[f] <= floor + 1e-9 and free[f] < floor - 1e-9]

    def to_json(self) -> dict[str, Any]:
        def entry(s: Setting) -> dict[str, Any]:
            return {**s.as_json(), "topk": self.scores[s]}

        return {
            "tickets": self.tickets,
            "train_tickets": self.train_tickets,
            "strategy": "hybrid",
            "objective": "mean of top-1, top-3 and top-5 hit rate of the actual resolver",
            "current": entry(self.current),
            "fitted": entry(self.fitted),
            "unconstrained": entry(self.unconstrained),
            "baseline": {"category_most_frequent": dict(self.baseline)},
            "floors": {f: round(v, 4) for f, v in self.floors.items()},
            "at_floor": self.at_floor(),
            "changed": self.changed,
            "affinity": self.affinity,
            "candidates": self.candidates,
            "seconds": round(self.seconds, 1),
        }


# ---------------------------------------------------------------------------- inputs


def _current(policy: Policy) -> Setting:
    w = normalise(policy.weights)
    return Setting(tuple(w[f] for f in FACTORS), min(1.0, max(0.0, policy.affinity_blend)))


def _row(d: Any, silent: float) -> list[float]:
    """A draft's factor values with the skill from the matrix and the affinity apart."""
    v = d.values
    s = v["skill"]
    if d.affinity is None:
        a = s  # no affinity on this ticket: the share changes nothing
    else:
        a = silent if math.isnan(d.affinity) else min(1.0, max(0.0, d.affinity))
    return [s, a, v["availability"], v["workload"], v["performance"], v["customer_preference"]]


def _pinned(ev: Any) -> Any:
    """The draft `ranking.decide` puts first whatever the weights: an assign_to rule's eligible
    target (ranking._select: not when the SLA is breached and no pick may be forced)."""
    if not ev.effects.assign_to or (sla_risk(ev.ticket, ev.now)[0] == "breached" and not ev.force):
        return None
    selected, _, _ = _assign_to(ev)
    return ev.by_id.get(selected) if selected is not None else None


def _group(d: Any) -> tuple[int, int]:
    """Eligible by tier first, then the ineligible (ranking._ordered)."""
    return (0, d.tier) if d.tier is not None else (1, 0)


def collect(
    records: Sequence[HistoryRecord],
    techs: Sequence[TechFacts],
    policy: Policy,
    *,
    categories: Mapping[str, Any] | None = None,
    companies: Mapping[str, Any] | None = None,
    half_life_days: float = HALF_LIFE_DAYS,
    prior_strength: float = PRIOR_STRENGTH,
    learned_patterns: bool = True,
    progress: Progress | None = None,
) -> tuple[FitInputs, int]:
    """Run the engine once per validation ticket; (inputs, tickets learned from before the window)."""
    from .affinity import fit_engine_affinity
    from .replay import (
        HISTORY_TICKET_HOURS,
        Baselines,
        WorkloadTracker,
        _roster,
        facts_as_of,
        ticket_facts_for,
        with_learned_patterns,
    )

    ordered = sorted(records, key=lambda r: (r.opened_at, r.ticket_id))
    resolved = [r for r in ordered if r.tech]
    n_val = min(FIT_TICKETS, round(len(resolved) * FIT_SHARE))
    window = resolved[-n_val:] if n_val else []
    start = window[0].opened_at if window else None
    before_window = [r for r in ordered if start is not None and r.opened_at < start]
    roster = _roster(techs, ordered)
    if learned_patterns:
        roster = with_learned_patterns(roster, before_window, policy.max_tickets_per_technician)
    weights = fit_engine_affinity(before_window, [t.id for t in roster], half_life_days=half_life_days)
    policy = replace(
        policy, affinity_weights=weights, affinity_blend=0.0, hours_per_ticket=HISTORY_TICKET_HOURS
    )
    learner = ExperienceLearner(half_life_days, prior_strength)
    learner.extend(ordered)
    workload = WorkloadTracker(ordered)
    baselines = Baselines(learner, workload)
    target = np.array([SLA_SHIFT_TARGET[f] for f in FACTORS])
    befores: list[int] = []
    starts = [0]
    diffs: list[np.ndarray] = []
    scales: list[np.ndarray] = []
    fixeds: list[np.ndarray] = []
    ties: list[np.ndarray] = []
    base_hits = dict.fromkeys(KS, 0)
    any_affinity = False
    for i, r in enumerate(window):
        learner.advance(r.opened_at)
        workload.advance(r.opened_at)
        facts = facts_as_of(roster, learner, workload, r)
        ev = evaluate(
            ticket_facts_for(r, categories or {}, companies or {}),
            facts,
            replace(policy, now=r.opened_at),
            "hybrid",
        )
        cmf = baselines.category_most_frequent(r.category, max(KS))
        for k in KS:
            base_hits[k] += r.tech in cmf[:k]
        if progress is not None:
            progress(i + 1, len(window))
        actual = ev.by_id.get(r.tech)  # type: ignore[arg-type]
        if actual is None:
            befores.append(len(ev.drafts))
            starts.append(starts[-1])
            continue
        silent = ev.silent_affinity
        pinned = _pinned(ev)  # an assign_to rule's pick stands first whatever the weights
        if pinned is not None and pinned is actual:
            befores.append(0)
            starts.append(starts[-1])
            continue

        any_affinity = any_affinity or actual.affinity is not None
        ga, va = _group(actual), np.array(_row(actual, silent))
        tb_a = (-actual.workload_value, actual.tech_id) if ga[0] == 0 else ("", actual.tech_id)
        ahead = 0
        rows, tie_rows, bonus = [], [], []
        for d in ev.drafts:
            if d is actual:
                continue
            if d is pinned:
                ahead += 1
                continue
            g = _group(d)
            if g < ga:
                ahead += 1
            elif g == ga:
                rows.append(_row(d, silent))
                tb = (-d.workload_value, d.tech_id) if g[0] == 0 else ("", d.tech_id)
                tie_rows.append(tb < tb_a)
                bonus.append((d.bonus - actual.bonus) / 100)
        shift = ev.shift
        if ahead >= max(KS):
            rows = []  # a miss whatever the weights
        if rows:
            dv = np.array(rows) - va
            # SLA target scores availability and workload (skill 0): the diff in those columns.
            tdiff = dv[:, 2:] @ target[1:] + dv[:, 0] * target[0]
            fx = shift * tdiff + np.array(bonus)
            tie = np.array(tie_rows, dtype=bool)
            # Never ahead whatever the weights: no factor, SLA term or bonus better, and not ahead on a tie.
            never = (
                (dv <= 1e-12).all(axis=1)
                & (fx <= 1e-12)
                & ~(tie & (np.abs(dv).max(axis=1) <= 1e-12) & (np.abs(fx) <= 1e-12))
            )
            keep = ~never
            dv, fx, tie = dv[keep], fx[keep], tie[keep]
        else:
            dv, fx, tie = np.zeros((0, 6)), np.zeros(0), np.zeros(0, dtype=bool)
        befores.append(ahead)
        diffs.append(dv)
        fixeds.append(fx)
        ties.append(tie)
        scales.append(np.full(len(fx), 1 - shift))
        starts.append(starts[-1] + len(fx))
    inputs = FitInputs(
        tickets=len(window),
        before=np.array(befores, dtype=np.int64),
        starts=np.array(starts, dtype=np.int64),
        diff=np.concatenate(diffs) if diffs else np.zeros((0, 6)),
        scale=np.concatenate(scales) if scales else np.zeros(0),
        fixed=np.concatenate(fixeds) if fixeds else np.zeros(0),
        tie_ahead=np.concatenate(ties) if ties else np.zeros(0, dtype=bool),
        affinity=any_affinity,
        baseline={str(k): round(base_hits[k] / len(window), 4) if window else 0.0 for k in KS},
    )
    return inputs, len(before_window)


# ---------------------------------------------------------------------------- scoring


def hit_rates(inputs: FitInputs, settings: Sequence[Setting]) -> np.ndarray:
    """(len(settings), len(KS)) hit rates of the actual resolver under each setting."""
    out = np.zeros((len(settings), len(KS)))
    if not inputs.tickets or not settings:
        return out
    by_blend: dict[float, list[int]] = {}
    for i, s in enumerate(settings):
        by_blend.setdefault(s.blend, []).append(i)
    n = len(inputs.scale)
    # ticket x competitor-row indicator: a ticket's count of rows ahead is one sparse product
    owner = np.repeat(np.arange(len(inputs.before)), np.diff(inputs.starts))
    members = csr_matrix((np.ones(n, dtype=np.float32), (owner, np.arange(n))), shape=(len(inputs.before), n))
    scale, fixed = inputs.scale.astype(np.float32)[:, None], inputs.fixed.astype(np.float32)[:, None]
    tie = inputs.tie_ahead[:, None]
    for blend, idx in by_blend.items():
        d = inputs.diff
        feats = np.column_stack([(1 - blend) * d[:, 0] + blend * d[:, 1], d[:, 2:]]).astype(np.float32)
        chunk = max(1, CHUNK_CELLS // max(1, n))
        for lo in range(0, len(idx), chunk):
            part = idx[lo : lo + chunk]
            w = np.array([settings[i].weights for i in part], dtype=np.float32).T  # (5, C)
            delta = scale * (feats @ w) + fixed
            ahead = (delta > TIE) | ((np.abs(delta) <= TIE) & tie)
            ranks = inputs.before[:, None] + np.rint(members @ ahead.astype(np.float32)).astype(np.int64)
            for j, k in enumerate(KS):
                out[part, j] = (ranks < k).sum(axis=0) / inputs.tickets
    return out


def _simplex(step: float, floors: Mapping[str, float]) -> list[tuple[float, ...]]:
    """Every weight vector on a `step` grid whose entries meet the floors (sum 1)."""
    units = round(1 / step)
    base = [math.ceil(floors.get(f, 0.0) / step - 1e-9) for f in FACTORS]
    free = units - sum(base)
    out = []
    for cuts in itertools.combinations(range(free + len(FACTORS) - 1), len(FACTORS) - 1):
        parts, prev = [], -1
        for c in (*cuts, free + len(FACTORS) - 1):
            parts.append(c - prev - 1)
            prev = c
        out.append(tuple((b + p) * step for b, p in zip(base, parts, strict=True)))
    return out


def _neighbours(s: Setting, blends: Sequence[float], floors: Mapping[str, float]) -> list[Setting]:
    out = []
    for i, j in itertools.permutations(range(len(FACTORS)), 2):
        w = list(s.weights)
        w[i] -= REFINE_STEP
        w[j] += REFINE_STEP
        if w[i] < floors.get(FACTORS[i], 0.0) - 1e-9:
            continue
        out.append(Setting(tuple(round(x, 4) for x in w), s.blend))
    out += [Setting(s.weights, b) for b in blends if b != s.blend]
    return out


def _objective(rates: np.ndarray) -> np.ndarray:
    return rates.mean(axis=1)


def _distance(a: Setting, b: Setting) -> float:
    return sum(abs(x - y) for x, y in zip(a.weights, b.weights, strict=True)) + abs(a.blend - b.blend)


def search(
    inputs: FitInputs,
    current: Setting,
    floors: Mapping[str, float],
    rounds: int = 12,
    start: Setting | None = None,
) -> tuple[Setting, dict[Setting, np.ndarray]]:
    """Grid (or, given `start`, from there), then hill-climb by REFINE_STEP moves; the nearest to
    `current` among the near-best."""
    blends = BLENDS if inputs.affinity else (current.blend,)
    seen: dict[Setting, np.ndarray] = {}

    def score(settings: Sequence[Setting]) -> None:
        new = [s for s in dict.fromkeys(settings) if s not in seen]
        for s, r in zip(new, hit_rates(inputs, new), strict=True):
            seen[s] = r

    if start is None:
        grid = [
            Setting(tuple(round(x, 4) for x in w), b) for w in _simplex(GRID_STEP, floors) for b in blends
        ]
    else:
        grid = [start]
    score([*grid, current])
    best = max(seen, key=lambda s: (float(_objective(seen[s][None])[0]), -_distance(s, current)))
    for _ in range(rounds):
        near = _neighbours(best, blends, floors)
        score(near)
        top = max([best, *near], key=lambda s: (float(_objective(seen[s][None])[0]), -_distance(s, current)))
        if top == best:
            break
        best = top
    allowed = [
        s
        for s in seen
        if all(w >= floors.get(f, 0.0) - 1e-9 for f, w in zip(FACTORS, s.weights, strict=True))
    ]
    objs = {s: float(_objective(seen[s][None])[0]) for s in allowed}
    best_obj = max(objs.values())
    chosen = min((s for s in allowed if objs[s] >= best_obj - TOLERANCE), key=lambda s: _distance(s, current))
    return chosen, seen


def guard_floors(current: Setting) -> dict[str, float]:
    """Workload and availability: at least what the desk has set, and at least FLOORS."""
    set_now = dict(zip(FACTORS, current.weights, strict=True))
    return {f: max(floor, round(set_now[f], 4)) for f, floor in FLOORS.items()}


def fit_weights(
    records: Sequence[HistoryRecord],
    techs: Sequence[TechFacts],
    policy: Policy,
    *,
    categories: Mapping[str, Any] | None = None,
    companies: Mapping[str, Any] | None = None,
    half_life_days: float = HALF_LIFE_DAYS,
    prior_strength: float = PRIOR_STRENGTH,
    learned_patterns: bool = True,
    progress: Progress | None = None,
) -> WeightFit | None:
    """The desk's fitted setting (see the module docstring); None with too little history."""
    started = _time.perf_counter()
    inputs, train_n = collect(
        records,
        techs,
        policy,
        categories=categories,
        companies=companies,
        half_life_days=half_life_days,
        prior_strength=prior_strength,
        learned_patterns=learned_patterns,
        progress=progress,
    )
    if inputs.tickets < MIN_FIT_TICKETS:
        return None
    current = _current(policy)
    floors = guard_floors(current)
    fitted, seen = search(inputs, current, floors)
    # Without the floors: hill-climbed from the fitted setting (what the floors hold back).
    free, seen_free = search(inputs, current, {}, rounds=40, start=fitted)
    seen.update(seen_free)
    if float(_objective(seen[fitted][None])[0]) < float(_objective(seen[current][None])[0]) + MIN_GAIN:
        fitted = current
    return WeightFit(
        tickets=inputs.tickets,
        train_tickets=train_n,
        current=current,
        fitted=fitted,
        unconstrained=free,
        floors=floors,
        scores={
            s: {str(k): round(float(v), 4) for k, v in zip(KS, seen[s], strict=True)}
            for s in {current, fitted, free}
        },
        baseline=inputs.baseline,
        candidates=len(seen),
        seconds=_time.perf_counter() - started,
        affinity=inputs.affinity,
    )
