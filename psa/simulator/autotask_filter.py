"""The Autotask REST query `filter`: a list of conditions (implicitly and-ed) and groups.

    [{"op": "and", "items": [
        {"op": "eq", "field": "status", "value": 1},
        {"op": "notExist", "field": "assignedResourceID"},
        {"op": "in", "field": "queueID", "value": [29682833, 5]},
        {"op": "gt", "field": "lastActivityDate", "value": "2024-05-01T00:00:00.000Z"}]}]

Operators: eq noteq gt gte lt lte beginsWith endsWith contains exist notExist in notIn, and the
groups and/or (operator names in any case). Field names match without regard to case; with
`"udf": true` the field is a user-defined field (`userDefinedFields: [{"name", "value"}]`).
Strings compare without regard to case; values that both read as ISO dates compare as dates.
A comparison with a null field is false, except notExist (and exist on a non-empty value).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

Record = dict[str, Any]
Predicate = Callable[[Record], bool]

OPERATORS = (
    "eq", "noteq", "gt", "gte", "lt", "lte", "beginswith", "endswith", "contains", "exist", "notexist", "in", "notin",
)  # fmt: skip
GROUPS = ("and", "or")
MAX_OR_CONDITIONS = 500


class FilterError(ValueError):
    pass


def compile_filter(conditions: Any, known_fields: Iterable[str] | None = None) -> Predicate:
    """A predicate for a query's `filter` list; raises FilterError on a malformed filter or,
    with `known_fields`, on a field the entity does not have."""
    if not isinstance(conditions, list) or not conditions:
        raise FilterError("A filter with at least one condition is required.")
    known = {f.lower() for f in known_fields} if known_fields is not None else None
    predicates = [_compile(item, known) for item in conditions]
    if _count_or(conditions) > MAX_OR_CONDITIONS:
        raise FilterError(f"A query may contain at most {MAX_OR_CONDITIONS} OR conditions.")
    return lambda record: all(p(record) for p in predicates)


def _count_or(items: list[Any]) -> int:
    total = 0
    for item in items:
        item = {str(k).lower(): v for k, v in item.items()} if isinstance(item, dict) else item
        if isinstance(item, dict) and str(item.get("op", "")).lower() in GROUPS:
            children = item.get("items") or []
            if str(item["op"]).lower() == "or":
                total += len(children)
            total += _count_or(children)
    return total


def _compile(item: Any, known: set[str] | None) -> Predicate:
    if not isinstance(item, dict):
        raise FilterError(f"A filter condition must be an object, got {item!r}.")
    item = {str(k).lower(): v for k, v in item.items()}  # "Op", "Field", "Items": bound in any case
    op = str(item.get("op") or "").lower()
    if op in GROUPS:
        children = item.get("items")
        if not isinstance(children, list) or not children:
            raise FilterError(f"The '{item.get('op')}' group needs a non-empty 'items' list.")
        predicates = [_compile(child, known) for child in children]
        if op == "and":
            return lambda record: all(p(record) for p in predicates)
        return lambda record: any(p(record) for p in predicates)
    if op not in OPERATORS:
        raise FilterError(f"Unknown filter operator '{item.get('op')}'.")
    field = item.get("field")
    if not isinstance(field, str) or not field:
        raise FilterError(f"The '{item.get('op')}' condition needs a field.")
    udf = bool(item.get("udf"))
    if known is not None and not udf and field.lower() not in known:
        raise FilterError(f"Unable to find {field} in the entity.")
    value = item.get("value")
    if op in ("in", "notin") and not isinstance(value, list):
        raise FilterError(f"The '{item.get('op')}' operator needs a list value.")
    if op not in ("exist", "notexist", "in", "notin") and "value" not in item:
        raise FilterError(f"The '{item.get('op')}' condition on {field} needs a value.")
    return lambda record: _test(_field(record, field, udf), op, value)


def _field(record: Record, name: str, udf: bool) -> Any:
    if udf:
        for entry in record.get("userDefinedFields") or []:
            if str(entry.get("name", "")).lower() == name.lower():
                return entry.get("value")
        return None
    if name in record:
        return record[name]
    lowered = name.lower()
    return next((v for k, v in record.items() if k.lower() == lowered), None)


def _test(actual: Any, op: str, expected: Any) -> bool:
    present = actual is not None and actual != ""
    if op == "exist":
        return present
    if op == "notexist":
        return not present
    if actual is None:
        return False
    if op == "in":
        return any(_cmp(actual, v) == 0 for v in expected)
    if op == "notin":
        return all(_cmp(actual, v) != 0 for v in expected)
    if op in ("beginswith", "endswith", "contains"):
        left, right = str(actual).casefold(), str(expected).casefold()
        text_ops: dict[str, Callable[[str], bool]] = {
            "beginswith": left.startswith,
            "endswith": left.endswith,
            "contains": left.__contains__,
        }
        return text_ops[op](right)
    result = _cmp(actual, expected)
    if result is None:
        return False
    return {
        "eq": result == 0,
        "noteq": result != 0,
        "gt": result > 0,
        "gte": result >= 0,
        "lt": result < 0,
        "lte": result <= 0,
    }[op]


def _cmp(actual: Any, expected: Any) -> int | None:
    """-1/0/1 comparing a record value with a filter value, or None when they cannot compare."""
    left, right = _coerce(actual, expected)
    if left is None or right is None:
        return None
    try:
        return (left > right) - (left < right)
    except TypeError:
        return None


def _coerce(actual: Any, expected: Any) -> tuple[Any, Any]:
    if expected is None:
        return None, None
    if isinstance(actual, bool) or isinstance(expected, bool):
        as_bool = {"true": True, "false": False, "1": True, "0": False}
        left = actual if isinstance(actual, bool) else as_bool.get(str(actual).lower())
        right = expected if isinstance(expected, bool) else as_bool.get(str(expected).lower())
        return left, right
    if isinstance(actual, (int, float)):
        try:
            return float(actual), float(expected)
        except (TypeError, ValueError):
            return None, None
    left_date, right_date = _as_datetime(actual), _as_datetime(expected)
    if left_date is not None and right_date is not None:
        return left_date, right_date
    return str(actual).casefold(), str(expected).casefold()


def _as_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) < 10 or value[4:5] != "-":
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
