"""The API on changing facts: candidates never stale, approval re-checked (409s naming why)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from dispatch import services
from dispatch.models import Assignment
from skills.models import TimeOff
from tests.factories import CategoryFactory, SkillFactory, TechnicianFactory, TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(db: Any) -> dict[str, Any]:
    skill = SkillFactory(name="Exchange")
    category = CategoryFactory(name="Email", skills=[skill])
    alice = TechnicianFactory(external_id="tech-alice", name="Alice Expert", skills={skill: "expert"})
    bob = TechnicianFactory(external_id="tech-bob", name="Bob Mid", skills={skill: "intermediate"})
    ticket = TicketFactory(external_id="9001", category=category, priority="Critical")
    return {"alice": alice, "bob": bob, "ticket": ticket}


def sick(tech: Any) -> None:
    now = timezone.now()
    TimeOff.objects.create(technician=tech, start=now - dt.timedelta(hours=1), end=now + dt.timedelta(days=1), reason="Sick")


def test_candidates_after_time_off_recommend_someone_present(
    api: Any, desk: Any, django_capture_on_commit_callbacks: Any
) -> None:
    assert api.post("/api/v1/dispatch", {"ticket_id": "9001", "mode": "suggest"}).json()["dispatching_results"][
        "recommended_technician"
    ]["technician_id"] == "tech-alice"
    with django_capture_on_commit_callbacks(execute=True):
        sick(desk["alice"])
    body = api.get("/api/v1/tickets/9001/candidates").json()
    assert body["recommended_technician"] == "tech-bob"
    alice = next(c for c in body["candidates"] if c["technician_id"] == "tech-alice")
    assert (alice["availability"], alice["eligible"]) == ("time_off", False)


def test_approve_of_a_suggestion_that_went_home_answers_409_with_the_new_one(api: Any, desk: Any) -> None:
    services.decision_create(ticket=desk["ticket"], mode="suggest")
    sick(desk["alice"])
    response = api.post("/api/v1/tickets/9001/approve", {})
    details = response.json()["error_details"]
    assert response.status_code == 409 and details["code"] == "SUGGESTION_CHANGED"
    assert details["recommended_technician"] == "tech-bob" and "Alice Expert is on time off (Sick)" in details["message"]
    assert not Assignment.objects.exists()
    assert api.post("/api/v1/tickets/9001/approve", {}).json()["dispatching_results"]["assigned_technician"][
        "technician_id"
    ] == "tech-bob"


def test_choosing_an_absent_technician_answers_technician_unavailable(api: Any, desk: Any) -> None:
    services.decision_create(ticket=desk["ticket"], mode="suggest")
    sick(desk["bob"])
    response = api.post("/api/v1/tickets/9001/approve", {"technician_id": "tech-bob", "reason": "knows them"})
    details = response.json()["error_details"]
    assert response.status_code == 409 and details["code"] == "TECHNICIAN_UNAVAILABLE"
    assert "went offline before assignment: Bob Mid is on time off (Sick) until" in details["message"]
    assert not Assignment.objects.exists()
    done = api.post(
        "/api/v1/tickets/9001/approve", {"technician_id": "tech-bob", "reason": "knows them", "assign_anyway": True}
    )
    assert done.status_code == 200 and Assignment.objects.get().technician == desk["bob"]
