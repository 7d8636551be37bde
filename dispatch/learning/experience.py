"""What history shows each technician can do: per technician and slice of work.

Pure Python (no Django): `train_models` feeds it the HistoryTicket table, the replay
(`dispatch.learning.replay`) feeds it tickets one at a time as simulated time advances.

For every technician and slice (all work, a category, a board, a company) it keeps:

- ``resolved``: a recency-decayed count, each ticket weighing 2^(-age / half-life), so a
  technician who did the work last month outranks one who did it two years ago;
- ``resolved_raw``: the plain count;
- ``avg_resolution_hours``: the typical resolution time (geometric mean, so one ticket left
  open over a holiday does not define a technician);
- ``reopen_rate``, ``csat``, ``on_time_rate``;
- ``resolved_this_week``: resolved in the 7 days before the instant asked about.

The rates are smoothed toward the team's average on the same slice (empirical Bayes with
``prior_strength`` pseudo-tickets; the slice average is itself smoothed toward the whole
desk's), so one lucky ticket does not make an expert: a technician with one 5-star ticket
on a slice averaging 3.0 gets (5 + 5 x 3.0) / (1 + 5) = 3.33, not 5.

`ExperienceLearner` is the incremental form: `add(record)` as tickets become known, ask
`stats(...)` as of any instant at or after the last one asked about. It only ever counts
tickets resolved strictly before that instant, whatever order they were added in.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from dispatch.engine.types import CompanyHistory, Experience

HALF_LIFE_DAYS = 90.0
PRIOR_STRENGTH = 5.0
WEEK_SECONDS = 7 * 86400.0
SCOPES: tuple[str, ...] = ("all", "category", "board", "company")
ALL_KEY = ""  # the key of scope "all" (the engine reads it as experience["*"])


@dataclass(frozen=True, slots=True)
class HistoryRecord:
    """One closed ticket as the learner sees it (times timezone-aware)."""

    tech: str | None  # who resolved it (technician external id)
    opened_at: datetime
    resolved_at: datetime | None
    category: str | None = None
    board: str | None = None
    company: str | None = None
    first_response_at: datetime | None = None
    csat: int | None = None
    reopened: bool = False
    met_sla: bool | None = None
    priority: str = "Medium"
    ticket_id: str = ""
    subject: str = ""
    description: str = ""

    @property
    def resolution_hours(self) -> float | None:
        if self.resolved_at is None:
            return None
        return max(0.0, (self.resolved_at - self.opened_at).total_seconds() / 3600)

    def slices(self) -> Iterator[tuple[str, str]]:
        """(scope, key) pairs this ticket counts toward."""
        yield "all", ALL_KEY
        if self.category:
            yield "category", self.category
        if self.board:
            yield "board", self.board
        if self.company:
            yield "company", self.company


@dataclass(frozen=True, slots=True)
class SliceStats:
    """The learned numbers for one technician on one slice, as of some instant."""

    tech: str
    scope: str
    key: str
    resolved: float
    resolved_raw: int
    avg_resolution_hours: float | None
    reopen_rate: float | None
    csat: float | None
    on_time_rate: float | None
    resolved_this_week: int

    def experience(self) -> Experience:
        return Experience(
            resolved=self.resolved,
            avg_resolution_hours=self.avg_resolution_hours,
            reopen_rate=self.reopen_rate,
            csat=self.csat,
            on_time_rate=self.on_time_rate,
            resolved_this_week=self.resolved_this_week,
        )


def _ts(at: datetime) -> float:
    return (at if at.tzinfo is not None else at.replace(tzinfo=UTC)).timestamp()


class _Acc:
    """Running sums for one (technician or team) x slice."""

    __slots__ = (
        "decayed",
        "t",
        "n",
        "log_hours",
        "hours_n",
        "reopened",
        "csat_sum",
        "csat_n",
        "on_time",
        "sla_n",
        "times",
    )

    def __init__(self) -> None:
        self.decayed = 0.0  # decayed count as of self.t
        self.t = 0.0
        self.n = 0
        self.log_hours = 0.0
        self.hours_n = 0
        self.reopened = 0
        self.csat_sum = 0.0
        self.csat_n = 0
        self.on_time = 0
        self.sla_n = 0
        self.times: list[float] = []  # resolution instants, ascending (for "this week")

    def add(
        self,
        ts: float,
        log_hours: float | None,
        reopened: bool,
        csat: int | None,
        met_sla: bool | None,
        rate: float,
    ) -> None:
        if ts >= self.t:
            self.decayed = self.decayed * math.exp(-rate * (ts - self.t)) + 1.0
            self.t = ts
        else:  # an older ticket arriving late
            self.decayed += math.exp(-rate * (self.t - ts))
        self.n += 1
        if log_hours is not None:
            self.log_hours += log_hours
            self.hours_n += 1
        self.reopened += bool(reopened)
        if csat is not None:
            self.csat_sum += csat
            self.csat_n += 1
        if met_sla is not None:
            self.on_time += bool(met_sla)
            self.sla_n += 1
        if not self.times or ts >= self.times[-1]:
            self.times.append(ts)
        else:
            self.times.insert(bisect_right(self.times, ts), ts)

    def decayed_at(self, ts: float, rate: float) -> float:
        return self.decayed * math.exp(-rate * (ts - self.t)) if ts > self.t else self.decayed

    def in_window(self, start: float, end: float) -> int:
        """Resolved in (start, end)."""
        times = self.times
        if not times or times[-1] <= start:
            return 0
        return bisect_right(times, end) - bisect_right(times, start)


@dataclass(frozen=True, slots=True)
class _Prior:
    log_hours: float | None
    reopen: float | None
    csat: float | None
    on_time: float | None


def _shrink(total: float, n: int, prior: float | None, k: float) -> float | None:
    """(total + k * prior) / (n + k); None when there is no evidence at all."""
    if n == 0:
        return None
    if prior is None:
        return total / n
    return (total + k * prior) / (n + k)


class ExperienceLearner:
    """Incremental experience tables: add tickets, ask as of any (non-decreasing) instant."""

    def __init__(
        self,
        half_life_days: float = HALF_LIFE_DAYS,
        prior_strength: float = PRIOR_STRENGTH,
        scopes: Iterable[str] = SCOPES,
    ) -> None:
        if half_life_days <= 0:
            raise ValueError("half_life_days must be positive")
        self.half_life_days = half_life_days
        self.prior_strength = float(prior_strength)
        self.rate = math.log(2) / (half_life_days * 86400.0)
        self.scopes = frozenset(scopes) | {"all"}
        self.now: float = float("-inf")  # everything resolved before this instant is learned
        self._pending: list[tuple[float, int, HistoryRecord]] = []
        self._seq = 0
        self._techs: dict[tuple[str, str, str], _Acc] = {}  # (tech, scope, key)
        self._team: dict[tuple[str, str], _Acc] = {}  # (scope, key)
        self._by_slice: dict[tuple[str, str], list[str]] = {}  # (scope, key) -> techs, first-seen order
        self._tech_order: list[str] = []
        self._prior_cache: dict[tuple[str, str], tuple[tuple[int, int], _Prior]] = {}
        self._leader_cache: dict[tuple[str, str], tuple[int, str]] = {}
        self._typical_cache: dict[tuple[str, str], tuple[int, float | None]] = {}
        self.learned = 0

    # ------------------------------------------------------------------ feeding

    def add(self, record: HistoryRecord) -> None:
        """Queue a ticket; it is learned once a query instant passes its resolution."""
        if not record.tech or record.resolved_at is None:
            return
        heapq.heappush(self._pending, (_ts(record.resolved_at), self._seq, record))
        self._seq += 1

    def extend(self, records: Iterable[HistoryRecord]) -> None:
        for record in records:
            self.add(record)

    def advance(self, as_of: datetime | float) -> None:
        """Learn every queued ticket resolved strictly before `as_of`."""
        ts = as_of if isinstance(as_of, float) else _ts(as_of)
        if ts < self.now:
            raise ValueError("the learner cannot go back in time (it has already learned later tickets)")
        self.now = ts
        pending = self._pending
        while pending and pending[0][0] < ts:
            resolved_ts, _, record = heapq.heappop(pending)
            self._learn(record, resolved_ts)

    def _learn(self, r: HistoryRecord, ts: float) -> None:
        hours = r.resolution_hours
        log_hours = math.log1p(hours) if hours is not None else None
        tech = r.tech
        assert tech is not None
        for scope, key in r.slices():
            if scope not in self.scopes:
                continue
            acc = self._techs.get((tech, scope, key))
            if acc is None:
                acc = self._techs[(tech, scope, key)] = _Acc()
                self._by_slice.setdefault((scope, key), []).append(tech)
                if scope == "all":
                    self._tech_order.append(tech)
            acc.add(ts, log_hours, r.reopened, r.csat, r.met_sla, self.rate)
            team = self._team.get((scope, key))
            if team is None:
                team = self._team[(scope, key)] = _Acc()
            team.add(ts, log_hours, r.reopened, r.csat, r.met_sla, self.rate)
        self.learned += 1

    # ------------------------------------------------------------------ asking

    def technicians(self) -> list[str]:
        """Technicians who have resolved something, in the order they first did."""
        return list(self._tech_order)

    def slice_technicians(self, scope: str, key: str) -> list[str]:
        return list(self._by_slice.get((scope, key), ()))

    def _prior(self, scope: str, key: str) -> _Prior:
        """The team's smoothed average on a slice (the desk's average for scope "all")."""
        team = self._team.get((scope, key))
        n = (team.n if team else 0, self.learned)  # the slice's and the desk's evidence
        cached = self._prior_cache.get((scope, key))
        if cached is not None and cached[0] == n:
            return cached[1]
        k = self.prior_strength
        desk = self._team.get(("all", ALL_KEY))
        if desk is None or team is None:
            prior = _Prior(None, None, None, None)
        elif scope == "all":
            prior = _Prior(
                desk.log_hours / desk.hours_n if desk.hours_n else None,
                desk.reopened / desk.n if desk.n else None,
                desk.csat_sum / desk.csat_n if desk.csat_n else None,
                desk.on_time / desk.sla_n if desk.sla_n else None,
            )
        else:
            top = self._prior("all", ALL_KEY)
            prior = _Prior(
                _shrink(team.log_hours, team.hours_n, top.log_hours, k),
                _shrink(team.reopened, team.n, top.reopen, k),
                _shrink(team.csat_sum, team.csat_n, top.csat, k),
                _shrink(team.on_time, team.sla_n, top.on_time, k),
            )
        self._prior_cache[(scope, key)] = (n, prior)
        return prior

    def stats(self, tech: str, scope: str, key: str = ALL_KEY) -> SliceStats | None:
        """The technician's smoothed numbers on a slice as of `self.now`; None without history."""
        acc = self._techs.get((tech, scope, key))
        if acc is None:
            return None
        hours, reopen, csat, on_time = self._smoothed(acc, scope, key)
        now = self.now
        return SliceStats(
            tech=tech,
            scope=scope,
            key=key,
            resolved=acc.decayed_at(now, self.rate),
            resolved_raw=acc.n,
            avg_resolution_hours=hours,
            reopen_rate=reopen,
            csat=csat,
            on_time_rate=on_time,
            resolved_this_week=acc.in_window(now - WEEK_SECONDS, now),
        )

    def _smoothed(self, acc: _Acc, scope: str, key: str) -> tuple[float | None, ...]:
        """(avg resolution hours, reopen rate, csat, on-time rate), shrunk toward the team's."""
        prior = self._prior(scope, key)
        k = self.prior_strength
        log_hours = _shrink(acc.log_hours, acc.hours_n, prior.log_hours, k)
        return (
            math.expm1(log_hours) if log_hours is not None else None,
            _shrink(acc.reopened, acc.n, prior.reopen, k),
            _shrink(acc.csat_sum, acc.csat_n, prior.csat, k),
            _shrink(acc.on_time, acc.sla_n, prior.on_time, k),
        )

    def experience(self, tech: str, key: str = "*") -> Experience | None:
        """Engine input: key "*" for the overall record, else a category name."""
        stats = self.stats(tech, "all", ALL_KEY) if key == "*" else self.stats(tech, "category", key)
        return stats.experience() if stats is not None else None

    def decayed(self, tech: str, scope: str, key: str = ALL_KEY) -> float:
        acc = self._techs.get((tech, scope, key))
        return acc.decayed_at(self.now, self.rate) if acc is not None else 0.0

    def recent_count(
        self, tech: str, scope: str = "all", key: str = ALL_KEY, seconds: float = WEEK_SECONDS
    ) -> int:
        """Resolved in the `seconds` before now (7 days by default)."""
        acc = self._techs.get((tech, scope, key))
        return acc.in_window(self.now - seconds, self.now) if acc is not None else 0

    def raw_count(self, tech: str, scope: str, key: str = ALL_KEY) -> int:
        acc = self._techs.get((tech, scope, key))
        return acc.n if acc is not None else 0

    def leader(self, scope: str, key: str) -> float:
        """The most any technician has resolved on the slice (decayed, as of now). Every count on
        a slice decays at the same rate, so the leader only changes when a ticket is learned."""
        team = self._team.get((scope, key))
        if team is None:
            return 0.0
        cached = self._leader_cache.get((scope, key))
        if cached is None or cached[0] != team.n:
            best = max(self._by_slice[(scope, key)], key=lambda t: (self._techs[(t, scope, key)].decayed_at(
                self.now, self.rate), t))
            cached = self._leader_cache[(scope, key)] = (team.n, best)
        return self.decayed(cached[1], scope, key)

    def relative(self, tech: str, scope: str, key: str) -> float | None:
        """The technician's decayed count over the slice leader's (0..1); None when nobody has any."""
        top = self.leader(scope, key)
        return min(1.0, self.decayed(tech, scope, key) / top) if top > 0 else None

    def typical_hours(self, scope: str, key: str) -> float | None:
        """The team's typical resolution hours on a slice: the geometric mean of the technicians'
        (smoothed) typical hours, weighted by their ticket counts. `dispatch.facts` computes the
        same from the TechnicianExperience rows."""
        team = self._team.get((scope, key))
        if team is None:
            return None
        cached = self._typical_cache.get((scope, key))
        if cached is not None and cached[0] == team.n:
            return cached[1]
        total = weight = 0.0
        for tech in self._by_slice[(scope, key)]:
            acc = self._techs[(tech, scope, key)]
            hours = self._smoothed(acc, scope, key)[0]
            if hours is not None:
                total += acc.n * math.log1p(hours)
                weight += acc.n
        typical = math.expm1(total / weight) if weight else None
        self._typical_cache[(scope, key)] = (team.n, typical)
        return typical

    def slice_experience(self, tech: str, scope: str, key: str) -> Experience | None:
        """Engine input for one slice, with the technician's standing against the slice leader
        and the team's typical resolution time there."""
        stats = self.stats(tech, scope, key)
        if stats is None:
            return None
        return replace(
            stats.experience(),
            relative=None if scope == "all" else self.relative(tech, scope, key),
            typical_hours=self.typical_hours(scope, key),
        )

    def engine_experience(self, tech: str, category: str | None) -> dict[str, Experience]:
        """What the engine reads for one ticket: {"*": overall, category: that category}."""
        out: dict[str, Experience] = {}
        overall = self.slice_experience(tech, "all", ALL_KEY)
        if overall is None:
            return out
        out["*"] = overall
        if category:
            cat = self.slice_experience(tech, "category", category)
            if cat is not None:
                out[category] = cat
        return out

    def board_experience(self, tech: str, board: str | None) -> dict[str, Experience]:
        """What the engine reads about the technician and the ticket's board."""
        exp = self.slice_experience(tech, "board", board) if board else None
        return {board: exp} if exp is not None else {}  # type: ignore[dict-item]

    def company_history(self, tech: str, company: str | None) -> dict[str, CompanyHistory]:
        """What the engine reads about the technician and the ticket's company."""
        if not company:
            return {}
        acc = self._techs.get((tech, "company", company))
        if acc is None:
            return {}
        return {company: CompanyHistory(tickets=acc.n, csat=self._smoothed(acc, "company", company)[2])}

    def snapshot(self) -> list[SliceStats]:
        """Every technician x slice as of `self.now`, in a stable order."""
        rows = [self.stats(tech, scope, key) for (tech, scope, key) in sorted(self._techs)]
        return [r for r in rows if r is not None]


def compute_experience(
    records: Iterable[HistoryRecord],
    as_of: datetime,
    *,
    half_life_days: float = HALF_LIFE_DAYS,
    prior_strength: float = PRIOR_STRENGTH,
) -> list[SliceStats]:
    """Batch form: every technician x slice from the tickets resolved at or before `as_of`."""
    learner = ExperienceLearner(half_life_days, prior_strength)
    learner.extend(records)
    # "at or before": nudge past as_of so a ticket resolved exactly then counts.
    learner.advance(_ts(as_of) + 1e-6)
    learner.now = _ts(as_of)
    return learner.snapshot()
