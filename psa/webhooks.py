"""Receiving PSA webhooks: verify, store once, process after commit.

A delivery is checked with the vendor's own scheme (ConnectWise: HMAC-SHA256 with the key
fetched from the payload's key_url on the connection's host; Autotask: X-Hook-Signature
HMAC-SHA1; HaloPSA: Basic auth plus its body signature) before anything is stored. The
stored WebhookEvent carries the vendor's dedupe key under a unique constraint, so a
re-delivery answers 200 and does nothing. Processing fetches the ticket fresh from the PSA
(psa.sync.ticket_refresh): the order deliveries arrive in does not matter.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from psa import sync
from psa.backends.base import PsaError
from psa.models import PsaConnection, WebhookEvent

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WebhookReceipt:
    status: int  # the HTTP status to answer
    message: str
    event_id: int | None = None
    duplicate: bool = False


MAX_DEPTH = 32  # no vendor's callback nests deeper than a few levels


def _depth_ok(value: Any, limit: int = MAX_DEPTH) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return False
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return True


def _payload(body: bytes) -> tuple[Any, str]:
    """The delivery's JSON, or the problem with it. Checked before anything else (the signature
    check of ConnectWise parses the body to find its key URL)."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        return None, "body: not valid JSON"
    if not _depth_ok(payload):
        return None, f"body: nested deeper than {MAX_DEPTH} levels"
    return payload, ""


def webhook_receive(*, connection_name: str, headers: Mapping[str, str], body: bytes) -> WebhookReceipt:
    """Verify and store one delivery; schedules processing when the transaction commits."""
    connection = PsaConnection.objects.filter(name=connection_name, enabled=True).first()
    if connection is None:
        return WebhookReceipt(404, f"connection: no enabled PSA connection named {connection_name!r}")
    payload, problem = _payload(body)
    if problem:
        return WebhookReceipt(400, problem)
    try:
        backend = sync.connection_backend(connection)
    except PsaError as exc:
        log.warning("webhook for %s not checked: %s", connection.name, exc.message)
        return WebhookReceipt(503, f"connection: {exc.message}")
    if not backend.verify_webhook(headers, body, secret=connection.get_webhook_secret() or None):
        log.warning("webhook for %s rejected: bad signature", connection.name)
        return WebhookReceipt(401, "signature: the delivery is not signed by this connection's PSA")
    try:
        ticket_id, action = backend.parse_webhook(body)
    except PsaError as exc:
        return WebhookReceipt(400, f"body: {exc.message}")
    if "\x00" in ticket_id or not ticket_id.strip() or len(ticket_id) > 100:
        return WebhookReceipt(400, "body: the ticket id is empty, too long or contains NUL")
    key = backend.webhook_dedupe_key(body)[:200].replace("\x00", "")
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(
                connection=connection,
                dedupe_key=key,
                ticket_external_id=ticket_id[:100],
                action=action[:30],
                payload=_storable(payload) if isinstance(payload, dict) else {"body": _storable(payload)},
            )
            transaction.on_commit(lambda: _schedule(event.pk))
    except IntegrityError:
        existing = (
            WebhookEvent.objects.filter(connection=connection, dedupe_key=key)
            .values_list("pk", flat=True)
            .first()
        )
        return WebhookReceipt(200, "duplicate delivery: already received", existing, duplicate=True)
    return WebhookReceipt(200, "received", event.pk)


def _storable(value: Any) -> Any:
    """PostgreSQL's jsonb refuses \\u0000 in strings: drop NUL characters from the stored copy."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_storable(v) for v in value]
    return value


def _schedule(event_id: int) -> None:
    from psa.tasks import process_webhook_event

    process_webhook_event.delay(event_id)


def webhook_event_process(*, event_id: int) -> str:
    """Apply one stored event: fetch its ticket fresh, upsert, dispatch when new. Returns what
    happened. Retryable PSA errors propagate (the task retries); the event stays unprocessed."""
    event = WebhookEvent.objects.select_related("connection").get(pk=event_id)
    if event.processed_at is not None:
        return "already processed"
    outcome = sync.ticket_refresh(
        connection_id=event.connection_id, ticket_external_id=event.ticket_external_id
    )
    claimed = WebhookEvent.objects.filter(pk=event_id, processed_at__isnull=True).update(
        processed_at=timezone.now()
    )
    if not claimed:
        return "already processed"
    if outcome is None:
        return "closed" if event.action == "deleted" else "ignored"
    return outcome.reason or ("created" if outcome.created else "updated")
