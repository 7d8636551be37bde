"""Celery tasks of the PSA integration: thin, they take ids and call one service."""

from __future__ import annotations

from celery import shared_task

from psa import outbox


@shared_task(acks_late=True, time_limit=120, soft_time_limit=100)
def push_assignment(assignment_id: int) -> str:
    return outbox.assignment_push(assignment_id)


@shared_task(acks_late=True)
def push_pending() -> int:
    """Sweeper: release claims of dead workers and push whatever is due."""
    outbox.release_stale_claims()
    ids = outbox.due_assignment_ids()
    for assignment_id in ids:
        push_assignment.delay(assignment_id)
    return len(ids)
