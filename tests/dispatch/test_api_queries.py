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
    assert small <= 15, "\n".join(s[:110] for s in _post(api, "91"))


def test_a_suggestion_is_written_once_with_its_document(
    api: Any, db: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """No savepoint, no second read of the ticket, no UPDATE of the new decision: its id is
    taken first (PostgreSQL) and the row written with its document; no outbox lookup for it."""
    with django_capture_on_commit_callbacks(execute=True):
        _desk(2)
    _post(api, "90")
    sqls = _post(api, "91")
    # one transaction (the test's own wraps it, so it shows as a single savepoint): none inside
    assert len([s for s in sqls if s.startswith("SAVEPOINT")]) <= 1
    if connection.vendor == "postgresql":
        assert not [s for s in sqls if s.startswith('UPDATE "dispatch_decision" SET "document"')]
    assert not [s for s in sqls if 'FROM "dispatch_assignment"' in s]
    assert len([s for s in sqls if s.startswith('SELECT "dispatch_ticket"')]) == 1
    decision = Decision.objects.filter(ticket__external_id="91").get()
    assert decision.document["audit_trail"]["decision_id"] == decision.pk
    assert decision.notifications == {"technician_notification": {"sent": False, "reason": "Awaiting dispatcher approval"}}
    response = api.get(f"/api/v1/decisions/{decision.pk}")
    assert response.json()["psa_sync"] == {"state": "none"}
    assert response.json()["audit_trail"]["decision_id"] == decision.pk


def test_an_auto_assignment_still_reports_its_outbox_row(
    api: Any, db: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _desk(2)
    response = api.post("/api/v1/dispatch", {"ticket_id": "91", "mode": "assign"})
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    decision = Decision.objects.get(pk=body["audit_trail"]["decision_id"])
    assert decision.status == "auto_assigned"
    assert body["psa_sync"]["state"] == "skipped"  # a local ticket: the outbox row says so


def test_related_rows_are_read_once_per_facts_version_and_a_change_is_seen(
    api: Any, db: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """A known ticket's category, company and board come from a memo of the facts version: no
    query for them on the next call, and a change to the category (it bumps the version) shows
    in the very next decision."""
    from skills.models import Category
    from tests.factories import SkillFactory as Skills

    with django_capture_on_commit_callbacks(execute=True):
        _desk(2)
    _post(api, "90")  # the category read for this version
    sqls = _post(api, "91")
    assert not [s for s in sqls if 'FROM "skills_category"' in s or "skills_category_required_skills" in s]
    first = Decision.objects.filter(ticket__external_id="91").latest("pk")
    assert first.inputs["ticket"]["required_skills"] == ["Exchange"]
    with django_capture_on_commit_callbacks(execute=True):
        Category.objects.get(name="Email Support").required_skills.add(Skills(name="Teams"))
    _post(api, "91")
    again = Decision.objects.filter(ticket__external_id="91").latest("pk")
    assert sorted(again.inputs["ticket"]["required_skills"]) == ["Exchange", "Teams"]
