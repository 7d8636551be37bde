"""Load and validate workspace files (contracts/workspace.md) into frozen dataclasses.

    doc = load_workspace("desk.json")          # JSON, or YAML for .yaml/.yml
    ws = validate_workspace(doc, known_technician_ids={"tech-1"})
    to_document(ws)                            # back to the file shape (for export)

`validate_workspace` reports every problem it finds at once, in a `WorkspaceError` whose
str() has one `path: message` line per problem, e.g.

    technicians[3].skills.Exchange: "guru" is not one of beginner, intermediate, expert

How it works: each object kind has a table of fields (`_SPECS`, `_SETTINGS`, ...):
key -> `_F(parser, default)`. A parser is `parse(report, path, value) -> value | INVALID`;
it reports what is wrong and returns the normalised value. `_fields` checks one JSON object
against its table (unknown keys, required keys, each field); record checks add the
cross-field rules (end after start, ...); duplicates and the references between sections
(technician ids, SLA policy names, ...) are checked last, on whatever parsed, so one run
reports every problem. Dataclasses are only built when there is none.

Rules beyond the contract (docs/workspace.md has the full list):
- `null` for an optional key means "not given" (the default applies).
- ids may be strings or integers; they are normalised to strings.
- skills named by technicians, categories, tickets or rules but missing from `skills` are
  created (`Workspace.implied_skills`, group ""); likewise categories and companies named
  by tickets/history (`implied_categories`, `implied_companies`).
- technician ids in companies and rules must exist (in the file or `known_technician_ids`);
  `assigned_to`/`resolved_by` may name unknown ids only with `create_missing_technicians`
  (`implied_technicians`).
"""

from __future__ import annotations

import difflib
import json
import math
import re
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any

from dispatch.engine.types import (
    FACTORS,
    PRIORITIES,
    RULE_ACTIONS,
    SENIORITIES,
    SKILL_LEVELS,
    STRATEGIES,
    WORKLOAD_METHODS,
    BusinessHours,
    GeoPoint,
    Interval,
    Rule,
    Shift,
)

TIERS: tuple[str, ...] = ("vip", "standard")
COMPLEXITIES: tuple[str, ...] = ("low", "medium", "high")
AUTO_ASSIGN: tuple[str, ...] = ("off", "shadow", "on")
SECTIONS: tuple[str, ...] = (
    "settings",
    "skills",
    "categories",
    "technicians",
    "sla_policies",
    "companies",
    "rules",
    "tickets",
    "history",
)
DEFAULT_PREFER_POINTS = 10
WEIGHT_TOLERANCE = 0.001
# Limits (docs/workspace.md): what the database columns hold, and what an import can cost.
NAME_MAX = 100  # ids, skill/category/board/SLA names (longer columns are named where used)
TEXT_MAX = 100_000  # descriptions
YEARS = (1900, 2999)  # dates the engine can add days and weeks to without overflowing
MAX_DEPTH = 32  # nesting of objects and lists; a workspace needs 5
MAX_BYTES = 5_000_000  # a workspace file (the upload page and import_workspace; --max-bytes)
# Records per section: far above a large MSP's desk (500 technicians, 10,000 open tickets),
# low enough that an import stays in seconds (200,000 skills took 54 s).
SECTION_MAX = {"skills": 10_000, "categories": 10_000, "technicians": 10_000, "sla_policies": 1_000,
               "companies": 100_000, "rules": 1_000, "tickets": 100_000, "history": 1_000_000}  # fmt: skip


# --------------------------------------------------------------------------- dataclasses


@dataclass(frozen=True)
class Skill:
    name: str
    group: str = ""


@dataclass(frozen=True)
class Category:
    name: str
    required_skills: tuple[str, ...] = ()
    complexity: str = "medium"  # low | medium | high
    auto_assign: str = "off"  # off | shadow | on  (false/true in the file mean off/on)


@dataclass(frozen=True)
class Technician:
    """A technician; `schedule` empty means available at all hours, `skills` maps name -> level."""

    id: str
    name: str
    email: str = ""
    phone: str = ""
    seniority: str = "mid"  # junior | mid | senior
    hourly_cost: float | None = None
    timezone: str = "UTC"
    location: GeoPoint | None = None
    onsite_capable: bool = False
    languages: tuple[str, ...] = ("English",)
    skills: Mapping[str, str] = field(default_factory=dict)  # skill -> beginner|intermediate|expert
    certifications: tuple[str, ...] = ()
    max_active_tickets: int | None = None  # None: the organisation default
    schedule: tuple[Shift, ...] = ()  # local to `timezone`; end <= start crosses midnight
    time_off: tuple[Interval, ...] = ()
    on_call: tuple[Interval, ...] = ()
    active: bool = True


@dataclass(frozen=True)
class SlaPolicy:
    """Hours per priority; both maps hold all four priorities."""

    name: str
    response_hours: Mapping[str, float]
    resolution_hours: Mapping[str, float]


@dataclass(frozen=True)
class Company:
    id: str
    name: str
    tier: str = "standard"  # vip | standard
    sla_policy: str | None = None  # an SlaPolicy name
    preferred_technician: str | None = None  # technician id
    account_technicians: tuple[str, ...] = ()  # technician ids
    location: GeoPoint | None = None
    contact_email: str = ""


@dataclass(frozen=True)
class Ticket:
    """An open ticket. `category` None: inferred from the text. `assigned_to` counts as workload."""

    id: str
    subject: str = ""
    description: str = ""
    category: str | None = None
    priority: str = "Medium"
    board: str = ""
    company: str | None = None  # company id
    status: str = "New"
    assigned_to: str | None = None  # technician id
    created_at: datetime | None = None
    sla_due: datetime | None = None
    estimated_hours: float = 1.0
    required_skills: tuple[str, ...] = ()  # beyond the category's
    language: str | None = None
    location: GeoPoint | None = None
    onsite: bool = False


@dataclass(frozen=True)
class HistoryTicket:
    """A closed ticket: who resolved it, when, and how it went."""

    ticket_id: str
    resolved_by: str  # technician id
    opened_at: datetime
    resolved_at: datetime | None  # always set in a file and required in the admin; None only in a legacy row
    subject: str = ""
    description: str = ""
    category: str | None = None
    priority: str = "Medium"
    company: str | None = None
    board: str = ""
    first_response_at: datetime | None = None
    csat: int | None = None  # 1..5
    reopened: bool = False
    reassignments: int = 0
    met_sla: bool | None = None


@dataclass(frozen=True)
class Workspace:
    """A validated, normalised workspace file.

    Sections hold the objects in file order. `settings` has only the keys the file gave
    (values parsed: `weights` a dict of floats, `business_hours` a `BusinessHours`).
    `sections` says which top-level keys were present (an empty list differs from absent).
    The `implied_*` tuples name things the file refers to but does not define; an import
    creates them when they do not exist yet (get-or-create, never overwrite):
    skills (group ""), categories (defaults), companies (name = id), and with
    `create_missing_technicians` bare technicians (name = id). `boards` is every board
    named anywhere in the file.
    """

    settings: Mapping[str, Any] = field(default_factory=dict)
    skills: tuple[Skill, ...] = ()
    categories: tuple[Category, ...] = ()
    technicians: tuple[Technician, ...] = ()
    sla_policies: tuple[SlaPolicy, ...] = ()
    companies: tuple[Company, ...] = ()
    rules: tuple[Rule, ...] = ()
    tickets: tuple[Ticket, ...] = ()
    history: tuple[HistoryTicket, ...] = ()
    sections: frozenset[str] = frozenset()
    implied_skills: tuple[str, ...] = ()
    implied_categories: tuple[str, ...] = ()
    implied_companies: tuple[str, ...] = ()
    implied_technicians: tuple[str, ...] = ()
    boards: tuple[str, ...] = ()

    def counts(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in SECTIONS if name != "settings"}


class WorkspaceError(ValueError):
    """A workspace file is invalid. `problems` is a list of (path, message)."""

    def __init__(self, problems: Iterable[tuple[str, str]]):
        self.problems: list[tuple[str, str]] = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(f"{path}: {message}" if path else message for path, message in self.problems)


# --------------------------------------------------------------------------- parsing kit


class _Invalid:
    def __repr__(self) -> str:
        return "INVALID"


INVALID: Any = _Invalid()
REQUIRED: Any = object()

Parser = Callable[["_Report", str, Any], Any]


class _Report:
    """Collects problems; calling it records one and returns INVALID."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def __call__(self, path: str, message: str) -> Any:
        self.problems.append((path, message))
        return INVALID


def _key(path: str, key: str) -> str:
    return f"{path}.{key}" if path else str(key)


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _kind(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list", dict: "an object"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def _expected(r: _Report, path: str, what: str, value: Any) -> Any:
    return r(path, f"expected {what}, got {_kind(value)} {_show(value)}" if value is not None else f"expected {what}, got null")


def _text_problem(value: str, limit: int) -> str:
    if "\x00" in value:
        return "must not contain NUL characters"
    if len(value) > limit:
        return f"is {len(value)} characters long, at most {limit} allowed"
    return ""


def _str_up_to(limit: int) -> Parser:
    def parse(r: _Report, path: str, value: Any) -> Any:
        if not isinstance(value, str):
            return _expected(r, path, "a string", value)
        problem = _text_problem(value, limit)
        return r(path, problem) if problem else value

    return parse


def _name_up_to(limit: int) -> Parser:
    """A non-blank string of at most `limit` characters."""

    def parse(r: _Report, path: str, value: Any) -> Any:
        if not isinstance(value, str):
            return _expected(r, path, "a string", value)
        if not value.strip():
            return r(path, "must not be empty")
        problem = _text_problem(value, limit)
        return r(path, problem) if problem else value

    return parse


_str = _str_up_to(NAME_MAX)
_text = _str_up_to(TEXT_MAX)
_name = _name_up_to(NAME_MAX)


def _ident(r: _Report, path: str, value: Any) -> Any:
    """An id: a non-blank string, or an integer (normalised to a string)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _name(r, path, value)


def _bool(r: _Report, path: str, value: Any) -> Any:
    return value if isinstance(value, bool) else _expected(r, path, "true or false", value)


def _number_in(lo: float | None = None, hi: float | None = None, *, integer: bool = False) -> Parser:
    what = "an integer" if integer else "a number"

    def parse(r: _Report, path: str, value: Any) -> Any:
        ok_types = (int,) if integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, ok_types):
            return _expected(r, path, what, value)
        if isinstance(value, float) and not math.isfinite(value):
            return r(path, f"{value} is not a finite number")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            if lo is not None and hi is not None:
                return r(path, f"{value} is not between {lo} and {hi}")
            return r(path, f"{value} must be >= {lo}" if lo is not None else f"{value} must be <= {hi}")
        return value if integer else float(value)

    return parse


def _enum(r: _Report, path: str, value: Any, allowed: Iterable[str]) -> Any:
    allowed = tuple(allowed)
    if isinstance(value, str) and value in allowed:
        return value
    return r(path, f"{_show(value)} is not one of {', '.join(allowed)}")


def _one_of(allowed: Iterable[str]) -> Parser:
    allowed = tuple(allowed)
    return lambda r, path, value: _enum(r, path, value, allowed)


def _auto_assign(r: _Report, path: str, value: Any) -> Any:
    if value is True:
        return "on"
    if value is False:
        return "off"
    return _enum(r, path, value, AUTO_ASSIGN)


def _dt(r: _Report, path: str, value: Any) -> Any:
    """An ISO 8601 date-time with a UTC offset (Z or +hh:mm)."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            return r(path, f"{_show(value)} is not an ISO 8601 date-time")
    else:
        return _expected(r, path, "an ISO 8601 date-time string", value)
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return r(path, f"{value} has no UTC offset")
    try:
        year = parsed.astimezone(UTC).year
    except OverflowError:
        year = 1
    if not YEARS[0] <= year <= YEARS[1]:
        return r(path, f"{_show(str(value))} is outside the years {YEARS[0]}..{YEARS[1]}")
    return parsed


_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def _hhmm(r: _Report, path: str, value: Any) -> Any:
    if isinstance(value, time):
        return value
    match = _HHMM.match(value) if isinstance(value, str) else None
    if not match:
        return r(path, f"{_show(value)} is not a time in HH:MM form (00:00 to 23:59)")
    return time(int(match.group(1)), int(match.group(2)))


@lru_cache(maxsize=1)
def _all_zones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def _did_you_mean(value: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, list(options), n=1, cutoff=0.75)
    return f' (did you mean "{close[0]}"?)' if close else ""


def _tz(r: _Report, path: str, value: Any) -> Any:
    if not isinstance(value, str):
        return _expected(r, path, "an IANA time zone name", value)
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return r(path, f"{_show(value)} is not an IANA time zone{_did_you_mean(value, _all_zones())}")
    return value


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


def _email(r: _Report, path: str, value: Any) -> Any:
    if not isinstance(value, str):
        return _expected(r, path, "an email address", value)
    if value == "":
        return value
    if len(value) > 254 or "\x00" in value:
        return r(path, "is not an email address (at most 254 characters, no NUL)")
    return value if _EMAIL.match(value) else r(path, f"{_show(value)} is not an email address")


def _weekdays(r: _Report, path: str, value: Any) -> Any:
    if not isinstance(value, list) or not value:
        return _expected(r, path, "a non-empty list of weekday numbers (0 = Monday)", value)
    days = []
    for i, day in enumerate(value):
        if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6:
            r(f"{path}[{i}]", f"{_show(day)} is not a weekday number 0..6 (0 = Monday)")
        elif day in days:
            r(f"{path}[{i}]", f"weekday {day} is listed twice")
        else:
            days.append(day)
    return tuple(days) if len(days) == len(value) else INVALID


def _list_of(item: Parser, *, unique: bool = False, non_empty: bool = False) -> Parser:
    def parse(r: _Report, path: str, value: Any) -> Any:
        if not isinstance(value, list):
            return _expected(r, path, "a list", value)
        if non_empty and not value:
            return r(path, "must not be empty")
        out, seen, ok = [], set(), True
        for i, element in enumerate(value):
            parsed = item(r, f"{path}[{i}]", element)
            if parsed is INVALID:
                ok = False
            elif unique and parsed in seen:
                r(f"{path}[{i}]", f"{_show(parsed)} is listed twice")
                ok = False
            else:
                seen.add(parsed)
                out.append(parsed)
        return tuple(out) if ok else INVALID

    return parse


def _map_of(value_parser: Parser, *, keys: Iterable[str] | None = None, all_keys: bool = False) -> Parser:
    """An object whose keys are names (or exactly/only `keys`) and whose values all parse alike."""
    allowed = tuple(keys) if keys is not None else None

    def parse(r: _Report, path: str, value: Any) -> Any:
        if not isinstance(value, dict):
            return _expected(r, path, "an object", value)
        out, ok = {}, True
        for key, element in value.items():
            if allowed is not None and key not in allowed:
                r(_key(path, key), f"unknown key; expected {', '.join(allowed)}")
                ok = False
                continue
            if not isinstance(key, str) or not key.strip() or _text_problem(key, NAME_MAX):
                r(path, f"{_show(key)} is not a valid name (non-blank, at most {NAME_MAX} characters, no NUL)")
                ok = False
                continue
            parsed = value_parser(r, _key(path, key), element)
            ok = ok and parsed is not INVALID
            out[key] = parsed
        if all_keys and allowed is not None:
            missing = [k for k in allowed if k not in value]
            if missing:
                r(path, f"missing {', '.join(missing)}")
                ok = False
        return out if ok else INVALID

    return parse


# --------------------------------------------------------------------------- objects


@dataclass(frozen=True)
class _F:
    parse: Parser
    default: Any = REQUIRED


def _fields(r: _Report, path: str, value: Any, spec: Mapping[str, _F]) -> dict | Any:
    """Check an object against its field table: unknown keys, missing required keys and each
    field are reported. Returns {key: parsed value}, with INVALID for the fields that failed
    (INVALID altogether when `value` is not an object). `null` for an optional key means
    "not given"."""
    if not isinstance(value, dict):
        return _expected(r, path, "an object", value)
    for key in value:
        if key not in spec:
            hint = _did_you_mean(str(key), spec) or f" (allowed: {', '.join(spec)})"
            r(_key(path, str(key)), f"unknown key{hint}")
    out = {}
    for key, f in spec.items():
        given = value.get(key)
        if given is not None:
            out[key] = f.parse(r, _key(path, key), given)
        elif f.default is REQUIRED:
            out[key] = r(_key(path, key), "is required")
        else:
            out[key] = dict(f.default) if isinstance(f.default, dict) else f.default
    return out


def _valid(f: Any, *keys: str) -> bool:
    """Whether the parsed fields `keys` (all of them when none are named) are usable."""
    return f is not INVALID and all(f[k] is not INVALID for k in (keys or f))


def _object(r: _Report, path: str, value: Any, spec: Mapping[str, _F]) -> dict | Any:
    """`_fields`, but INVALID as a whole when any field is."""
    fields_ = _fields(r, path, value, spec)
    return fields_ if _valid(fields_) else INVALID


def _built(spec: Mapping[str, _F], build: Callable[[_Report, str, dict], Any]) -> Parser:
    def parse(r: _Report, path: str, value: Any) -> Any:
        fields_ = _object(r, path, value, spec)
        return INVALID if fields_ is INVALID else build(r, path, fields_)

    return parse


def _make(cls: type) -> Callable[[_Report, str, dict], Any]:
    return lambda r, path, f: cls(**f)


def _interval(r: _Report, path: str, f: dict) -> Any:
    if f["end"] <= f["start"]:
        return r(_key(path, "end"), f"must be after start ({f['start'].isoformat()})")
    return Interval(**f)


def _business_hours(r: _Report, path: str, f: dict) -> Any:
    if f["end"] <= f["start"]:
        return r(_key(path, "end"), f"must be after start ({f['start'].strftime('%H:%M')})")
    return BusinessHours(**f)


def _check_sla_policy(r: _Report, path: str, f: dict) -> None:
    if _valid(f, "response_hours", "resolution_hours"):
        for p in PRIORITIES:
            if f["resolution_hours"][p] < f["response_hours"][p]:
                r(f"{path}.resolution_hours.{p}", f"{f['resolution_hours'][p]} is less than response_hours.{p}")


def _check_ticket(r: _Report, path: str, f: dict) -> None:
    if _valid(f, "created_at", "sla_due") and f["created_at"] and f["sla_due"] and f["sla_due"] < f["created_at"]:
        r(f"{path}.sla_due", f"is before created_at ({f['created_at'].isoformat()})")


def _check_history(r: _Report, path: str, f: dict) -> None:
    if _valid(f, "opened_at", "resolved_at") and f["resolved_at"] < f["opened_at"]:
        r(f"{path}.resolved_at", f"is before opened_at ({f['opened_at'].isoformat()})")
    elif _valid(f, "opened_at", "resolved_at", "first_response_at") and f["first_response_at"]:
        if not f["opened_at"] <= f["first_response_at"] <= f["resolved_at"]:
            r(f"{path}.first_response_at", "must be between opened_at and resolved_at")


def _weights(r: _Report, path: str, value: Any) -> Any:
    parsed = _map_of(_number_in(0, 1), keys=FACTORS, all_keys=True)(r, path, value)
    if parsed is INVALID:
        return INVALID
    total = sum(parsed.values())
    if abs(total - 1) > WEIGHT_TOLERANCE:
        return r(path, f"weights sum to {round(total, 6)}, must sum to 1 (±{WEIGHT_TOLERANCE})")
    return parsed


def _keywords(r: _Report, path: str, value: Any) -> Any:
    """A list of words, or one string of words separated by | or , (normalised to a tuple)."""
    if isinstance(value, str):
        if _text_problem(value, 1000):
            return r(path, _text_problem(value, 1000))
        words = tuple(w.strip() for w in re.split(r"[|,]", value) if w.strip())
        return words or r(path, "must name at least one keyword")
    return _list_of(_name, non_empty=True)(r, path, value)


def _priorities(r: _Report, path: str, value: Any) -> Any:
    if isinstance(value, list):
        return _list_of(_one_of(PRIORITIES), unique=True, non_empty=True)(r, path, value)
    return _enum(r, path, value, PRIORITIES)


_hours = _number_in(0)
_prio_hours = _map_of(_hours, keys=PRIORITIES, all_keys=True)
_names = _list_of(_name, unique=True)
_ids = _list_of(_ident, unique=True)

_LOCATION = {"city": _F(_str, ""), "lat": _F(_number_in(-90, 90)), "lon": _F(_number_in(-180, 180))}
_location = _built(_LOCATION, _make(GeoPoint))
_INTERVAL = {"start": _F(_dt), "end": _F(_dt), "reason": _F(_str_up_to(200), "")}
_SHIFT = {"days": _F(_weekdays), "start": _F(_hhmm), "end": _F(_hhmm)}
_BUSINESS_HOURS = {
    "timezone": _F(_tz, BusinessHours.timezone),
    "days": _F(_weekdays, BusinessHours.days),
    "start": _F(_hhmm, BusinessHours.start),
    "end": _F(_hhmm, BusinessHours.end),
}

_SETTINGS = {
    "dispatching_enabled": _F(_bool, None),
    "dispatching_mode": _F(_one_of(STRATEGIES), None),
    "max_tickets_per_technician": _F(_number_in(1, integer=True), None),
    "workload_calculation_method": _F(_one_of(WORKLOAD_METHODS), None),
    "workload_excluded_statuses": _F(_names, None),
    "sla_priority_weight": _F(_number_in(0, 1), None),
    "skill_match_threshold": _F(_number_in(0, 100, integer=True), None),
    "allow_overflow_assignment": _F(_bool, None),
    "business_hours_only": _F(_bool, None),
    "preferred_tech_priority": _F(_bool, None),
    "weights": _F(_weights, None),
    "business_hours": _F(_built(_BUSINESS_HOURS, _business_hours), None),
}

_SPECS: dict[str, dict[str, _F]] = {
    "skills": {"name": _F(_name), "group": _F(_str, "")},
    "categories": {
        "name": _F(_name),
        "required_skills": _F(_names, ()),
        "complexity": _F(_one_of(COMPLEXITIES), "medium"),
        "auto_assign": _F(_auto_assign, "off"),
    },
    "technicians": {
        "id": _F(_ident),
        "name": _F(_name_up_to(200)),
        "email": _F(_email, ""),
        "phone": _F(_str_up_to(50), ""),
        "seniority": _F(_one_of(SENIORITIES), "mid"),
        "hourly_cost": _F(_number_in(0), None),
        "timezone": _F(_tz, "UTC"),
        "location": _F(_location, None),
        "onsite_capable": _F(_bool, False),
        "languages": _F(_names, ("English",)),
        "skills": _F(_map_of(_one_of(SKILL_LEVELS)), {}),
        "certifications": _F(_list_of(_name_up_to(200), unique=True), ()),
        "max_active_tickets": _F(_number_in(1, integer=True), None),
        "schedule": _F(_list_of(_built(_SHIFT, _make(Shift))), ()),
        "time_off": _F(_list_of(_built(_INTERVAL, _interval)), ()),
        "on_call": _F(_list_of(_built(_INTERVAL, _interval)), ()),
        "active": _F(_bool, True),
    },
    "sla_policies": {"name": _F(_name), "response_hours": _F(_prio_hours), "resolution_hours": _F(_prio_hours)},
    "companies": {
        "id": _F(_ident),
        "name": _F(_name_up_to(200)),
        "tier": _F(_one_of(TIERS), "standard"),
        "sla_policy": _F(_name, None),
        "preferred_technician": _F(_ident, None),
        "account_technicians": _F(_ids, ()),
        "location": _F(_location, None),
        "contact_email": _F(_email, ""),
    },
    "rules": {
        "name": _F(_name_up_to(200)),
        "when": _F(lambda r, p, v: _rule_when(r, p, v)),
        "then": _F(lambda r, p, v: _rule_then(r, p, v)),
        "unless_unavailable": _F(_bool, True),
        "enabled": _F(_bool, True),
    },
    "tickets": {
        "id": _F(_ident),
        "subject": _F(_str_up_to(500), ""),
        "description": _F(_text, ""),
        "category": _F(_name, None),
        "priority": _F(_one_of(PRIORITIES), "Medium"),
        "board": _F(_str, ""),
        "company": _F(_ident, None),
        "status": _F(_name_up_to(50), "New"),
        "assigned_to": _F(_ident, None),
        "created_at": _F(_dt, None),
        "sla_due": _F(_dt, None),
        "estimated_hours": _F(_hours, 1.0),
        "required_skills": _F(_names, ()),
        "language": _F(_name_up_to(50), None),
        "location": _F(_location, None),
        "onsite": _F(_bool, False),
    },
    "history": {
        "ticket_id": _F(_ident),
        "subject": _F(_str_up_to(500), ""),
        "description": _F(_text, ""),
        "category": _F(_name, None),
        "priority": _F(_one_of(PRIORITIES), "Medium"),
        "company": _F(_ident, None),
        "board": _F(_str, ""),
        "resolved_by": _F(_ident),
        "opened_at": _F(_dt),
        "first_response_at": _F(_dt, None),
        "resolved_at": _F(_dt),
        "csat": _F(_number_in(1, 5, integer=True), None),
        "reopened": _F(_bool, False),
        "reassignments": _F(_number_in(0, integer=True), 0),
        "met_sla": _F(_bool, None),
    },
}

_RULE_WHEN = {
    "company": _F(_ident, None),
    "tier": _F(_one_of(TIERS), None),
    "category": _F(_name, None),
    "priority": _F(_priorities, None),
    "board": _F(_name, None),
    "keywords": _F(_keywords, None),
}
_RULE_THEN = {
    "assign_to": _F(_ident, None),
    "prefer": _F(_list_of(_ident, unique=True, non_empty=True), None),
    "points": _F(_number_in(-100, 100), None),
    "min_seniority": _F(_one_of(SENIORITIES), None),
    "require_skills": _F(_list_of(_name, unique=True, non_empty=True), None),
    "exclude": _F(_list_of(_ident, unique=True, non_empty=True), None),
    "allow_overflow": _F(_bool, None),
    "board": _F(_name, None),
    "escalate_to": _F(_email, None),
}


def _given(fields_: dict) -> dict:
    return {k: v for k, v in fields_.items() if v is not None}


def _rule_when(r: _Report, path: str, value: Any) -> Any:
    fields_ = _object(r, path, value, _RULE_WHEN)
    return INVALID if fields_ is INVALID else _given(fields_)


def _rule_then(r: _Report, path: str, value: Any) -> Any:
    fields_ = _object(r, path, value, _RULE_THEN)
    if fields_ is INVALID:
        return INVALID
    then = _given(fields_)
    actions = [k for k in then if k in RULE_ACTIONS]
    if len(actions) != 1:
        found = f"got {', '.join(actions)}" if actions else "got none"
        return r(path, f"must have exactly one action of {', '.join(RULE_ACTIONS)} ({found})")
    if "points" in then and actions[0] != "prefer":
        return r(_key(path, "points"), 'only goes with "prefer"')
    if actions[0] == "prefer":
        then.setdefault("points", DEFAULT_PREFER_POINTS)
    return then


def rule_problems(when: Any, then: Any, path: str = "") -> list[str]:
    """Every problem with one rule's `when`/`then`, as `path: message` lines. The one rule
    validator: the importer (through validate_workspace), the rules page and the admin
    (Rule.clean, via dispatch.rules_validation) all use it."""
    for part, value in (("when", when), ("then", then)):
        too_deep = _too_deep(value)
        if too_deep is not None:
            return [f"{_key(_key(path, part), too_deep) if too_deep else _key(path, part)}: nested deeper than {MAX_DEPTH} levels"]
    r = _Report()
    _rule_when(r, _key(path, "when"), {} if when is None else when)
    _rule_then(r, _key(path, "then"), then)
    return [f"{p}: {m}" for p, m in r.problems]


def settings_problems(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Problems with (some of) the organisational variables, by key path: the checks a
    workspace file's `settings` gets. The one settings validator: DispatchSettings.clean (so
    the settings page and the admin) and the importer use it."""
    too_deep = _too_deep(dict(values))
    if too_deep is not None:
        return [(too_deep, f"nested deeper than {MAX_DEPTH} levels")]
    r = _Report()
    _fields(r, "", dict(values), _SETTINGS)
    return r.problems


# Per section: the dataclass, the key that must be unique (casefolded?) and a record check.
_SECTION_MODEL: dict[str, tuple[type, str, bool, Callable[[_Report, str, dict], None] | None]] = {
    "skills": (Skill, "name", True, None),
    "categories": (Category, "name", True, None),
    "technicians": (Technician, "id", False, None),
    "sla_policies": (SlaPolicy, "name", False, _check_sla_policy),
    "companies": (Company, "id", False, None),
    "rules": (Rule, "name", False, None),
    "tickets": (Ticket, "id", False, _check_ticket),
    "history": (HistoryTicket, "ticket_id", False, _check_history),
}


def _section(r: _Report, doc: Mapping[str, Any], section: str) -> list[tuple[int, dict]]:
    """Parse a list section into (index, fields) records; fields that failed are INVALID so
    that the remaining checks (duplicates, references) still run on the rest."""
    _, key, fold, check = _SECTION_MODEL[section]
    value = doc.get(section)
    if value is None:
        return []
    if not isinstance(value, list):
        _expected(r, section, "a list", value)
        return []
    if len(value) > SECTION_MAX[section]:
        r(section, f"{len(value)} records, at most {SECTION_MAX[section]} allowed")
        return []
    records: list[tuple[int, dict]] = []
    seen: dict[Any, int] = {}  # identity key -> index of the record that first used it
    for i, element in enumerate(value):
        path = f"{section}[{i}]"
        fields_ = _fields(r, path, element, _SPECS[section])
        if fields_ is INVALID:
            continue
        if check:
            check(r, path, fields_)
        if _valid(fields_, key):
            k = fields_[key].casefold() if fold else fields_[key]
            if k in seen:
                r(f"{path}.{key}", f"{_show(fields_[key])} duplicates {section}[{seen[k]}]")
            else:
                seen[k] = i
        records.append((i, fields_))
    return records


# --------------------------------------------------------------------------- entry points


def validate_workspace(
    doc: Mapping[str, Any],
    *,
    known_technician_ids: Iterable[str] = frozenset(),
    known_sla_policies: Iterable[str] = frozenset(),
    create_missing_technicians: bool = False,
) -> Workspace:
    """Validate a parsed workspace document and return it normalised.

    `known_technician_ids` / `known_sla_policies`: what already exists in the database, so a
    partial file may refer to it. `create_missing_technicians`: `assigned_to`/`resolved_by`
    ids found nowhere become `Workspace.implied_technicians` instead of errors.
    Raises `WorkspaceError` listing every problem found."""
    r = _Report()
    if not isinstance(doc, Mapping):
        raise WorkspaceError([("", f"a workspace must be an object, got {_kind(doc)}")])
    too_deep = _too_deep(doc)
    if too_deep is not None:
        raise WorkspaceError([(too_deep, f"nested deeper than {MAX_DEPTH} levels")])
    for key in doc:
        if key not in SECTIONS:
            hint = _did_you_mean(str(key), SECTIONS) or f" (allowed: {', '.join(SECTIONS)})"
            r(str(key), f"unknown top-level key{hint}")

    settings: dict[str, Any] = {}
    if doc.get("settings") is not None:
        parsed = _fields(r, "settings", doc["settings"], _SETTINGS)
        if parsed is not INVALID:
            settings = _given(parsed)

    records = {section: _section(r, doc, section) for section in _SECTION_MODEL}
    implied_techs = _check_references(
        r,
        records,
        known_technician_ids=set(known_technician_ids),
        known_sla_policies=set(known_sla_policies),
        create_missing_technicians=create_missing_technicians,
    )
    if r.problems:
        raise WorkspaceError(sorted(r.problems, key=_document_order))

    built = {
        section: tuple(_SECTION_MODEL[section][0](**f) for _, f in items) for section, items in records.items()
    }
    ws = Workspace(
        settings=settings,
        **built,
        sections=frozenset(k for k in doc if k in SECTIONS),
        implied_technicians=tuple(implied_techs),
    )
    return _with_implied(ws)


def _too_deep(doc: Any, limit: int = MAX_DEPTH) -> str | None:
    """The path of the first value nested deeper than `limit`, or None (iterative: a deep
    document must not exhaust the interpreter's stack here either)."""
    stack: list[tuple[Any, str, int]] = [(doc, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > limit:
            return path
        if isinstance(value, Mapping):
            stack.extend((v, _key(path, str(k)), depth + 1) for k, v in value.items())
        elif isinstance(value, list | tuple):
            stack.extend((v, f"{path}[{i}]", depth + 1) for i, v in enumerate(value))
    return None


def _document_order(problem: tuple[str, str]) -> tuple[int, int]:
    """Sort key: problems by section, then by item index (stable within an item)."""
    match = re.match(r"^([A-Za-z_]+)(?:\[(\d+)\])?", problem[0])
    if not match or match.group(1) not in SECTIONS:
        return (-1, 0)
    return (SECTIONS.index(match.group(1)), int(match.group(2) or 0))


def _check_references(
    r: _Report,
    records: Mapping[str, list[tuple[int, dict]]],
    *,
    known_technician_ids: set[str],
    known_sla_policies: set[str],
    create_missing_technicians: bool,
) -> list[str]:
    """Check the links between sections; returns the technician ids to create."""

    def values(section: str, key: str) -> list[tuple[str, Any]]:
        """(path, value) of one field over a section, where it parsed and is given."""
        return [
            (f"{section}[{i}].{key}", f[key])
            for i, f in records[section]
            if f[key] is not INVALID and f[key] is not None
        ]

    tech_ids = {v for _, v in values("technicians", "id")} | known_technician_ids
    policies = {v for _, v in values("sla_policies", "name")} | known_sla_policies

    for path, name in values("companies", "sla_policy"):
        if name not in policies:
            r(path, f"{_show(name)} is not an SLA policy in this file or the database")

    tech_refs = values("companies", "preferred_technician")
    tech_refs += [(f"{p}[{j}]", tid) for p, ids in values("companies", "account_technicians") for j, tid in enumerate(ids)]
    for path, then in values("rules", "then"):
        if "assign_to" in then:
            tech_refs.append((f"{path}.assign_to", then["assign_to"]))
        for action in ("prefer", "exclude"):
            tech_refs += [(f"{path}.{action}[{j}]", tid) for j, tid in enumerate(then.get(action, ()))]
    for path, tid in tech_refs:
        if tid not in tech_ids:
            r(path, f"{_show(tid)} is not a technician in this file or the database")

    open_ids = {tid: path for path, tid in values("tickets", "id")}
    for path, tid in values("history", "ticket_id"):
        if tid in open_ids:
            r(path, f"{_show(tid)} is also an open ticket ({open_ids[tid].rsplit('.', 1)[0]})")

    implied: dict[str, None] = {}
    for path, tid in values("tickets", "assigned_to") + values("history", "resolved_by"):
        if tid in tech_ids:
            continue
        if create_missing_technicians:
            implied[tid] = None
        else:
            r(path, f"{_show(tid)} names no technician (allowed only when creating missing technicians)")
    return list(implied)


def _ordered(names: Iterable[str | None], exclude: Iterable[str] = (), *, fold: bool = False) -> tuple[str, ...]:
    key = (lambda s: s.casefold()) if fold else (lambda s: s)
    skip = {key(e) for e in exclude}
    out: dict[str, str] = {}
    for name in names:
        if name and key(name) not in skip and key(name) not in out:
            out[key(name)] = name
    return tuple(out.values())


def _with_implied(ws: Workspace) -> Workspace:
    skill_refs = [s for t in ws.technicians for s in t.skills]
    skill_refs += [s for c in ws.categories for s in c.required_skills]
    skill_refs += [s for t in ws.tickets for s in t.required_skills]
    skill_refs += [s for rule in ws.rules for s in rule.then.get("require_skills", ())]
    work = list(ws.tickets) + list(ws.history)
    boards: list[str | None] = [w.board for w in work]
    boards += [rule.when.get("board") for rule in ws.rules] + [rule.then.get("board") for rule in ws.rules]
    return replace(
        ws,
        implied_skills=_ordered(skill_refs, (s.name for s in ws.skills), fold=True),
        implied_categories=_ordered((w.category for w in work), (c.name for c in ws.categories), fold=True),
        implied_companies=_ordered((w.company for w in work), (c.id for c in ws.companies)),
        boards=_ordered(boards),
    )


# --------------------------------------------------------------------------- files


def _yaml_loader() -> type:
    """A SafeLoader with YAML 1.2 core scalars: only true/false are booleans, "08:00" stays a
    string (YAML 1.1 reads 18:00 as the number 1080), and timestamps stay strings so the
    offset check sees exactly what was written. Aliases (`*name`) are refused: a few hundred
    bytes of nested aliases expand to billions of nodes ("billion laughs"), and a workspace
    never needs them. A key given twice in one mapping is refused instead of the last one
    silently winning."""
    import yaml
    from yaml.constructor import ConstructorError
    from yaml.events import AliasEvent

    class Loader(yaml.SafeLoader):
        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(AliasEvent):
                event = self.peek_event()
                raise yaml.composer.ComposerError(
                    None, None, f"aliases (*{event.anchor}) are not allowed in a workspace file", event.start_mark
                )
            return super().compose_node(parent, index)

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen: set[Any] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                if isinstance(key, list | dict):
                    raise ConstructorError(None, None, "a key must be a string or a number", key_node.start_mark)
                if key in seen:
                    raise ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    dropped = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:timestamp"}
    Loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag not in dropped]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    Loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
    )
    Loader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789"))
    Loader.add_implicit_resolver(
        "tag:yaml.org,2002:float",
        re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*|[0-9]+(?:\.[0-9]*)?[eE][-+]?[0-9]+)$"),
        list("-+0123456789."),
    )
    return Loader


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def loads_json(text: str | bytes, name: str = "") -> Any:
    """json.loads for configuration: duplicate keys and nesting deeper than MAX_DEPTH are a
    WorkspaceError (path = `name`) rather than a silent merge or a RecursionError."""
    try:
        doc = json.loads(text, object_pairs_hook=_no_duplicates)
    except _DuplicateKey as exc:
        raise WorkspaceError([(name, f"duplicate key {_show(exc.args[0])} in an object")]) from exc
    except json.JSONDecodeError as exc:
        raise WorkspaceError([(name, f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")]) from exc
    except RecursionError as exc:
        raise WorkspaceError([(name, f"nested deeper than {MAX_DEPTH} levels")]) from exc
    too_deep = _too_deep(doc)
    if too_deep is not None:
        raise WorkspaceError([(_key(name, too_deep) if too_deep else name, f"nested deeper than {MAX_DEPTH} levels")])
    return doc


def parse_workspace_text(text: str, *, yaml_format: bool, name: str = "workspace") -> dict:
    """Parse a workspace document (JSON, or YAML when `yaml_format`): aliases, duplicate keys
    and nesting deeper than MAX_DEPTH are refused. Raises `WorkspaceError` (path = `name`)."""
    try:
        if yaml_format:
            import yaml

            try:
                doc = yaml.load(text, Loader=_yaml_loader())  # noqa: S506 - a SafeLoader subclass
            except yaml.YAMLError as exc:
                raise WorkspaceError([(name, f"not valid YAML: {exc}")]) from exc
        else:
            doc = loads_json(text, name)
    except RecursionError as exc:
        raise WorkspaceError([(name, f"nested deeper than {MAX_DEPTH} levels")]) from exc
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise WorkspaceError([(name, f"a workspace must be an object, got {_kind(doc)}")])
    too_deep = _too_deep(doc)
    if too_deep is not None:
        raise WorkspaceError([(too_deep or name, f"nested deeper than {MAX_DEPTH} levels")])
    return doc


def load_workspace(path: str | Path, *, max_bytes: int | None = MAX_BYTES) -> dict:
    """Read a workspace file: YAML when the name ends in .yaml/.yml, JSON otherwise; at most
    `max_bytes` bytes (None: no limit).

    Raises `WorkspaceError` (path = the file name) when it cannot be read or parsed or is
    not an object. Validation is `validate_workspace`'s job."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise WorkspaceError([(str(path), f"is {size} bytes, larger than the {max_bytes} allowed")])
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise WorkspaceError([(str(path), f"cannot read: {exc}")]) from exc
    return parse_workspace_text(text, yaml_format=path.suffix.lower() in (".yaml", ".yml"), name=str(path))


def dump_document(doc: Mapping[str, Any]) -> str:
    """JSON text for a workspace document with one record per line: compact, readable and
    diff-friendly (what the example generator and the converters write)."""
    parts = []
    for key, value in doc.items():
        if isinstance(value, list):
            items = ",\n".join("  " + json.dumps(item, ensure_ascii=False) for item in value)
            parts.append(f"  {json.dumps(key)}: [\n{items}\n  ]" if value else f"  {json.dumps(key)}: []")
        else:
            parts.append(f"  {json.dumps(key)}: " + json.dumps(value, ensure_ascii=False))
    return "{\n" + ",\n".join(parts) + "\n}\n"


def read_workspace(path: str | Path, **options: Any) -> Workspace:
    """`validate_workspace(load_workspace(path), **options)`."""
    return validate_workspace(load_workspace(path), **options)


# --------------------------------------------------------------------------- back to a document


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _hm(value: time) -> str:
    return value.strftime("%H:%M")


def _geo(value: GeoPoint | None) -> dict | None:
    return None if value is None else {"city": value.city, "lat": value.lat, "lon": value.lon}


def _span(value: Interval) -> dict:
    out = {"start": _iso(value.start), "end": _iso(value.end)}
    if value.reason:
        out["reason"] = value.reason
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _technician_doc(t: Technician) -> dict:
    return {
        "id": t.id,
        "name": t.name,
        "email": t.email,
        "phone": t.phone,
        "seniority": t.seniority,
        "hourly_cost": t.hourly_cost,
        "timezone": t.timezone,
        "location": _geo(t.location),
        "onsite_capable": t.onsite_capable,
        "languages": list(t.languages),
        "skills": dict(t.skills),
        "certifications": list(t.certifications),
        "max_active_tickets": t.max_active_tickets,
        "schedule": [{"days": list(s.days), "start": _hm(s.start), "end": _hm(s.end)} for s in t.schedule],
        "time_off": [_span(i) for i in t.time_off],
        "on_call": [_span(i) for i in t.on_call],
        "active": t.active,
    }


def to_document(ws: Workspace, *, drop_nulls: bool = True) -> dict:
    """The workspace as a JSON-ready document in the contract's shape.

    `validate_workspace(to_document(ws))` gives back an equal workspace (the `sections`
    present become the sections written)."""

    def clean(d: dict) -> dict:
        return {k: v for k, v in d.items() if v is not None} if drop_nulls else d

    settings = dict(ws.settings)
    if "business_hours" in settings:
        bh = settings["business_hours"]
        settings["business_hours"] = {"timezone": bh.timezone, "days": list(bh.days), "start": _hm(bh.start), "end": _hm(bh.end)}
    if "workload_excluded_statuses" in settings:
        settings["workload_excluded_statuses"] = list(settings["workload_excluded_statuses"])
    if "weights" in settings:
        settings["weights"] = dict(settings["weights"])

    sections: dict[str, Any] = {
        "settings": settings,
        "skills": [{"name": s.name, "group": s.group} for s in ws.skills],
        "categories": [
            {"name": c.name, "required_skills": list(c.required_skills), "complexity": c.complexity, "auto_assign": c.auto_assign}
            for c in ws.categories
        ],
        "technicians": [clean(_technician_doc(t)) for t in ws.technicians],
        "sla_policies": [
            {"name": p.name, "response_hours": dict(p.response_hours), "resolution_hours": dict(p.resolution_hours)}
            for p in ws.sla_policies
        ],
        "companies": [
            clean(
                {
                    "id": c.id,
                    "name": c.name,
                    "tier": c.tier,
                    "sla_policy": c.sla_policy,
                    "preferred_technician": c.preferred_technician,
                    "account_technicians": list(c.account_technicians),
                    "location": _geo(c.location),
                    "contact_email": c.contact_email,
                }
            )
            for c in ws.companies
        ],
        "rules": [
            {"name": x.name, "when": _plain(x.when), "then": _plain(x.then), "unless_unavailable": x.unless_unavailable, "enabled": x.enabled}
            for x in ws.rules
        ],
        "tickets": [
            clean(
                {
                    "id": t.id,
                    "subject": t.subject,
                    "description": t.description,
                    "category": t.category,
                    "priority": t.priority,
                    "board": t.board,
                    "company": t.company,
                    "status": t.status,
                    "assigned_to": t.assigned_to,
                    "created_at": _iso(t.created_at),
                    "sla_due": _iso(t.sla_due),
                    "estimated_hours": t.estimated_hours,
                    "required_skills": list(t.required_skills),
                    "language": t.language,
                    "location": _geo(t.location),
                    "onsite": t.onsite,
                }
            )
            for t in ws.tickets
        ],
        "history": [
            clean(
                {
                    "ticket_id": h.ticket_id,
                    "subject": h.subject,
                    "description": h.description,
                    "category": h.category,
                    "priority": h.priority,
                    "company": h.company,
                    "board": h.board,
                    "resolved_by": h.resolved_by,
                    "opened_at": _iso(h.opened_at),
                    "first_response_at": _iso(h.first_response_at),
                    "resolved_at": _iso(h.resolved_at),
                    "csat": h.csat,
                    "reopened": h.reopened,
                    "reassignments": h.reassignments,
                    "met_sla": h.met_sla,
                }
            )
            for h in ws.history
        ],
    }
    present = ws.sections or frozenset(SECTIONS)
    return {name: value for name, value in sections.items() if name in present}
