"""Validation rules of dispatch.workspace.schema: each names the exact JSON path."""

from __future__ import annotations

from datetime import datetime, time

import pytest

from dispatch.engine.types import BusinessHours, GeoPoint, Interval, Shift
from dispatch.workspace import Workspace, WorkspaceError, load_workspace, to_document, validate_workspace
from tests.workspace.helpers import base_doc, only_problem, problems_of

# --------------------------------------------------------------------------- the happy path


def test_empty_document_is_a_valid_workspace():
    ws = validate_workspace({})
    assert ws == Workspace()
    assert ws.sections == frozenset()


def test_contract_example_normalises_to_typed_dataclasses():
    ws = validate_workspace(base_doc())
    tech = ws.technicians[0]
    assert tech.skills == {"Exchange": "expert", "Office 365": "intermediate"}
    assert tech.schedule == (Shift(days=(0, 1, 2, 3, 4), start=time(8), end=time(16)),)
    assert tech.time_off[0] == Interval(start=datetime.fromisoformat("2026-12-24T00:00:00+00:00"),
                                        end=datetime.fromisoformat("2026-12-27T00:00:00+00:00"), reason="vacation")
    assert tech.location == GeoPoint(lat=42.36, lon=-71.06, city="Boston")
    assert tech.languages == ("English", "Spanish") and tech.hourly_cost == 95.0
    bare = ws.technicians[1]
    assert (bare.seniority, bare.timezone, bare.schedule, bare.languages, bare.active) == ("mid", "UTC", (), ("English",), True)
    assert ws.tickets[0].created_at.tzinfo is not None
    assert ws.history[0].opened_at.utcoffset().total_seconds() == -4 * 3600
    assert ws.sla_policies[0].response_hours["High"] == 4.0


def test_auto_assign_booleans_become_off_and_on():
    ws = validate_workspace(base_doc())
    assert [c.auto_assign for c in ws.categories] == ["off", "on"]
    doc = base_doc()
    doc["categories"][0]["auto_assign"] = "shadow"
    assert validate_workspace(doc).categories[0].auto_assign == "shadow"


def test_settings_keep_only_the_keys_given_and_parse_nested_values():
    doc = base_doc()
    doc["settings"] = {
        "sla_priority_weight": 0.7,
        "weights": {"skill": 0.4, "availability": 0.2, "workload": 0.2, "performance": 0.1, "customer_preference": 0.1},
        "business_hours": {"timezone": "America/New_York", "days": [0, 1, 2, 3, 4], "start": "08:00", "end": "18:00"},
    }
    settings = validate_workspace(doc).settings
    assert set(settings) == {"sla_priority_weight", "weights", "business_hours"}
    assert settings["business_hours"] == BusinessHours("America/New_York", (0, 1, 2, 3, 4), time(8), time(18))


def test_weights_within_tolerance_are_accepted():
    doc = base_doc()
    doc["settings"]["weights"] = {"skill": 0.3, "availability": 0.25, "workload": 0.2, "performance": 0.15,
                                  "customer_preference": 0.1005}
    assert validate_workspace(doc).settings["weights"]["customer_preference"] == 0.1005


def test_null_optional_keys_mean_not_given_and_int_ids_become_strings():
    doc = base_doc()
    doc["tickets"][0].update(id=12345, category=None, location=None, onsite=None)
    ticket = validate_workspace(doc).tickets[0]
    assert (ticket.id, ticket.category, ticket.location, ticket.onsite) == ("12345", None, None, False)


def test_rule_normalisation_keywords_and_default_points():
    doc = base_doc()
    doc["rules"].append({"name": "sec", "when": {"keywords": "ransomware|breach, phishing", "priority": ["High", "Critical"]},
                         "then": {"require_skills": ["Endpoint Security"]}})
    ws = validate_workspace(doc)
    assert ws.rules[1].then == {"prefer": ("tech-456",), "points": 10}
    assert ws.rules[2].when == {"keywords": ("ransomware", "breach", "phishing"), "priority": ("High", "Critical")}
    assert ws.rules[2].unless_unavailable is True and ws.rules[2].enabled is True


def test_names_that_are_not_defined_are_implied():
    doc = base_doc()
    doc["tickets"][0].update(category="Printing", company="globex", required_skills=["Printers"], board="Field")
    ws = validate_workspace(doc)
    assert ws.implied_skills == ("Active Directory", "Printers")  # from a category and a ticket
    assert ws.implied_categories == ("Printing",)
    assert ws.implied_companies == ("globex",)
    assert set(ws.boards) == {"Field", "Service Desk"}


def test_ticket_category_may_be_missing():
    doc = base_doc()
    del doc["tickets"][0]["category"]
    assert validate_workspace(doc).tickets[0].category is None


def test_round_trip_through_to_document():
    ws = validate_workspace(base_doc())
    assert validate_workspace(to_document(ws)) == ws


# --------------------------------------------------------------------------- one rule, one path

# (description, mutation of the base document, the exact "path: message" line)
CASES = [
    ("unknown top-level key", lambda d: d.update(technician=[]),
     'technician: unknown top-level key (did you mean "technicians"?)'),
    ("unknown key in an object", lambda d: d["technicians"][0].update(skils={}),
     'technicians[0].skils: unknown key (did you mean "skills"?)'),
    ("unknown key, no close match", lambda d: d["skills"][0].update(colour="red"),
     "skills[0].colour: unknown key (allowed: name, group)"),
    ("skill level enum", lambda d: d["technicians"][0]["skills"].update(Exchange="guru"),
     'technicians[0].skills.Exchange: "guru" is not one of beginner, intermediate, expert'),
    ("seniority enum", lambda d: d["technicians"][0].update(seniority="lead"),
     'technicians[0].seniority: "lead" is not one of junior, mid, senior'),
    ("ticket priority enum", lambda d: d["tickets"][0].update(priority="Urgent"),
     'tickets[0].priority: "Urgent" is not one of Low, Medium, High, Critical'),
    ("history priority enum", lambda d: d["history"][0].update(priority="high"),
     'history[0].priority: "high" is not one of Low, Medium, High, Critical'),
    ("tier enum", lambda d: d["companies"][0].update(tier="gold"),
     'companies[0].tier: "gold" is not one of vip, standard'),
    ("complexity enum", lambda d: d["categories"][0].update(complexity="hard"),
     'categories[0].complexity: "hard" is not one of low, medium, high'),
    ("auto_assign enum", lambda d: d["categories"][0].update(auto_assign="maybe"),
     'categories[0].auto_assign: "maybe" is not one of off, shadow, on'),
    ("dispatching_mode enum", lambda d: d["settings"].update(dispatching_mode="random"),
     'settings.dispatching_mode: "random" is not one of skills_based, round_robin, least_busy, hybrid, sla_driven, customer_preference'),
    ("workload method enum", lambda d: d["settings"].update(workload_calculation_method="points"),
     'settings.workload_calculation_method: "points" is not one of ticket_count, estimated_hours, weighted'),
    ("unknown settings key", lambda d: d["settings"].update(max_tickets=5),
     "settings.max_tickets: unknown key (allowed: dispatching_enabled, dispatching_mode, max_tickets_per_technician, "
     "workload_calculation_method, workload_excluded_statuses, sla_priority_weight, skill_match_threshold, "
     "allow_overflow_assignment, business_hours_only, preferred_tech_priority, weights, business_hours)"),
    ("string type", lambda d: d["technicians"][0].update(name=42),
     "technicians[0].name: expected a string, got an integer 42"),
    ("bool type", lambda d: d["technicians"][0].update(onsite_capable="yes"),
     'technicians[0].onsite_capable: expected true or false, got a string "yes"'),
    ("list type", lambda d: d["technicians"][0].update(languages="English"),
     'technicians[0].languages: expected a list, got a string "English"'),
    ("section type", lambda d: d.update(companies={"acme": {}}),
     'companies: expected a list, got an object {"acme": {}}'),
    ("required key", lambda d: d["technicians"][1].pop("name"),
     "technicians[1].name: is required"),
    ("empty name", lambda d: d["skills"][0].update(name="  "),
     "skills[0].name: must not be empty"),
    ("sla_priority_weight range", lambda d: d["settings"].update(sla_priority_weight=1.5),
     "settings.sla_priority_weight: 1.5 is not between 0 and 1"),
    ("skill_match_threshold range", lambda d: d["settings"].update(skill_match_threshold=101),
     "settings.skill_match_threshold: 101 is not between 0 and 100"),
    ("skill_match_threshold integer", lambda d: d["settings"].update(skill_match_threshold=60.5),
     "settings.skill_match_threshold: expected an integer, got a number 60.5"),
    ("max_tickets_per_technician >= 1", lambda d: d["settings"].update(max_tickets_per_technician=0),
     "settings.max_tickets_per_technician: 0 must be >= 1"),
    ("technician max_active_tickets >= 1", lambda d: d["technicians"][0].update(max_active_tickets=0),
     "technicians[0].max_active_tickets: 0 must be >= 1"),
    ("weights must sum to 1", lambda d: d["settings"].update(weights={"skill": 0.3, "availability": 0.25, "workload": 0.2,
                                                                        "performance": 0.15, "customer_preference": 0.2}),
     "settings.weights: weights sum to 1.1, must sum to 1 (±0.001)"),
    ("weights need all five factors", lambda d: d["settings"].update(weights={"skill": 0.5, "availability": 0.5}),
     "settings.weights: missing workload, performance, customer_preference"),
    ("weights take no other keys", lambda d: d["settings"].update(weights={"skill": 0.3, "availability": 0.25, "workload": 0.2,
                                                                             "performance": 0.15, "customer_preference": 0.05,
                                                                             "speed": 0.05}),
     "settings.weights.speed: unknown key; expected skill, availability, workload, performance, customer_preference"),
    ("weight range", lambda d: d["settings"].update(weights={"skill": 1.3, "availability": -0.3, "workload": 0,
                                                             "performance": 0, "customer_preference": 0}),
     None),  # two problems: checked below
    ("datetime without offset", lambda d: d["technicians"][0]["time_off"][0].update(start="2026-01-01T10:00:00"),
     "technicians[0].time_off[0].start: 2026-01-01T10:00:00 has no UTC offset"),
    ("ticket datetime without offset", lambda d: d["tickets"][0].update(created_at="2026-11-23T13:00:00"),
     "tickets[0].created_at: 2026-11-23T13:00:00 has no UTC offset"),
    ("history datetime without offset", lambda d: d["history"][0].update(resolved_at="2026-10-01 11:00"),
     "history[0].resolved_at: 2026-10-01 11:00 has no UTC offset"),
    ("not a datetime", lambda d: d["history"][0].update(opened_at="yesterday"),
     'history[0].opened_at: "yesterday" is not an ISO 8601 date-time'),
    ("weekday range", lambda d: d["technicians"][0]["schedule"][0].update(days=[0, 7]),
     "technicians[0].schedule[0].days[1]: 7 is not a weekday number 0..6 (0 = Monday)"),
    ("weekday twice", lambda d: d["technicians"][0]["schedule"][0].update(days=[1, 1]),
     "technicians[0].schedule[0].days[1]: weekday 1 is listed twice"),
    ("HH:MM time", lambda d: d["technicians"][0]["schedule"][0].update(start="8:00"),
     'technicians[0].schedule[0].start: "8:00" is not a time in HH:MM form (00:00 to 23:59)'),
    ("HH:MM range", lambda d: d["technicians"][0]["schedule"][0].update(end="24:00"),
     'technicians[0].schedule[0].end: "24:00" is not a time in HH:MM form (00:00 to 23:59)'),
    ("business_hours timezone", lambda d: d["settings"].update(business_hours={"timezone": "America/NewYork"}),
     'settings.business_hours.timezone: "America/NewYork" is not an IANA time zone (did you mean "America/New_York"?)'),
    ("business_hours end after start", lambda d: d["settings"].update(business_hours={"start": "18:00", "end": "08:00"}),
     "settings.business_hours.end: must be after start (18:00)"),
    ("technician timezone", lambda d: d["technicians"][0].update(timezone="EST-ish"),
     'technicians[0].timezone: "EST-ish" is not an IANA time zone'),
    ("latitude range", lambda d: d["technicians"][0]["location"].update(lat=91),
     "technicians[0].location.lat: 91 is not between -90 and 90"),
    ("longitude range", lambda d: d["companies"][0]["location"].update(lon=-181),
     "companies[0].location.lon: -181 is not between -180 and 180"),
    ("email", lambda d: d["technicians"][0].update(email="sarah.example.com"),
     'technicians[0].email: "sarah.example.com" is not an email address'),
    ("duplicate technician id", lambda d: d["technicians"].append({"id": "tech-456", "name": "Sarah J."}),
     'technicians[2].id: "tech-456" duplicates technicians[0]'),
    ("duplicate company id", lambda d: d["companies"].append({"id": "acme", "name": "Acme again"}),
     'companies[1].id: "acme" duplicates companies[0]'),
    ("duplicate ticket id", lambda d: d["tickets"].append({"id": "12345"}),
     'tickets[1].id: "12345" duplicates tickets[0]'),
    ("duplicate history ticket_id", lambda d: d["history"].append(dict(d["history"][0])),
     'history[1].ticket_id: "9001" duplicates history[0]'),
    ("duplicate skill name (any case)", lambda d: d["skills"].append({"name": "exchange"}),
     'skills[2].name: "exchange" duplicates skills[0]'),
    ("duplicate category name", lambda d: d["categories"].append({"name": "Email Support"}),
     'categories[2].name: "Email Support" duplicates categories[0]'),
    ("duplicate SLA policy name", lambda d: d["sla_policies"].append(dict(d["sla_policies"][0])),
     'sla_policies[1].name: "4-Hour Response" duplicates sla_policies[0]'),
    ("duplicate rule name", lambda d: d["rules"].append(dict(d["rules"][0])),
     'rules[2].name: "ABC always goes to John" duplicates rules[0]'),
    ("history id that is an open ticket", lambda d: d["history"][0].update(ticket_id="12345"),
     'history[0].ticket_id: "12345" is also an open ticket (tickets[0])'),
    ("preferred technician exists", lambda d: d["companies"][0].update(preferred_technician="tech-000"),
     'companies[0].preferred_technician: "tech-000" is not a technician in this file or the database'),
    ("account technicians exist", lambda d: d["companies"][0].update(account_technicians=["tech-456", "tech-000"]),
     'companies[0].account_technicians[1]: "tech-000" is not a technician in this file or the database'),
    ("account technicians unique", lambda d: d["companies"][0].update(account_technicians=["tech-456", "tech-456"]),
     'companies[0].account_technicians[1]: "tech-456" is listed twice'),
    ("company SLA policy exists", lambda d: d["companies"][0].update(sla_policy="Gold"),
     'companies[0].sla_policy: "Gold" is not an SLA policy in this file or the database'),
    ("rule assign_to exists", lambda d: d["rules"][0]["then"].update(assign_to="tech-000"),
     'rules[0].then.assign_to: "tech-000" is not a technician in this file or the database'),
    ("rule prefer ids exist", lambda d: d["rules"][1]["then"].update(prefer=["tech-000"]),
     'rules[1].then.prefer[0]: "tech-000" is not a technician in this file or the database'),
    ("rule exclude ids exist", lambda d: d["rules"].append({"name": "x", "when": {}, "then": {"exclude": ["tech-456", "nobody"]}}),
     'rules[2].then.exclude[1]: "nobody" is not a technician in this file or the database'),
    ("ticket assigned_to exists", lambda d: d["tickets"][0].update(assigned_to="tech-000"),
     'tickets[0].assigned_to: "tech-000" names no technician (allowed only when creating missing technicians)'),
    ("history resolved_by exists", lambda d: d["history"][0].update(resolved_by="tech-000"),
     'history[0].resolved_by: "tech-000" names no technician (allowed only when creating missing technicians)'),
    ("rule then: two actions", lambda d: d["rules"][0]["then"].update(exclude=["tech-456"]),
     "rules[0].then: must have exactly one action of assign_to, prefer, min_seniority, require_skills, exclude, "
     "allow_overflow, board, escalate_to (got assign_to, exclude)"),
    ("rule then: no action", lambda d: d["rules"][0].update(then={}),
     "rules[0].then: must have exactly one action of assign_to, prefer, min_seniority, require_skills, exclude, "
     "allow_overflow, board, escalate_to (got none)"),
    ("rule then: unknown action", lambda d: d["rules"][0].update(then={"assign_to": "tech-456", "notify": "x"}),
     "rules[0].then.notify: unknown key (allowed: assign_to, prefer, points, min_seniority, require_skills, exclude, "
     "allow_overflow, board, escalate_to)"),
    ("rule then: points only with prefer", lambda d: d["rules"][0]["then"].update(points=5),
     'rules[0].then.points: only goes with "prefer"'),
    ("rule then: min_seniority enum", lambda d: d["rules"][0].update(then={"min_seniority": "principal"}),
     'rules[0].then.min_seniority: "principal" is not one of junior, mid, senior'),
    ("rule then: escalate_to is an email", lambda d: d["rules"][0].update(then={"escalate_to": "the SOC"}),
     'rules[0].then.escalate_to: "the SOC" is not an email address'),
    ("rule when: unknown key", lambda d: d["rules"][0]["when"].update(site="HQ"),
     "rules[0].when.site: unknown key (allowed: company, tier, category, priority, board, keywords)"),
    ("rule when: priority list", lambda d: d["rules"][0]["when"].update(priority=["High", "Urgent"]),
     'rules[0].when.priority[1]: "Urgent" is not one of Low, Medium, High, Critical'),
    ("time_off end after start", lambda d: d["technicians"][0]["time_off"][0].update(end="2026-12-23T00:00:00Z"),
     "technicians[0].time_off[0].end: must be after start (2026-12-24T00:00:00+00:00)"),
    ("on_call end after start", lambda d: d["technicians"][0]["on_call"][0].update(end="2026-12-01T18:00:00Z"),
     "technicians[0].on_call[0].end: must be after start (2026-12-01T18:00:00+00:00)"),
    ("history resolved after opened", lambda d: d["history"][0].update(resolved_at="2026-10-01T08:00:00-04:00"),
     "history[0].resolved_at: is before opened_at (2026-10-01T09:00:00-04:00)"),
    ("history first response in between", lambda d: d["history"][0].update(first_response_at="2026-10-01T12:00:00-04:00"),
     "history[0].first_response_at: must be between opened_at and resolved_at"),
    ("csat range", lambda d: d["history"][0].update(csat=6),
     "history[0].csat: 6 is not between 1 and 5"),
    ("csat integer", lambda d: d["history"][0].update(csat=4.5),
     "history[0].csat: expected an integer, got a number 4.5"),
    ("reassignments >= 0", lambda d: d["history"][0].update(reassignments=-1),
     "history[0].reassignments: -1 must be >= 0"),
    ("sla_due after created_at", lambda d: d["tickets"][0].update(sla_due="2026-11-23T12:00:00Z"),
     "tickets[0].sla_due: is before created_at (2026-11-23T13:00:00+00:00)"),
    ("SLA policy names every priority", lambda d: d["sla_policies"][0]["response_hours"].pop("Critical"),
     "sla_policies[0].response_hours: missing Critical"),
    ("SLA resolution not shorter than response", lambda d: d["sla_policies"][0]["resolution_hours"].update(High=2),
     "sla_policies[0].resolution_hours.High: 2.0 is less than response_hours.High"),
    ("estimated_hours >= 0", lambda d: d["tickets"][0].update(estimated_hours=-1),
     "tickets[0].estimated_hours: -1 must be >= 0"),
]


@pytest.mark.parametrize("mutate, expected", [(m, e) for _, m, e in CASES if e], ids=[n for n, _, e in CASES if e])
def test_each_rule_reports_its_path(mutate, expected):
    doc = base_doc()
    mutate(doc)
    assert only_problem(doc) == expected


def test_weight_out_of_range_names_each_weight():
    doc = base_doc()
    doc["settings"]["weights"] = {"skill": 1.3, "availability": -0.3, "workload": 0, "performance": 0, "customer_preference": 0}
    assert problems_of(doc) == [
        ("settings.weights.skill", "1.3 is not between 0 and 1"),
        ("settings.weights.availability", "-0.3 is not between 0 and 1"),
    ]


def test_all_problems_are_reported_at_once_one_per_line():
    doc = base_doc()
    doc["bogus"] = 1
    doc["technicians"][0]["skills"]["Exchange"] = "guru"
    doc["technicians"][0]["time_off"][0]["start"] = "2026-01-01T10:00:00"
    doc["technicians"].append({"id": "tech-456", "name": "Sarah J."})
    doc["companies"][0]["preferred_technician"] = "ghost"
    doc["tickets"][0]["priority"] = "Urgent"
    doc["history"][0]["csat"] = 0
    with pytest.raises(WorkspaceError) as info:
        validate_workspace(doc)
    lines = str(info.value).splitlines()
    assert lines == [
        "bogus: unknown top-level key (allowed: settings, skills, categories, technicians, sla_policies, companies, rules, tickets, history)",
        'technicians[0].skills.Exchange: "guru" is not one of beginner, intermediate, expert',
        "technicians[0].time_off[0].start: 2026-01-01T10:00:00 has no UTC offset",
        'technicians[2].id: "tech-456" duplicates technicians[0]',
        'companies[0].preferred_technician: "ghost" is not a technician in this file or the database',
        'tickets[0].priority: "Urgent" is not one of Low, Medium, High, Critical',
        "history[0].csat: 0 is not between 1 and 5",
    ]
    assert len(info.value.problems) == len(lines)


def test_references_still_checked_when_the_object_has_other_problems():
    doc = base_doc()
    doc["companies"][0].update(tier="gold", preferred_technician="ghost")
    assert [p for p, _ in problems_of(doc)] == ["companies[0].tier", "companies[0].preferred_technician"]


# --------------------------------------------------------------------------- options


def test_known_technicians_and_sla_policies_from_the_database():
    doc = base_doc()
    doc["companies"][0].update(preferred_technician="tech-db", sla_policy="Gold")
    doc["tickets"][0]["assigned_to"] = "tech-db"
    ws = validate_workspace(doc, known_technician_ids={"tech-db"}, known_sla_policies={"Gold"})
    assert ws.companies[0].preferred_technician == "tech-db"
    assert ws.implied_technicians == ()


def test_create_missing_technicians_only_covers_assigned_to_and_resolved_by():
    doc = base_doc()
    doc["tickets"][0]["assigned_to"] = "psa-17"
    doc["history"][0]["resolved_by"] = "psa-18"
    ws = validate_workspace(doc, create_missing_technicians=True)
    assert ws.implied_technicians == ("psa-17", "psa-18")
    doc["rules"][0]["then"]["assign_to"] = "psa-19"
    assert problems_of(doc, create_missing_technicians=True) == [
        ("rules[0].then.assign_to", '"psa-19" is not a technician in this file or the database')
    ]


def test_not_an_object():
    with pytest.raises(WorkspaceError, match="a workspace must be an object, got a list"):
        validate_workspace([])  # type: ignore[arg-type]


# --------------------------------------------------------------------------- files


def test_yaml_reads_times_and_auto_assign_literally(tmp_path):
    path = tmp_path / "desk.yaml"
    path.write_text(
        "settings:\n"
        "  business_hours: {timezone: America/New_York, days: [0, 1, 2, 3, 4], start: 08:00, end: 18:00}\n"
        "categories:\n"
        "  - {name: Password Reset, complexity: low, auto_assign: on}\n"
        "  - {name: Email Support, auto_assign: false}\n"
        "technicians:\n"
        "  - id: 456\n"
        "    name: Sarah\n"
        "    schedule: [{days: [5, 6], start: 22:00, end: 06:00}]\n"
        "    time_off: [{start: 2026-12-24T00:00:00Z, end: 2026-12-27T00:00:00+01:00}]\n",
        encoding="utf-8",
    )
    ws = validate_workspace(load_workspace(path))
    assert ws.settings["business_hours"].end == time(18)
    assert [c.auto_assign for c in ws.categories] == ["on", "off"]
    assert ws.technicians[0].id == "456"
    assert ws.technicians[0].schedule[0] == Shift((5, 6), time(22), time(6))


def test_yaml_datetime_without_offset_is_still_rejected(tmp_path):
    path = tmp_path / "desk.yml"
    path.write_text("history:\n  - {ticket_id: 1, resolved_by: x, opened_at: 2026-01-01T10:00:00, resolved_at: 2026-01-01T11:00:00Z}\n")
    problems = problems_of(load_workspace(path), create_missing_technicians=True)
    assert problems == [("history[0].opened_at", "2026-01-01T10:00:00 has no UTC offset")]


def test_invalid_json_names_the_file_and_line(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{\n  "skills": [\n}\n')
    with pytest.raises(WorkspaceError) as info:
        load_workspace(path)
    (where, message), = info.value.problems
    assert where == str(path) and "not valid JSON" in message and "line 3" in message


def test_top_level_must_be_an_object(tmp_path):
    path = tmp_path / "list.json"
    path.write_text("[]")
    with pytest.raises(WorkspaceError, match="must be an object"):
        load_workspace(path)
