"""POST /api/v1/dispatch over HTTP: a ticket without a due date gets its deadline from the
company's SLA policy (issue 12 item 4), and a forced pick below the skill-match threshold is
marked in the document, on the decision and in the note pushed to the PSA (item 5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from dispatch.models import Assignment, Decision, DispatchSettings, Ticket
from tests.factories import CategoryFactory, CompanyFactory, SkillFactory, SLAPolicyFactory, TechnicianFactory

MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # Monday 10:00 UTC; the technicians work at all hours

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock() -> Any:
    with time_machine.travel(MONDAY, tick=False):
        yield


@pytest.fixture
def desk(db: Any) -> dict[str, Any]:
    exchange = SkillFactory(name="Exchange")
    printers = SkillFactory(name="Printers")
    category = CategoryFactory(name="Email Support", skills=[exchange])
    premium = SLAPolicyFactory(
        name="Premium 1-Hour",
        response_hours={"Critical": 0.2, "High": 1, "Medium": 4, "Low": 8},
        resolution_hours={"Critical": 4, "High": 8, "Medium": 24, "Low": 72},
    )
    company = CompanyFactory(external_id="hooli", name="Hooli", tier="vip", sla_policy=premium)
    settings = DispatchSettings.load()
    settings.skill_match_threshold = 50
    settings.save()
    return {"exchange": exchange, "printers": printers, "category": category, "company": company}


def _body(**fields: Any) -> dict[str, Any]:
    return {
        "ticket_id": "T-100",
        "ticket_category": "Email Support",
        "ticket_priority": "High",
        "ticket_board": "Service Desk",
        "company_id": "hooli",
        "mode": "suggest",
        **fields,
    }


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


# ---------------------------------------------------------------- deadlines


def test_no_due_date_gets_the_policys_deadline(api: Any, desk: Any) -> None:
    TechnicianFactory(external_id="tech-sarah", name="Sarah", skills={desk["exchange"]: "expert"})
    doc = api.post("/api/v1/dispatch", _body()).json()
    tracking = doc["sla_tracking"]
    assert tracking["sla_policy"] == "Premium 1-Hour"
    assert tracking["sla_deadline"] == iso(MONDAY + timedelta(hours=1))
    assert tracking["sla_deadline_source"] == "policy"
    assert tracking["response_deadline"] == iso(MONDAY + timedelta(hours=1))
    assert tracking["resolution_deadline"] == iso(MONDAY + timedelta(hours=8))
    assert tracking["time_remaining_hours"] == 1.0
    assert tracking["on_track"] is True  # first response expected in 15 min, due in 60
    assert doc["ticket_info"]["sla_due"] == iso(MONDAY + timedelta(hours=1))
    ticket = Ticket.objects.get(external_id="T-100")
    assert ticket.sla_due == MONDAY + timedelta(hours=1) and ticket.sla_due_source == "policy"


def test_on_track_is_computed_against_the_policys_deadline(api: Any, desk: Any) -> None:
    TechnicianFactory(external_id="tech-sarah", name="Sarah", skills={desk["exchange"]: "expert"})
    doc = api.post("/api/v1/dispatch", _body(ticket_priority="Critical")).json()
    tracking = doc["sla_tracking"]
    assert tracking["sla_deadline"] == iso(MONDAY + timedelta(minutes=12))
    assert tracking["on_track"] is False  # 15 min to first response against 12 left


def test_a_due_date_in_the_body_is_given(api: Any, desk: Any) -> None:
    TechnicianFactory(external_id="tech-sarah", name="Sarah", skills={desk["exchange"]: "expert"})
    due = MONDAY + timedelta(hours=30)
    doc = api.post("/api/v1/dispatch", _body(sla_due_date=iso(due))).json()
    tracking = doc["sla_tracking"]
    assert tracking["sla_deadline"] == iso(due) and tracking["sla_deadline_source"] == "given"
    assert tracking["response_deadline"] is None and tracking["resolution_deadline"] is None
    # Named again without a due date: the given one stands.
    doc = api.post("/api/v1/dispatch", {"ticket_id": "T-100", "ticket_priority": "Critical", "mode": "suggest"}).json()
    assert doc["sla_tracking"]["sla_deadline"] == iso(due)


def test_a_new_priority_recomputes_the_policys_deadline(api: Any, desk: Any) -> None:
    TechnicianFactory(external_id="tech-sarah", name="Sarah", skills={desk["exchange"]: "expert"})
    api.post("/api/v1/dispatch", _body(ticket_priority="Low"))
    assert Ticket.objects.get(external_id="T-100").sla_due == MONDAY + timedelta(hours=8)
    doc = api.post("/api/v1/dispatch", {"ticket_id": "T-100", "ticket_priority": "High", "mode": "suggest"}).json()
    assert doc["sla_tracking"]["sla_deadline"] == iso(MONDAY + timedelta(hours=1))
    assert Ticket.objects.get(external_id="T-100").sla_due == MONDAY + timedelta(hours=1)


def test_assigning_moves_the_deadline_to_resolution(api: Any, desk: Any) -> None:
    TechnicianFactory(external_id="tech-sarah", name="Sarah", skills={desk["exchange"]: "expert"})
    doc = api.post("/api/v1/dispatch", _body(mode="assign")).json()
    assert doc["dispatching_results"]["assigned"] is True
    assert doc["sla_tracking"]["sla_deadline"] == iso(MONDAY + timedelta(hours=1))  # what it was ranked on
    ticket = Ticket.objects.get(external_id="T-100")
    assert ticket.sla_due == MONDAY + timedelta(hours=8) and ticket.sla_due_source == "policy"


# ---------------------------------------------------------------- below-threshold picks


def test_a_forced_pick_below_the_threshold_is_marked(api: Any, desk: Any) -> None:
    TechnicianFactory(external_id="tech-jim", name="Jim", seniority="junior", skills={desk["printers"]: "expert"})
    doc = api.post("/api/v1/dispatch", _body(force_assignment=True, mode="assign")).json()
    assert doc["success"] is True
    assert doc["dispatching_results"]["assigned_technician"]["technician_id"] == "tech-jim"
    assert doc["dispatching_results"]["below_skill_threshold"] is True
    skill = doc["assigned_technician_details"]["skill_match"]
    assert skill["meets_threshold"] is False and skill["skill_match_threshold"] == 50
    (warning,) = doc["warnings"]
    assert warning["code"] == "BELOW_SKILL_THRESHOLD" and warning["technician_id"] == "tech-jim"
    assert "below the 50% skill-match threshold (skill match 0%)" in warning["message"]

    decision = Decision.objects.get(pk=doc["audit_trail"]["decision_id"])
    assert decision.below_skill_threshold is True
    assert decision.unqualified_text == "Below the 50% skill-match threshold (skill match 0%)"
    stored = api.get(f"/api/v1/decisions/{decision.pk}").json()
    assert stored["warnings"] == doc["warnings"]

    note = Assignment.objects.get(decision=decision).note
    assert "Warning: Jim is below the 50% skill-match threshold (skill match 0%)." in note


def test_a_qualified_pick_carries_no_mark(api: Any, desk: Any) -> None:
    TechnicianFactory(external_id="tech-sarah", name="Sarah", skills={desk["exchange"]: "expert"})
    TechnicianFactory(external_id="tech-jim", name="Jim", seniority="junior", skills={desk["printers"]: "expert"})
    doc = api.post("/api/v1/dispatch", _body(mode="assign")).json()
    assert doc["dispatching_results"]["assigned_technician"]["technician_id"] == "tech-sarah"
    assert doc["dispatching_results"]["below_skill_threshold"] is False
    assert doc["warnings"] == []
    assert doc["assigned_technician_details"]["skill_match"]["meets_threshold"] is True
    decision = Decision.objects.get(pk=doc["audit_trail"]["decision_id"])
    assert decision.below_skill_threshold is False and decision.unqualified_text == ""
    assert "Warning" not in Assignment.objects.get(decision=decision).note


def test_a_dispatcher_choosing_an_unqualified_technician_is_warned_in_the_note(api: Any, desk: Any, dispatcher: Any) -> None:
    from dispatch.services import decision_approve

    TechnicianFactory(external_id="tech-sarah", name="Sarah", skills={desk["exchange"]: "expert"})
    TechnicianFactory(external_id="tech-jim", name="Jim", seniority="junior", skills={desk["printers"]: "expert"})
    api.post("/api/v1/dispatch", _body())
    ticket = Ticket.objects.get(external_id="T-100")
    decision = decision_approve(ticket=ticket, user=dispatcher, technician_id="tech-jim", reason="Sarah is swamped")
    assert decision.below_skill_threshold is False  # the suggestion (Sarah) was qualified
    note = Assignment.objects.get(decision=decision).note
    assert "Warning: Jim is below the 50% skill-match threshold (skill match 0%)." in note
