"""The discrete-event simulation: technicians working their queues on shift, bounces of
wrong-skill assignments, hand-back at the end of a shift, and a pluggable dispatcher.

Model, in one paragraph: a ticket is assigned to one technician at a time. A technician works
one ticket at a time, taking the most urgent of their queue (priority, then SLA due, then age)
whenever they are on shift (on call: only High/Critical tickets). The first time a technician
starts a ticket they look at it; if they lack its skills (match below the threshold) they give
it back with probability `bounce_probability` after a short look (a handoff; the ticket is
re-dispatched without them, and its category is corrected). Otherwise they work it for
work_base x skill-fit factor x familiarity factor minutes, spread over as many shifts as it
takes. Tickets a technician has not started when their shift ends go back to dispatch
(no handoff: nobody had touched them).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Protocol

from dispatch.engine.types import CompanyHistory, Experience

from .catalogue import PRIORITY_RANK
from .clock import Span, SpanIndex
from .desk import Desk, TechProfile, Ticket, category_skills, skill_match, time_factor
from .events import (
    ARRIVAL,
    DUTY_END,
    DUTY_START,
    FINISH,
    ONCALL_END,
    ONCALL_START,
    EventQueue,
)

PAGED = frozenset({"High", "Critical"})


class Dispatcher(Protocol):
    name: str

    def attach(self, sim: Simulation) -> None: ...

    def submit(self, ticket: Ticket) -> None:
        """The ticket needs a technician (new, bounced or handed back)."""

    def availability_changed(self) -> None:
        """Someone came on shift or on call."""

    def capacity_freed(self, tech: TechState) -> None:
        """A technician finished a ticket."""

    def handle(self, kind: int, payload: Any) -> None:
        """One of the dispatcher's own events."""


class TechState:
    """A technician's live state in one run."""

    __slots__ = (
        "p", "idx", "id", "duty", "oncall", "on_duty", "on_call", "queue", "current", "seg_start",
        "version", "segments", "stats", "company_tickets", "last_assigned", "changed", "resolved",
        "experience", "company_history",
    )  # fmt: skip

    def __init__(self, profile: TechProfile) -> None:
        self.p = profile
        self.idx = profile.idx
        self.id = profile.id
        self.duty = SpanIndex(profile.duty)
        self.oncall = SpanIndex(profile.on_call)
        self.on_duty = False
        self.on_call = False
        self.queue: list[Ticket] = []
        self.current: Ticket | None = None
        self.seg_start = 0.0
        self.version = 0
        self.segments: list[Span] = []  # worked spans
        # category -> [resolved, sum of resolution hours, resolved within SLA]
        self.stats: dict[str, list[float]] = {}
        self.company_tickets: dict[str, int] = {}
        # What the engine sees, kept up to date on each resolution (copied into the facts).
        self.experience: dict[str, Experience] = {}
        self.company_history: dict[str, CompanyHistory] = {}
        self.last_assigned: float | None = None
        self.changed = 0  # bumped whenever the facts the engine sees change
        self.resolved = 0

    def active(self) -> int:
        return len(self.queue) + (1 if self.current is not None else 0)

    def can_work(self, ticket: Ticket) -> bool:
        return self.on_duty or (self.on_call and ticket.priority in PAGED)

    def familiar(self, ticket: Ticket, after: int) -> bool:
        return (
            self.id in ticket.company.account_techs or self.company_tickets.get(ticket.company.id, 0) >= after
        )


def urgency_key(t: Ticket) -> tuple[int, float, float]:
    due = t.response_due if t.first_response is None else t.resolution_due
    return (-PRIORITY_RANK[t.priority], due, t.created)


class Simulation:
    def __init__(
        self, desk: Desk, dispatcher: Dispatcher, on_event: Callable[[float, int], None] | None = None
    ) -> None:
        self.desk = desk
        self.p = desk.params
        self.now = 0.0
        self.q = EventQueue()
        self.techs = [TechState(tp) for tp in desk.techs]
        self.by_id = {t.id: t for t in self.techs}
        self.tickets = desk.tickets
        for t in self.tickets:
            t.reset()
        self.dispatcher = dispatcher
        self.unresolved = len(self.tickets)
        self.on_event = on_event
        self.events = 0
        # The most anyone has resolved per category: the engine reads each technician's standing
        # against it, as train_models provides in production.
        self.leaders: dict[str, float] = {}
        self.leaders_version = 0  # bumped whenever a leader's count grows
        dispatcher.attach(self)

    # --- the loop -------------------------------------------------------------------------
    def run(self, until: float | None = None, progress: Callable[[float], None] | None = None) -> Simulation:
        end = until if until is not None else self.desk.horizon_days * 1440.0
        for t in self.tickets:
            self.q.push(t.created, ARRIVAL, t)
        for tech in self.techs:
            for a, b in tech.p.duty:
                if b > 0 and a < end:
                    self.q.push(max(a, 0.0), DUTY_START, tech)
                    self.q.push(b, DUTY_END, tech)
            for a, b in tech.p.on_call:
                if b > 0 and a < end:
                    self.q.push(max(a, 0.0), ONCALL_START, tech)
                    self.q.push(b, ONCALL_END, tech)
        handlers = {
            FINISH: self._finish, DUTY_END: self._duty_end, ONCALL_END: self._oncall_end,
            DUTY_START: self._duty_start, ONCALL_START: self._oncall_start, ARRIVAL: self._arrival,
        }  # fmt: skip
        last_report = 0.0
        while self.q and self.unresolved > 0:
            time, kind, payload = self.q.pop()
            if time > end:
                break
            self.now = time
            self.events += 1
            if self.on_event is not None:
                self.on_event(time, kind)
            handler = handlers.get(kind)
            if handler is not None:
                handler(payload)
            else:
                self.dispatcher.handle(kind, payload)
            if progress is not None and time - last_report >= 1440.0:
                progress(time)
                last_report = time
        return self

    # --- events ---------------------------------------------------------------------------
    def _arrival(self, ticket: Ticket) -> None:
        self.dispatcher.submit(ticket)

    def _duty_start(self, tech: TechState) -> None:
        tech.on_duty = True
        self.try_start(tech)
        self.dispatcher.availability_changed()

    def _oncall_start(self, tech: TechState) -> None:
        tech.on_call = True
        self.try_start(tech)
        self.dispatcher.availability_changed()

    def _duty_end(self, tech: TechState) -> None:
        tech.on_duty = False
        paged_next = tech.oncall.contains(self.now)
        self._stop_if_not_allowed(tech, paged_next)
        self._hand_back(tech, keep=(lambda t: t.priority in PAGED) if paged_next else None)
        self.try_start(tech)

    def _oncall_end(self, tech: TechState) -> None:
        tech.on_call = False
        if tech.duty.contains(self.now):  # a shift starts right now: keep everything
            return
        self._stop_if_not_allowed(tech, False)
        self._hand_back(tech, keep=None)

    def _stop_if_not_allowed(self, tech: TechState, paged_next: bool) -> None:
        cur = tech.current
        if cur is not None and not (tech.on_duty or (paged_next and cur.priority in PAGED)):
            self.pause(tech)

    def _hand_back(self, tech: TechState, keep: Callable[[Ticket], bool] | None) -> None:
        """Unstarted tickets go back to dispatch when the technician leaves (no handoff)."""
        back = [t for t in tech.queue if not t.started and not (keep and keep(t))]
        if not back:
            return
        tech.queue = [t for t in tech.queue if t.started or (keep and keep(t))]
        tech.changed += 1
        for t in sorted(back, key=urgency_key):
            t.holder = None
            self.dispatcher.submit(t)

    def _finish(self, payload: tuple[TechState, int]) -> None:
        tech, version = payload
        if version != tech.version or tech.current is None:
            return  # superseded by a pause
        ticket = tech.current
        tech.segments.append((tech.seg_start, self.now))
        self._charge(tech, ticket, self.now - tech.seg_start)
        tech.current = None
        tech.version += 1
        tech.changed += 1
        if ticket.bouncing:
            self._bounce(tech, ticket)
        else:
            self._resolve(tech, ticket)
        self.try_start(tech)
        self.dispatcher.capacity_freed(tech)

    # --- actions --------------------------------------------------------------------------
    def assign(self, ticket: Ticket, tech: TechState) -> None:
        ticket.holder = tech.idx
        ticket.assigned_at = self.now
        ticket.assignments += 1
        ticket.started = False
        ticket.remaining = None
        if ticket.first_assigned is None:
            ticket.first_assigned = self.now
            ticket.first_right = (
                skill_match(tech.p.skills, category_skills(ticket.true_category)) >= self.p.skill_threshold
            )
        tech.queue.append(ticket)
        tech.last_assigned = self.now
        tech.changed += 1
        self.try_start(tech)

    def try_start(self, tech: TechState) -> None:
        if tech.current is not None or not tech.queue:
            return
        best = None
        for t in tech.queue:
            if tech.can_work(t) and (best is None or urgency_key(t) < urgency_key(best)):
                best = t
        if best is not None:
            tech.queue.remove(best)
            self._start(tech, best)

    def _start(self, tech: TechState, ticket: Ticket) -> None:
        if not ticket.started:
            ticket.started = True
            ticket.touched_by.append(tech.idx)
            if ticket.first_response is None:
                ticket.first_response = self.now
            k = min(len(ticket.u) - 1, len(ticket.touched_by) - 1)
            required = category_skills(ticket.true_category)
            lacks = skill_match(tech.p.skills, required) < self.p.skill_threshold
            if lacks and not ticket.forced and ticket.u[k] < self.p.bounce_probability:
                ticket.bouncing = True
                ticket.remaining = ticket.look[k]
            else:
                ticket.bouncing = False
                fam = self.p.familiarity_factor if tech.familiar(ticket, self.p.familiar_after) else 1.0
                ticket.remaining = ticket.work_base * time_factor(tech.p.skills, required) * fam
        tech.current = ticket
        tech.seg_start = self.now
        tech.version += 1
        tech.changed += 1
        self.q.push(self.now + (ticket.remaining or 0.0), FINISH, (tech, tech.version))

    def pause(self, tech: TechState) -> None:
        ticket = tech.current
        assert ticket is not None
        worked = self.now - tech.seg_start
        if worked > 0:
            tech.segments.append((tech.seg_start, self.now))
            self._charge(tech, ticket, worked)
        ticket.remaining = max(0.0, (ticket.remaining or 0.0) - worked)
        ticket.logged += worked
        tech.current = None
        tech.changed += 1
        tech.version += 1
        tech.queue.append(ticket)

    @staticmethod
    def _charge(tech: TechState, ticket: Ticket, minutes: float) -> None:
        """Book minutes worked on a ticket at the technician's hourly cost."""
        ticket.worked += minutes
        ticket.cost += minutes / 60 * tech.p.hourly_cost

    def _bounce(self, tech: TechState, ticket: Ticket) -> None:
        ticket.handoffs += 1
        ticket.bouncing = False
        ticket.started = False
        ticket.holder = None
        ticket.remaining = None
        ticket.logged = 0.0
        ticket.excluded = (*ticket.excluded, tech.id)
        ticket.category = ticket.true_category  # whoever looked at it knows what it really is
        soon = self.now + 3 * 1440.0
        if not any(
            self.qualifies(t, ticket) and (t.duty.next_start(self.now) or math.inf) < soon for t in self.techs
        ):
            # Everyone who could take it in the next days has given it back: the team lead hands
            # it to someone and it stays there (no more exclusions, no more bounces).
            ticket.excluded = ()
            ticket.forced = True
        self.dispatcher.submit(ticket)

    def _resolve(self, tech: TechState, ticket: Ticket) -> None:
        ticket.resolved = self.now
        ticket.remaining = 0.0
        self.unresolved -= 1
        tech.resolved += 1
        hours = (self.now - ticket.created) / 60
        on_time = 1.0 if self.now <= ticket.resolution_due else 0.0
        for key in (ticket.true_category, "*"):
            s = tech.stats.setdefault(key, [0.0, 0.0, 0.0])
            s[0] += 1
            s[1] += hours
            s[2] += on_time
            tech.experience[key] = Experience(
                resolved=s[0], avg_resolution_hours=s[1] / s[0], on_time_rate=s[2] / s[0]
            )
            if key != "*" and s[0] > self.leaders.get(key, 0.0):
                self.leaders[key] = s[0]
                self.leaders_version += 1
        co = ticket.company.id
        tech.company_tickets[co] = n = tech.company_tickets.get(co, 0) + 1
        tech.company_history[co] = CompanyHistory(tickets=n)

    # --- what a dispatcher may look at --------------------------------------------------------
    def can_take(self, tech: TechState, ticket: Ticket) -> bool:
        """Available for this ticket now and passing the hard filters (the engine's too)."""
        return tech.can_work(ticket) and self.qualifies(tech, ticket)

    @staticmethod
    def qualifies(tech: TechState, ticket: Ticket) -> bool:
        """The engine's hard filters: not excluded, speaks the language, can go on site."""
        return (
            tech.id not in ticket.excluded
            and (ticket.language is None or ticket.language in tech.p.languages)
            and (not ticket.onsite or tech.p.onsite_capable)
        )
