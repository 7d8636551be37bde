"""The dispatch JSON API over HTTP (contracts/dispatch-api.md): every call, its shapes and errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dispatch.models import Assignment, Decision, DecisionStatus, DispatchSettings, Ticket
from skills.models import AutoAssign
from tests.factories import CategoryFactory, CompanyFactory, SkillFactory, TechnicianFactory, TicketFactory

SEED = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "seed_returned_data.json").read_text())


@pytest.fixture
def desk(db: Any) -> dict[str, Any]:
    exchange = SkillFactory(name="Exchange")
    category = CategoryFactory(name="Email Support", skills=[exchange])
    sarah = TechnicianFactory(external_id="tech-sarah", name="Sarah Johnson", skills={exchange: "expert"})
    mike = TechnicianFactory(external_id="tech-mike", name="Mike Chen", skills={exchange: "intermediate"})
    company = CompanyFactory(external_id="acme", name="Acme Corporation")
    ticket = TicketFactory(external_id="12345", category=category, company=company, priority="High")
    return {"category": category, "sarah": sarah, "mike": mike, "company": company, "ticket": ticket}


def _candidates(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [doc["assigned_technician_details"], *doc["alternative_candidates"]]


def test_dispatch_answers_the_seed_document_shape(api: Any, desk: Any) -> None:
    doc = api.post("/api/v1/dispatch", {"ticket_id": "12345"}).json()
    assert set(SEED) <= set(doc)
    for section in ("dispatching_results", "evaluation_summary", "sla_tracking", "audit_trail"):
        assert set(SEED[section]) - {"assigned_technician"} <= set(doc[section]), section
    assert set(SEED["alternative_candidates"][0]) <= set(doc["alternative_candidates"][0])


def test_every_candidates_breakdown_adds_up_to_its_score(api: Any, desk: Any) -> None:
    doc = api.post("/api/v1/dispatch", {"ticket_id": "12345"}).json()
    for candidate in _candidates(doc):
        points = sum(part["points"] for part in candidate["score_breakdown"])
        assert points == pytest.approx(candidate["score"], abs=0.05 * len(candidate["score_breakdown"]))
        assert all(0 <= part["value"] <= 1 for part in candidate["score_breakdown"])


def test_suggest_mode_is_pending_approval_and_leaves_the_ticket_unassigned(api: Any, desk: Any) -> None:
    doc = api.post("/api/v1/dispatch", {"ticket_id": "12345", "mode": "suggest"}).json()
    results = doc["dispatching_results"]
    assert results["assigned"] is False and results["status"] == "pending_approval"
    assert results["recommended_technician"]["technician_id"] == "tech-sarah"
    assert Decision.objects.get(pk=doc["audit_trail"]["decision_id"]).status == DecisionStatus.SUGGESTED
    assert Ticket.objects.get(external_id="12345").assigned_to is None


def test_assign_mode_assigns_and_writes_one_outbox_row(api: Any, desk: Any) -> None:
    doc = api.post("/api/v1/dispatch", {"ticket_id": "12345", "mode": "assign"}).json()
    assert doc["dispatching_results"]["assigned"] is True
    assert doc["dispatching_results"]["assigned_technician"]["technician_id"] == "tech-sarah"
    assert Assignment.objects.filter(ticket=desk["ticket"], technician=desk["sarah"]).count() == 1


def test_trusted_category_is_auto_assigned_by_default(api: Any, desk: Any) -> None:
    desk["category"].auto_assign = AutoAssign.ON
    desk["category"].auto_assign_min_confidence = 0.0
    desk["category"].save()
    doc = api.post("/api/v1/dispatch", {"ticket_id": "12345"}).json()
    assert doc["status"] == DecisionStatus.AUTO_ASSIGNED
    assert Ticket.objects.get(external_id="12345").assigned_to == desk["sarah"]


def test_assigning_an_assigned_ticket_again_is_409(api: Any, desk: Any) -> None:
    api.post("/api/v1/dispatch", {"ticket_id": "12345", "mode": "assign"})
    response = api.post("/api/v1/dispatch", {"ticket_id": "12345", "mode": "assign"})
    assert response.status_code == 409
    assert response.json()["error_details"]["assigned_technician"] == "tech-sarah"
    assert Assignment.objects.count() == 1


def test_a_new_ticket_is_created_from_a_full_body(api: Any, desk: Any) -> None:
    body = {
        "ticket_id": "77001", "ticket_category": "Email Support", "ticket_priority": "Critical",
        "ticket_board": "Service Desk", "company_id": "acme", "subject": "CEO mailbox down",
        "exclude_technicians": ["tech-sarah"],
    }  # fmt: skip
    doc = api.post("/api/v1/dispatch", body).json()
    assert doc["success"] is True
    assert doc["dispatching_results"]["recommended_technician"]["technician_id"] == "tech-mike"
    assert Ticket.objects.get(external_id="77001").priority == "Critical"


def test_malformed_body_is_400_naming_each_field_and_stores_nothing(api: Any, desk: Any) -> None:
    body = {"ticket_id": "88001", "ticket_priority": "Urgent", "sla_due_date": "2026-01-13T18:00:00"}
    response = api.post("/api/v1/dispatch", body)
    error = response.json()["error_details"]
    assert response.status_code == 400 and error["code"] == "INVALID_TICKET_DATA"
    for field in ("ticket_priority", "sla_due_date", "ticket_category", "company_id"):
        assert field in error["message"]
    assert not Ticket.objects.filter(external_id="88001").exists() and Decision.objects.count() == 0


def test_body_that_is_not_json_is_400(api: Any, desk: Any) -> None:
    response = api.post("/api/v1/dispatch", raw=b"{not json")
    assert response.status_code == 400 and "body" in response.json()["error_details"]["message"]


def test_unknown_company_is_400_and_creates_no_ticket(api: Any, desk: Any) -> None:
    body = {"ticket_id": "88002", "ticket_category": "Email Support", "ticket_priority": "Low",
            "ticket_board": "Service Desk", "company_id": "nobody"}  # fmt: skip
    response = api.post("/api/v1/dispatch", body)
    assert response.status_code == 400 and "company_id" in response.json()["error_details"]["message"]
    assert not Ticket.objects.filter(external_id="88002").exists()


def test_dispatching_disabled_answers_the_error_shape(api: Any, desk: Any) -> None:
    DispatchSettings.objects.update_or_create(pk=1, defaults={"dispatching_enabled": False})
    doc = api.post("/api/v1/dispatch", {"ticket_id": "12345"}).json()
    assert doc["success"] is False
    assert doc["dispatching_results"]["reason"] == "DISPATCHING_DISABLED"
    assert doc["error_details"]["code"].startswith("ERR-DISPATCH-") and doc["recommended_actions"]
    assert not Ticket.objects.get(external_id="12345").assigned_to


def test_candidates_lists_everyone_ranked(api: Any, desk: Any) -> None:
    body = api.get("/api/v1/tickets/12345/candidates").json()
    assert [c["technician_id"] for c in body["candidates"]][:2] == ["tech-sarah", "tech-mike"]
    assert body["recommended_technician"] == "tech-sarah" and body["status"] == DecisionStatus.SUGGESTED


def test_candidates_of_an_unknown_ticket_is_404(api: Any, desk: Any) -> None:
    assert api.get("/api/v1/tickets/nope/candidates").status_code == 404


def test_approve_confirms_the_suggestion(api: Any, desk: Any) -> None:
    api.post("/api/v1/dispatch", {"ticket_id": "12345", "mode": "suggest"})
    doc = api.post("/api/v1/tickets/12345/approve", {}).json()
    assert doc["status"] == DecisionStatus.APPROVED
    assert doc["dispatching_results"]["assigned_technician"]["technician_id"] == "tech-sarah"
    assert doc["audit_trail"]["decided_by"] == "dana"


def test_override_without_a_reason_is_400_and_assigns_nobody(api: Any, desk: Any) -> None:
    api.post("/api/v1/dispatch", {"ticket_id": "12345", "mode": "suggest"})
    response = api.post("/api/v1/tickets/12345/approve", {"technician_id": "tech-mike"})
    assert response.status_code == 400 and "reason" in response.json()["error_details"]["message"]
    assert Ticket.objects.get(external_id="12345").assigned_to is None


def test_override_with_a_reason_is_recorded(api: Any, desk: Any) -> None:
    api.post("/api/v1/dispatch", {"ticket_id": "12345", "mode": "suggest"})
    doc = api.post("/api/v1/tickets/12345/approve", {"technician_id": "tech-mike", "reason": "Sarah is at lunch"}).json()
    assert doc["status"] == DecisionStatus.OVERRIDDEN
    assert Decision.objects.get(pk=doc["audit_trail"]["decision_id"]).override_reason == "Sarah is at lunch"


def test_approve_with_unknown_fields_is_400(api: Any, desk: Any) -> None:
    response = api.post("/api/v1/tickets/12345/approve", {"technician": "tech-mike"})
    assert response.status_code == 400 and "technician: unknown field" in response.json()["error_details"]["message"]


def test_second_approval_is_409_and_names_the_winner(api: Any, desk: Any, manager_api: Any) -> None:
    api.post("/api/v1/dispatch", {"ticket_id": "12345", "mode": "suggest"})
    api.post("/api/v1/tickets/12345/approve", {})
    response = manager_api.post("/api/v1/tickets/12345/approve", {"technician_id": "tech-mike", "reason": "mine"})
    assert response.status_code == 409
    assert response.json()["error_details"]["decided_by"] == "dana"
    assert Assignment.objects.count() == 1


def test_batch_dispatches_every_unassigned_ticket(api: Any, desk: Any) -> None:
    TicketFactory(external_id="12346", category=desk["category"], company=desk["company"])
    body = api.post("/api/v1/dispatch/batch", {"mode": "suggest"}).json()
    assert body["count"] == 2 and {r["ticket_id"] for r in body["results"]} == {"12345", "12346"}
    assert all(r["success"] and r["decision_id"] for r in body["results"])


def test_batch_with_a_bad_mode_is_400(api: Any, desk: Any) -> None:
    response = api.post("/api/v1/dispatch/batch", {"mode": "now"})
    assert response.status_code == 400 and "mode" in response.json()["error_details"]["message"]
    assert Decision.objects.count() == 0


def test_decision_detail_returns_the_stored_document(api: Any, desk: Any) -> None:
    doc = api.post("/api/v1/dispatch", {"ticket_id": "12345", "mode": "suggest"}).json()
    stored = api.get(f"/api/v1/decisions/{doc['audit_trail']['decision_id']}").json()
    assert stored["ticket_id"] == "12345" and stored["psa_sync"] == {"state": "none"}
    assert api.get("/api/v1/decisions/999999").status_code == 404


def test_openapi_publishes_every_contract_path(api: Any) -> None:
    paths = api.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/dispatch", "/api/v1/tickets/{ticket_id}/candidates", "/api/v1/tickets/{ticket_id}/approve",
                 "/api/v1/dispatch/batch", "/api/v1/decisions/{decision_id}", "/api/v1/classify"):  # fmt: skip
        assert path in paths, path


@pytest.fixture
def novice_only(db: Any) -> dict[str, Any]:
    """Only a beginner is available for a Low-priority Exchange ticket due in 20 hours."""
    from datetime import timedelta

    from django.utils import timezone

    exchange = SkillFactory(name="Exchange")
    category = CategoryFactory(name="Email Support", skills=[exchange])
    novice = TechnicianFactory(external_id="tech-novice", name="Nora Novice", skills={exchange: "beginner"})
    company = CompanyFactory(external_id="acme", name="Acme Corporation")
    ticket = TicketFactory(
        external_id="777", category=category, company=company, priority="Low", sla_due=timezone.now() + timedelta(hours=20)
    )
    return {"novice": novice, "ticket": ticket, "category": category, "company": company}


def _desk_below_threshold(value: str) -> None:
    s = DispatchSettings.load()
    s.below_threshold = value
    s.save()


def _blocking(doc: dict[str, Any]) -> dict[str, str]:
    return {b["factor"]: b["details"] for b in doc["evaluation_summary"]["blocking_factors"]}


def test_omitted_force_assignment_follows_the_desk_default_always(api: Any, novice_only: Any) -> None:
    doc = api.post("/api/v1/dispatch", {"ticket_id": "777", "mode": "assign"}).json()
    assert doc["dispatching_results"]["assigned"] is True
    assert doc["dispatching_results"]["assigned_technician"]["technician_id"] == "tech-novice"


def test_desk_setting_urgent_holds_a_routine_ticket_for_a_qualified_technician(api: Any, novice_only: Any) -> None:
    _desk_below_threshold("urgent")
    response = api.post("/api/v1/dispatch", {"ticket_id": "777", "mode": "assign"})
    doc = response.json()
    assert doc["success"] is False and doc["dispatching_results"]["reason"] == "SKILL_MATCH_BELOW_THRESHOLD"
    assert _blocking(doc)["force_scope"].startswith("Not urgent: Low tickets are forced below the threshold")
    assert Ticket.objects.get(external_id="777").assigned_to is None and not Assignment.objects.exists()
    stored = Decision.objects.get(pk=doc["audit_trail"]["decision_id"])
    assert stored.inputs["policy"]["force_scope"] == "urgent" and stored.inputs["policy"]["force_assignment"] is True


def test_an_explicit_force_assignment_beats_the_desk_setting(api: Any, novice_only: Any) -> None:
    _desk_below_threshold("urgent")
    doc = api.post("/api/v1/dispatch", {"ticket_id": "777", "mode": "assign", "force_assignment": True}).json()
    assert doc["dispatching_results"]["assigned_technician"]["technician_id"] == "tech-novice"


def test_an_explicit_false_beats_the_desk_default(api: Any, novice_only: Any) -> None:
    doc = api.post("/api/v1/dispatch", {"ticket_id": "777", "mode": "assign", "force_assignment": False}).json()
    assert doc["success"] is False and doc["dispatching_results"]["reason"] == "SKILL_MATCH_BELOW_THRESHOLD"
    assert "force_scope" not in _blocking(doc)


def test_desk_setting_never_waits_even_for_urgent_work(api: Any, novice_only: Any) -> None:
    _desk_below_threshold("never")
    novice_only["ticket"].priority = "Critical"
    novice_only["ticket"].save()
    doc = api.post("/api/v1/dispatch", {"ticket_id": "777", "mode": "assign"}).json()
    assert doc["success"] is False and doc["dispatching_results"]["reason"] == "SKILL_MATCH_BELOW_THRESHOLD"


def test_batch_keeps_a_suggestion_that_did_not_change_and_stores_one_that_did(api: Any, desk: Any) -> None:
    first = api.post("/api/v1/dispatch/batch", {"mode": "suggest"}).json()["results"]
    again = api.post("/api/v1/dispatch/batch", {"mode": "suggest"}).json()["results"]
    assert [r["decision_id"] for r in again] == [r["decision_id"] for r in first]
    assert all(r["unchanged"] and r["success"] and r["technician_id"] == "tech-sarah" for r in again)
    assert Decision.objects.filter(ticket=desk["ticket"]).count() == 1
    desk["sarah"].active = False
    desk["sarah"].save()
    [changed] = api.post("/api/v1/dispatch/batch", {"mode": "suggest"}).json()["results"]
    assert "unchanged" not in changed and changed["technician_id"] == "tech-mike"
    statuses = list(Decision.objects.filter(ticket=desk["ticket"]).order_by("pk").values_list("status", flat=True))
    assert statuses == [DecisionStatus.SUPERSEDED, DecisionStatus.SUGGESTED]


def test_batch_assigns_a_kept_suggestion_once_its_category_is_trusted(api: Any, desk: Any) -> None:
    api.post("/api/v1/dispatch/batch", {})
    desk["category"].auto_assign = AutoAssign.ON
    desk["category"].auto_assign_min_confidence = 0.0
    desk["category"].save()
    [result] = api.post("/api/v1/dispatch/batch", {}).json()["results"]
    assert "unchanged" not in result and result["status"] == DecisionStatus.AUTO_ASSIGNED
    assert Assignment.objects.filter(ticket=desk["ticket"], technician=desk["sarah"]).count() == 1
