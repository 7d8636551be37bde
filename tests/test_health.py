"""GET /healthz for load balancers and on-call: database, Redis, outbox backlog, PSA sync age."""

from __future__ import annotations

from typing import Any

import pytest

from dispatch.models import Assignment, Decision, OutboxState
from tests.factories import TechnicianFactory, TicketFactory

pytestmark = pytest.mark.django_db


def test_healthy_answers_200_without_login(client: Any) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["checks"]["database"] == "ok"


def test_redis_is_checked_when_configured(client: Any, settings: Any) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["checks"]["redis"].startswith("error")


def test_failed_pushes_are_counted(client: Any) -> None:
    ticket, tech = TicketFactory(), TechnicianFactory()
    decision = Decision.objects.create(ticket=ticket, ticket_external_id=ticket.external_id, status="approved",
                                       strategy="hybrid", algorithm_version="t", as_of=ticket.created_at)  # fmt: skip
    Assignment.objects.create(decision=decision, ticket=ticket, technician=tech, state=OutboxState.FAILED)
    assert client.get("/healthz").json()["outbox"]["failed"] == 1
