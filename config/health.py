"""GET /healthz: what a load balancer and an on-call engineer need to know, without login.

200 when the database answers (and Redis, when configured); 503 otherwise. The body adds the
outbox backlog (assignments waiting for or failed to reach the PSA) and the age of each PSA
connection's last sync, so a stuck worker or beat shows up before dispatchers notice."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _check_redis() -> str:
    if not settings.REDIS_URL:
        return "not configured (tasks run in-process)"
    import redis

    redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
    return "ok"


def _details() -> dict[str, Any]:
    from dispatch.models import Assignment, OutboxState
    from psa.models import PsaConnection

    now = timezone.now()
    backlog = {
        state: Assignment.objects.filter(state=state).count()
        for state in (OutboxState.PENDING, OutboxState.CLAIMED, OutboxState.FAILED)
    }
    syncs = {
        c.name: (round((now - c.last_sync_at).total_seconds()) if c.last_sync_at else None)
        for c in PsaConnection.objects.filter(enabled=True).only("name", "last_sync_at")
    }
    from psa.reconcile import latest_reconciliations

    return {"outbox": backlog, "psa_last_sync_seconds_ago": syncs, "psa_owner_reconciliation": latest_reconciliations()}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, str] = {}
    healthy = True
    for name, check in (("database", _check_database), ("redis", _check_redis)):
        try:
            checks[name] = check()
        except Exception as exc:  # any failure is the answer, not a crash
            checks[name] = f"error: {type(exc).__name__}"
            healthy = False
    body: dict[str, Any] = {"status": "ok" if healthy else "unavailable", "checks": checks}
    if checks["database"] == "ok":
        body.update(_details())
    return JsonResponse(body, status=200 if healthy else 503)
