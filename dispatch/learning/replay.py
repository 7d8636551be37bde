"""Counterfactual replay of closed tickets (contracts/evaluation.md, `evaluate_history`).

Pure Python given history records, technician facts and a policy; the management command
only loads them from the database. No peeking: for a test ticket opened at t,

- experience (overall, on the ticket's category and board, each with the technician's standing
  against the slice's leader) and company history come from an `ExperienceLearner` that has
  learned exactly the tickets resolved before t (learning goes on through the test period),
  the same numbers `dispatch.facts` reads from `TechnicianExperience` in production;
- workload is rebuilt from history: the tickets opened before t and resolved after t, counted
  against the technician who resolved them (history has no estimates: 1 h each, priority-
  weighted for the "weighted" method);
- round-robin recency (`last_assigned_at`) is the last opening among that technician's tickets
  opened before t;
- the category model is refitted at a few checkpoints on the tickets resolved before the
  checkpoint and predicts the test tickets up to the next one.

Every technician is ranked by the real engine (`dispatch.engine.rank`) for every test ticket.
Per ticket the work is O(technicians): the static part of each `TechFacts` is built once and
only workload, experience (category and board), company history and last assignment are
swapped in.
"""

from __future__ import annotations

import time as _time
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from dispatch.engine.affinity import AFFINITY_FEATURES
from dispatch.engine.types import (
    FACTORS,
    PRIORITY_WORKLOAD_WEIGHT,
    GeoPoint,
    Policy,
    Shift,
    TechFacts,
    TicketFacts,
    Workload,
)

from .affinity import AffinityModel, Featurizer, engine_affinity_rows, engine_weights
from .experience import ALL_KEY, HALF_LIFE_DAYS, PRIOR_STRENGTH, ExperienceLearner, HistoryRecord
from .workpattern import effective_capacity, learn_patterns

KS: tuple[int, ...] = (1, 3, 5)
BASELINES: tuple[str, ...] = ("category_most_frequent", "least_busy", "round_robin")
DIAGNOSTICS: tuple[str, ...] = (
    "recent_category_resolver",
    "learned_history_ranker",
)  # printed, not in the JSON
# Compared on the tickets whose resolver the engine could have picked (printed, not in the JSON).
ASSIGNABLE_COMPARED: tuple[str, ...] = ("engine", "category_most_frequent")
CLASSIFIER_REFITS = 4
AFFINITY_EXAMPLES = 1500  # latest training-period tickets the learned diagnostic ranker is fitted on
MIN_TEXT_SHARE = 0.5  # "history has text" when at least half the test tickets have some
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class CategoryInfo:
    required_skills: tuple[str, ...] = ()
    complexity: str = "medium"


@dataclass(frozen=True)
class CompanyInfo:
    name: str = ""
    tier: str = "standard"
    sla_policy: str = ""
    response_hours: Mapping[str, float] = field(default_factory=dict)
    preferred_tech: str | None = None
    account_techs: tuple[str, ...] = ()
    location: GeoPoint | None = None


@dataclass
class ReplayResult:
    tickets: int
    technicians: int
    topk: dict[str, float]
    baselines: dict[str, dict[str, float]]
    category_accuracy: dict[str, float] | None
    seconds: float
    train_tickets: int = 0
    extra: dict[str, Any] = field(default_factory=dict)  # diagnostics, not part of the contract

    def to_json(self) -> dict[str, Any]:
        """Exactly the keys of contracts/evaluation.md."""
        return {
            "tickets": self.tickets,
            "technicians": self.technicians,
            "topk": dict(self.topk),
            "baselines": {name: dict(v) for name, v in self.baselines.items()},
            "category_accuracy": dict(self.category_accuracy) if self.category_accuracy is not None else None,
            "seconds": round(self.seconds, 1),
        }


# ---------------------------------------------------------------------------- workload


HISTORY_TICKET_HOURS = 1.0  # history has no estimates: each open ticket counts as one hour


def _weight(priority: str) -> float:
    return PRIORITY_WORKLOAD_WEIGHT.get(priority, 1.0)


def workload_at(records: Iterable[HistoryRecord], at: datetime) -> dict[str, Workload]:
    """Workload rebuilt from history at an instant: tickets opened before `at` and resolved
    after it, per resolving technician (1 estimated hour each; weighted by priority)."""
    acc: dict[str, list[float]] = {}
    for r in records:
        if r.tech and r.resolved_at is not None and r.opened_at < at < r.resolved_at:
            entry = acc.setdefault(r.tech, [0, 0.0, 0.0])
            entry[0] += 1
            entry[1] += HISTORY_TICKET_HOURS
            entry[2] += _weight(r.priority)
    return {tech: Workload(int(n), h, w) for tech, (n, h, w) in acc.items()}


class WorkloadTracker:
    """`workload_at` as a sweep over time: ask at non-decreasing instants, O(changes) each."""

    def __init__(self, records: Iterable[HistoryRecord]) -> None:
        usable = [r for r in records if r.tech and r.resolved_at is not None and r.resolved_at > r.opened_at]
        self._opens = sorted(usable, key=lambda r: r.opened_at)
        self._closes = sorted(usable, key=lambda r: r.resolved_at)  # type: ignore[arg-type, return-value]
        self._i = self._j = 0
        self._load: dict[str, list[float]] = {}
        self._last_open: dict[str, datetime] = {}
        self._at: datetime | None = None

    def advance(self, at: datetime) -> None:
        if self._at is not None and at < self._at:
            raise ValueError("the workload tracker cannot go back in time")
        self._at = at
        opens, closes, load = self._opens, self._closes, self._load
        while self._i < len(opens) and opens[self._i].opened_at < at:
            r = opens[self._i]
            entry = load.setdefault(r.tech, [0, 0.0, 0.0])  # type: ignore[arg-type]
            entry[0] += 1
            entry[1] += HISTORY_TICKET_HOURS
            entry[2] += _weight(r.priority)
            self._last_open[r.tech] = r.opened_at  # type: ignore[index]
            self._i += 1
        while self._j < len(closes) and closes[self._j].resolved_at <= at:  # type: ignore[operator]
            r = closes[self._j]
            entry = load[r.tech]  # type: ignore[index]  # opened before it closed, so already counted
            entry[0] -= 1
            entry[1] -= HISTORY_TICKET_HOURS
            entry[2] -= _weight(r.priority)
            self._j += 1

    def count(self, tech: str) -> int:
        entry = self._load.get(tech)
        return int(entry[0]) if entry else 0

    def workload(self, tech: str) -> Workload:
        entry = self._load.get(tech)
        if not entry or entry[0] <= 0:
            return Workload()
        return Workload(int(entry[0]), round(entry[1], 6), round(entry[2], 6))

    def last_assigned(self, tech: str) -> datetime | None:
        return self._last_open.get(tech)

    def all(self) -> dict[str, Workload]:
        return {tech: self.workload(tech) for tech, e in self._load.items() if e[0] > 0}


# ---------------------------------------------------------------------------- baselines


class Baselines:
    """The three frequency/rotation baselines of the contract, from what the learner knows."""

    def __init__(self, learner: ExperienceLearner, workload: WorkloadTracker) -> None:
        self.learner, self.workload = learner, workload
        self._rr = 0

    def category_most_frequent(self, category: str | None, k: int) -> list[str]:
        """Most frequent resolvers of the category so far (ties: more recent first); the desk's
        most frequent resolvers when the category is new."""
        scope, key = ("category", category) if category else ("all", ALL_KEY)
        techs = self.learner.slice_technicians(scope, key) if category else []
        if not techs:
            scope, key = "all", ALL_KEY
            techs = self.learner.technicians()
        lr = self.learner
        return sorted(techs, key=lambda t: (-lr.raw_count(t, scope, key), -lr.decayed(t, scope, key), t))[:k]

    def least_busy(self, k: int) -> list[str]:
        """Lowest rebuilt workload among technicians who have resolved anything so far."""
        wl = self.workload
        return sorted(self.learner.technicians(), key=lambda t: (wl.count(t), t))[:k]

    def round_robin(self, k: int) -> list[str]:
        """Rotation over technicians seen so far (first-seen order); moves one step per ticket."""
        techs = self.learner.technicians()
        if not techs:
            return []
        start = self._rr % len(techs)
        self._rr += 1
        return [techs[(start + i) % len(techs)] for i in range(min(k, len(techs)))]

    def recent_category_resolver(self, category: str | None, k: int) -> list[str]:
        """Diagnostic: highest recency-decayed count on the category (what experience alone says)."""
        if not category:
            return []
        lr = self.learner
        return sorted(
            lr.slice_technicians("category", category),
            key=lambda t: (-lr.decayed(t, "category", category), t),
        )[:k]


# ---------------------------------------------------------------------------- ticket facts


def ticket_facts_for(
    record: HistoryRecord, categories: Mapping[str, CategoryInfo], companies: Mapping[str, CompanyInfo]
) -> TicketFacts:
    """The engine's view of a history ticket at the moment it was opened (its text, category,
    company and SLA; nothing about how it ended)."""
    cat = categories.get(record.category or "", CategoryInfo())
    comp = companies.get(record.company or "") if record.company else None
    response = comp.response_hours.get(record.priority) if comp else None
    return TicketFacts(
        id=record.ticket_id or f"{record.opened_at.isoformat()}",
        subject=record.subject,
        description=record.description,
        category=record.category,
        priority=record.priority,
        board=record.board or "",
        company_id=record.company,
        company_name=comp.name if comp else "",
        company_tier=comp.tier if comp else "standard",
        category_required_skills=cat.required_skills,
        complexity=cat.complexity,
        created_at=record.opened_at,
        sla_due=record.opened_at + timedelta(hours=float(response)) if response else None,
        sla_policy=comp.sla_policy if comp else "",
        response_hours=float(response) if response else None,
        preferred_tech=comp.preferred_tech if comp else None,
        account_techs=comp.account_techs if comp else (),
        company_location=comp.location if comp else None,
        estimated_hours=HISTORY_TICKET_HOURS,
    )


def _swap(tech: TechFacts, **changes: Any) -> TechFacts:
    """`dataclasses.replace` without re-running __init__ and its defaults: TechFacts is frozen
    but not slotted, so a new instance sharing the attribute dict with the changes applied is
    the same value, an order of magnitude cheaper (this runs techs x test tickets times)."""
    clone = object.__new__(TechFacts)
    clone.__dict__.update(tech.__dict__, **changes)
    return clone


def facts_as_of(roster: Sequence[TechFacts], learner: Any, workload: Any, r: HistoryRecord) -> list[TechFacts]:
    """The roster as the engine saw it when `r` opened (the replay and the weight fit): workload
    rebuilt from history, experience, familiarity and board standing from what was resolved
    before; call after advancing `learner` and `workload` to `r.opened_at`."""
    return [
        _swap(
            t,
            workload=workload.workload(t.id),
            experience=learner.engine_experience(t.id, r.category),
            company_history=learner.company_history(t.id, r.company),
            board_experience=learner.board_experience(t.id, r.board),
            last_assigned_at=workload.last_assigned(t.id) or t.last_assigned_at,
        )
        for t in roster
    ]


# ---------------------------------------------------------------------------- category model


class _CategoryModel:
    """Refit-at-checkpoints text classifier for the replay's category accuracy."""

    def __init__(
        self,
        records: Sequence[HistoryRecord],
        test: Sequence[HistoryRecord],
        refits: int,
        fit: Callable[[list[str], list[str]], Any] | None = None,
    ) -> None:
        from . import classifier

        self.classifier = classifier
        self.fit_fn = fit or classifier.fit
        self.labelled = sorted(
            (r for r in records if r.category and r.resolved_at is not None and (r.subject or r.description)),
            key=lambda r: r.resolved_at,  # type: ignore[arg-type, return-value]
        )
        # every labelled record has a resolved_at (filtered above), so this stays aligned with it
        self.resolved_times = [r.resolved_at for r in self.labelled if r.resolved_at is not None]
        n = len(test)
        refits = max(1, min(refits, n))
        self.starts = sorted({round(i * n / refits) for i in range(refits)})
        self.test = test
        self.hits = {1: 0, 3: 0}
        self.evaluated = 0
        self.fits: list[dict[str, Any]] = []
        self.done = 0

    def run_due(self, at: datetime | None = None) -> None:
        """Run the chunks that start at or before `at` (all remaining ones when None); called
        from the ranking loop so the progress bar keeps moving through the refits."""
        while self.done < len(self.starts) and (
            at is None or self.test[self.starts[self.done]].opened_at <= at
        ):
            self.run_chunk(self.done)
            self.done += 1

    def run_chunk(self, chunk: int) -> None:
        """Fit on tickets resolved before the chunk's first ticket opened; predict the chunk."""
        lo = self.starts[chunk]
        hi = self.starts[chunk + 1] if chunk + 1 < len(self.starts) else len(self.test)
        tickets = [r for r in self.test[lo:hi] if r.category and (r.subject or r.description)]
        if not tickets:
            return
        cut = bisect_left(self.resolved_times, self.test[lo].opened_at)  # resolved strictly before
        train = self.labelled[:cut]
        started = _time.perf_counter()
        texts = [self.classifier.ticket_text(r.subject, r.description) for r in train]
        model = self.fit_fn(texts, [r.category for r in train]) if train else None  # type: ignore[misc]
        self.fits.append({"train": len(train), "seconds": round(_time.perf_counter() - started, 1)})
        self.evaluated += len(tickets)
        if model is None:
            return
        ranked = self.classifier.top_categories(
            model, [self.classifier.ticket_text(r.subject, r.description) for r in tickets], 3
        )
        for r, top in zip(tickets, ranked, strict=True):
            if top and top[0] == r.category:
                self.hits[1] += 1
            if r.category in top[:3]:
                self.hits[3] += 1

    def accuracy(self) -> dict[str, float] | None:
        if not self.evaluated:
            return None
        return {str(k): round(self.hits[k] / self.evaluated, 4) for k in (1, 3)}


def has_text(records: Sequence[HistoryRecord]) -> bool:
    if not records:
        return False
    with_text = sum(1 for r in records if (r.subject or "").strip() or (r.description or "").strip())
    categories = {r.category for r in records if r.category}
    return with_text >= MIN_TEXT_SHARE * len(records) and len(categories) >= 2


# ---------------------------------------------------------------------------- the replay


def split(
    records: Sequence[HistoryRecord], holdout: float
) -> tuple[list[HistoryRecord], list[HistoryRecord]]:
    """(train, test): ordered by opened_at, the last `holdout` share is the test period."""
    if not 0 < holdout < 1:
        raise ValueError("holdout must be between 0 and 1 (exclusive)")
    ordered = sorted(records, key=lambda r: (r.opened_at, r.ticket_id))
    cut = len(ordered) - max(1, round(len(ordered) * holdout)) if ordered else 0
    return ordered[:cut], ordered[cut:]


def replay(
    records: Sequence[HistoryRecord],
    techs: Sequence[TechFacts],
    policy: Policy,
    *,
    holdout: float = 0.2,
    categories: Mapping[str, CategoryInfo] | None = None,
    companies: Mapping[str, CompanyInfo] | None = None,
    strategy: str | None = None,
    half_life_days: float = HALF_LIFE_DAYS,
    prior_strength: float = PRIOR_STRENGTH,
    classifier_refits: int = CLASSIFIER_REFITS,
    category_model: bool | None = None,
    classifier_fit: Callable[[list[str], list[str]], Any] | None = None,
    rank: Callable[..., Any] | None = None,
    learned_ranker: bool = True,
    engine_affinity: bool = True,
    learned_patterns: bool = True,
    fit_weights: bool = True,
    progress: Progress | None = None,
    fit_progress: Progress | None = None,
) -> ReplayResult:
    """Replay the test period; see the module docstring. `category_model=None`: evaluate the
    text model when history has text. `rank` defaults to `dispatch.engine.rank`.
    `engine_affinity`: fit the engine's history-affinity weights on the training period, as
    `train_models` does on all history, and rank with them (False: rank without, whatever the
    policy carries). `fit_weights`: fit the desk's composite weights and affinity share on the
    training period alone (`dispatch.learning.weightfit`, as `train_models` proposes them) and rank
    the test period with them, as a desk that applies the proposal would (False: the policy's own).
    Only for the hybrid strategy, whose order those weights drive."""
    if rank is None:
        from dispatch.engine import rank as engine_rank

        rank = engine_rank
    started = _time.perf_counter()
    categories, companies = categories or {}, companies or {}
    train, test_all = split(records, holdout)
    test = [r for r in test_all if r.tech]
    weight_fit = None
    if fit_weights and (strategy or policy.strategy) == "hybrid":
        from .weightfit import fit_weights as fit

        # The training period only: nothing the test period shows reaches the fitted setting.
        weight_fit = fit(
            train,
            techs,
            policy,
            categories=categories,
            companies=companies,
            half_life_days=half_life_days,
            prior_strength=prior_strength,
            learned_patterns=learned_patterns,
            progress=fit_progress,
        )
        if weight_fit is not None and weight_fit.changed:
            policy = replace(
                policy,
                weights=dict(zip(FACTORS, weight_fit.fitted.weights, strict=True)),
                affinity_blend=weight_fit.fitted.blend,
            )
    roster = _roster(techs, records)
    if learned_patterns:
        roster = with_learned_patterns(roster, train, policy.max_tickets_per_technician)
    learner = ExperienceLearner(half_life_days, prior_strength)
    learner.extend(records)
    workload = WorkloadTracker(records)
    baselines = Baselines(learner, workload)
    affinity, engine_weights = _fit_affinity(
        train, roster, learner, workload, AFFINITY_EXAMPLES, diagnostic=learned_ranker, engine=engine_affinity
    )
    # Never the policy's own weights: in a database those were fitted on all history, the test
    # period included.
    policy = replace(policy, affinity_weights=engine_weights)
    # History has no estimates: the rebuilt workload counts every open ticket as HISTORY_TICKET_HOURS,
    # so that is the desk's typical ticket here (production measures it on the open tickets).
    policy = replace(policy, hours_per_ticket=HISTORY_TICKET_HOURS)
    names = ("engine", *BASELINES, *DIAGNOSTICS)
    hits = {name: {k: 0 for k in KS} for name in names}
    errors: dict[str, int] = {}
    text_model = None
    if category_model or (category_model is None and has_text(test_all)):
        text_model = _CategoryModel(records, test_all, classifier_refits, classifier_fit)
    kmax = max(KS)
    assignable = 0
    assignable_hits = {name: {k: 0 for k in KS} for name in ASSIGNABLE_COMPARED}
    for i, r in enumerate(test):
        if text_model is not None:
            text_model.run_due(r.opened_at)
        learner.advance(r.opened_at)
        workload.advance(r.opened_at)
        facts = facts_as_of(roster, learner, workload, r)
        ranking = rank(
            ticket_facts_for(r, categories, companies), facts, replace(policy, now=r.opened_at), strategy
        )
        if ranking.error_code:
            errors[ranking.error_code] = errors.get(ranking.error_code, 0) + 1
        orders = {
            "engine": [c.tech_id for c in ranking.candidates[:kmax]],
            "category_most_frequent": baselines.category_most_frequent(r.category, kmax),
            "least_busy": baselines.least_busy(kmax),
            "round_robin": baselines.round_robin(kmax),
            "recent_category_resolver": baselines.recent_category_resolver(r.category, kmax),
        }
        if affinity is not None:
            model, featurizer = affinity
            orders["learned_history_ranker"] = model.ranked(
                featurizer.rows(learner, workload.count, r), featurizer.roster, kmax
            )
        for name, order in orders.items():
            _score(hits[name], order, r.tech)  # type: ignore[arg-type]
        actual = next((c for c in ranking.candidates if c.tech_id == r.tech), None)
        if actual is not None and actual.eligible and actual.qualified:
            # The resolver is someone today's policy lets the engine pick (on shift, allowed by the
            # rules, meeting the skill threshold): how the engine and the baseline do there.
            assignable += 1
            for name in ASSIGNABLE_COMPARED:
                _score(assignable_hits[name], orders[name], r.tech)  # type: ignore[arg-type]
        if progress is not None:
            progress(i + 1, len(test))
    if text_model is not None:
        text_model.run_due()
    rates = {name: _rates(h, len(test)) for name, h in hits.items()}
    return ReplayResult(
        tickets=len(test),
        technicians=len(roster),
        topk=rates["engine"],
        baselines={name: rates[name] for name in BASELINES},
        category_accuracy=text_model.accuracy() if text_model is not None else None,
        seconds=_time.perf_counter() - started,
        train_tickets=len(train),
        extra={
            "errors": errors,
            "assignable": {
                "tickets": assignable,
                **{name: _rates(h, assignable) for name, h in assignable_hits.items()},
            },
            **{name: rates[name] for name in DIAGNOSTICS if name != "learned_history_ranker" or affinity},
            "learned_history_weights": affinity[0].describe() if affinity else None,
            "engine_affinity_weights": dict(zip(AFFINITY_FEATURES, engine_weights, strict=True))
            if engine_weights
            else None,
            "classifier_fits": text_model.fits if text_model is not None else [],
            "weight_fit": weight_fit.to_json() if weight_fit is not None else None,
            "half_life_days": half_life_days,
            "prior_strength": prior_strength,
        },
    )


def _roster(techs: Sequence[TechFacts], records: Sequence[HistoryRecord]) -> list[TechFacts]:
    """Everyone the desk has, plus any resolver the roster lacks (as a bare profile); all are
    rankable throughout: a technician who has left since was there at the time."""
    base: dict[str, TechFacts] = {t.id: t for t in techs}
    for r in records:
        if r.tech and r.tech not in base:
            base[r.tech] = TechFacts(id=r.tech, name=r.tech)
    return [t if t.active else replace(t, active=True) for t in base.values()]


def with_learned_patterns(
    roster: Sequence[TechFacts], train: Sequence[HistoryRecord], default: int, *, hours: bool = False
) -> list[TechFacts]:
    """The roster as production ranks it after train_models on the training period: where nothing
    is stated, the capacity learned from it (above the desk default). Learned working hours apply
    only once a manager confirms them, which nobody does in a replay; `hours=True` applies them
    anyway, for a technician with no schedule at all (how docs/quality.md measured them)."""
    zones = {t.id: t.timezone for t in roster}
    patterns = learn_patterns(train, lambda tech: zones.get(tech, "UTC"))
    out = []
    for t in roster:
        p = patterns.get(t.id)
        if p is None:
            out.append(t)
            continue
        changes: dict[str, Any] = {
            "max_active_tickets": effective_capacity(t.max_active_tickets, None, p.capacity, default)
        }
        if hours and not t.schedule and p.hours is not None and p.hours.days:
            changes["schedule"] = (Shift(days=p.hours.days, start=p.hours.start, end=p.hours.end),)
        out.append(replace(t, **changes))
    return out


def _rates(hits: dict[int, int], total: int) -> dict[str, float]:
    return {str(k): round(hits[k] / total, 4) if total else 0.0 for k in KS}


def _fit_affinity(
    train: Sequence[HistoryRecord],
    roster: Sequence[TechFacts],
    learner: ExperienceLearner,
    workload: WorkloadTracker,
    examples: int,
    *,
    diagnostic: bool = True,
    engine: bool = True,
) -> tuple[tuple[AffinityModel, Featurizer] | None, tuple[float, ...]]:
    """Fit the diagnostic ranker and the engine's affinity weights on the latest training-period
    tickets, each seen as of its opening (one pass: the learner only moves forward). The engine's
    are fitted as `dispatch.learning.affinity.fit_engine_affinity` does in `train_models`."""
    from dispatch.engine.availability import is_available

    if not diagnostic and not engine:
        return None, ()
    by_id = {t.id: t for t in roster}
    featurizer = Featurizer([t.id for t in roster], lambda tech, at: is_available(by_id[tech], at)[0])
    model = AffinityModel()
    engine_model = AffinityModel(len(AFFINITY_FEATURES))
    for r in [r for r in train if r.tech][-examples:]:
        learner.advance(r.opened_at)
        workload.advance(r.opened_at)
        actual = featurizer.index[r.tech]  # type: ignore[index]
        if diagnostic:
            model.observe(featurizer.rows(learner, workload.count, r), actual)
        if engine:
            engine_model.observe(engine_affinity_rows(learner, featurizer.index, r), actual)
    weights = engine_weights(engine_model) if engine else ()
    if diagnostic:
        model.fit()
    return ((model, featurizer) if diagnostic else None), weights


def _score(hits: dict[int, int], order: Sequence[str], actual: str | None) -> None:
    try:
        pos = list(order).index(actual)  # type: ignore[arg-type]
    except ValueError:
        return
    for k in hits:
        if pos < k:
            hits[k] += 1
