"""Reading the PSA into Switchboard: tickets, people (members, skills, time off, shifts),
time entries, companies and boards. Every write is an idempotent upsert keyed on
(connection, external id), so running a sync twice, or a webhook and a sync racing each
other, leaves the same state.

Tickets come page by page in ascending (updated_at, id) order; each page is stored in one
transaction and the connection's cursor moves to the page's last updated_at in that same
transaction, so a failure part-way loses nothing and the next run resumes after the last
stored page. New open unassigned tickets, tickets whose PSA owner was removed, and tickets
whose priority went up are dispatched after their page commits (dispatch.services
.decision_create, the API's path, which auto-assigns only where the category has earned it).
"""

from __future__ import annotations

import logging
import threading
import time
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from dispatch import sla
from dispatch.models import PRIORITY_RANK, Assignment, Board, Company, OutboxState, Ticket
from dispatch.snapshot import facts_changed
from psa.backends import get_backend
from psa.backends.base import PsaBackend, PsaError, PsaMember, PsaTicket
from psa.models import MemberMapping, PsaConnection
from skills.models import Category, Shift, Skill, Technician, TechnicianSkill, TimeOff

log = logging.getLogger(__name__)

# Options for get_backend (retry policy, page size); tests make retries fast and pages small.
BACKEND_OPTIONS: dict[str, Any] = {}
TIME_OFF_AHEAD = timedelta(days=90)
SHIFT_WINDOW = (timedelta(days=7), timedelta(days=14))
TIME_ENTRY_LOOKBACK_LIMIT = timedelta(days=365)
COMPANY_CACHE_TTL = 15 * 60.0


def connection_backend(connection: PsaConnection) -> PsaBackend:
    return get_backend(
        connection.vendor, connection.base_url, connection.get_credentials(), **BACKEND_OPTIONS
    )


def connection_record(connection_id: int, *, error: str = "") -> None:
    """last_sync_at on success (error ""), last_error otherwise; never the credentials."""
    if error:
        PsaConnection.objects.filter(pk=connection_id).update(last_error=error[:2000])
    else:
        PsaConnection.objects.filter(pk=connection_id).update(last_sync_at=timezone.now(), last_error="")


# ---------------------------------------------------------------- tickets


@dataclass
class TicketSyncResult:
    pages: int = 0
    stored: int = 0
    created: int = 0
    closed: int = 0
    dispatched: int = 0
    cursor: datetime | None = None


@dataclass
class UpsertOutcome:
    ticket: Ticket
    created: bool = False
    dispatch: bool = False
    reason: str = ""


@dataclass
class _Context:
    """What one sync run (or one webhook) resolves once: PSA company ids, members synced."""

    connection: PsaConnection
    backend: PsaBackend
    companies_refreshed: bool = False
    members_refreshed: bool = False
    board_names: set[str] = field(default_factory=set)


# Per process: PSA company id -> identifier, so a ticket sync does not list companies every minute.
_company_ids: dict[tuple[int, str], tuple[float, dict[str, tuple[str | None, str]]]] = {}
_company_lock = threading.Lock()


def tickets_sync(*, connection_id: int) -> TicketSyncResult:
    """Read tickets changed since the connection's cursor, page by page (see the module doc)."""
    connection = PsaConnection.objects.get(pk=connection_id)
    ctx = _Context(connection, connection_backend(connection))
    result = TicketSyncResult(cursor=connection.ticket_cursor)
    try:
        for page in ctx.backend.list_tickets_changed_since(
            connection.ticket_cursor, connection.boards or None
        ):
            with transaction.atomic():
                outcomes = [ticket_upsert(ctx=ctx, psa_ticket=t) for t in page]
                last = max((t.updated_at for t in page if t.updated_at), default=None)
                if last is not None:
                    # Never backwards: a concurrent run may already have stored a later page.
                    PsaConnection.objects.filter(pk=connection_id).filter(
                        Q(ticket_cursor__isnull=True) | Q(ticket_cursor__lt=last)
                    ).update(ticket_cursor=last)
                    result.cursor = max(result.cursor or last, last)
            result.pages += 1
            result.stored += len(outcomes)
            result.created += sum(o.created for o in outcomes)
            result.closed += sum(o.ticket.closed for o in outcomes)
            result.dispatched += tickets_dispatch(outcomes)
    except PsaError as exc:
        connection_record(connection_id, error=f"ticket sync: {exc.message}")
        raise
    connection_record(connection_id)
    log.info(
        "ticket sync of %s: %s pages, %s tickets (%s new, %s dispatched)",
        connection.name, result.pages, result.stored, result.created, result.dispatched,
    )  # fmt: skip
    return result


def ticket_refresh(*, connection_id: int, ticket_external_id: str) -> UpsertOutcome | None:
    """Fetch one ticket fresh from the PSA and store it (webhooks): the delivery's own body
    is never trusted for state, so late or out-of-order deliveries cannot roll anything back.
    A ticket the PSA no longer has is closed here."""
    connection = PsaConnection.objects.get(pk=connection_id)
    ctx = _Context(connection, connection_backend(connection))
    try:
        psa_ticket = ctx.backend.get_ticket(ticket_external_id)
    except PsaError as exc:
        gone = exc.status_code in (404, 410)
        if exc.retryable or not gone:
            raise
        if Ticket.objects.filter(connection=connection, external_id=ticket_external_id, closed=False).update(
            closed=True, status="Closed", updated_at=timezone.now()
        ):
            facts_changed("ticket closed in the PSA")
        return None
    if connection.boards and psa_ticket.board not in connection.boards:
        return None
    with transaction.atomic():
        outcome = ticket_upsert(ctx=ctx, psa_ticket=psa_ticket)
    tickets_dispatch([outcome])
    return outcome


def ticket_upsert(*, ctx: _Context, psa_ticket: PsaTicket) -> UpsertOutcome:
    """Store one PSA ticket. Call inside a transaction; returns whether it needs dispatching."""
    connection = ctx.connection
    ticket, created = _ticket_locked(connection, psa_ticket)
    old_priority = None if created else ticket.priority
    was_assigned = ticket.assigned_to_id is not None
    ticket.subject = (psa_ticket.summary or "")[:500]
    ticket.description = psa_ticket.description or ""
    ticket.priority = psa_ticket.priority
    ticket.status = (psa_ticket.status or ticket.status or "New")[:50]
    ticket.closed = psa_ticket.closed
    if psa_ticket.created_at:
        ticket.created_at = psa_ticket.created_at
    elif created:
        ticket.created_at = timezone.now()
    if psa_ticket.estimated_hours is not None:
        ticket.estimated_hours = max(0.0, psa_ticket.estimated_hours)
    ticket.board = _board(psa_ticket.board) if psa_ticket.board else None
    if psa_ticket.company_external_id:
        ticket.company = _company(ctx, psa_ticket.company_external_id, psa_ticket.company_name)
    if psa_ticket.category:
        category = Category.objects.filter(name__iexact=psa_ticket.category).first()
        if category is not None:
            ticket.category = category
    rejected = _apply_owner(ctx, ticket, psa_ticket)
    # The PSA's deadline, else the company's SLA policy's (recomputed at every sync: priority,
    # company or owner may have changed).
    sla.apply_deadline(ticket, psa_ticket.sla_due)
    ticket.save()
    outcome = UpsertOutcome(ticket, created=created)
    dispatchable = not ticket.closed and ticket.assigned_to_id is None and (
        ticket.board is None or ticket.board.dispatch_enabled
    ) and psa_ticket.owner_external_id is None  # fmt: skip
    if not dispatchable:
        return outcome
    if created:
        outcome.dispatch, outcome.reason = True, "new"
    elif rejected and was_assigned:
        outcome.dispatch, outcome.reason = True, "rejected"
    elif old_priority is not None and PRIORITY_RANK.get(ticket.priority, 0) > PRIORITY_RANK.get(
        old_priority, 0
    ):
        outcome.dispatch, outcome.reason = True, "escalated"
    return outcome


def _ticket_locked(connection: PsaConnection, psa_ticket: PsaTicket) -> tuple[Ticket, bool]:
    """The stored ticket, row-locked, or a new one. A ticket imported from a workspace file
    (no connection) with the same id is the same ticket: it is adopted, not duplicated."""
    external_id = psa_ticket.external_id
    existing = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("board")
        .filter(external_id=external_id)
        .filter(Q(connection=connection) | Q(connection__isnull=True))
        .order_by("connection_id")  # ours first; NULLs sort last in PostgreSQL and first in SQLite
        .first()
    )
    if existing is not None and existing.connection_id not in (None, connection.pk):
        existing = None
    if existing is not None:
        existing.connection = connection
        return existing, False
    try:
        with transaction.atomic():  # a webhook and a sync may create it at the same moment
            return Ticket.objects.create(
                connection=connection,
                external_id=external_id,
                created_at=psa_ticket.created_at or timezone.now(),
            ), True
    except IntegrityError:
        return Ticket.objects.select_for_update(of=("self",)).get(
            connection=connection, external_id=external_id
        ), False


def _apply_owner(ctx: _Context, ticket: Ticket, psa_ticket: PsaTicket) -> bool:
    """Follow the PSA's owner unless our own assignment (or reassignment) is still on its way to
    the PSA. Returns True when the PSA removed an owner we had pushed (the assignment was rejected)."""
    latest = (
        Assignment.objects.filter(ticket=ticket).order_by("-created_at", "-pk").first() if ticket.pk else None
    )
    owner = psa_ticket.owner_external_id
    if owner is None:
        if latest is not None and latest.state in (
            OutboxState.PENDING,
            OutboxState.CLAIMED,
            OutboxState.FAILED,
        ):
            # Not in the PSA yet (or waiting for the retry button): an empty owner there is not
            # a rejection, and must not undo our assignment.
            return False
        if ticket.assigned_to_id is None:
            return False
        if latest is not None and latest.pushed_at and psa_ticket.updated_at:
            # Read before our push landed? (ConnectWise keeps whole seconds, hence the truncation.)
            if psa_ticket.updated_at < latest.pushed_at.replace(microsecond=0):
                return False
        ticket.assigned_to = None
        return True
    tech = _member_technician(ctx, owner)
    if (
        tech is not None
        and latest is not None
        and latest.replaces_id == tech.pk
        and latest.state in (OutboxState.PENDING, OutboxState.CLAIMED, OutboxState.FAILED)
    ):
        # Our reassignment away from this owner has not reached the PSA yet: keep it.
        return False
    if tech is not None:
        ticket.assigned_to = tech
    else:
        log.warning(
            "%s: ticket %s is owned by unmapped member %s", ctx.connection.name, ticket.external_id, owner
        )
    return False


def _member_technician(ctx: _Context, member_external_id: str) -> Technician | None:
    mapping = (
        MemberMapping.objects.select_related("technician")
        .filter(connection=ctx.connection, external_id=member_external_id)
        .first()
    )
    if mapping is None and not ctx.members_refreshed:
        ctx.members_refreshed = True  # a member added since the last people sync: map them now, once per run
        members_store(ctx.connection, ctx.backend.list_members())
        mapping = (
            MemberMapping.objects.select_related("technician")
            .filter(connection=ctx.connection, external_id=member_external_id)
            .first()
        )
    return mapping.technician if mapping else None


def _board(name: str) -> Board:
    board = Board.objects.filter(name=name[:100]).first()
    if board is None:
        board, _ = Board.objects.get_or_create(name=name[:100])
    return board


def _company(ctx: _Context, psa_id: str, name: str | None) -> Company:
    """The company by its PSA identifier (ConnectWise identifier, Autotask companyNumber, Halo
    custom field), which is also the workspace id, so imported companies are matched."""
    identifier, psa_name = _company_identity(ctx, psa_id)
    key = identifier or f"{ctx.connection.name}:{psa_id}"
    company = Company.objects.select_related("sla_policy").filter(external_id=key).first()  # the deadline reads it
    if company is None:
        company, _ = Company.objects.get_or_create(
            external_id=key[:100], defaults={"name": (psa_name or name or key)[:200]}
        )
    return company


def _company_identity(ctx: _Context, psa_id: str) -> tuple[str | None, str | None]:
    cache_key = (ctx.connection.pk, ctx.connection.base_url)
    with _company_lock:
        expires, known = _company_ids.get(cache_key, (0.0, {}))
    if psa_id in known and expires > time.monotonic():
        return known[psa_id]
    if ctx.companies_refreshed:
        return known.get(psa_id, (None, None))
    ctx.companies_refreshed = True
    known = {c.external_id: (c.identifier or None, c.name) for c in ctx.backend.list_companies()}
    with _company_lock:
        _company_ids[cache_key] = (time.monotonic() + COMPANY_CACHE_TTL, known)
    return known.get(psa_id, (None, None))


def tickets_dispatch(outcomes: list[UpsertOutcome]) -> int:
    """Dispatch what a stored page asked for; a failure here leaves the ticket in the queue for
    the batch cycle rather than undoing the stored page."""
    from dispatch.services import AssignmentConflict, decision_create

    done = 0
    for outcome in outcomes:
        if not outcome.dispatch:
            continue
        try:
            decision_create(ticket=outcome.ticket, initiated_by=f"psa:{outcome.reason}")
            done += 1
        except AssignmentConflict:
            pass  # assigned meanwhile: nothing to dispatch
        except Exception:  # the page is stored; the batch cycle will retry this ticket
            log.exception("dispatch of synced ticket %s failed", outcome.ticket.external_id)
    return done


# ---------------------------------------------------------------- people


@dataclass
class PeopleSyncResult:
    members: int = 0
    created: int = 0
    mapped: int = 0
    skills: int = 0
    time_off: int = 0
    time_off_removed: int = 0
    shifts: int = 0
    companies: int = 0
    boards: int = 0


def people_sync(*, connection_id: int) -> PeopleSyncResult:
    """Members -> technicians and mappings, skills, time off, shifts; plus companies and boards."""
    connection = PsaConnection.objects.get(pk=connection_id)
    backend = connection_backend(connection)
    now = timezone.now()
    try:
        members = backend.list_members()
        window = (now - timedelta(days=1), now + TIME_OFF_AHEAD)
        time_off = backend.list_time_off(*window)
        shifts = backend.list_shifts(now - SHIFT_WINDOW[0], now + SHIFT_WINDOW[1])
        companies = backend.list_companies()
        boards = backend.list_boards()
    except PsaError as exc:
        connection_record(connection_id, error=f"people sync: {exc.message}")
        raise
    with transaction.atomic():
        result = members_store(connection, members)
        by_member = dict(
            MemberMapping.objects.filter(connection=connection).values_list("external_id", "technician_id")
        )
        result.time_off, result.time_off_removed = _time_off_store(connection, by_member, time_off, window)
        result.shifts = _shifts_store(by_member, shifts)
        result.companies = companies_store(connection, companies)
        for board in boards:
            result.boards += Board.objects.get_or_create(name=board.name[:100])[1]
    connection_record(connection_id)
    return result


def members_store(connection: PsaConnection, members: list[PsaMember]) -> PeopleSyncResult:
    """Map each member to a technician: the existing mapping, else the technician whose id is the
    member's identifier (the workspace id) or whose e-mail matches, else a new technician."""
    result = PeopleSyncResult(members=len(members))
    mapped = {
        m.external_id: m
        for m in MemberMapping.objects.select_related("technician").filter(connection=connection)
    }
    taken = {m.technician_id for m in mapped.values()}
    for member in members:
        mapping = mapped.get(member.external_id)
        tech = mapping.technician if mapping else _technician_for(member, taken)
        if tech is None:
            tech = Technician.objects.create(
                external_id=(member.identifier or f"{connection.name}-{member.external_id}")[:100],
                name=member.name[:200] or member.identifier,
                email=member.email or "",
                timezone=_valid_timezone(member.timezone) or "UTC",
                active=member.active,
            )
            result.created += 1
        if mapping is None:
            MemberMapping.objects.create(
                connection=connection,
                technician=tech,
                external_id=member.external_id,
                identifier=member.identifier[:100],
            )
            taken.add(tech.pk)
            result.mapped += 1
        elif mapping.identifier != member.identifier[:100]:
            MemberMapping.objects.filter(pk=mapping.pk).update(identifier=member.identifier[:100])
        _technician_update(tech, member)
        result.skills += _skills_store(tech, member.skills)
    return result


def _technician_for(member: PsaMember, taken: set[int]) -> Technician | None:
    candidates = Technician.objects.exclude(pk__in=taken)
    tech = candidates.filter(external_id=member.identifier).first() if member.identifier else None
    if tech is None and member.email:
        tech = candidates.filter(email__iexact=member.email).first()
    return tech


def _technician_update(tech: Technician, member: PsaMember) -> None:
    changed = []
    if member.name and tech.name != member.name[:200]:
        tech.name = member.name[:200]
        changed.append("name")
    if member.email and tech.email != member.email:
        tech.email = member.email
        changed.append("email")
    if tech.active != member.active:
        tech.active = member.active
        changed.append("active")
    zone = _valid_timezone(member.timezone)
    if (
        zone and zone != "UTC" and zone != tech.timezone
    ):  # UTC is also the backends' fallback for unknown names
        tech.timezone = zone
        changed.append("timezone")
    if changed:
        tech.save(update_fields=changed)


def _valid_timezone(name: str | None) -> str | None:
    if not name:
        return None
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
    return name


def _skills_store(tech: Technician, skills: dict[str, str]) -> int:
    """Skills the PSA knows are set to its level; skills only Switchboard knows are kept."""
    changed = 0
    current = {
        ts.skill.name: ts for ts in TechnicianSkill.objects.select_related("skill").filter(technician=tech)
    }
    for name, level in skills.items():
        row = current.get(name[:100])
        if row is None:
            skill, _ = Skill.objects.get_or_create(name=name[:100])
            TechnicianSkill.objects.create(technician=tech, skill=skill, level=level)
            changed += 1
        elif row.level != level:
            TechnicianSkill.objects.filter(pk=row.pk).update(level=level)
            facts_changed("skill level synced", people=True)
            changed += 1
    return changed


def _time_off_store(
    connection: PsaConnection, by_member: dict[str, int], rows: list[Any], window: tuple[datetime, datetime]
) -> tuple[int, int]:
    """(added, removed). One entry per real absence, whatever its sources: a PSA row is stored in
    the entry of the same technician it overlaps (imported from a workspace, entered here, or
    synced before with other times, e.g. Autotask's per-day rows merged differently), which
    takes the PSA's times and is tagged with the connection; further entries it overlaps are
    the same absence counted twice and are removed. The PSA owns what it reports: a tagged
    row of a mapped technician that overlaps the window the PSA was asked about but is no
    longer reported (cancelled there) is deleted. Time off entered here that no PSA row
    overlaps, rows outside the window and unmapped technicians' rows are left alone."""
    source = f"psa:{connection.pk}"
    added, removed = 0, 0
    seen: set[int] = set()
    for row in sorted(rows, key=lambda r: (r.member_external_id, r.start)):
        tech_id = by_member.get(row.member_external_id)
        if tech_id is None or row.end <= row.start:
            continue
        same = list(
            TimeOff.objects.filter(technician_id=tech_id, start__lt=row.end, end__gt=row.start)
            .filter(Q(source="") | Q(source=source))
            .exclude(pk__in=seen)
            .order_by("start", "pk")
        )
        exact = next((o for o in same if (o.start, o.end) == (row.start, row.end)), None)
        keep = exact or (same[0] if same else None)
        if keep is None:
            keep = TimeOff.objects.create(
                technician_id=tech_id, start=row.start, end=row.end, reason=(row.reason or "")[:200], source=source
            )
            added += 1
        elif (keep.start, keep.end, keep.source) != (row.start, row.end, source):
            TimeOff.objects.filter(pk=keep.pk).update(start=row.start, end=row.end, source=source)
        duplicates = [o.pk for o in same if o.pk != keep.pk]
        if duplicates:
            removed += TimeOff.objects.filter(pk__in=duplicates).delete()[0]
        seen.add(keep.pk)
    stale = TimeOff.objects.filter(
        source=source, technician_id__in=set(by_member.values()), end__gt=window[0], start__lt=window[1]
    ).exclude(pk__in=seen)
    removed += stale.delete()[0]
    return added, removed


def _shifts_store(by_member: dict[str, int], rows: list[Any]) -> int:
    """Dated PSA shifts become the technician's weekly pattern (weekday, local start, end);
    where the PSA gives a technician shifts, it is the source of that technician's week."""
    weekly: dict[int, set[tuple[int, Any, Any]]] = defaultdict(set)
    zones = dict(Technician.objects.filter(pk__in=set(by_member.values())).values_list("pk", "timezone"))
    for row in rows:
        tech_id = by_member.get(row.member_external_id)
        if tech_id is None:
            continue
        zone = zoneinfo.ZoneInfo(_valid_timezone(zones.get(tech_id)) or "UTC")
        start, end = row.start.astimezone(zone), row.end.astimezone(zone)
        weekly[tech_id].add(
            (start.weekday(), start.time().replace(microsecond=0), end.time().replace(microsecond=0))
        )
    changed = 0
    for tech_id, pattern in weekly.items():
        stored = set(Shift.objects.filter(technician_id=tech_id).values_list("weekday", "start", "end"))
        if stored == pattern:
            continue
        Shift.objects.filter(technician_id=tech_id).delete()
        Shift.objects.bulk_create(
            [Shift(technician_id=tech_id, weekday=w, start=s, end=e) for w, s, e in sorted(pattern)]
        )
        facts_changed("shifts synced", people=True)
        changed += 1
    return changed


def companies_store(connection: PsaConnection, companies: list[Any]) -> int:
    """Companies keyed by their PSA identifier (the workspace id); returns how many were new."""
    added = 0
    known: dict[str, tuple[str | None, str]] = {}
    for company in companies:
        key = (company.identifier or f"{connection.name}:{company.external_id}")[:100]
        known[company.external_id] = (company.identifier or None, company.name)
        _, created = Company.objects.get_or_create(
            external_id=key, defaults={"name": company.name[:200] or key}
        )
        added += created
    with _company_lock:
        _company_ids[(connection.pk, connection.base_url)] = (time.monotonic() + COMPANY_CACHE_TTL, known)
    return added


# ---------------------------------------------------------------- time entries


def time_entries_sync(*, connection_id: int) -> int:
    """Ticket.actual_hours = the hours logged on it in the PSA (workload counts estimate minus
    logged, dispatch/facts.py). Set, not added, so reruns change nothing. Returns tickets changed."""
    connection = PsaConnection.objects.get(pk=connection_id)
    open_tickets = Ticket.objects.filter(connection=connection, closed=False)
    oldest = open_tickets.order_by("created_at").values_list("created_at", flat=True).first()
    if oldest is None:
        connection_record(connection_id)
        return 0
    since = max(oldest - timedelta(days=1), timezone.now() - TIME_ENTRY_LOOKBACK_LIMIT)
    try:
        entries = connection_backend(connection).list_time_entries(since.astimezone(UTC))
    except PsaError as exc:
        connection_record(connection_id, error=f"time entry sync: {exc.message}")
        raise
    hours: dict[str, float] = defaultdict(float)
    for entry in entries:
        if entry.ticket_external_id:
            hours[entry.ticket_external_id] += max(0.0, entry.hours)
    changed = 0
    with transaction.atomic():
        for pk, external_id, actual in open_tickets.values_list("pk", "external_id", "actual_hours"):
            logged = round(hours.get(external_id, 0.0), 4)
            if abs(logged - actual) > 1e-9:
                Ticket.objects.filter(pk=pk).update(actual_hours=logged)
                changed += 1
        if changed:
            facts_changed("time logged")
    connection_record(connection_id)
    return changed


def enabled_connection_ids() -> list[int]:
    return list(PsaConnection.objects.filter(enabled=True).values_list("pk", flat=True))
