"""The assignment outbox: every confirmed assignment reaches the PSA exactly once.

- The row is written in the same transaction as the decision (dispatch.services._assign);
  the push is enqueued after the commit. When the broker is down the enqueue is logged and
  dropped: the row waits in PostgreSQL for the sweeper (psa.tasks.push_pending).
- A worker claims it with a conditional UPDATE (state pending → claimed, with a fresh
  claim token), so two workers, or a retry racing the periodic sweeper, never both push.
- Each attempt reads before it writes: the owner is written only when the PSA ticket's
  owner is not already our technician (and is empty, or, for a reassignment, still the owner
  it takes the ticket from; anyone else was set by a person and is kept), and the note only
  when the ticket has no such note yet. A write the PSA accepted before a timeout, a dropped
  connection or a killed worker is therefore not sent again. The backend is built without retries of its own, because a
  blind retry of a write that timed out after the PSA stored it is exactly a double push.
- Retryable failures go back to pending with a backoff (or the PSA's Retry-After); after
  PSA_PUSH_MAX_ATTEMPTS the row is failed (PSA_UPDATE_FAILED on the decision, a retry
  button in the queue).
- Claims older than PSA_PUSH_STALE_CLAIM (a worker killed mid-push) are released by the
  sweeper.
- The sweeper enqueues a due pending row only when its push never reached the broker or
  entered it more than PSA_PUSH_REQUEUE_AFTER ago (lost with a Redis restart, or stuck behind
  a busy worker); a row whose push is still waiting in the queue is left alone.
"""

from __future__ import annotations

import logging
import re
import uuid
from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from dispatch.models import Assignment, OutboxState
from psa.backends import RetryPolicy, get_backend
from psa.backends.base import PsaBackend, PsaError
from psa.models import MemberMapping, PsaConnection

log = logging.getLogger(__name__)


def max_attempts() -> int:
    return settings.PSA_PUSH_MAX_ATTEMPTS


def stale_claim() -> timedelta:
    return timedelta(seconds=settings.PSA_PUSH_STALE_CLAIM)


def backoff(attempt: int) -> timedelta:
    return timedelta(seconds=min(300.0, settings.PSA_PUSH_BACKOFF * 2 ** max(0, attempt - 1)))


def schedule_push(assignment_id: int, countdown: float = 0) -> None:
    """Enqueue a push. Never raises: this runs after the decision committed (a failure here
    must not turn a saved approval into an error page), and the row is safe in PostgreSQL
    either way: the sweeper enqueues a due pending row that is not in the broker."""
    from psa.tasks import push_assignment

    try:
        push_assignment.apply_async(args=[assignment_id], countdown=countdown)
    except Exception as exc:  # kombu raises OperationalError and friends when Redis is down
        log.warning(
            "could not enqueue the push of assignment %s (%s); the sweeper will push it",
            assignment_id,
            type(exc).__name__,
        )
        return
    try:
        Assignment.objects.filter(pk=assignment_id).update(
            enqueued_at=timezone.now() + timedelta(seconds=countdown)
        )
    except Exception as exc:  # the push is queued; without the mark the sweeper re-enqueues it (harmless)
        log.warning("could not mark assignment %s as enqueued (%s)", assignment_id, type(exc).__name__)


def push_backend(connection: PsaConnection) -> PsaBackend:
    """A backend that never retries on its own: every attempt is counted and re-reads the
    ticket first (see the module docstring)."""
    policy = RetryPolicy(retries=0, timeout=settings.PSA_PUSH_TIMEOUT)
    return get_backend(connection.vendor, connection.base_url, connection.get_credentials(), retry=policy)


def assignment_claim(assignment_id: int) -> str | None:
    """Claim a due pending row; returns the claim token, or None when someone else has it."""
    token = uuid.uuid4().hex
    now = timezone.now()
    claimed = (
        Assignment.objects.filter(pk=assignment_id, state=OutboxState.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(state=OutboxState.CLAIMED, claim_token=token, claimed_at=now, attempts=F("attempts") + 1)
    )
    return token if claimed == 1 else None


def assignment_push(assignment_id: int) -> str:
    """Push one assignment if it can be claimed. Returns the resulting state (for logs/tests)."""
    token = assignment_claim(assignment_id)
    if token is None:
        return "not-claimed"
    assignment = Assignment.objects.select_related("ticket__connection", "technician", "decision").get(
        pk=assignment_id
    )
    connection = assignment.ticket.connection
    if connection is None:
        _finish(assignment_id, token, state=OutboxState.SKIPPED)
        return OutboxState.SKIPPED
    try:
        member = MemberMapping.objects.get(connection=connection, technician=assignment.technician)
        _deliver(push_backend(connection), assignment, member.external_id)
    except MemberMapping.DoesNotExist:
        return _fail(
            assignment,
            token,
            f"{assignment.technician} has no member mapping on {connection.name}",
            retryable=False,
        )
    except PsaError as exc:
        return _fail(assignment, token, str(exc), retryable=exc.retryable, retry_after=exc.retry_after)
    except Exception as exc:  # a bug or a database hiccup must not leave the claim hanging until the sweeper
        log.exception("push of assignment %s crashed", assignment_id)
        return _fail(assignment, token, f"{type(exc).__name__}: {exc}", retryable=True)
    _finish(assignment_id, token, state=OutboxState.PUSHED)
    return OutboxState.PUSHED


def _deliver(backend: PsaBackend, assignment: Assignment, member_id: str) -> None:
    """Owner, then note, each written only when the PSA does not show it yet."""
    ticket_id = assignment.ticket.external_id
    current = backend.get_ticket(ticket_id)
    if current.owner_external_id and current.owner_external_id != member_id and not _replaceable(
        assignment, current.owner_external_id
    ):
        # Someone assigned the ticket in the PSA after we mirrored it: the PSA is the system of
        # record, so a person's choice there is never overwritten. The row fails visibly and
        # the next sync mirrors the PSA's owner.
        raise PsaError(
            f"ticket {ticket_id} is already owned by member {current.owner_external_id} in the PSA: not overwritten",
            retryable=False,
        )
    if current.owner_external_id != member_id:
        backend.assign_ticket(ticket_id, member_id, assignment.board or None, "")
    if assignment.note and not has_note(backend.list_notes(ticket_id), note_marker(assignment)):
        backend.add_note(ticket_id, pushed_note(assignment))


def _replaceable(assignment: Assignment, owner_member_id: str) -> bool:
    """A reassignment may replace the PSA's owner while it is still the owner it takes the ticket
    from (anyone else there was set by a person since, and is kept)."""
    if assignment.replaces_id is None:
        return False
    return MemberMapping.objects.filter(
        connection_id=assignment.ticket.connection_id, technician_id=assignment.replaces_id, external_id=owner_member_id
    ).exists()


def note_marker(assignment: Assignment) -> str:
    """The last line of the pushed note: names the decision, so the note is recognised as
    this assignment's, and not an earlier assignment's note with the same wording."""
    return f"[Switchboard decision {assignment.decision_id}]"


def pushed_note(assignment: Assignment) -> str:
    return f"{assignment.note}\n{note_marker(assignment)}"


def has_note(existing: list[str], marker: str) -> bool:
    """Whether one of the ticket's notes carries the marker. PSAs may store a note as HTML or
    re-wrap it, so tags and whitespace do not count."""
    return any(marker in _plain(text) for text in existing)


def _plain(text: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", text).split())


def _finish(assignment_id: int, token: str, *, state: str) -> None:
    Assignment.objects.filter(pk=assignment_id, claim_token=token, state=OutboxState.CLAIMED).update(
        state=state, pushed_at=timezone.now() if state == OutboxState.PUSHED else None, last_error=""
    )


def _fail(
    assignment: Assignment, token: str, error: str, *, retryable: bool, retry_after: float | None = None
) -> str:
    attempts = Assignment.objects.values_list("attempts", flat=True).get(pk=assignment.pk)
    if retryable and attempts < max_attempts():
        delay = timedelta(seconds=retry_after) if retry_after else backoff(attempts)
        Assignment.objects.filter(pk=assignment.pk, claim_token=token).update(
            state=OutboxState.PENDING, next_attempt_at=timezone.now() + delay, last_error=error
        )
        log.info(
            "push of assignment %s failed (attempt %s), retrying in %s: %s",
            assignment.pk,
            attempts,
            delay,
            error,
        )
        schedule_push(assignment.pk, countdown=delay.total_seconds())
        return OutboxState.PENDING
    Assignment.objects.filter(pk=assignment.pk, claim_token=token).update(
        state=OutboxState.FAILED, last_error=error
    )
    log.warning("push of assignment %s failed for good after %s attempts: %s", assignment.pk, attempts, error)
    return OutboxState.FAILED


def assignment_retry(assignment_id: int) -> bool:
    """The queue's retry button: a failed row goes back to pending with fresh attempts."""
    reset = Assignment.objects.filter(pk=assignment_id, state=OutboxState.FAILED).update(
        state=OutboxState.PENDING, attempts=0, next_attempt_at=None, enqueued_at=None, last_error=""
    )
    if reset:
        schedule_push(assignment_id)
    return bool(reset)


def release_stale_claims(older_than: timedelta | None = None) -> int:
    """Claims held longer than PSA_PUSH_STALE_CLAIM (or `older_than`) belong to a dead worker:
    make them pending again. The next attempt reads the ticket before writing, which covers a
    PSA that accepted the dead worker's write."""
    window = stale_claim() if older_than is None else older_than
    released = Assignment.objects.filter(
        state=OutboxState.CLAIMED, claimed_at__lt=timezone.now() - window
    ).update(state=OutboxState.PENDING, next_attempt_at=None, enqueued_at=None)
    if released:
        log.warning("released %s push claim(s) older than %s (dead worker?)", released, window)
    return released


def due_assignment_ids(requeue_after: timedelta | None = None) -> list[int]:
    """Pending rows that are due and not waiting in the broker: never enqueued (the broker was
    down), or enqueued longer than PSA_PUSH_REQUEUE_AFTER (or `requeue_after`) ago."""
    now = timezone.now()
    window = timedelta(seconds=settings.PSA_PUSH_REQUEUE_AFTER) if requeue_after is None else requeue_after
    return list(
        Assignment.objects.filter(state=OutboxState.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=now - window))
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )
