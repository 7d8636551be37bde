"""POST /api/v1/dispatch in a fixed, small number of queries: a call that only names a known
ticket writes nothing to it, and the policy is read once per facts version."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from dispatch.models import Decision
from tests.factories import CategoryFactory, SkillFactory, TechnicianFactory, TicketFactory


def _desk(n: int) -> None:
    exchange = SkillFactory(name="Exchange")
    category = CategoryFactory(name="Email Support", skills=[exchange])
    for i in range(n):
        TechnicianFactory(external_id=f"tech-{i}", name=f"Tech {i}", skills={exchange: "expert"})
    for k in range(3):
        TicketFactory(external_id=f"9{k}", category=category, priority="High")


def _post(api: Any, ticket_id: str, **body: Any) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = api.post("/api/v1/dispatch", {"ticket_id": ticket_id, "mode": "suggest", **body})
    assert response.status_code == 200, response.content[:300]
    return [q["sql"] for q in queries.captured_queries]


def test_naming_a_known_ticket_writes_nothing_to_it(api: Any, db: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # as if committed: the snapshot is shared
        _desk(3)
    _post(api, "90")  # the snapshot and the policy built
    sqls = _post(api, "91")
    assert not [s for s in sqls if s.startswith('UPDATE "dispatch_ticket"')]
    assert Decision.objects.filter(ticket__external_id="91").count() == 1
    changed = _post(api, "92", ticket_priority="Critical")  # a body that changes the ticket is stored
    assert [s for s in changed if s.startswith('UPDATE "dispatch_ticket"')]


def test_the_query_count_does_not_grow_with_the_desk(api: Any, db: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _desk(2)
    _post(api, "90")
    _post(api, "91")
    small = len(_post(api, "91"))
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(2, 30):
            TechnicianFactory(external_id=f"tech-x{i}", name=f"X {i}")
    _post(api, "90")  # the new version's snapshot built
    _post(api, "92")
    assert len(_post(api, "92")) == small
    assert small <= 20, "\n".join(s[:110] for s in _post(api, "91"))
