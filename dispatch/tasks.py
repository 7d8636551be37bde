"""Celery tasks of dispatch: thin, each calls one service."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, time_limit=3600, soft_time_limit=3300)
def train_models() -> str:
    """Nightly and after a history import: relearn experience and the category model; the desk's
    weight fit follows as a task of its own (the new model serves meanwhile)."""
    from dispatch.learning.training import train_models as train

    version = train(fit_weights=False).version
    fit_weights.delay(version)
    return version


@shared_task(acks_late=True, time_limit=3600, soft_time_limit=3300)
def fit_weights(version: str) -> bool:
    """After training: the desk's weights fitted on its history, stored as that version's proposal
    (applied where the desk opted in). False when the version is gone or nothing was fitted."""
    from dispatch.learning.training import fit_and_store
    from dispatch.models import ModelVersion

    found = ModelVersion.objects.filter(version=version).first()
    return bool(found is not None and fit_and_store(found))


@shared_task(acks_late=True)
def batch_cycle() -> int:
    """Every few minutes: dispatch the unassigned queue with the batch optimiser."""
    from dispatch.batch import batch_dispatch

    return len(batch_dispatch(mode=None, optimise=True, initiated_by="batch_cycle"))


@shared_task(acks_late=True)
def stranded_alerts() -> dict:
    """Every few minutes: tell the manager about tickets newly stranded with an absent technician."""
    from dispatch.stranded import stranded_alerts as alerts

    return alerts()


@shared_task(acks_late=True, time_limit=900, soft_time_limit=840)
def rerank_queue() -> dict | None:
    """After facts changed (coalesced): re-rank the tickets whose suggestion is stale."""
    from dispatch.freshness import rerank_run

    return rerank_run()


@shared_task(acks_late=True, time_limit=120, soft_time_limit=100)
def clock_tick() -> dict:
    """Every minute: re-rank when a shift, time off or on-call boundary passed, or an SLA risk moved."""
    from dispatch.freshness import clock_tick as tick

    return tick()
