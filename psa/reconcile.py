"""Owner reconciliation: the owners of a connection's open tickets compared with the PSA's, and
brought into step. The PSA is the system of record:

- our assignment the PSA does not show (never pushed, its push failed, or the PSA lost it: a
  PSA ticket last changed before our push landed, e.g. a restarted simulator) is pushed again
  through the outbox, whose read-before-write makes a repeat harmless;
- an owner the PSA changed after our push (or set on a ticket we had not assigned), a ticket
  it closed, and an open ticket we do not know are read in (sync.ticket_refresh: the same
  upsert and dispatch as the sync);
- a ticket whose push is still on its way (pending, claimed) is left alone.

The ticket sync cannot see this: it reads what changed since its cursor, and a PSA that lost
our write did not change. Runs at start (beat start, `manage.py demo`) and every 10 minutes;
each run is stored (OwnerReconciliation) and shown on /healthz and in the admin.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from dispatch.models import Assignment, OutboxState, Ticket
from psa import outbox, sync
from psa.backends.base import PsaError, PsaTicket
from psa.models import MemberMapping, OwnerReconciliation, PsaConnection

log = logging.getLogger(__name__)
KEEP_RUNS = 50  # per connection


@dataclass
class _Tally:
    checked: int = 0
    in_step: int = 0
    pushed: int = 0
    mirrored: int = 0
    created: int = 0
    in_flight: int = 0
    details: list[dict[str, Any]] = field(default_factory=list)

    def note(self, action: str, ticket: str, ours: str | None, psa: str | None) -> None:
        setattr(self, action, getattr(self, action) + 1)
        if len(self.details) < 200:
            self.details.append({"ticket": ticket, "action": action, "ours": ours, "psa": psa})


def owners_reconcile(*, connection_id: int, trigger: str = "schedule") -> OwnerReconciliation:
    """Compare and converge one connection (see the module doc); the stored run is returned.
    A PSA failure is recorded on the run and raised (the task retries a retryable one)."""
    connection = PsaConnection.objects.get(pk=connection_id)
    tally = _Tally()
    error = ""
    try:
        psa = _open_psa_tickets(connection)
        _compare(connection, psa, tally)
    except PsaError as exc:
        error = f"owner reconciliation: {exc.message}"
        raise
    finally:
        run = _record(connection, trigger, tally, error)
    log.info(
        "owner reconciliation of %s: %s checked, %s in step, %s pushed, %s mirrored, %s new, %s in flight",
        connection.name, run.checked, run.in_step, run.pushed, run.mirrored, run.created, run.in_flight,
    )  # fmt: skip
    return run


def _open_psa_tickets(connection: PsaConnection) -> dict[str, PsaTicket]:
    backend = sync.connection_backend(connection)
    try:
        return {
            t.external_id: t
            for page in backend.list_tickets_changed_since(None, connection.boards or None)
            for t in page
            if not t.closed
        }
    finally:
        backend.close()


def _compare(connection: PsaConnection, psa: dict[str, PsaTicket], tally: _Tally) -> None:
    member_of = dict(
        MemberMapping.objects.filter(connection=connection).values_list("technician_id", "external_id")
    )
    ours = Ticket.objects.filter(connection=connection, closed=False).only("pk", "external_id", "assigned_to_id")
    latest = _latest_assignments(connection)
    seen = set()
    for ticket in ours:
        seen.add(ticket.external_id)
        tally.checked += 1
        mine = member_of.get(ticket.assigned_to_id) if ticket.assigned_to_id else None
        theirs = psa.get(ticket.external_id)
        owner = theirs.owner_external_id if theirs else None
        if theirs is not None and owner == mine:
            tally.in_step += 1
            continue
        row = latest.get(ticket.pk)
        if row is not None and row.state in (OutboxState.PENDING, OutboxState.CLAIMED):
            tally.note("in_flight", ticket.external_id, mine, owner)
        elif theirs is not None and _not_in_psa(ticket, theirs, row):
            assert row is not None  # _not_in_psa needs our outbox row
            _push_again(row)
            tally.note("pushed", ticket.external_id, mine, owner)
        else:
            _refresh(connection, ticket.external_id)
            tally.note("mirrored", ticket.external_id, mine, owner)
    for external_id, theirs in psa.items():
        if external_id not in seen:
            outcome = _refresh(connection, external_id)
            if outcome is not None and outcome.created:
                tally.note("created", external_id, None, theirs.owner_external_id)


def _latest_assignments(connection: PsaConnection) -> dict[int, Assignment]:
    rows = Assignment.objects.filter(ticket__connection=connection, ticket__closed=False).order_by(
        "ticket_id", "-created_at", "-pk"
    )
    latest: dict[int, Assignment] = {}
    for row in rows.only("pk", "ticket_id", "technician_id", "state", "pushed_at", "created_at"):
        latest.setdefault(row.ticket_id, row)
    return latest


def _not_in_psa(ticket: Ticket, theirs: PsaTicket, row: Assignment | None) -> bool:
    """Our current assignment is missing from a PSA that has not touched the ticket since we
    pushed it (ConnectWise keeps whole seconds, hence the truncation), or its push failed."""
    if row is None or ticket.assigned_to_id is None or row.technician_id != ticket.assigned_to_id:
        return False
    if theirs.owner_external_id is not None:
        return False
    if row.state == OutboxState.FAILED:
        return True
    if row.state != OutboxState.PUSHED or row.pushed_at is None:
        return False
    return theirs.updated_at is None or theirs.updated_at < row.pushed_at.replace(microsecond=0)


def _push_again(row: Assignment) -> None:
    """Back to pending with fresh attempts; the push reads the PSA first, so whatever is there
    already (owner, our note) is not written twice."""
    with transaction.atomic():
        reset = Assignment.objects.filter(
            pk=row.pk, state__in=(OutboxState.PUSHED, OutboxState.FAILED)
        ).update(
            state=OutboxState.PENDING, attempts=0, next_attempt_at=None, enqueued_at=None,
            pushed_at=None, claim_token="", claimed_at=None, last_error="",
        )  # fmt: skip
        if reset:
            transaction.on_commit(lambda: outbox.schedule_push(row.pk))


def _refresh(connection: PsaConnection, external_id: str) -> sync.UpsertOutcome | None:
    return sync.ticket_refresh(connection_id=connection.pk, ticket_external_id=external_id)


def _record(connection: PsaConnection, trigger: str, tally: _Tally, error: str) -> OwnerReconciliation:
    run = OwnerReconciliation.objects.create(
        connection=connection, ran_at=timezone.now(), trigger=trigger, checked=tally.checked,
        in_step=tally.in_step, pushed=tally.pushed, mirrored=tally.mirrored, created=tally.created,
        in_flight=tally.in_flight, error=error, details=tally.details,
    )  # fmt: skip
    stale = OwnerReconciliation.objects.filter(connection=connection).values_list("pk", flat=True)[KEEP_RUNS:]
    OwnerReconciliation.objects.filter(pk__in=list(stale)).delete()
    return run


def latest_reconciliations() -> dict[str, dict[str, Any]]:
    """The last run per enabled connection, for /healthz."""
    out: dict[str, dict[str, Any]] = {}
    for connection in PsaConnection.objects.filter(enabled=True).only("pk", "name"):
        run = OwnerReconciliation.objects.filter(connection=connection).first()
        out[connection.name] = (
            {
                "at": run.ran_at.isoformat(), "checked": run.checked, "in_step": run.in_step, "pushed": run.pushed,
                "mirrored": run.mirrored, "created": run.created, "in_flight": run.in_flight, "error": run.error,
            }  # fmt: skip
            if run
            else {}
        )
    return out
