"""The ConnectWise conditions language (psa.simulator.conditions)."""

from __future__ import annotations

import pytest

from psa.simulator.conditions import ConditionsError, compile_conditions

TICKET = {
    "id": 69,
    "summary": "Outlook cannot connect",
    "closedFlag": False,
    "board": {"id": 1, "name": "Service Desk"},
    "status": {"id": 17, "name": "New"},
    "owner": {"id": 176, "identifier": "tech-456"},
    "contact": {"name": "Fred Flintstone"},
    "budgetHours": 2.5,
    "_info": {"lastUpdated": "2024-05-02T10:00:00Z", "dateEntered": "2015-12-24T05:53:27Z"},
}


def matches(conditions: str, record: dict = TICKET) -> bool:
    return compile_conditions(conditions)(record)


@pytest.mark.parametrize(
    "conditions",
    [
        "id = 69",
        "id != 70",
        "id < 70 and id <= 69 and id > 68 and id >= 69",
        "budgetHours > 2",
        'summary = "outlook cannot connect"',
        "summary = 'Outlook cannot connect'",
        'summary contains "cannot"',
        'summary like "Outlook*"',
        'summary like "%connect"',
        'summary not like "Printer%"',
        'not summary contains "printer"',
        "closedFlag = false",
        "closedFlag = False",
        "board/id = 1",
        'board/name = "Service Desk"',
        'owner/identifier = "tech-456"',
        'status/name = "New"',
        "status/id IN (1,42,17,57)",
        "status/id not in (1, 2)",
        "lastUpdated > [2024-01-01T00:00:00Z]",
        "_info/lastUpdated >= [2024-05-02T10:00:00Z]",
        "dateEntered > [2015-12-23T05:53:27Z]",
        '(contact/name like "Fred%" and closedFlag = false) and dateEntered > [2015-12-23T05:53:27Z]',
        "team = null",
        "owner != null",
        "id = 1 OR id = 69",
        "id = 1 or (board/id = 1 AND closedFlag = false)",
    ],
)
def test_matching_conditions(conditions: str) -> None:
    assert matches(conditions)


@pytest.mark.parametrize(
    "conditions",
    [
        "id = 70",
        'summary like "Printer*"',
        "closedFlag = true",
        "owner = null",
        "team/id = 5",
        "team/id != 5",  # as in SQL, a comparison with null is false
        "lastUpdated < [2024-01-01T00:00:00Z]",
        "status/id in (1, 2)",
        "id = 1 and board/id = 1",
    ],
)
def test_non_matching_conditions(conditions: str) -> None:
    assert not matches(conditions)


def test_an_empty_string_matches_everything() -> None:
    assert matches("") and matches("   ")


@pytest.mark.parametrize(
    "conditions", ["id =", "id == 1", "(id = 1", "id = 1)", "id = [not a date]", "id in 1", "and id = 1"]
)
def test_malformed_conditions_are_rejected(conditions: str) -> None:
    with pytest.raises(ConditionsError):
        compile_conditions(conditions)


def test_an_unknown_field_is_rejected_when_fields_are_known() -> None:
    with pytest.raises(ConditionsError, match="Unknown field"):
        compile_conditions("colour = 1", known_fields={"id", "summary"})


def test_escaped_quotes_in_strings() -> None:
    assert matches('summary = "say \\"hi\\""', {"summary": 'say "hi"'})
