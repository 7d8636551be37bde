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


def webhook_receive(*, connection_name: str, headers: Mapping[str, str], body: bytes) -> WebhookReceipt:
    """Verify and store one delivery; schedules processing when the transaction commits."""
    connection = PsaConnection.objects.filter(name=connection_name, enabled=True).first()
    if connection is None:
        return WebhookReceipt(404, f"connection: no enabled PSA connection named {connection_name!r}")
    backend = sync.connection_backend(connection)
    if not backend.verify_webhook(headers, body, secret=connection.get_webhook_secret() or None):
        log.warning("webhook for %s rejected: bad signature", connection.name)
        return WebhookReceipt(401, "signature: the delivery is not signed by this connection's PSA")
    try:
        ticket_id, action = backend.parse_webhook(body)
    except PsaError as exc:
        return WebhookReceipt(400, f"body: {exc.message}")
    key = backend.webhook_dedupe_key(body)[:200]
    try:
        payload: Any = json.loads(body)
    except ValueError:
        payload = {}
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(
                connection=connection,
                dedupe_key=key,
                ticket_external_id=ticket_id[:100],
                action=action[:30],
                payload=payload if isinstance(payload, dict) else {"body": payload},
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
