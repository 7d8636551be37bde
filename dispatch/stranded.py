"""Stranded tickets: assigned, and their technician will not be available again before the
ticket's SLA deadline (called in sick, time off entered after the assignment, shift over, left
the company).

Switchboard never takes a ticket from its owner by itself: the PSA is the system of record, and
a ticket someone owns may be in hand in ways the PSA does not show. The queue lists these
tickets so the dispatcher can release them; once the owner is removed in the PSA, the sync
dispatches the ticket again (psa.sync, reason "rejected").

Tickets in a status the desk does not count as workload (DispatchSettings.
workload_excluded_statuses, such as waiting for the customer) are left out: nobody needs to
act on them. Started tickets (time logged, from the PSA's time entries) are listed with the
hours logged, since handing one over costs the new owner the context: the dispatcher decides.
Availability is the engine's (dispatch.engine.availability): shifts, time off, on-call.

Constant queries: settings, tickets, technicians with their rota (4 prefetches).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from dispatch.engine.availability import is_available, next_available
from dispatch.engine.types import TechFacts
from dispatch.facts import rota, rota_prefetches
from dispatch.models import DispatchSettings, Ticket
from skills.models import Technician

# The most the queue shows, soonest deadline first, out of the CHECKED assigned tickets with the
# nearest deadlines (a bound on the poll's work on a desk with thousands of open tickets).
STRANDED_LIMIT = 50
CHECKED = 1000
STATUS_TEXT = {
    "time_off": "on time off",
    "off_shift": "off shift",
    "inactive": "no longer active",
}


@dataclass(frozen=True)
class StrandedTicket:
    ticket: Ticket
    technician: Technician
    status: str  # time_off | off_shift | inactive (dispatch.engine.availability.is_available)
    back_at: datetime | None  # when the technician is next available; None: not within the horizon
    overdue: bool  # the SLA deadline has already passed

    @property
    def reason(self) -> str:
        return STATUS_TEXT.get(self.status, self.status.replace("_", " "))


def stranded_tickets(
    now: datetime, limit: int = STRANDED_LIMIT, ticket_ids: list[int] | None = None
) -> list[StrandedTicket]:
    """Open tickets on dispatched boards, assigned, with an SLA deadline, whose
    technician is unavailable now and not available again before the deadline; soonest deadline
    first. `ticket_ids` restricts the check to those tickets (the ticket page)."""
    excluded = list(DispatchSettings.load().workload_excluded_statuses)
    tickets = Ticket.objects.all() if ticket_ids is None else Ticket.objects.filter(pk__in=ticket_ids)
    candidates = list(
        tickets.filter(closed=False, assigned_to__isnull=False, sla_due__isnull=False)
        .filter(Q(board__isnull=True) | Q(board__dispatch_enabled=True))
        .exclude(status__in=excluded)
        .select_related("company")
        .only(
            "pk", "external_id", "subject", "priority", "status", "sla_due", "actual_hours", "assigned_to_id",
            "company__name",
        )  # fmt: skip
        .order_by("sla_due", "pk")[:CHECKED]
    )
    if not candidates:
        return []
    holders = {
        t.pk: t
        for t in Technician.objects.filter(pk__in={c.assigned_to_id for c in candidates}).prefetch_related(
            *rota_prefetches(now)
        )
    }
    facts = {pk: TechFacts(id=t.external_id, name=t.name, **rota(t)) for pk, t in holders.items()}
    out: list[StrandedTicket] = []
    for ticket in candidates:
        assert ticket.assigned_to_id is not None and ticket.sla_due is not None
        tech = facts[ticket.assigned_to_id]
        available, status = is_available(tech, now)
        if available:
            continue
        back = next_available(tech, now)
        if back is not None and back <= ticket.sla_due:
            continue
        out.append(
            StrandedTicket(
                ticket=ticket,
                technician=holders[ticket.assigned_to_id],
                status=status,
                back_at=back,
                overdue=ticket.sla_due <= now,
            )
        )
        if len(out) >= limit:
            break
    return out


def stranded(ticket: Ticket, now: datetime) -> StrandedTicket | None:
    """The ticket's entry when it is stranded, else None."""
    if ticket.assigned_to_id is None or ticket.closed:
        return None
    found = stranded_tickets(now, limit=1, ticket_ids=[ticket.pk])
    return found[0] if found else None
