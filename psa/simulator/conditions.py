"""The ConnectWise Manage `conditions` language: parse once, evaluate against JSON records.

    (contact/name like "Fred%" and closedFlag = false) and dateEntered > [2015-12-23T05:53:27Z]
    status/id IN (1,42,43,57)      owner/id = null      url contains "host"      not summary like "*x*"

Grammar (keywords and booleans in any case):

    expr       := and_expr ("or" and_expr)*
    and_expr   := unary ("and" unary)*
    unary      := "not" unary | "(" expr ")" | comparison
    comparison := FIELD op value | FIELD ["not"] ("contains" | "like") value | FIELD ["not"] "in" "(" value, ... ")"
    op         := = | != | <> | < | <= | > | >=
    value      := "string" | 'string' | number | [date] | true | false | null

Fields are slash paths into the record ("board/id", "owner/identifier") matched without
regard to case; a first segment that is not a top-level field is looked up in `_info`, so
`lastUpdated` means `_info/lastUpdated`. Strings compare without regard to case (SQL Server's
default collation). As in SQL, a comparison with a missing/null field is false, except
`= null` / `!= null`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

Record = dict[str, Any]
Predicate = Callable[[Record], bool]


class ConditionsError(ValueError):
    pass


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<date>\[[^\]]*\])
      | (?P<op><=|>=|!=|<>|=|<|>)
      | (?P<punct>[(),])
      | (?P<number>-?\d+(?:\.\d+)?(?![\w/]))
      | (?P<word>[A-Za-z_][\w/.]*)
    )""",
    re.VERBOSE,
)


@dataclass
class Token:
    kind: str
    text: str
    pos: int


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match or match.lastgroup is None:
            raise ConditionsError(f"Unexpected character at position {pos}: {text[pos : pos + 20]!r}")
        tokens.append(Token(match.lastgroup, match.group(match.lastgroup), match.start(match.lastgroup)))
        pos = match.end()
    return tokens


@dataclass(frozen=True)
class Value:
    kind: str  # string, number, date, bool, null
    value: Any


@dataclass(frozen=True)
class Comparison:
    field: str
    op: str  # = != < <= > >= contains like in (each may be negated through Not)
    value: Value | tuple[Value, ...]


@dataclass(frozen=True)
class Not:
    node: Any


@dataclass(frozen=True)
class BoolOp:
    op: str  # and / or
    nodes: tuple[Any, ...]


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.i = 0

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def keyword(self, *words: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.kind == "word" and tok.text.lower() in words

    def take(self) -> Token:
        tok = self.peek()
        if tok is None:
            raise ConditionsError("Unexpected end of conditions")
        self.i += 1
        return tok

    def expect(self, text: str) -> None:
        tok = self.take()
        if tok.text != text:
            raise ConditionsError(f"Expected {text!r} at position {tok.pos}, found {tok.text!r}")

    def parse(self) -> Any:
        node = self.expr()
        if self.peek() is not None:
            tok = self.peek()
            raise ConditionsError(f"Unexpected {tok.text!r} at position {tok.pos}")  # type: ignore[union-attr]
        return node

    def expr(self) -> Any:
        nodes = [self.and_expr()]
        while self.keyword("or"):
            self.take()
            nodes.append(self.and_expr())
        return nodes[0] if len(nodes) == 1 else BoolOp("or", tuple(nodes))

    def and_expr(self) -> Any:
        nodes = [self.unary()]
        while self.keyword("and"):
            self.take()
            nodes.append(self.unary())
        return nodes[0] if len(nodes) == 1 else BoolOp("and", tuple(nodes))

    def unary(self) -> Any:
        if self.keyword("not"):
            self.take()
            return Not(self.unary())
        tok = self.peek()
        if tok is not None and tok.text == "(":
            self.take()
            node = self.expr()
            self.expect(")")
            return node
        return self.comparison()

    def comparison(self) -> Any:
        field_tok = self.take()
        if field_tok.kind != "word" or field_tok.text.lower() in (
            "and",
            "or",
            "not",
            "in",
            "like",
            "contains",
        ):
            raise ConditionsError(
                f"Expected a field name at position {field_tok.pos}, found {field_tok.text!r}"
            )
        negate = False
        if self.keyword("not"):
            self.take()
            negate = True
        op_tok = self.take()
        op = op_tok.text.lower()
        if op_tok.kind == "op" and not negate:
            node: Any = Comparison(field_tok.text, "!=" if op == "<>" else op, self.value())
        elif op_tok.kind == "word" and op in ("contains", "like"):
            node = Comparison(field_tok.text, op, self.value())
        elif op_tok.kind == "word" and op == "in":
            node = Comparison(field_tok.text, "in", self.value_list())
        else:
            raise ConditionsError(f"Unknown operator {op_tok.text!r} at position {op_tok.pos}")
        return Not(node) if negate else node

    def value_list(self) -> tuple[Value, ...]:
        self.expect("(")
        values = [self.value()]
        while self.peek() is not None and self.peek().text == ",":  # type: ignore[union-attr]
            self.take()
            values.append(self.value())
        self.expect(")")
        return tuple(values)

    def value(self) -> Value:
        tok = self.take()
        if tok.kind == "string":
            return Value("string", re.sub(r"\\(.)", r"\1", tok.text[1:-1]))
        if tok.kind == "number":
            return Value("number", float(tok.text))
        if tok.kind == "date":
            try:
                return Value("date", _as_datetime(tok.text[1:-1].strip()))
            except ValueError as exc:
                raise ConditionsError(f"Invalid date {tok.text} at position {tok.pos}") from exc
        if tok.kind == "word" and tok.text.lower() in ("true", "false"):
            return Value("bool", tok.text.lower() == "true")
        if tok.kind == "word" and tok.text.lower() == "null":
            return Value("null", None)
        raise ConditionsError(f"Expected a value at position {tok.pos}, found {tok.text!r}")


def parse_conditions(text: str) -> Any:
    """The syntax tree of a conditions string (raises ConditionsError)."""
    return _Parser(text).parse()


def fields_of(node: Any) -> Iterable[str]:
    if isinstance(node, Comparison):
        yield node.field
    elif isinstance(node, Not):
        yield from fields_of(node.node)
    elif isinstance(node, BoolOp):
        for child in node.nodes:
            yield from fields_of(child)


def compile_conditions(text: str | None, known_fields: Iterable[str] | None = None) -> Predicate:
    """A predicate over records; an empty string matches everything. With `known_fields`, a
    condition on an unknown top-level field is rejected, as ConnectWise does."""
    if not text or not text.strip():
        return lambda record: True
    tree = parse_conditions(text)
    if known_fields is not None:
        known = {f.lower() for f in known_fields}
        for name in fields_of(tree):
            if name.split("/")[0].lower() not in known:
                raise ConditionsError(f"Unknown field '{name}'")
    return lambda record: _eval(tree, record)


def _eval(node: Any, record: Record) -> bool:
    if isinstance(node, BoolOp):
        results = (_eval(child, record) for child in node.nodes)
        return all(results) if node.op == "and" else any(results)
    if isinstance(node, Not):
        return not _eval(node.node, record)
    return _compare(resolve(record, node.field), node.op, node.value)


_MISSING = object()


def resolve(record: Record, path: str) -> Any:
    """The value at a slash path, case-insensitively; `_info` holds fields such as lastUpdated."""
    parts = path.split("/")
    value: Any = _lookup(record, parts[0])
    if value is _MISSING:
        value = _lookup(record.get("_info") or {}, parts[0])
    for part in parts[1:]:
        if not isinstance(value, dict):
            return None
        value = _lookup(value, part)
    return None if value is _MISSING else value


def _lookup(obj: dict[str, Any], key: str) -> Any:
    if key in obj:
        return obj[key]
    lowered = key.lower()
    for name, value in obj.items():
        if name.lower() == lowered:
            return value
    return _MISSING


def _compare(actual: Any, op: str, expected: Value | tuple[Value, ...]) -> bool:
    if op == "in":
        return any(_compare(actual, "=", v) for v in expected)  # type: ignore[union-attr]
    assert isinstance(expected, Value)
    if expected.kind == "null":
        if op == "=":
            return actual is None
        if op == "!=":
            return actual is not None
        return False
    if actual is None or isinstance(actual, (dict, list)):
        return False
    left, right = _coerce(actual, expected)
    if left is None:
        return False
    if op == "contains":
        return str(right) in str(left)
    if op == "like":
        pattern = "".join(".*" if ch in "*%" else re.escape(ch) for ch in str(right))
        return re.fullmatch(pattern, str(left), re.DOTALL) is not None
    try:
        return {
            "=": left == right,
            "!=": left != right,
            "<": left < right,
            "<=": left <= right,
            ">": left > right,
            ">=": left >= right,
        }[op]
    except TypeError:
        return False


def _coerce(actual: Any, expected: Value) -> tuple[Any, Any]:
    """Both sides in one comparable type; (None, None) when they cannot be."""
    if expected.kind == "date":
        try:
            return _as_datetime(str(actual)), expected.value
        except ValueError:
            return None, None
    if expected.kind == "bool":
        if isinstance(actual, bool):
            return actual, expected.value
        return (
            (str(actual).lower() == "true", expected.value)
            if str(actual).lower() in ("true", "false")
            else (None, None)
        )
    if expected.kind == "number":
        if isinstance(actual, bool):
            return None, None
        try:
            return float(actual), expected.value
        except (TypeError, ValueError):
            return str(actual).casefold(), str(expected.value).casefold()
    if isinstance(actual, bool):
        return str(actual).lower(), expected.value.lower()
    if isinstance(actual, (int, float)):
        try:
            return float(actual), float(expected.value)
        except ValueError:
            return None, None
    return str(actual).casefold(), str(expected.value).casefold()


def _as_datetime(text: str) -> datetime:
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
