"""Celery tasks of the PSA integration: thin, they take ids and call one service."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from celery import shared_task
from django.core.cache import cache

from psa import outbox, reconcile, sync, webhooks
from psa.backends.base import PsaError


@shared_task(acks_late=True, time_limit=120, soft_time_limit=100)
def push_assignment(assignment_id: int) -> str:
    return outbox.assignment_push(assignment_id)


@shared_task(acks_late=True)
def push_pending(stale_seconds: float | None = None, requeue_seconds: float | None = None) -> int:
    """Sweeper: release claims of dead workers (older than PSA_PUSH_STALE_CLAIM, or
    `stale_seconds`) and enqueue what is due and not waiting in the broker (enqueued longer than
    PSA_PUSH_REQUEUE_AFTER, or `requeue_seconds`, ago); a duplicate enqueue is harmless (the claim)."""
    outbox.release_stale_claims(None if stale_seconds is None else timedelta(seconds=stale_seconds))
    ids = outbox.due_assignment_ids(None if requeue_seconds is None else timedelta(seconds=requeue_seconds))
    for assignment_id in ids:
        outbox.schedule_push(assignment_id)
    return len(ids)


# ---- sync (beat names in config/celery.py) ---------------------------------------------------


class RetryablePsaError(Exception):
    """A PsaError the PSA may get over (busy, down, rate-limited): Celery retries with backoff."""


RETRY = {
    "autoretry_for": (RetryablePsaError,),
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 6,
}


def _run(kind: str, connection_id: int, service: Callable[..., Any]) -> Any:
    """One sync of one connection at a time (a slow run must not overlap the next beat);
    non-retryable errors are recorded on the connection by the service and not retried."""
    lock = f"psa-sync:{kind}:{connection_id}"
    if not cache.add(lock, 1, timeout=900):
        return "skipped: already running"
    try:
        return service(connection_id=connection_id)
    except PsaError as exc:
        if exc.retryable:
            raise RetryablePsaError(exc.message) from exc
        return f"failed: {exc.message}"
    finally:
        cache.delete(lock)


@shared_task(acks_late=True, time_limit=600, soft_time_limit=540, **RETRY)
def sync_tickets(connection_id: int) -> str:
    return str(_run("tickets", connection_id, sync.tickets_sync))


@shared_task(acks_late=True, time_limit=900, soft_time_limit=840, **RETRY)
def sync_people(connection_id: int) -> str:
    return str(_run("people", connection_id, sync.people_sync))


@shared_task(acks_late=True, time_limit=600, soft_time_limit=540, **RETRY)
def sync_time_entries(connection_id: int) -> str:
    return str(_run("time", connection_id, sync.time_entries_sync))


def _fan_out(task: Any) -> int:
    """One task per enabled connection (the beat entries below)."""
    ids = sync.enabled_connection_ids()
    for connection_id in ids:
        task.delay(connection_id)
    return len(ids)


@shared_task(acks_late=True, time_limit=60)
def sync_all_tickets() -> int:
    return _fan_out(sync_tickets)


@shared_task(acks_late=True, time_limit=60)
def sync_all_people() -> int:
    return _fan_out(sync_people)


@shared_task(acks_late=True, time_limit=60)
def sync_all_time_entries() -> int:
    return _fan_out(sync_time_entries)


@shared_task(acks_late=True, time_limit=120, soft_time_limit=100, **RETRY)
def process_webhook_event(event_id: int) -> str:
    try:
        return webhooks.webhook_event_process(event_id=event_id)
    except PsaError as exc:
        if exc.retryable:
            raise RetryablePsaError(exc.message) from exc
        return f"failed: {exc.message}"


@shared_task(acks_late=True, time_limit=600, soft_time_limit=540, **RETRY)
def reconcile_owners(connection_id: int, trigger: str = "schedule") -> str:
    def run(connection_id: int) -> str:
        result = reconcile.owners_reconcile(connection_id=connection_id, trigger=trigger)
        return f"{result.pushed} pushed, {result.mirrored} mirrored, {result.created} new"

    return str(_run("owners", connection_id, run))


@shared_task(acks_late=True, time_limit=60)
def reconcile_all_owners(trigger: str = "schedule") -> int:
    """Beat (every 10 minutes) and beat start (config/celery.py)."""
    ids = sync.enabled_connection_ids()
    for connection_id in ids:
        reconcile_owners.delay(connection_id, trigger)
    return len(ids)
