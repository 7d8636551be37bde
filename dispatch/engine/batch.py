"""Dispatch a whole queue at once.

Optimised mode, in two steps:

1. Which tickets get a technician. Capacity is a set of slots (each technician contributes one
   per remaining ticket of capacity). Tickets are taken in urgency order and one is kept when a
   matching of all kept tickets to allowed slots still exists (augmenting paths). That is the
   greedy algorithm on a transversal matroid, so the kept set is the lexicographically most
   urgent set that fits: when capacity is short the most urgent tickets are served, and when it
   is not, every placeable ticket is kept. Tickets whose rules/policy allow overflow and that did
   not fit are then added on overflow slots.
2. Who gets what. `scipy.optimize.linear_sum_assignment` maximises the total score over the
   kept tickets x slots, the k-th slot of a technician scored with the workload they would have
   after k more tickets. Cells breaking a hard constraint are forbidden; overflow, below-threshold
   and off-target (assign_to fallback) cells carry penalties far larger than any score, so they
   are used only when nothing else fits.

Greedy mode (optimise=False, and always for round robin, whose rotation is sequential by nature)
ranks tickets one by one in urgency order, adding each assignment to the technician's workload.
Both modes add the batch's mean ticket load per assignment so their totals are comparable.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Hashable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

import numpy as np
from scipy.optimize import linear_sum_assignment

from . import explain
from .availability import aware
from .factors import add_load, capacity_of, load_increment, priority_rank, sla_urgency, workload_factor
from .ranking import Evaluation, best_eligible, decide, disabled_ranking, evaluate, new_evaluation
from .strategies import compose
from .types import FACTORS, Policy, Ranking, TechFacts, TicketFacts, Workload
from .vector import (
    Loads,
    TechTable,
    compose_scores,
    needs_reference,
    pyround,
    rank_at,
    score,
    workload_values,
)

K = TypeVar("K", bound=Hashable)

PENALTY_PREFERENCE_STEP = 200.0  # customer_preference: preferred, then account technicians first
PENALTY_OVERFLOW = 1_000.0
PENALTY_UNQUALIFIED = 2_000.0
PENALTY_OFF_TARGET = 4_000.0
FORBIDDEN = 1e9  # above any total of allowed costs, small enough to keep the solver's precision


def solve(cost: np.ndarray) -> list[tuple[int, int]]:
    """(row, column) pairs of a minimum-cost assignment of every row (rows <= columns here), by
    scipy's linear_sum_assignment, in the form it solves fastest; the optimum is the same.

    - Costs are tenths of a point (scores rounded to 0.1, whole penalties), so they are solved
      as the exact integers cost x 10: float noise no longer makes near-ties (1.3 s -> 1.0 s).
    - A capacity-bound queue gives a (near) square matrix whose columns are each technician's
      slots. Solved transposed, slots augmented into tickets, it takes a quarter of the time
      (1.0 s -> 0.2-0.4 s on the 500-technician desk's 1,573-1,731 square matrices); a matrix
      with a few rows fewer than columns is made square with rows of zeros first (those rows
      cost the same anywhere, so the real rows' optimum is unchanged).
    LAPJV (the `lap` package) was tried before: 1.1 s against scipy's 3.1 s on one full queue's
    matrix, 10.4 s against 2.6 s an hour later (its row reduction stalls on many equal costs)."""
    if not cost.size:
        return []
    tenths = np.rint(cost * 10)
    if np.abs(cost * 10 - tenths).max() < 1e-6:
        cost = tenths
    n_rows, n_cols = cost.shape
    if n_rows * 5 < n_cols * 4:  # far from square: rows are few, the plain form is fast
        rows, cols = linear_sum_assignment(cost)
        return [(int(r), int(c)) for r, c in zip(rows, cols, strict=True)]
    square = cost if n_rows == n_cols else np.vstack((cost, np.zeros((n_cols - n_rows, n_cols))))
    cols, rows = linear_sum_assignment(np.ascontiguousarray(square.T))
    return sorted((int(r), int(c)) for r, c in zip(rows, cols, strict=True) if r < n_rows)


def urgency_order(tickets: Sequence[TicketFacts], now: datetime) -> list[int]:
    """Indices of `tickets`, most urgent first: SLA urgency, then deadline, priority, age, id."""
    now = aware(now)

    def key(i: int) -> tuple:
        t = tickets[i]
        due = aware(t.sla_due).timestamp() if t.sla_due else math.inf
        created = aware(t.created_at).timestamp() if t.created_at else math.inf
        return (-sla_urgency(t, now), due, -priority_rank(t.priority), created, t.id)

    return sorted(range(len(tickets)), key=key)


def batch_total_score(rankings: Sequence[Ranking]) -> float:
    """Sum of the selected candidates' scores (for comparing batch strategies)."""
    total = 0.0
    for r in rankings:
        if r.selected is not None:
            total += next(c.score for c in r.candidates if c.tech_id == r.selected)
    return round(total, 1)


def rank_batch(
    tickets: Sequence[TicketFacts],
    techs: Sequence[TechFacts],
    policy: Policy,
    optimise: bool = True,
    table: TechTable | None = None,
) -> list[Ranking]:
    """One Ranking per ticket, in the order given (see the module docstring for the method).

    `table` (a vector.TechTable of `techs`): the same result computed with numpy, the cost matrix
    filled as arrays and reasons written only for the shown candidates (vectorized.py, below);
    without it every ticket is evaluated one by one (the reference it is tested against)."""
    if not tickets:
        return []
    if not policy.dispatching_enabled:
        return [disabled_ranking(t, policy, None) for t in tickets]
    unique = list({t.id: t for t in reversed(techs)}.values())[::-1]  # first of each id wins
    order = urgency_order(tickets, policy.now)
    inc = load_increment(list(tickets))
    if table is not None and table.ids == [t.id for t in unique]:
        if optimise and policy.strategy != "round_robin":
            return [p.ranking() for p in _optimal_vector(tickets, table, policy, order, inc)]
        return _greedy_vector(tickets, table, policy, order, inc)
    if optimise and policy.strategy != "round_robin":
        return _optimal(tickets, unique, policy, order, inc)
    return _greedy(tickets, unique, policy, order, inc)


def _greedy(
    tickets: Sequence[TicketFacts], techs: list[TechFacts], policy: Policy, order: list[int], inc: Workload
) -> list[Ranking]:
    base = {t.id: t.workload for t in techs}
    counts = dict.fromkeys(base, 0)
    loads: dict[str, Workload] = {}
    last: dict[str, datetime] = {}
    now = aware(policy.now)
    out: list[Ranking | None] = [None] * len(tickets)
    for n, i in enumerate(order):
        ranking = decide(evaluate(tickets[i], techs, policy, workloads=loads, last_assigned=last))
        sel = ranking.selected
        if sel is not None:
            counts[sel] += 1
            loads[sel] = add_load(base[sel], inc, counts[sel])
            last[sel] = now + timedelta(microseconds=n + 1)  # most recent last, for the rotation
        out[i] = ranking
    return [r for r in out if r is not None]


def _allowed(ev: Evaluation) -> dict[str, float]:
    """Technicians this ticket may go to, ignoring capacity, with their penalty."""
    fx = ev.effects
    if ev.ticket.sla_due and aware(ev.ticket.sla_due) < ev.now and not ev.force:
        return {}

    def ok(d) -> bool:
        return d.hard_ok and d.available and (d.skill_ok or ev.force)

    step = PENALTY_PREFERENCE_STEP if ev.strategy == "customer_preference" else 0.0
    normal = {
        d.tech_id: (0.0 if d.skill_ok else PENALTY_UNQUALIFIED) + step * d.pref_rank
        for d in ev.drafts
        if ok(d)
    }
    if not fx.assign_to:
        return normal
    rule, target = fx.assign_to[0]
    td = ev.by_id.get(target)
    if td is not None and ok(td):
        if not rule.unless_unavailable:
            return {target: normal[target]}
        return {tid: pen + (0.0 if tid == target else PENALTY_OFF_TARGET) for tid, pen in normal.items()}
    return normal if rule.unless_unavailable else {}


def _augment(
    row: int,
    adj: Sequence[Sequence[K]],
    room: Mapping[K, int],
    holders: dict[K, list[int]],
    dead: set[K] | None = None,
) -> bool:
    """Add `row` to the matching via a shortest augmenting path over technicians (BFS).

    `dead` (kept across calls): technicians a failed search reached. They are full and every
    ticket they hold can only move among them, and a later augmenting path cannot pass through
    them (it would have to end on a free slot among them), so the matching there never changes
    again and no later search needs to enter them."""
    for tid in adj[row]:  # a free slot right away: the common case, no search
        if len(holders[tid]) < room[tid]:
            holders[tid].append(row)
            return True
    parent: dict[K, tuple[int, K | None]] = {}
    queue: deque[K] = deque()
    for tid in adj[row]:
        if tid not in parent and (dead is None or tid not in dead):
            parent[tid] = (row, None)
            queue.append(tid)
    while queue:
        tid = queue.popleft()
        if len(holders[tid]) < room[tid]:
            while True:  # walk back, moving each row one step along the path
                r, prev = parent[tid]
                holders[tid].append(r)
                if prev is None:
                    return True
                holders[prev].remove(r)
                tid = prev
        for r in holders[tid]:
            for nxt in adj[r]:
                if nxt not in parent and (dead is None or nxt not in dead):
                    parent[nxt] = (r, tid)
                    queue.append(nxt)
    if dead is not None:
        dead.update(parent)
    return False


def _select_rows(
    order: list[int], allowed: list[dict[str, float]], room: dict[str, int], overflow_ok: list[bool]
) -> tuple[list[int], list[int]]:
    """(rows that fit in normal slots, most urgent first; rows that need overflow slots)."""
    adj = [[tid for tid in allowed[i] if room[tid] > 0] for i in range(len(allowed))]
    holders: dict[str, list[int]] = {tid: [] for tid in room}
    kept = [i for i in order if adj[i] and _augment(i, adj, room, holders)]
    kept_set = set(kept)
    return kept, [i for i in order if i not in kept_set and overflow_ok[i] and allowed[i]]


def _columns(
    rows: list[int],
    extra: list[int],
    evs: list[Evaluation],
    allowed: list[dict[str, float]],
    room: dict[str, int],
    overflow_ok: list[bool],
) -> list[tuple[str, int]]:
    """Slots: (tech id, k) for the k-th further ticket. Normal slots up to the remaining capacity;
    overflow slots for rows that may overflow, enough for every row that needs one plus every row
    a technician is qualified for (qualified-past-capacity ranks above below-threshold, as in rank).
    No technician gets more slots of either kind than there are rows that may go to them."""
    cols: list[tuple[str, int]] = []
    for tid in room:
        users = [i for i in rows if tid in allowed[i]]
        if not users:
            continue
        over = len(extra) + sum(1 for i in users if overflow_ok[i] and evs[i].by_id[tid].skill_ok)
        cols.extend((tid, k) for k in range(min(room[tid], len(users))))
        cols.extend((tid, k) for k in range(room[tid], room[tid] + min(over, len(users))))
    return cols


def _optimal(
    tickets: Sequence[TicketFacts], techs: list[TechFacts], policy: Policy, order: list[int], inc: Workload
) -> list[Ranking]:
    evs = [evaluate(t, techs, policy) for t in tickets]
    base = {t.id: t.workload for t in techs}
    tech_by_id = {t.id: t for t in techs}
    room = {t.id: max(0, capacity_of(t, policy) - t.workload.active_tickets) for t in techs}
    allowed = [_allowed(ev) for ev in evs]
    overflow_ok = [policy.override_workload_limit or ev.overflow_allowed for ev in evs]
    kept, extra = _select_rows(order, allowed, room, overflow_ok)
    rows = kept + extra
    cols = _columns(rows, extra, evs, allowed, room, overflow_ok)
    by_tech: dict[str, list[tuple[int, int]]] = {}
    for c, (tid, k) in enumerate(cols):
        by_tech.setdefault(tid, []).append((c, k))
    cost = np.full((len(rows), max(1, len(cols))), FORBIDDEN)
    wl_cache: dict[tuple[str, int], float] = {}
    wi = FACTORS.index("workload")
    for r, i in enumerate(rows):
        ev = evs[i]
        weights = [ev.weights[f] for f in FACTORS]
        for tid, pen in allowed[i].items():
            d = ev.by_id[tid]
            values = [d.values[f] for f in FACTORS]
            for c, k in by_tech.get(tid, ()):
                overflow = k >= room[tid]
                if overflow and not overflow_ok[i]:
                    continue
                if (tid, k) not in wl_cache:
                    wl_cache[tid, k] = workload_factor(tech_by_id[tid], policy, add_load(base[tid], inc, k))[
                        0
                    ]
                values[wi] = 1.0 if d.pulled else wl_cache[tid, k]
                score = compose(values, weights, d.bonus)[2]
                extra_pen = PENALTY_OVERFLOW if overflow and not policy.override_workload_limit else 0.0
                cost[r, c] = pen + extra_pen - score
    assigned: dict[int, tuple[str, int]] = {}
    if rows and cols:
        for r, c in solve(cost):
            if cost[r, c] < FORBIDDEN / 2:
                assigned[rows[r]] = cols[c]
    # Compact each technician's slots (0, 1, 2, ...): a lower slot can only raise the score.
    per_tech: dict[str, list[int]] = {}
    for i in sorted(assigned, key=lambda i: assigned[i][1]):
        per_tech.setdefault(assigned[i][0], []).append(i)
    slot = {i: (tid, k) for tid, its in per_tech.items() for k, i in enumerate(its)}
    return _rankings(tickets, techs, policy, order, inc, slot, evs, len(rows))


def _rankings(
    tickets: Sequence[TicketFacts],
    techs: list[TechFacts],
    policy: Policy,
    order: list[int],
    inc: Workload,
    slot: dict[int, tuple[str, int]],
    evs: list[Evaluation],
    n_rows: int,
) -> list[Ranking]:
    """Explain each ticket as the queue looked at its turn: technicians carry the batch tickets
    assigned to them ahead of it (the chosen one exactly its slot)."""
    base = {t.id: t.workload for t in techs}
    position = {i: p for p, i in enumerate(order)}
    totals: dict[str, int] = {}
    for tid, _k in slot.values():
        totals[tid] = totals.get(tid, 0) + 1
    out: list[Ranking] = []
    for i, ticket in enumerate(tickets):
        if i not in slot:
            loads = {tid: add_load(base[tid], inc, n) for tid, n in totals.items()}
            out.append(decide(evaluate(ticket, techs, policy, workloads=loads), batch_full=True))
            continue
        chosen, k = slot[i]
        ahead: dict[str, int] = {}
        for j, (tid, _k) in slot.items():
            if tid != chosen and position[j] < position[i]:
                ahead[tid] = ahead.get(tid, 0) + 1
        loads = {tid: add_load(base[tid], inc, n) for tid, n in ahead.items()}
        loads[chosen] = add_load(base[chosen], inc, k)
        ev = evaluate(ticket, techs, policy, workloads=loads)
        best = best_eligible(ev)
        if ev.effects.assign_to:
            target = ev.by_id.get(ev.effects.assign_to[0][1])
            best = target if target is not None and target.tier is not None else best
        note = ""
        if best is not None and best.tech_id != chosen:
            note = explain.batch_note(chosen, ev.by_id[chosen].score, best.tech_id, best.score, n_rows)
        out.append(decide(ev, forced=chosen, batch_note=note))
    return out


# ---------------------------------------------------------------- the vectorized batch


def _greedy_vector(
    tickets: Sequence[TicketFacts], table: TechTable, policy: Policy, order: list[int], inc: Workload
) -> list[Ranking]:
    """_greedy over a TechTable: each ticket ranked at the loads the earlier ones left."""
    counts = np.zeros(table.n, dtype=np.int64)
    has_last, last_ts = table.has_last.copy(), table.last_ts.copy()
    last_at: dict[int, datetime] = {}
    now = aware(policy.now)
    out: list[Ranking | None] = [None] * len(tickets)
    for n, i in enumerate(order):
        loads = _loads(table, inc, counts, has_last, last_ts, last_at)
        ranking = rank_at(tickets[i], table, policy, loads)
        if ranking.selected is not None:
            t = table.index[ranking.selected]
            counts[t] += 1
            at = last_at[t] = now + timedelta(microseconds=n + 1)  # most recent last, for the rotation
            has_last[t], last_ts[t] = True, at.timestamp()
        out[i] = ranking
    return [r for r in out if r is not None]


def _loads(
    table: TechTable,
    inc: Workload,
    counts: np.ndarray,
    has_last: np.ndarray | None = None,
    last_ts: np.ndarray | None = None,
    last_at: dict[int, datetime] | None = None,
) -> Loads:
    """The snapshot's workloads plus `counts` batch tickets each (add_load's float operations)."""
    return Loads(
        table,
        table.active_tickets + inc.active_tickets * counts,
        table.estimated_hours + inc.estimated_hours * counts,
        table.weighted_hours + inc.weighted_hours * counts,
        has_last, last_ts, last_at,
    )  # fmt: skip


class _Rows:
    """Per ticket x technician arrays of the cost matrix's inputs: may take it (ignoring capacity),
    the penalty, the skill threshold, and the score's parts that do not depend on the slot."""

    def __init__(self, r: int, n: int) -> None:
        self.allowed = np.zeros((r, n), dtype=bool)
        self.pen = np.zeros((r, n))
        self.skill_ok = np.zeros((r, n), dtype=bool)
        self.head = np.zeros((r, n))  # skill + availability points (the additions before workload's)
        self.p3 = np.zeros((r, n))  # performance points
        self.p4 = np.zeros((r, n))  # customer preference points
        self.bonus = np.zeros((r, n))
        self.pulled = np.zeros((r, n), dtype=bool)  # workload counted free (factors.senior_pulled)
        self.w_workload = np.zeros(r)
        self.overflow_ok = np.zeros(r, dtype=bool)


def _batch_rows(tickets: Sequence[TicketFacts], table: TechTable, policy: Policy) -> _Rows:
    rows = _Rows(len(tickets), table.n)
    step = PENALTY_PREFERENCE_STEP if policy.strategy == "customer_preference" else 0.0
    for r, ticket in enumerate(tickets):
        ev = new_evaluation(ticket, policy, None)
        rows.w_workload[r] = ev.weight_list[FACTORS.index("workload")]
        rows.overflow_ok[r] = policy.override_workload_limit or ev.overflow_allowed
        if needs_reference(ticket, table, ev):
            _reference_row(rows, r, evaluate(ticket, table.techs, policy), table)
            continue
        sc = score(ticket, table, policy, None, ev, total=False)
        rows.allowed[r] = sc.hard_ok & sc.ok & (sc.skill_ok | ev.force)
        rows.skill_ok[r] = sc.skill_ok
        rows.pen[r] = np.where(sc.skill_ok, 0.0, PENALTY_UNQUALIFIED) + step * sc.pref_rank
        p = sc.points
        rows.head[r] = (np.zeros(table.n) + p[0]) + p[1]
        rows.p3[r], rows.p4[r], rows.bonus[r] = p[3], p[4], sc.bonus
        rows.pulled[r] = sc.pulled
    return rows


def _reference_row(rows: _Rows, r: int, ev: Evaluation, table: TechTable) -> None:
    """A ticket the vectorized path hands to the reference (assign_to, breached): its row from
    the one-by-one evaluation and _allowed."""
    for tid, pen in _allowed(ev).items():
        i = table.index[tid]
        d = ev.by_id[tid]
        pts = [round(d.values[f] * w * 100, 1) for f, w in zip(FACTORS, ev.weight_list, strict=True)]
        rows.allowed[r, i] = True
        rows.pen[r, i] = pen
        rows.head[r, i] = (0 + pts[0]) + pts[1]
        rows.p3[r, i], rows.p4[r, i], rows.bonus[r, i] = pts[3], pts[4], d.bonus
        rows.pulled[r, i] = d.pulled
    for d in ev.drafts:
        rows.skill_ok[r, table.index[d.tech_id]] = d.skill_ok


def _optimal_vector(
    tickets: Sequence[TicketFacts], table: TechTable, policy: Policy, order: list[int], inc: Workload
) -> list[Planned]:
    """_optimal with the cost matrix filled as arrays (the same floats, so the same optimum)."""
    n = table.n
    rows_in = _batch_rows(tickets, table, policy)
    capacity = np.maximum(1, np.where(table.own_capacity > 0, table.own_capacity, policy.max_tickets_per_technician))
    room_arr = np.maximum(0, capacity - table.active_tickets)
    room = {t: int(room_arr[t]) for t in range(n)}
    allowed_idx = [np.flatnonzero(rows_in.allowed[r]) for r in range(len(tickets))]
    adj = [[int(t) for t in allowed_idx[r] if room_arr[t] > 0] for r in range(len(tickets))]
    holders: dict[int, list[int]] = {t: [] for t in range(n)}
    dead: set[int] = set()
    kept = [i for i in order if adj[i] and _augment(i, adj, room, holders, dead)]
    kept_set = set(kept)
    extra = [i for i in order if i not in kept_set and rows_in.overflow_ok[i] and len(allowed_idx[i])]
    rows = kept + extra
    R = np.array(rows, dtype=np.int64)

    # Columns (_columns): each technician's normal slots, then its overflow slots.
    sub_allowed = rows_in.allowed[R]
    users = sub_allowed.sum(axis=0)
    over = len(extra) + (sub_allowed & rows_in.overflow_ok[R][:, None] & rows_in.skill_ok[R]).sum(axis=0)
    ct_parts: list[np.ndarray] = []
    ck_parts: list[np.ndarray] = []
    for used in map(int, np.flatnonzero(users)):
        normal = np.arange(min(room[used], int(users[used])))
        spill = np.arange(room[used], room[used] + min(int(over[used]), int(users[used])))
        ks = np.concatenate((normal, spill))
        ct_parts.append(np.full(len(ks), used, dtype=np.int64))
        ck_parts.append(ks)
    ct = np.concatenate(ct_parts) if ct_parts else np.zeros(0, dtype=np.int64)
    ck = np.concatenate(ck_parts) if ck_parts else np.zeros(0, dtype=np.int64)
    slot: dict[int, tuple[int, int]] = {}
    if len(rows) and len(ct):
        wl = workload_values(
            table, policy, table.active_tickets[ct] + inc.active_tickets * ck,
            table.estimated_hours[ct] + inc.estimated_hours * ck, table.weighted_hours[ct] + inc.weighted_hours * ck,
            capacity=capacity[ct],
        )  # fmt: skip
        grid = np.ix_(R, ct)
        # Workload points, round((cell x weight) x 100, 1), computed once per distinct weight and
        # column (a handful of weights: the SLA shift moves them by band) instead of per cell.
        weights, w_of_row = np.unique(rows_in.w_workload[R], return_inverse=True)
        p2 = pyround((wl[None, :] * weights[:, None]) * 100, 1)[w_of_row]
        pulled = rows_in.pulled[grid]
        if pulled.any():  # workload counted free: the cell is 1.0
            p2 = np.where(pulled, pyround((1.0 * weights) * 100, 1)[w_of_row][:, None], p2)
        points = [rows_in.head[grid], p2, rows_in.p3[grid], rows_in.p4[grid]]
        scores = compose_scores(points, rows_in.bonus[grid], start=False)
        overflow = ck >= room_arr[ct]
        extra_pen = np.where(overflow & (not policy.override_workload_limit), PENALTY_OVERFLOW, 0.0)
        cost = (rows_in.pen[grid] + extra_pen[None, :]) - scores
        forbidden = ~sub_allowed[:, ct] | (overflow[None, :] & ~rows_in.overflow_ok[R][:, None])
        cost[forbidden] = FORBIDDEN
        assigned: dict[int, tuple[int, int]] = {}
        for r, c in solve(cost):
            if cost[r, c] < FORBIDDEN / 2:
                assigned[rows[r]] = (int(ct[c]), int(ck[c]))
        # Compact each technician's slots (0, 1, 2, ...): a lower slot can only raise the score.
        per_tech: dict[int, list[int]] = {}
        for i in sorted(assigned, key=lambda i: assigned[i][1]):
            per_tech.setdefault(assigned[i][0], []).append(i)
        slot = {i: (t, k) for t, its in per_tech.items() for k, i in enumerate(its)}

    # Each ticket as the queue looked at its turn (_rankings): the loads it is explained at.
    plans: list[Planned | None] = [None] * len(tickets)
    counts = np.zeros(n, dtype=np.int64)
    for i in order:
        if i not in slot:
            continue
        t, k = slot[i]
        mult = counts.copy()
        mult[t] = k
        plans[i] = Planned(tickets[i], table, policy, inc, mult, forced=table.ids[t], rows=len(rows))
        counts[t] += 1
    for i in range(len(tickets)):
        if plans[i] is None:
            plans[i] = Planned(tickets[i], table, policy, inc, counts, forced=None, rows=len(rows))
    return [p for p in plans if p is not None]


class Planned:
    """One ticket's place in an optimised batch: the technician chosen (None: no slot left), and
    its full Ranking, explained at its turn, written only when asked for (`ranking()`): the batch
    dispatch stores a new decision only where the advice changed, and most have not."""

    __slots__ = ("ticket", "table", "policy", "inc", "counts", "selected", "rows", "_ranking")

    def __init__(
        self,
        ticket: TicketFacts,
        table: TechTable,
        policy: Policy,
        inc: Workload,
        counts: np.ndarray,
        forced: str | None,
        rows: int,
        ranking: Ranking | None = None,
    ) -> None:
        self.ticket, self.table, self.policy, self.inc, self.counts = ticket, table, policy, inc, counts
        self.selected, self.rows, self._ranking = forced, rows, ranking

    @property
    def ticket_id(self) -> str:
        return self.ticket.id

    def ranking(self) -> Ranking:
        if self._ranking is None:
            loads = _loads(self.table, self.inc, self.counts)
            if self.selected is not None:
                self._ranking = rank_at(self.ticket, self.table, self.policy, loads, forced=self.selected, batch_rows=self.rows)
            else:
                self._ranking = rank_at(self.ticket, self.table, self.policy, loads, batch_full=True)
        return self._ranking


def plan_batch(
    tickets: Sequence[TicketFacts], techs: Sequence[TechFacts], policy: Policy, table: TechTable, optimise: bool = True
) -> list[Planned]:
    """rank_batch over a TechTable with the explanations left for later: who gets what (the same
    optimum), each ticket's Ranking written when `Planned.ranking()` asks for it. Greedy batches
    (and round robin) are sequential by nature and come explained."""
    unique = list({t.id: t for t in reversed(techs)}.values())[::-1]
    if not tickets:
        return []
    if not policy.dispatching_enabled or table.ids != [t.id for t in unique] or not optimise or policy.strategy == "round_robin":
        zero = np.zeros(table.n, dtype=np.int64)
        done = rank_batch(tickets, techs, policy, optimise=optimise, table=table)
        return [Planned(t, table, policy, Workload(), zero, r.selected, 0, r) for t, r in zip(tickets, done, strict=True)]
    return _optimal_vector(tickets, table, policy, urgency_order(tickets, policy.now), load_increment(list(tickets)))
