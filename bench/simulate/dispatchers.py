"""Who decides which technician gets a ticket: a manual-like human dispatcher, the engine one
ticket at a time (any strategy), or the engine's batch optimiser every few minutes.
"""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

from dispatch.engine import rank, rank_batch
from dispatch.engine.types import TechFacts

from .desk import Ticket, category_skills, skill_match
from .events import DISPATCH, RETRY, TICK
from .facts import FactsBuilder, paged
from .sim import Simulation, TechState, urgency_key

ENGINE_STRATEGIES = ("round_robin", "least_busy", "skills_based", "hybrid")
STRATEGIES = ("manual", *ENGINE_STRATEGIES, "hybrid_batch")
LABELS = {
    "manual": "manual-like",
    "round_robin": "round robin",
    "least_busy": "least busy",
    "skills_based": "skills-based",
    "hybrid": "hybrid",
    "hybrid_batch": "hybrid + batch",
}
CAPACITY_CODES = frozenset({"ALL_TECHNICIANS_AT_CAPACITY"})



def below_threshold(ranking: Any) -> bool:
    """The ticket waits although someone is in, below the skill threshold (the qualified ones away,
    or nobody qualified): forcing it near the deadline would place it."""
    if ranking.error_code not in (
        "SKILL_MATCH_BELOW_THRESHOLD", "NO_QUALIFIED_TECHNICIANS_AVAILABLE", "BUSINESS_HOURS_RESTRICTION"
    ):
        return False
    return any(c.available and set(c.blocked_by) <= {"skill_threshold", "capacity"} for c in ranking.candidates)

class EngineDispatcher:
    """`dispatch.engine.rank` on each ticket a few seconds after it needs a technician.

    Tickets nobody can take (nobody on shift who may work them, everyone at capacity) wait in a
    pending list, reconsidered when someone comes on shift / on call or frees capacity.
    """

    def __init__(self, strategy: str, seed: int) -> None:
        self.name = strategy
        self.strategy = strategy
        self.rng = random.Random(f"engine-{strategy}-{seed}")
        self.pending: dict[str, Ticket] = {}
        self.pending_code: dict[str, str | None] = {}
        self.retry_at: float | None = None
        self.calls = 0
        self.full_pool = False
        self.escalation_due: dict[str, float] = {}

    def attach(self, sim: Simulation) -> None:
        self.sim = sim
        self.facts = FactsBuilder(sim)
        lo, hi = sim.p.engine_delay_s
        self.delay = (lo / 60, hi / 60)
        # The engine scales hourly cost between the cheapest and dearest rate it is given
        # (factors.cost_range), so a pruned pool always carries those two technicians.
        priced = [t for t in sim.techs if t.p.hourly_cost > 0]
        self.cost_bounds: tuple[TechState, ...] = (
            (min(priced, key=lambda t: t.p.hourly_cost), max(priced, key=lambda t: t.p.hourly_cost))
            if priced
            else ()
        )

    def pruned(self, states: list[TechState], paged_ticket: bool) -> list[TechFacts]:
        """Facts for `states` plus the desk's cheapest and dearest technicians if missing: they
        are not selectable unless already in `states`, but they set the engine's cost range."""
        extra = [t for t in dict.fromkeys(self.cost_bounds) if t not in states]
        return [self.facts.tech(t, paged_ticket) for t in [*states, *extra]]

    def submit(self, ticket: Ticket) -> None:
        self.sim.q.push(self.sim.now + self.rng.uniform(*self.delay), DISPATCH, ticket)

    def pool(self, ticket: Ticket) -> list[TechFacts] | None:
        """The technicians to rank, or None when none of them could be selected.

        Pruning is exact: the engine never selects a technician who is unavailable (off shift,
        time off, not on call for a paged ticket) or fails a hard filter (language, on-site,
        excluded), and such technicians do not influence anyone else's score, except through the
        desk's cost range, so the cheapest and dearest technicians are always passed. With
        `full_pool` every technician is passed (the tests check both give the same choice).
        """
        p = paged(ticket)
        cap = self.sim.p.max_tickets_per_technician
        usable = [t for t in self.sim.techs if self.sim.can_take(t, ticket)]
        if not any(t.active() < cap for t in usable):
            return None
        if self.full_pool:
            return self.facts.techs(p)
        return self.pruned(usable, p)

    def availability_changed(self) -> None:
        if self.pending:
            self._schedule_retry()

    def capacity_freed(self, tech: TechState) -> None:
        if any(code in CAPACITY_CODES for code in self.pending_code.values()):
            self._schedule_retry()

    def _schedule_retry(self) -> None:
        if self.retry_at != self.sim.now:
            self.retry_at = self.sim.now
            self.sim.q.push(self.sim.now, RETRY, None)

    def handle(self, kind: int, payload: Any) -> None:
        if kind == DISPATCH:
            self.place(payload)
        elif kind == RETRY:
            waiting = sorted(self.pending.values(), key=urgency_key)
            self.pending.clear()
            self.pending_code.clear()
            for t in waiting:
                self.place(t)

    def place(self, ticket: Ticket) -> None:
        if ticket.holder is not None or ticket.resolved is not None:
            return
        pool = self.pool(ticket)
        if pool is None:  # nobody could take it: the engine would say so, no need to ask
            self.pending[ticket.id] = ticket
            self.pending_code[ticket.id] = "NO_QUALIFIED_TECHNICIANS_AVAILABLE"
            return
        policy = self.facts.policy_at(self.sim.now)
        if self.escalated(ticket):
            policy = replace(policy, force_assignment=True)
        ranking = rank(self.facts.ticket(ticket), pool, policy, self.strategy)
        self.calls += 1
        if ranking.selected is not None:
            self.sim.assign(ticket, self.sim.by_id[ranking.selected])
        else:
            self.wait(ticket, ranking.error_code, below_threshold(ranking))

    def wait(self, ticket: Ticket, code: str | None, below: bool) -> None:
        """Keep the ticket pending; below-threshold waits get an escalation call near the deadline."""
        self.pending[ticket.id] = ticket
        self.pending_code[ticket.id] = code
        if below and ticket.id not in self.escalation_due:
            at = max(self.sim.now, self.deadline(ticket) - self.sim.p.escalate_before_due_min)
            self.escalation_due[ticket.id] = at
            self.sim.q.push(at, DISPATCH, ticket)

    @staticmethod
    def deadline(ticket: Ticket) -> float:
        return ticket.response_due if ticket.first_response is None else ticket.resolution_due

    def escalated(self, ticket: Ticket) -> bool:
        """With force_assignment off, a ticket whose SLA deadline is near is forced by a person
        acting on the escalation. (With force_urgent_only the engine does this itself: the
        policy's force_scope "urgent", the desk setting below_threshold = urgent.)"""
        p = self.sim.p
        return not p.force_assignment and self.sim.now >= self.deadline(ticket) - p.escalate_before_due_min


class BatchDispatcher(EngineDispatcher):
    """Queue tickets and dispatch them together every `batch_interval_min` with rank_batch."""

    def __init__(self, seed: int, optimise: bool = True, strategy: str = "hybrid") -> None:
        super().__init__(strategy, seed)
        self.name = "hybrid_batch" if optimise else "hybrid_greedy_batch"
        self.optimise = optimise
        self.fresh: dict[str, Ticket] = {}
        self.dirty = False
        self.tick_at: float | None = None
        self.batches: list[dict[str, Any]] = []
        self.record = False

    def submit(self, ticket: Ticket) -> None:
        self.fresh[ticket.id] = ticket
        self._schedule_tick()

    def availability_changed(self) -> None:
        self.dirty = True
        if self.pending:
            self._schedule_tick()

    def capacity_freed(self, tech: TechState) -> None:
        if any(code in CAPACITY_CODES for code in self.pending_code.values()):
            self.dirty = True
            self._schedule_tick()

    def _schedule_tick(self) -> None:
        step = self.sim.p.batch_interval_min
        at = (int(self.sim.now // step) + 1) * step
        if self.tick_at is None or self.tick_at < self.sim.now:
            self.tick_at = at
            self.sim.q.push(at, TICK, None)

    def handle(self, kind: int, payload: Any) -> None:
        if kind == DISPATCH:  # an escalation (force_assignment off): decided on its own
            self.place(payload)
            return
        if kind != TICK:
            return
        self.tick_at = None
        batch = list(self.fresh.values())
        self.fresh.clear()
        if self.dirty and self.pending:
            batch += self.pending.values()
            self.pending.clear()
            self.pending_code.clear()
        self.dirty = False
        batch = [t for t in batch if t.holder is None and t.resolved is None]
        for t in [t for t in batch if self.escalated(t)]:
            batch.remove(t)
            self.place(t)
        if not batch:
            return
        self.dispatch_batch(batch)
        if self.fresh:
            self._schedule_tick()

    def dispatch_batch(self, batch: list[Ticket]) -> None:
        """Paged (High/Critical) tickets see the on-call rota; the rest do not, so a batch is
        split in two engine calls when it mixes them."""
        now = self.sim.now
        policy = self.facts.policy_at(now)
        for group_paged in (True, False):
            group = [t for t in batch if paged(t) == group_paged]
            if not group:
                continue
            if self.full_pool:
                techs = self.facts.techs(group_paged)
            else:
                usable = [t for t in self.sim.techs if any(self.sim.can_take(t, x) for x in group)]
                techs = self.pruned(usable, group_paged) if usable else []
            if not techs:
                for t in group:
                    self.pending[t.id] = t
                    self.pending_code[t.id] = "NO_QUALIFIED_TECHNICIANS_AVAILABLE"
                continue
            facts = [self.facts.ticket(t) for t in group]
            rankings = rank_batch(facts, techs, policy, optimise=self.optimise)
            self.calls += 1
            by_id = {t.id: t for t in group}
            for r in rankings:
                ticket = by_id[r.ticket_id]
                if r.selected is not None:
                    self.sim.assign(ticket, self.sim.by_id[r.selected])
                else:
                    self.wait(ticket, r.error_code, below_threshold(r))
            if self.record and len(group) >= 2:
                self.batches.append(
                    {"at": now, "tickets": facts, "techs": techs, "policy": policy, "rankings": rankings}
                )


class ManualDispatcher:
    """A human dispatcher, modelled on what MSP desks describe before automation.

    - Reaction delay: 10-40 min while the dispatcher is at the desk (business hours); off hours
      an evening lead glances at the board every few hours (60-240 min, or the next morning,
      whichever is sooner); Critical tickets off hours come in by phone (15-45 min).
    - Choice: with probability `manual_knows_skill` the dispatcher deliberately picks someone with
      the skills (the account technician when one is on shift and fits, else the least busy of
      the right people half the time, anyone of them otherwise); the rest of the time they grab
      whoever is on shift (random). Spanish speakers for Spanish tickets and on-site capable
      technicians for on-site work are always respected. Nobody past `max_tickets_per_technician`.
    - When nobody can take the ticket it waits until someone comes on shift, plus a new delay.
    """

    name = "manual"

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(f"manual-{seed}")
        self.waiting: dict[str, Ticket] = {}

    def attach(self, sim: Simulation) -> None:
        self.sim = sim
        self.p = sim.p

    def _delay(self, ticket: Ticket) -> float:
        now = self.sim.now
        business = self.sim.desk.business
        if business.contains(now):
            return self.rng.uniform(*self.p.manual_day_delay_min)
        if ticket.priority == "Critical":
            return self.rng.uniform(*self.p.manual_critical_delay_min)
        night = self.rng.uniform(*self.p.manual_night_delay_min)
        opens = business.next_start(now)
        if opens is not None:
            night = min(night, opens - now + self.rng.uniform(*self.p.manual_day_delay_min))
        return night

    def submit(self, ticket: Ticket) -> None:
        self.sim.q.push(self.sim.now + self._delay(ticket), DISPATCH, ticket)

    def availability_changed(self) -> None:
        if self.waiting:
            waiting = sorted(self.waiting.values(), key=urgency_key)
            self.waiting.clear()
            for t in waiting:
                self.submit(t)

    def capacity_freed(self, tech: TechState) -> None:
        return

    def handle(self, kind: int, payload: Any) -> None:
        if kind == DISPATCH:
            self.place(payload)

    def place(self, ticket: Ticket) -> None:
        if ticket.holder is not None or ticket.resolved is not None:
            return
        tech = self.choose(ticket)
        if tech is None:
            self.waiting[ticket.id] = ticket
        else:
            self.sim.assign(ticket, tech)

    def choose(self, ticket: Ticket) -> TechState | None:
        cap = self.p.max_tickets_per_technician
        pool = [t for t in self.sim.techs if t.active() < cap and self.sim.can_take(t, ticket)]
        if not pool:
            return None
        rng = self.rng
        if rng.random() < self.p.manual_knows_skill:
            required = category_skills(ticket.true_category)  # a human reads the ticket itself
            right = [t for t in pool if skill_match(t.p.skills, required) >= self.p.skill_threshold]
            if right:
                account = [t for t in right if t.id in ticket.company.account_techs]
                if account and rng.random() < self.p.manual_account_tech:
                    return rng.choice(account)
                if rng.random() < 0.5:
                    return min(right, key=lambda t: (t.active(), t.idx))
                return rng.choice(right)
        return rng.choice(pool)


def make_dispatcher(name: str, seed: int) -> EngineDispatcher | ManualDispatcher:
    if name == "manual":
        return ManualDispatcher(seed)
    if name == "hybrid_batch":
        return BatchDispatcher(seed, optimise=True)
    if name == "hybrid_greedy_batch":
        return BatchDispatcher(seed, optimise=False)
    if name in ENGINE_STRATEGIES:
        return EngineDispatcher(name, seed)
    raise ValueError(f"unknown strategy {name!r}; expected one of {', '.join(STRATEGIES)}")
