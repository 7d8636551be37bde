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

from dispatch.engine.affinity import AFFINITY_FEATURES, affinity_features
from dispatch.engine.types import TechFacts, TicketFacts

from .experience import ALL_KEY, ExperienceLearner, HistoryRecord

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
    """The engine's affinity features for every technician in `index`, from the facts the
    learner gives as of its instant (the replay's and production's experience inputs)."""
    techs = learner.technicians()
    facts = [
        TechFacts(
            id=t,
            name=t,
            experience=learner.engine_experience(t, record.category),
            board_experience=learner.board_experience(t, record.board),
            company_history=learner.company_history(t, record.company),
        )
        for t in techs
    ]
    ticket = TicketFacts(id=record.ticket_id or "", category=record.category, board=record.board or "",
                         company_id=record.company)
    x = np.zeros((len(index), len(AFFINITY_FEATURES)))
    if facts:
        x[[index[t] for t in techs]] = np.asarray(affinity_features(facts, ticket))
    return x


def fit_engine_affinity(
    records: Sequence[HistoryRecord],
    learner: ExperienceLearner,
    roster: Sequence[str],
    *,
    examples: int = AFFINITY_EXAMPLES,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[float, ...]:
    """Fit the engine's affinity weights on the latest `examples` resolved tickets of `records`
    (in opening order), each featurised as of its opening: `learner` must be fed the history
    and not yet advanced past the first of them. Empty when there is too little history."""
    index = {t: i for i, t in enumerate(roster)}
    chosen = [r for r in records if r.tech and r.tech in index][-examples:]
    model = AffinityModel(len(AFFINITY_FEATURES))
    for i, r in enumerate(chosen):
        learner.advance(r.opened_at)
        model.observe(engine_affinity_rows(learner, index, r), index[r.tech])  # type: ignore[index]
        if progress is not None:
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
