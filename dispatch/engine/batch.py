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
from collections.abc import Sequence
from datetime import datetime, timedelta

import numpy as np
from scipy.optimize import linear_sum_assignment

from .availability import aware
from .factors import add_load, capacity_of, load_increment, priority_rank, sla_urgency, workload_factor
from .ranking import Evaluation, best_eligible, decide, disabled_ranking, evaluate
from .strategies import compose
from .types import FACTORS, Policy, Ranking, TechFacts, TicketFacts, Workload

PENALTY_PREFERENCE_STEP = 200.0  # customer_preference: preferred, then account technicians first
PENALTY_OVERFLOW = 1_000.0
PENALTY_UNQUALIFIED = 2_000.0
PENALTY_OFF_TARGET = 4_000.0
FORBIDDEN = 1e12


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
    tickets: Sequence[TicketFacts], techs: Sequence[TechFacts], policy: Policy, optimise: bool = True
) -> list[Ranking]:
    """One Ranking per ticket, in the order given (see the module docstring for the method)."""
    if not tickets:
        return []
    if not policy.dispatching_enabled:
        return [disabled_ranking(t, policy, None) for t in tickets]
    unique = list({t.id: t for t in reversed(techs)}.values())[::-1]  # first of each id wins
    order = urgency_order(tickets, policy.now)
    inc = load_increment(list(tickets))
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


def _augment(row: int, adj: list[list[str]], room: dict[str, int], holders: dict[str, list[int]]) -> bool:
    """Add `row` to the matching via a shortest augmenting path over technicians (BFS)."""
    parent: dict[str, tuple[int, str | None]] = {}
    queue: deque[str] = deque()
    for tid in adj[row]:
        if tid not in parent:
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
                if nxt not in parent:
                    parent[nxt] = (r, tid)
                    queue.append(nxt)
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
    a technician is qualified for (qualified-past-capacity ranks above below-threshold, as in rank)."""
    cols: list[tuple[str, int]] = []
    for tid in room:
        users = [i for i in rows if tid in allowed[i]]
        if not users:
            continue
        over = len(extra) + sum(1 for i in users if overflow_ok[i] and evs[i].by_id[tid].skill_ok)
        cols.extend((tid, k) for k in range(min(room[tid], len(rows))))
        cols.extend((tid, k) for k in range(room[tid], room[tid] + min(over, len(rows))))
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
                values[wi] = wl_cache[tid, k]
                score = compose(values, weights, d.bonus)[2]
                extra_pen = PENALTY_OVERFLOW if overflow and not policy.override_workload_limit else 0.0
                cost[r, c] = pen + extra_pen - score
    assigned: dict[int, tuple[str, int]] = {}
    if rows and cols:
        for r, c in zip(*linear_sum_assignment(cost), strict=True):
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
            score = ev.by_id[chosen].score
            note = (
                f"Batch optimiser chose {chosen} ({score:g}) over {best.tech_id} ({best.score:g}) "
                f"to maximise the total score across {n_rows} tickets"
            )
        out.append(decide(ev, forced=chosen, batch_note=note))
    return out
