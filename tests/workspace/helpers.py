"""Shared builders for the workspace tests (no Django needed: run with -p no:django)."""

from __future__ import annotations

import copy

import pytest

from dispatch.workspace import WorkspaceError, validate_workspace

_BASE = {
    "settings": {"dispatching_mode": "hybrid", "skill_match_threshold": 60},
    "skills": [{"name": "Exchange", "group": "Email"}, {"name": "Office 365", "group": "Email"}],
    "categories": [
        {"name": "Email Support", "required_skills": ["Exchange", "Office 365"], "complexity": "medium", "auto_assign": False},
        {"name": "Password Reset", "required_skills": ["Active Directory"], "complexity": "low", "auto_assign": True},
    ],
    "technicians": [
        {
            "id": "tech-456", "name": "Sarah Johnson", "email": "sarah.johnson@example.com", "phone": "+1-555-0123",
            "seniority": "senior", "hourly_cost": 95, "timezone": "America/New_York",
            "location": {"city": "Boston", "lat": 42.36, "lon": -71.06}, "onsite_capable": True,
            "languages": ["English", "Spanish"], "skills": {"Exchange": "expert", "Office 365": "intermediate"},
            "certifications": ["Microsoft 365 Certified"], "max_active_tickets": 10,
            "schedule": [{"days": [0, 1, 2, 3, 4], "start": "08:00", "end": "16:00"}],
            "time_off": [{"start": "2026-12-24T00:00:00Z", "end": "2026-12-27T00:00:00Z", "reason": "vacation"}],
            "on_call": [{"start": "2026-12-01T18:00:00Z", "end": "2026-12-02T08:00:00Z"}],
            "active": True,
        },
        {"id": "tech-789", "name": "John Smith"},
    ],
    "sla_policies": [
        {"name": "4-Hour Response", "response_hours": {"Critical": 1, "High": 4, "Medium": 8, "Low": 24},
         "resolution_hours": {"Critical": 4, "High": 8, "Medium": 24, "Low": 72}},
    ],
    "companies": [
        {"id": "acme", "name": "Acme Corporation", "tier": "vip", "sla_policy": "4-Hour Response",
         "preferred_technician": "tech-456", "account_technicians": ["tech-456", "tech-789"],
         "location": {"city": "Boston", "lat": 42.35, "lon": -71.05}, "contact_email": "it@acme.example.com"},
    ],
    "rules": [
        {"name": "ABC always goes to John", "when": {"company": "acme"}, "then": {"assign_to": "tech-789"},
         "unless_unavailable": True, "enabled": True},
        {"name": "Prefer Sarah for VIP email", "when": {"tier": "vip", "category": "Email Support"},
         "then": {"prefer": ["tech-456"]}},
    ],
    "tickets": [
        {"id": "12345", "subject": "Email connection issues in Outlook", "description": "...", "category": "Email Support",
         "priority": "High", "board": "Service Desk", "company": "acme", "status": "New", "assigned_to": None,
         "created_at": "2026-11-23T13:00:00Z", "sla_due": "2026-11-23T17:00:00Z", "estimated_hours": 2.0,
         "required_skills": [], "language": None, "location": None, "onsite": False},
    ],
    "history": [
        {"ticket_id": "9001", "subject": "Mailbox full", "description": "...", "category": "Email Support",
         "priority": "Medium", "company": "acme", "board": "Service Desk", "resolved_by": "tech-456",
         "opened_at": "2026-10-01T09:00:00-04:00", "first_response_at": "2026-10-01T09:20:00-04:00",
         "resolved_at": "2026-10-01T11:00:00-04:00", "csat": 5, "reopened": False, "reassignments": 0, "met_sla": True},
    ],
}


def base_doc() -> dict:
    """A valid document using every section (the contract's examples)."""
    return copy.deepcopy(_BASE)


def problems_of(doc: dict, **options) -> list[tuple[str, str]]:
    with pytest.raises(WorkspaceError) as info:
        validate_workspace(doc, **options)
    return info.value.problems


def only_problem(doc: dict, **options) -> str:
    """The single `path: message` line a document with exactly one mistake produces."""
    problems = problems_of(doc, **options)
    assert len(problems) == 1, problems
    path, message = problems[0]
    return f"{path}: {message}"
