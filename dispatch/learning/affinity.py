"""A learned "who would resolve this" ranker, for the replay's diagnostics.

Not used by the engine: it measures how much history alone (experience on the ticket's
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
    def __init__(self) -> None:
        self.weights = np.zeros(len(FEATURES))
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
