"""Stranded tickets: assigned, and their technician will not be available again before the
ticket's SLA deadline (called in sick, time off entered after the assignment, shift over, left
the company).

Switchboard never takes a ticket from its owner by itself: the PSA is the system of record, and
a ticket someone owns may be in hand in ways the PSA does not show. The queue lists these
tickets so the dispatcher can act: reassign it from the ticket's page
(dispatch.services.decision_reassign, ranked without the owner; the push replaces the PSA's
owner only while it is still the old one), or remove the owner in the PSA, after which the sync
dispatches the ticket again (psa.sync, reason "rejected").

Tickets in a status the desk does not count as workload (DispatchSettings.
workload_excluded_statuses, such as waiting for the customer) are left out: nobody needs to
act on them. Started tickets (time logged, from the PSA's time entries) are listed with the
hours logged, since handing one over costs the new owner the context: the dispatcher decides.
Availability is the engine's (dispatch.engine.availability): shifts, time off, on-call.

The manager hears about them too: `stranded_alerts` (beat task dispatch.tasks.stranded_alerts,
every 5 minutes) e-mails DispatchSettings.escalation_email one digest of the tickets that became
stranded since the last check, each (ticket, owner) once.

Constant queries: the facts snapshot (cached), the absent technicians, settings, the stranded tickets.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from django.core.mail import send_mail
from django.db.models import Q
from django.utils import timezone

from dispatch.engine.availability import aware, zone
from dispatch.facts import on_dispatched_board
from dispatch.models import DispatchSettings, StrandedAlert, Ticket
from dispatch.snapshot import table_for, tech_facts
from skills.models import Technician

log = logging.getLogger(__name__)

# The most the queue shows, soonest deadline first.
STRANDED_LIMIT = 50
# The most one alert run looks at (and keeps alert rows for).
ALERT_LIMIT = 500
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
    first. `ticket_ids` restricts the check to those tickets (the ticket page).

    Who is away and until when comes from the facts snapshot (its per-minute availability memo),
    so the database is asked only for the tickets that are stranded: those of an absent
    technician due before their return, and those of technicians no longer active."""
    snap = tech_facts(now)
    statuses, ok, nexts, _values = table_for(snap).status(aware(now), False)
    away = {t.id: (statuses[i], nexts[i]) for i, t in enumerate(snap.techs) if not ok[i]}
    holders = {
        t.pk: t
        for t in Technician.objects.filter(Q(external_id__in=list(away)) | Q(active=False)).only(
            "pk", "external_id", "name", "active", "timezone"
        )
    }  # fmt: skip
    if not holders:
        return []
    absent: dict[int, tuple[str, datetime | None]] = {
        pk: away.get(t.external_id, ("inactive", None)) if t.active else ("inactive", None) for pk, t in holders.items()
    }  # fmt: skip
    excluded = list(DispatchSettings.load().workload_excluded_statuses)
    tickets = Ticket.objects.all() if ticket_ids is None else Ticket.objects.filter(pk__in=ticket_ids)
    theirs = (
        tickets.filter(closed=False, assigned_to_id__in=list(absent), sla_due__isnull=False)
        .filter(on_dispatched_board())
        .exclude(status__in=excluded)
        .values_list("pk", "assigned_to_id", "sla_due")
    )
    due_first: list[tuple[datetime, int]] = sorted(
        (due, pk)
        for pk, owner, due in theirs
        if due is not None and ((back := absent[owner][1]) is None or due < back)  # due before they are back
    )[:limit]
    by_pk = Ticket.objects.select_related("company").only(
        "pk", "external_id", "subject", "priority", "status", "sla_due", "sla_due_source", "actual_hours",
        "assigned_to_id", "company__name",
    ).in_bulk([pk for _, pk in due_first])  # fmt: skip
    found = [by_pk[pk] for _, pk in due_first if pk in by_pk]
    out: list[StrandedTicket] = []
    for ticket in found:
        assert ticket.assigned_to_id is not None and ticket.sla_due is not None
        status, back = absent[ticket.assigned_to_id]
        out.append(
            StrandedTicket(
                ticket=ticket,
                technician=holders[ticket.assigned_to_id],
                status=status,
                back_at=back,
                overdue=ticket.sla_due <= now,
            )
        )
    return out


def stranded(ticket: Ticket, now: datetime) -> StrandedTicket | None:
    """The ticket's entry when it is stranded, else None."""
    if ticket.assigned_to_id is None or ticket.closed:
        return None
    found = stranded_tickets(now, limit=1, ticket_ids=[ticket.pk])
    return found[0] if found else None


def _desk_time(at: datetime, tz: tzinfo) -> str:
    """A time in the desk's time zone (business hours), named, for e-mail readers anywhere."""
    return at.astimezone(tz).strftime("%a %d %b %H:%M %Z")


def _line(s: StrandedTicket, tz: tzinfo) -> str:
    t = s.ticket
    back = f"until {_desk_time(s.back_at, tz)}" if s.back_at else "not back within two weeks"
    assert t.sla_due is not None
    origin = " from policy" if t.sla_due_source == "policy" else ""
    due = f"SLA due{origin} {_desk_time(t.sla_due, tz)}" + (" (passed)" if s.overdue else "")
    work = f"started, {t.actual_hours:g} h logged" if t.actual_hours else "not started"
    company = f", {t.company.name}" if t.company else ""
    return f"- #{t.external_id} {t.subject} ({t.priority}{company}): {s.technician.name}, {s.reason} {back}; {due}; {work}"


def stranded_alerts(now: datetime | None = None) -> dict[str, Any]:
    """E-mail the manager the tickets that became stranded since the last run (one message).

    Each (ticket, owner) is reported once; a ticket that is no longer stranded is forgotten,
    so it is reported again if it strands again. With no address configured nothing is
    recorded (the tickets are reported once an address exists); a mail server that refuses
    the message raises, and nothing is recorded either (the next run tries again)."""
    now = now or timezone.now()
    current = stranded_tickets(now, limit=ALERT_LIMIT)
    keys = {(s.ticket.pk, s.technician.pk) for s in current}
    known = set(StrandedAlert.objects.values_list("ticket_id", "technician_id"))
    gone = known - keys
    if gone:
        q = Q()
        for ticket_id, tech_id in gone:
            q |= Q(ticket_id=ticket_id, technician_id=tech_id)
        StrandedAlert.objects.filter(q).delete()
    new = [s for s in current if (s.ticket.pk, s.technician.pk) not in known]
    result: dict[str, Any] = {"stranded": len(current), "new": len(new), "forgotten": len(gone), "sent": False}
    if not new:
        return result
    settings = DispatchSettings.load()
    recipient = settings.escalation_email
    if not recipient:
        result["reason"] = "No recipient address configured"
        return result
    desk_zone = zone(str((settings.business_hours or {}).get("timezone") or "UTC"))
    n = len(new)
    subject = f"[Switchboard] {n} ticket{'s' if n != 1 else ''} stranded: the technician is away past the SLA deadline"
    body = (
        f"{'These assigned tickets' if n != 1 else 'This assigned ticket'} will miss the SLA unless someone else "
        "takes over: the technician is not available again before the deadline.\n\n"
        + "\n".join(_line(s, desk_zone) for s in new)
        + "\n\nSwitchboard does not take a ticket from its owner by itself: reassign it from the ticket's page "
        "(ranked without the owner), or remove the owner in the PSA and the next sync brings it back to the queue.\n"
    )
    send_mail(subject, body, None, [recipient])
    StrandedAlert.objects.bulk_create(
        [StrandedAlert(ticket=s.ticket, technician=s.technician, notified_at=now, recipient=recipient) for s in new],
        ignore_conflicts=True,
    )
    log.info("stranded tickets: told %s about %s", recipient, ", ".join(f"#{s.ticket.external_id}" for s in new))
    result.update(sent=True, recipient=recipient)
    return result
