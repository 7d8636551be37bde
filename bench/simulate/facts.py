"""Engine inputs built from the simulation's live state.

Per technician the static part (skills, schedule, time off, on-call rota, location) is built
once per run, in two variants: with the on-call rota (for High/Critical tickets, which page the
on-call technician) and without it. Per call only the live part changes, and only for
technicians whose state changed since their facts were last built (`dataclasses.replace` of
workload, experience, customer history and last assignment; experience carries each
technician's standing against the category's current leader, as in production).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from dispatch.engine.factors import typical_ticket
from dispatch.engine.types import (
    PRIORITY_WORKLOAD_WEIGHT,
    BusinessHours,
    GeoPoint,
    Interval,
    Policy,
    Shift,
    TechFacts,
    TicketFacts,
    Workload,
)

from .catalogue import CATEGORY_BY_NAME
from .desk import Desk, Ticket

if TYPE_CHECKING:
    from .sim import Simulation, TechState

PAGED = frozenset({"High", "Critical"})


class FactsBuilder:
    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        desk: Desk = sim.desk
        self.clock = desk.clock
        p = desk.params
        dt = self.clock.dt
        self.base: dict[bool, list[TechFacts]] = {False: [], True: []}
        for tp in desk.techs:
            plain = TechFacts(
                id=tp.id, name=tp.name, seniority=tp.seniority, timezone=tp.timezone,
                location=GeoPoint(tp.lat, tp.lon, tp.city), onsite_capable=tp.onsite_capable,
                languages=tp.languages, skills=dict(tp.skills),
                schedule=(Shift(tp.days, tp.start, tp.end),),
                time_off=tuple(Interval(dt(a), dt(b), "time off") for a, b in tp.time_off),
                specialization=tp.team, hourly_cost=tp.hourly_cost,
            )  # fmt: skip
            self.base[False].append(plain)
            self.base[True].append(
                replace(plain, on_call=tuple(Interval(dt(a), dt(b), "on call") for a, b in tp.on_call_raw))
            )
        self._cache: dict[bool, list[tuple[tuple[int, int], TechFacts] | None]] = {
            False: [None] * len(desk.techs),
            True: [None] * len(desk.techs),
        }
        self.policy = Policy(
            now=self.clock.t0, max_tickets_per_technician=p.max_tickets_per_technician,
            skill_match_threshold=int(p.skill_threshold), force_assignment=p.force_assignment,
            force_scope="urgent" if p.force_urgent_only else "always",
            force_window_minutes=int(p.escalate_before_due_min),
            hours_per_ticket=typical_hours(desk),
            business_hours=BusinessHours(timezone=p.desk_timezone),
        )  # fmt: skip
        if p.weights is not None:
            self.policy = replace(self.policy, weights=dict(p.weights))
        if p.sla_priority_weight is not None:
            self.policy = replace(self.policy, sla_priority_weight=p.sla_priority_weight)

    def policy_at(self, now: float, strategy: str = "hybrid") -> Policy:
        return replace(self.policy, now=self.clock.dt(now), strategy=strategy)

    def tech(self, tech: TechState, paged: bool) -> TechFacts:
        cache = self._cache[paged]
        hit = cache[tech.idx]
        version = (tech.changed, self.sim.leaders_version)
        if hit is not None and hit[0] == version:
            return hit[1]
        leaders = self.sim.leaders
        facts = replace(
            self.base[paged][tech.idx],
            workload=workload(tech),
            experience={
                key: e if key == "*" else replace(e, relative=e.resolved / leaders[key])
                for key, e in tech.experience.items()
            },
            company_history=dict(tech.company_history),
            last_assigned_at=self.clock.dt(tech.last_assigned) if tech.last_assigned is not None else None,
        )
        cache[tech.idx] = (version, facts)
        return facts

    def techs(self, paged: bool) -> list[TechFacts]:
        return [self.tech(t, paged) for t in self.sim.techs]

    def ticket(self, t: Ticket) -> TicketFacts:
        dt = self.clock.dt
        co = t.company
        responded = t.first_response is not None
        return TicketFacts(
            id=t.id, subject=f"{t.category} issue", category=t.category, priority=t.priority,
            company_id=co.id, company_name=co.name, company_tier=co.tier,
            category_required_skills=CATEGORY_BY_NAME[t.category].required_skills,
            complexity=t.complexity, created_at=dt(t.created),
            sla_due=dt(t.resolution_due if responded else t.response_due), sla_policy=co.sla_policy,
            response_hours=t.response_hours, preferred_tech=co.preferred_tech, account_techs=co.account_techs,
            company_location=GeoPoint(co.lat, co.lon, co.city), language=t.language,
            location=GeoPoint(co.lat, co.lon, co.city) if t.onsite else None, onsite=t.onsite,
            estimated_hours=t.estimated_hours, exclude=t.excluded, status="New",
        )  # fmt: skip


def typical_hours(desk: Desk) -> float:
    """The desk's mean ticket estimate, as production's `typical_ticket_hours` measures it on the
    open tickets (here over the run's ticket stream, which has the same mix), within 0.25..8 h."""
    estimates = [t.estimated_hours for t in desk.tickets if t.estimated_hours > 0]
    return typical_ticket(sum(estimates) / len(estimates) if estimates else None)


def workload(tech: TechState) -> Workload:
    """Open tickets and the hours left on them: the estimate, less time already logged (at least
    6 minutes), as of the technician's last change (assignment, start, pause or finish)."""
    active = list(tech.queue)
    if tech.current is not None:
        active.append(tech.current)
    hours = weighted = 0.0
    for t in active:
        left = max(0.1, t.estimated_hours - t.logged / 60) if t.logged else t.estimated_hours
        hours += left
        weighted += left * PRIORITY_WORKLOAD_WEIGHT[t.priority]
    return Workload(
        active_tickets=len(active), estimated_hours=round(hours, 2), weighted_hours=round(weighted, 2)
    )


def paged(ticket: Ticket) -> bool:
    return ticket.priority in PAGED
