"""Learned "who would resolve this" rankers: the engine's history affinity and a diagnostic.

`fit_engine_affinity` fits the weights of `dispatch.engine.affinity` (history features only,
computed from the same `TechFacts` the engine ranks) on past tickets, each seen as of its own
opening; `train_models` stores them with the model version and the replay refits them on the
training period. `AffinityModel` with `Featurizer` is the replay's diagnostic: it measures how much history alone (experience on the ticket's
category, board and company, recent activity, current workload, being on shift) predicts the
resolver, so the engine's ranking can be compared with what its history inputs could give.

It is a conditional logit: score(tech) = w . features(tech, ticket), probabilities a softmax
over the technicians, w fitted by maximum likelihood (L-BFGS, small L2) on tickets of the
training period, each with features computed as of its own opening (no peeking).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime

import numpy as np
from scipy.optimize import minimize

from dispatch.engine.affinity import AFFINITY_FEATURES
from dispatch.engine.factors import current_counts

from .experience import ALL_KEY, HALF_LIFE_DAYS, WEEK_SECONDS, ExperienceLearner, HistoryRecord, _ts

FEATURES: tuple[str, ...] = (
    "category",  # log(1 + decayed resolved on the ticket's category)
    "category_share",  # that, as a share of the team's decayed count on the category
    "board",
    "company",
    "overall",
    "active_this_week",  # log(1 + resolved anything in the last 7 days)
    "workload",  # log(1 + open tickets now)
    "available",  # on shift / on call now (1) or not (0)
)
L2 = 1e-3


class Featurizer:
    """Feature rows for every technician on the roster, as of the learner's instant."""

    def __init__(
        self, roster: Sequence[str], available: Callable[[str, datetime], bool] | None = None
    ) -> None:
        self.roster = list(roster)
        self.index = {t: i for i, t in enumerate(self.roster)}
        self.available = available

    def rows(
        self, learner: ExperienceLearner, workload: Callable[[str], int], record: HistoryRecord
    ) -> np.ndarray:
        n = len(self.roster)
        x = np.zeros((n, len(FEATURES)))
        index = self.index
        for col, scope, key in (
            (0, "category", record.category),
            (2, "board", record.board),
            (3, "company", record.company),
        ):
            if not key:
                continue
            for tech in learner.slice_technicians(scope, key):
                x[index[tech], col] = math.log1p(learner.decayed(tech, scope, key))
        if record.category:
            total = float(np.expm1(x[:, 0]).sum())
            if total > 0:
                x[:, 1] = np.expm1(x[:, 0]) / total
        for tech in learner.technicians():
            i = index[tech]
            x[i, 4] = math.log1p(learner.decayed(tech, "all", ALL_KEY))
            x[i, 5] = math.log1p(learner.recent_count(tech))
            x[i, 6] = math.log1p(workload(tech))
        if self.available is not None:
            at = record.opened_at
            x[:, 7] = [1.0 if self.available(t, at) else 0.0 for t in self.roster]
        else:
            x[:, 7] = 1.0
        return x


class AffinityModel:
    def __init__(self, n_features: int = len(FEATURES)) -> None:
        self.weights = np.zeros(n_features)
        self.weights[0] = 1.0  # before fitting: "most experienced on the category"
        self.examples: list[tuple[np.ndarray, int]] = []

    def observe(self, rows: np.ndarray, actual: int) -> None:
        self.examples.append((rows.astype(np.float32), actual))

    def fit(self) -> None:
        if len(self.examples) < 20:
            return
        examples = self.examples
        if len({x.shape for x, _ in examples}) == 1:
            self._fit_stacked()
            return

        def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
            total, grad = 0.0, np.zeros_like(w)
            for x, y in examples:
                s = x @ w
                m = s.max()
                e = np.exp(s - m)
                z = e.sum()
                p = e / z
                total -= s[y] - m - math.log(z)
                grad -= x[y] - p @ x
            n = len(examples)
            return total / n + L2 * float(w @ w), grad / n + 2 * L2 * w

        result = minimize(loss, self.weights, jac=True, method="L-BFGS-B", options={"maxiter": 200})
        self.weights = result.x
        self.examples = []

    def _fit_stacked(self) -> None:
        """`fit` over all examples at once (they share one roster): the same loss and gradient,
        as array operations instead of a Python loop per example and iteration."""
        X = np.stack([x for x, _ in self.examples]).astype(np.float64)  # (examples, techs, features)
        y = np.array([a for _, a in self.examples])
        chosen = X[np.arange(len(y)), y]  # (examples, features)
        n = len(y)

        def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
            s = X @ w
            m = s.max(axis=1, keepdims=True)
            e = np.exp(s - m)
            z = e.sum(axis=1, keepdims=True)
            p = e / z
            total = -float((s[np.arange(n), y] - m[:, 0] - np.log(z[:, 0])).sum())
            grad = -(chosen - np.einsum("et,etf->ef", p, X)).sum(axis=0)
            return total / n + L2 * float(w @ w), grad / n + 2 * L2 * w

        result = minimize(loss, self.weights, jac=True, method="L-BFGS-B", options={"maxiter": 200})
        self.weights = result.x
        self.examples = []

    def ranked(self, rows: np.ndarray, roster: Sequence[str], k: int) -> list[str]:
        scores = rows @ self.weights
        order = np.lexsort((np.arange(len(roster)), -scores))[:k]
        return [roster[i] for i in order]

    def describe(self) -> dict[str, float]:
        return {name: round(float(w), 3) for name, w in zip(FEATURES, self.weights, strict=True)}


AFFINITY_EXAMPLES = 1500  # latest resolved tickets the engine's affinity weights are fitted on


def engine_affinity_rows(
    learner: ExperienceLearner, index: dict[str, int], record: HistoryRecord
) -> np.ndarray:
    """The engine's affinity features (`dispatch.engine.affinity.affinity_features`) for every
    technician in `index`, as of the learner's instant: the same numbers the learner's facts
    (`engine_experience`, `board_experience`, `company_history`) give the engine, read straight
    from its counts (only the technicians each slice holds are visited)."""
    x = np.zeros((len(index), len(AFFINITY_FEATURES)))
    if record.category:
        techs = learner.slice_technicians("category", record.category)
        counts = current_counts(
            [max(0.0, learner.decayed(t, "category", record.category)) for t in techs],
            [learner.recent_count(t, "category", record.category) for t in techs],
        )
        for tech, n in zip(techs, counts, strict=True):
            x[index[tech], 0] = math.log1p(n)
    if record.board:
        for tech in learner.slice_technicians("board", record.board):
            x[index[tech], 2] = math.log1p(max(0.0, learner.decayed(tech, "board", record.board)))
    if record.company:
        for tech in learner.slice_technicians("company", record.company):
            x[index[tech], 3] = math.log1p(learner.raw_count(tech, "company", record.company))
    total = float(np.expm1(x[:, 0]).sum()) if record.category else 0.0
    if total > 0:
        x[:, 1] = np.expm1(x[:, 0]) / total
    for tech in learner.technicians():
        i = index[tech]
        x[i, 4] = math.log1p(max(0.0, learner.decayed(tech, "all", ALL_KEY)))
        x[i, 5] = math.log1p(learner.recent_count(tech))
    return x


class AffinityCounts:
    """`engine_affinity_rows` for a whole history at once: every resolved ticket as an event
    (resolution instant, technician, slices), so the features as of any instant are a few array
    sums over the events resolved strictly before it, with the learner's decay (each event weighs
    2^(-age / half-life)). The numbers `ExperienceLearner` gives, without walking its counters
    technician by technician."""

    def __init__(self, records: Sequence[HistoryRecord], index: dict[str, int], half_life_days: float) -> None:
        self.n = len(index)
        self.rate = math.log(2) / (half_life_days * 86400.0)
        events = sorted(
            (_ts(r.resolved_at), index[r.tech], r)  # type: ignore[arg-type]
            for r in records
            if r.tech and r.resolved_at is not None and r.tech in index
        )
        self.ts = np.array([e[0] for e in events])
        self.tech = np.array([e[1] for e in events], dtype=np.intp)
        self.ref = float(self.ts[-1]) if len(events) else 0.0
        self.weight = np.exp(self.rate * (self.ts - self.ref))  # each event's decayed weight at `ref`
        slices: dict[tuple[str, str], list[int]] = {}
        for i, (_, _, r) in enumerate(events):
            for scope, key in (("category", r.category), ("board", r.board), ("company", r.company)):
                if key:
                    slices.setdefault((scope, key), []).append(i)
        self.slices = {k: np.asarray(v, dtype=np.intp) for k, v in slices.items()}

    def _decayed(self, events: np.ndarray | None, at: float) -> np.ndarray:
        end = np.searchsorted(self.ts, at, side="left")  # resolved strictly before `at`
        chosen = np.arange(end) if events is None else events[: np.searchsorted(events, end, side="left")]
        counts = np.bincount(self.tech[chosen], weights=self.weight[chosen], minlength=self.n)
        return counts * math.exp(-self.rate * (at - self.ref))

    def _raw(self, events: np.ndarray, at: float) -> np.ndarray:
        end = np.searchsorted(self.ts, at, side="left")
        chosen = events[: np.searchsorted(events, end, side="left")]
        return np.bincount(self.tech[chosen], minlength=self.n).astype(np.float64)

    def _week(self, events: np.ndarray, at: float) -> np.ndarray:
        """Per technician, the slice's events resolved in the 7 days before `at` (the learner's
        `recent_count`: after at - 7 days, strictly before at)."""
        start = np.searchsorted(self.ts, at - WEEK_SECONDS, side="right")
        end = np.searchsorted(self.ts, at, side="left")
        lo, hi = np.searchsorted(events, start, side="left"), np.searchsorted(events, end, side="left")
        chosen = events[lo:hi]
        return np.bincount(self.tech[chosen], minlength=self.n)

    def rows(self, record: HistoryRecord) -> np.ndarray:
        at = _ts(record.opened_at)
        x = np.zeros((self.n, len(AFFINITY_FEATURES)))
        empty = np.zeros(0, dtype=np.intp)
        if record.category:
            events = self.slices.get(("category", record.category), empty)
            decayed = self._decayed(events, at)
            cat = np.array(current_counts(decayed.tolist(), self._week(events, at).tolist()))
            x[:, 0] = np.log1p(cat)
            if cat.sum() > 0:
                x[:, 1] = cat / cat.sum()
        if record.board:
            x[:, 2] = np.log1p(self._decayed(self.slices.get(("board", record.board), empty), at))
        if record.company:
            x[:, 3] = np.log1p(self._raw(self.slices.get(("company", record.company), empty), at))
        x[:, 4] = np.log1p(self._decayed(None, at))
        end = np.searchsorted(self.ts, at, side="left")
        start = np.searchsorted(self.ts, at - WEEK_SECONDS, side="right")
        x[:, 5] = np.log1p(np.bincount(self.tech[start:end], minlength=self.n))
        return x


def fit_engine_affinity(
    records: Sequence[HistoryRecord],
    roster: Sequence[str],
    *,
    half_life_days: float = HALF_LIFE_DAYS,
    examples: int = AFFINITY_EXAMPLES,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[float, ...]:
    """Fit the engine's affinity weights on the latest `examples` resolved tickets of `records`
    (in opening order), each featurised as of its opening from the tickets resolved before it
    (`AffinityCounts`). Empty when there is too little history."""
    index = {t: i for i, t in enumerate(roster)}
    chosen = [r for r in records if r.tech and r.tech in index][-examples:]
    counts = AffinityCounts(records, index, half_life_days)
    model = AffinityModel(len(AFFINITY_FEATURES))
    for i, r in enumerate(chosen):
        model.observe(counts.rows(r), index[r.tech])  # type: ignore[index]
        if progress is not None and ((i + 1) % 100 == 0 or i + 1 == len(chosen)):
            progress(i + 1, len(chosen))
    return engine_weights(model)


MIN_AFFINITY_EXAMPLES = 20


def engine_weights(model: AffinityModel) -> tuple[float, ...]:
    """Fit the engine's affinity model on what it observed and return its weights as stored with
    a model version; empty with fewer than MIN_AFFINITY_EXAMPLES tickets."""
    if len(model.examples) < MIN_AFFINITY_EXAMPLES:
        return ()
    model.fit()
    return tuple(round(float(w), 6) for w in model.weights)
