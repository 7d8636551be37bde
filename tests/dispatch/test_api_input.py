import pytest

from dispatch.api_input import InvalidTicketData, parse_dispatch_body

FULL = {"ticket_id": "1", "ticket_category": "Email Support", "ticket_priority": "High", "ticket_board": "Service Desk", "company_id": "acme"}


def problems(body: dict, known: bool = False) -> list[str]:
    with pytest.raises(InvalidTicketData) as exc:
        parse_dispatch_body(body, ticket_known=known)
    return exc.value.problems


def test_full_body_parses():
    req = parse_dispatch_body(FULL, ticket_known=False)
    assert (req.ticket_id, req.category, req.priority, req.board, req.company_id) == ("1", "Email Support", "High", "Service Desk", "acme")


def test_known_ticket_needs_only_its_id():
    assert parse_dispatch_body({"ticket_id": "1"}, ticket_known=True).ticket_id == "1"


def test_unknown_ticket_names_each_missing_field():
    assert problems({"ticket_id": "1"}) == [
        "ticket_category: is required for a ticket that is not known yet",
        "ticket_priority: is required for a ticket that is not known yet",
        "ticket_board: is required for a ticket that is not known yet",
        "company_id: is required for a ticket that is not known yet",
    ]


def test_category_may_be_inferred_from_text():
    body = {k: v for k, v in FULL.items() if k != "ticket_category"} | {"subject": "Outlook password prompts"}
    assert parse_dispatch_body(body, ticket_known=False).category is None


def test_bad_priority_is_named():
    assert problems(FULL | {"ticket_priority": "Urgent"}) == ["ticket_priority: 'Urgent' is not one of Low, Medium, High, Critical"]


def test_priority_is_case_insensitive():
    assert parse_dispatch_body(FULL | {"ticket_priority": "critical"}, ticket_known=False).priority == "Critical"


def test_sla_due_without_offset_is_rejected():
    assert problems(FULL | {"sla_due_date": "2026-01-13T18:00:00"}) == ["sla_due_date: '2026-01-13T18:00:00' has no UTC offset"]


def test_every_bad_field_is_reported_at_once():
    found = problems(FULL | {"force_assignment": "yes", "exclude_technicians": "tech-1", "mode": "now", "color": "red"})
    assert found == [
        "color: unknown field",
        "exclude_technicians: must be a list of non-empty strings",
        "force_assignment: must be true or false",
        "mode: 'now' is not one of suggest, assign",
    ]


def test_geographic_location_object_needs_numbers():
    assert problems(FULL | {"geographic_location": {"lat": "north"}}) == [
        "geographic_location: needs numeric lat (-90..90) and lon (-180..180)"
    ]


def test_missing_ticket_id_is_named():
    assert "ticket_id: is required" in problems({"ticket_category": "x"})


def test_defaults_follow_the_contract():
    # force_assignment left out: the desk's below-threshold setting decides (out of the box
    # "always", the contract's true; tests/dispatch/test_api.py checks both).
    req = parse_dispatch_body(FULL, ticket_known=False)
    assert (req.force_assignment, req.override_workload_limit, req.dispatch_immediately, req.mode) == (None, False, True, None)
    assert parse_dispatch_body(FULL | {"force_assignment": False}, ticket_known=False).force_assignment is False
    assert parse_dispatch_body(FULL | {"force_assignment": None}, ticket_known=False).force_assignment is None
