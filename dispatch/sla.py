"""SLA deadlines computed from the company's SLA policy when the ticket's source gives none.

A ticket's deadline (`Ticket.sla_due`) is the one the PSA, the API body or the workspace file
gave (`sla_due_source` "given"). When none is given, it is computed here from the company's
SLA policy for the ticket's priority (`sla_due_source` "policy"):

- response deadline = created_at + the policy's response_hours[priority];
- resolution deadline = created_at + the policy's resolution_hours[priority];
- hours are calendar hours, or the desk's business hours (DispatchSettings.business_hours) when
  the policy says so (`SLAPolicy.business_hours`): the clock stops outside them, so a ticket
  opened on Friday evening with a 4-hour response is due Monday at 12:00;
- `sla_due` is the response deadline while the ticket is unassigned (someone has to pick it up)
  and the resolution deadline once it is assigned (either one when the policy has only one).

Both computed deadlines are kept (`sla_response_due`, `sla_resolution_due`) for the decision
document. They are recomputed whenever the ticket is stored again without a given deadline (PSA
sync, API call, import: priority, company or assignment may have changed), when a company's
policy or a policy's hours change, and when the desk's business hours change. A deadline that
was given is never overwritten by the policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Q

GIVEN = "given"
POLICY = "policy"
DEADLINE_FIELDS = ["sla_due", "sla_due_source", "sla_response_due", "sla_resolution_due"]

# A business-hours clock that cannot place the hours within this many days falls back to
# calendar hours (a desk open a few hours a week would still place a 72 h resolution well inside).
MAX_DAYS = 400


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _clock(value: Any) -> time | None:
    if isinstance(value, time):
        return value
    try:
        hours, minutes = str(value).split(":")[:2]
        return time(int(hours), int(minutes))
    except (TypeError, ValueError):
        return None


def add_business_hours(start: datetime, hours: float, business_hours: Mapping[str, Any]) -> datetime:
    """`start` plus `hours` counted only inside the desk's business hours
    (`{"timezone", "days": [0..6, Monday 0], "start": "HH:MM", "end": "HH:MM"}`; an end at or
    before the start crosses midnight). Starting outside them, the clock starts at the next
    opening. Without usable business hours (no days, bad times or zone), calendar hours."""
    start = _aware(start)
    days = {int(d) for d in business_hours.get("days") or () if str(d).lstrip("-").isdigit()}
    opens, closes = _clock(business_hours.get("start")), _clock(business_hours.get("end"))
    try:
        zone = ZoneInfo(str(business_hours.get("timezone") or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        zone = None
    if not days or opens is None or closes is None or zone is None:
        return start + timedelta(hours=hours)
    remaining = timedelta(hours=hours)
    day: date = start.astimezone(zone).date() - timedelta(days=1)  # a window opened yesterday may still run
    for _ in range(MAX_DAYS):
        if day.weekday() in days:
            begins = datetime.combine(day, opens, tzinfo=zone).astimezone(UTC)
            end_day = day if closes > opens else day + timedelta(days=1)
            ends = datetime.combine(end_day, closes, tzinfo=zone).astimezone(UTC)
            frm = max(begins, start)
            if frm < ends:
                if remaining <= ends - frm:
                    return frm + remaining
                remaining -= ends - frm
        day += timedelta(days=1)
    return start + timedelta(hours=hours)


def _hours(table: Any, priority: str) -> float | None:
    value = (table or {}).get(priority) if isinstance(table, Mapping) else None
    return float(value) if isinstance(value, int | float) and value > 0 else None


def policy_deadlines(
    created_at: datetime,
    priority: str,
    policy: Any,
    business_hours: Mapping[str, Any] | None = None,
) -> tuple[datetime | None, datetime | None]:
    """(response deadline, resolution deadline) for a ticket of `priority` opened at
    `created_at` under `policy` (an SLAPolicy or anything with response_hours, resolution_hours
    and business_hours), None where the policy has no hours for the priority. `business_hours`
    is the desk's setting, used only when the policy counts business hours."""
    if policy is None or created_at is None:
        return None, None
    counted = business_hours if getattr(policy, "business_hours", False) and business_hours else None

    def due(table: Any) -> datetime | None:
        hours = _hours(table, priority)
        if hours is None:
            return None
        if counted is not None:
            return add_business_hours(created_at, hours, counted)
        return _aware(created_at) + timedelta(hours=hours)

    return due(policy.response_hours), due(policy.resolution_hours)


def effective_deadline(response: datetime | None, resolution: datetime | None, assigned: bool) -> datetime | None:
    """The deadline that matters now: response until someone has the ticket, then resolution."""
    if assigned:
        return resolution or response
    return response or resolution


def desk_business_hours() -> dict[str, Any]:
    from dispatch.models import DispatchSettings

    return dict(DispatchSettings.load().business_hours or {})


def apply_deadline(
    ticket: Any,
    given: datetime | None,
    *,
    business_hours: Mapping[str, Any] | None = None,
) -> None:
    """Set the ticket's deadline fields (not saved): `given` when the source gave one, else the
    policy's. `business_hours` is the desk's setting (read when needed and not passed)."""
    if given is not None:
        ticket.sla_due, ticket.sla_due_source = given, GIVEN
        ticket.sla_response_due = ticket.sla_resolution_due = None
        return
    company = ticket.company if ticket.company_id is not None else None
    policy = company.sla_policy if company is not None and company.sla_policy_id is not None else None
    if policy is not None and policy.business_hours and business_hours is None:
        business_hours = desk_business_hours()
    response, resolution = policy_deadlines(ticket.created_at, ticket.priority, policy, business_hours)
    ticket.sla_response_due, ticket.sla_resolution_due = response, resolution
    ticket.sla_due = effective_deadline(response, resolution, ticket.assigned_to_id is not None)
    ticket.sla_due_source = POLICY if ticket.sla_due is not None else ""


def open_to_policy() -> Q:
    """Tickets whose deadline the policy sets: computed before, or none at all. A stored deadline
    not marked computed (given, or written by something that did not say) is kept."""
    return Q(sla_due__isnull=True) | Q(sla_due_source=POLICY)


def follows_policy(ticket: Any) -> bool:
    """open_to_policy for one ticket."""
    return ticket.sla_due is None or ticket.sla_due_source == POLICY


def recompute(where: Q) -> int:
    """Recompute the policy deadlines of open tickets matching `where` that were given none;
    returns how many changed. Bulk (no signals): the caller's change already announced the facts."""
    from dispatch.models import Ticket

    rows = list(
        Ticket.objects.filter(where, closed=False)
        .filter(open_to_policy())
        .select_related("company__sla_policy")
    )
    if not rows:
        return 0
    needs_hours = any(t.company and t.company.sla_policy and t.company.sla_policy.business_hours for t in rows)
    hours = desk_business_hours() if needs_hours else {}
    changed = []
    for ticket in rows:
        before = _deadline_state(ticket)
        apply_deadline(ticket, None, business_hours=hours)
        if _deadline_state(ticket) != before:
            changed.append(ticket)
    if changed:
        Ticket.objects.bulk_update(changed, DEADLINE_FIELDS, batch_size=2000)
    return len(changed)


def _deadline_state(ticket: Any) -> tuple[Any, ...]:
    return tuple(getattr(ticket, f) for f in DEADLINE_FIELDS)


# ---------------------------------------------------------------- what moves a computed deadline


def _policy_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    if not kwargs.get("raw"):
        recompute(Q(company__sla_policy=instance))


def _company_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    if not kwargs.get("raw") and not kwargs.get("created"):
        recompute(Q(company=instance))


def _settings_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    if not kwargs.get("raw") and not kwargs.get("created"):
        recompute(Q(company__sla_policy__business_hours=True))


def _policy_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    # SET_NULL has cleared the companies' policy by now: recompute tickets whose company has none.
    recompute(Q(sla_due_source=POLICY, company__sla_policy__isnull=True))


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    from dispatch.models import Company, DispatchSettings, SLAPolicy

    post_save.connect(_policy_saved, sender=SLAPolicy, dispatch_uid="sla-policy-saved")
    post_delete.connect(_policy_deleted, sender=SLAPolicy, dispatch_uid="sla-policy-deleted")
    post_save.connect(_company_saved, sender=Company, dispatch_uid="sla-company-saved")
    post_save.connect(_settings_saved, sender=DispatchSettings, dispatch_uid="sla-settings-saved")


def deadline_label(source: str) -> str:
    """How a deadline's origin is named to people."""
    return {GIVEN: "", POLICY: "from policy"}.get(source, "")



def assigned_deadline() -> Any:
    """For an UPDATE that assigns tickets: a computed deadline becomes the resolution deadline
    (a given one is kept)."""
    from django.db.models import Case, F, When
    from django.db.models.functions import Coalesce

    return Case(
        When(sla_due_source=POLICY, then=Coalesce(F("sla_resolution_due"), F("sla_response_due"))),
        default=F("sla_due"),
    )
