"""The Autotask query filter (psa.simulator.autotask_filter)."""

from __future__ import annotations

import pytest

from psa.simulator.autotask_filter import FilterError, compile_filter

TICKET = {
    "id": 100,
    "title": "Outlook cannot connect",
    "status": 1,
    "queueID": 29682833,
    "assignedResourceID": None,
    "isActive": True,
    "lastActivityDate": "2024-05-02T10:00:00.000Z",
    "userDefinedFields": [{"name": "Region", "value": "East"}],
}


def matches(*conditions: dict) -> bool:
    return compile_filter(list(conditions))(TICKET)


@pytest.mark.parametrize(
    "condition",
    [
        {"op": "eq", "field": "status", "value": 1},
        {"op": "eq", "field": "Status", "value": "1"},
        {"op": "noteq", "field": "status", "value": 5},
        {"op": "gt", "field": "id", "value": 99},
        {"op": "gte", "field": "id", "value": 100},
        {"op": "lt", "field": "id", "value": 101},
        {"op": "lte", "field": "id", "value": 100},
        {"op": "beginsWith", "field": "title", "value": "outlook"},
        {"op": "endsWith", "field": "title", "value": "CONNECT"},
        {"op": "contains", "field": "title", "value": "cannot"},
        {"op": "exist", "field": "title"},
        {"op": "notExist", "field": "assignedResourceID"},
        {"op": "in", "field": "queueID", "value": [29682833, 5]},
        {"op": "notIn", "field": "queueID", "value": [5, 6]},
        {"op": "eq", "field": "isActive", "value": True},
        {"op": "gt", "field": "lastActivityDate", "value": "2024-05-01T00:00:00.000Z"},
        {"op": "lte", "field": "lastActivityDate", "value": "2024-05-02T10:00:00Z"},
        {"op": "eq", "field": "Region", "value": "east", "udf": True},
        {
            "op": "and",
            "items": [
                {"op": "eq", "field": "status", "value": 1},
                {"op": "notExist", "field": "assignedResourceID"},
            ],
        },
        {
            "op": "or",
            "items": [{"op": "eq", "field": "status", "value": 5}, {"op": "eq", "field": "id", "value": 100}],
        },
    ],
)
def test_matching_conditions(condition: dict) -> None:
    assert matches(condition)


@pytest.mark.parametrize(
    "condition",
    [
        {"op": "eq", "field": "status", "value": 5},
        {"op": "exist", "field": "assignedResourceID"},
        {"op": "eq", "field": "assignedResourceID", "value": 4},
        {"op": "noteq", "field": "assignedResourceID", "value": 4},  # null compares false, as in SQL
        {"op": "in", "field": "queueID", "value": [5]},
        {"op": "lt", "field": "lastActivityDate", "value": "2024-05-01T00:00:00.000Z"},
        {"op": "eq", "field": "isActive", "value": False},
        {
            "op": "or",
            "items": [{"op": "eq", "field": "status", "value": 5}, {"op": "eq", "field": "id", "value": 1}],
        },
    ],
)
def test_non_matching_conditions(condition: dict) -> None:
    assert not matches(condition)


def test_top_level_conditions_are_and_ed() -> None:
    assert not matches({"op": "eq", "field": "status", "value": 1}, {"op": "eq", "field": "id", "value": 1})


@pytest.mark.parametrize(
    "conditions",
    [
        [],
        None,
        [{"op": "near", "field": "id", "value": 1}],
        [{"op": "eq", "value": 1}],
        [{"op": "eq", "field": "id"}],
        [{"op": "in", "field": "id", "value": 1}],
        [{"op": "and", "items": []}],
        ["id = 1"],
    ],
)
def test_malformed_filters_are_rejected(conditions: object) -> None:
    with pytest.raises(FilterError):
        compile_filter(conditions)


def test_an_unknown_field_is_rejected() -> None:
    with pytest.raises(FilterError, match="colour"):
        compile_filter([{"op": "eq", "field": "colour", "value": 1}], known_fields=["id", "status"])


def test_more_than_500_or_conditions_are_rejected() -> None:
    items = [{"op": "eq", "field": "id", "value": i} for i in range(501)]

    with pytest.raises(FilterError, match="500"):
        compile_filter([{"op": "or", "items": items}])
