"""The assignment outbox: every confirmed assignment reaches the PSA exactly once.

- The row is written in the same transaction as the decision (dispatch.services._assign).
- A worker claims it with a conditional UPDATE (state pending → claimed, with a fresh
  claim token), so two workers, or a retry racing the periodic sweeper, never both push.
- Before pushing, the worker reads the PSA ticket: when its owner is already our
  technician (a worker died after the PSA accepted the write but before we recorded it),
  it records the push instead of sending it again.
- Retryable failures go back to pending with a backoff; after MAX_ATTEMPTS the row is
  failed (PSA_UPDATE_FAILED on the decision, a retry button in the queue).
- Claims older than STALE_CLAIM (a worker killed mid-push) are released by the sweeper.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.db.models import F, Q
from django.utils import timezone

from dispatch.models import Assignment, OutboxState
from psa.backends import get_backend
from psa.backends.base import PsaError
from psa.models import MemberMapping

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
STALE_CLAIM = timedelta(minutes=5)


def backoff(attempt: int) -> timedelta:
    return timedelta(seconds=min(300, 5 * 2 ** max(0, attempt - 1)))


def schedule_push(assignment_id: int, countdown: float = 0) -> None:
    from psa.tasks import push_assignment

    push_assignment.apply_async(args=[assignment_id], countdown=countdown)


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
    assignment = Assignment.objects.select_related("ticket__connection", "technician", "decision").get(pk=assignment_id)
    connection = assignment.ticket.connection
    if connection is None:
        _finish(assignment_id, token, state=OutboxState.SKIPPED)
        return OutboxState.SKIPPED
    try:
        member = MemberMapping.objects.get(connection=connection, technician=assignment.technician)
        backend = get_backend(connection.vendor, connection.base_url, connection.get_credentials())
        current = backend.get_ticket(assignment.ticket.external_id)
        if current.owner_external_id != member.external_id:
            backend.assign_ticket(
                assignment.ticket.external_id, member.external_id, assignment.board or None, assignment.note
            )
    except MemberMapping.DoesNotExist:
        return _fail(assignment, token, f"{assignment.technician} has no member mapping on {connection.name}", retryable=False)
    except PsaError as exc:
        return _fail(assignment, token, str(exc), retryable=exc.retryable, retry_after=exc.retry_after)
    _finish(assignment_id, token, state=OutboxState.PUSHED)
    return OutboxState.PUSHED


def _finish(assignment_id: int, token: str, *, state: str) -> None:
    Assignment.objects.filter(pk=assignment_id, claim_token=token, state=OutboxState.CLAIMED).update(
        state=state, pushed_at=timezone.now() if state == OutboxState.PUSHED else None, last_error=""
    )


def _fail(assignment: Assignment, token: str, error: str, *, retryable: bool, retry_after: float | None = None) -> str:
    attempts = Assignment.objects.values_list("attempts", flat=True).get(pk=assignment.pk)
    if retryable and attempts < MAX_ATTEMPTS:
        delay = timedelta(seconds=retry_after) if retry_after else backoff(attempts)
        Assignment.objects.filter(pk=assignment.pk, claim_token=token).update(
            state=OutboxState.PENDING, next_attempt_at=timezone.now() + delay, last_error=error
        )
        log.info("push of assignment %s failed (attempt %s), retrying in %s: %s", assignment.pk, attempts, delay, error)
        schedule_push(assignment.pk, countdown=delay.total_seconds())
        return OutboxState.PENDING
    Assignment.objects.filter(pk=assignment.pk, claim_token=token).update(state=OutboxState.FAILED, last_error=error)
    log.warning("push of assignment %s failed for good after %s attempts: %s", assignment.pk, attempts, error)
    return OutboxState.FAILED


def assignment_retry(assignment_id: int) -> bool:
    """The queue's retry button: a failed row goes back to pending with fresh attempts."""
    reset = Assignment.objects.filter(pk=assignment_id, state=OutboxState.FAILED).update(
        state=OutboxState.PENDING, attempts=0, next_attempt_at=None, last_error=""
    )
    if reset:
        schedule_push(assignment_id)
    return bool(reset)


def release_stale_claims() -> int:
    """Claims held longer than STALE_CLAIM belong to a dead worker: make them pending again."""
    return Assignment.objects.filter(state=OutboxState.CLAIMED, claimed_at__lt=timezone.now() - STALE_CLAIM).update(
        state=OutboxState.PENDING, next_attempt_at=None
    )


def due_assignment_ids() -> list[int]:
    now = timezone.now()
    return list(
        Assignment.objects.filter(state=OutboxState.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .values_list("pk", flat=True)[:500]
    )
