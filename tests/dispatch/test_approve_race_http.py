"""Two simultaneous approvals of one ticket over HTTP (issue 13): one 200, the other 409 with
the winner named, on PostgreSQL and on the embedded SQLite default alike (SQLite waits on its
lock: a busy timeout and immediate transactions, config/settings.py)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from accounts.models import ApiToken, Role
from dispatch import services
from dispatch.models import Assignment
from tests.factories import CategoryFactory, SkillFactory, TechnicianFactory, TicketFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _approve_at_once(tokens: list[str], bodies: list[dict[str, Any]]) -> list[Any]:
    barrier = threading.Barrier(len(tokens))
    responses: list[Any] = [None] * len(tokens)

    def run(i: int) -> None:
        try:
            client = Client(headers={"Authorization": f"Bearer {tokens[i]}"})
            barrier.wait(timeout=10)
            responses[i] = client.post("/api/v1/tickets/7001/approve", bodies[i], content_type="application/json")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(tokens))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return responses


@pytest.mark.parametrize("attempt", range(3))
def test_simultaneous_approvals_answer_one_200_and_409s(attempt: int) -> None:
    skill = SkillFactory(name="Exchange")
    category = CategoryFactory(name="Email", skills=[skill])
    TechnicianFactory(external_id="tech-a", skills={skill: "expert"})
    TechnicianFactory(external_id="tech-b", skills={skill: "intermediate"})
    ticket = TicketFactory(external_id="7001", category=category)
    services.decision_create(ticket=ticket, mode="suggest")
    users = [UserFactory(username=f"d{i}", role=Role.DISPATCHER) for i in range(3)]
    tokens = [ApiToken.issue(u)[1] for u in users]
    bodies = [{}, {"technician_id": "tech-b", "reason": "closer"}, {}]
    responses = _approve_at_once(tokens, bodies)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 409, 409], [r.content[:200] for r in responses]
    assert Assignment.objects.filter(ticket=ticket).count() == 1


def test_simultaneous_approvals_on_the_queue_page_answer_one_200_and_409s() -> None:
    from django.urls import reverse

    skill = SkillFactory(name="Exchange")
    category = CategoryFactory(name="Email", skills=[skill])
    TechnicianFactory(external_id="tech-a", skills={skill: "expert"})
    ticket = TicketFactory(external_id="7002", category=category)
    services.decision_create(ticket=ticket, mode="suggest")
    clients = []
    for i in range(3):
        client = Client(headers={"HX-Request": "true"})
        client.force_login(UserFactory(username=f"q{i}", role=Role.DISPATCHER))
        clients.append(client)
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def run(client: Client) -> None:
        try:
            barrier.wait(timeout=10)
            statuses.append(client.post(reverse("dispatch:assign", args=[ticket.pk])).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(statuses) == [200, 409, 409]
    assert Assignment.objects.filter(ticket=ticket).count() == 1
