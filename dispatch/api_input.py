"""The JSON API's input schemas, and the one translation of their errors into the contract's
400 INVALID_TICKET_DATA messages (contracts/dispatch-api.md).

The pydantic models below are what django-ninja validates every body and path parameter
against, and what the published OpenAPI document describes: strict types (no "123" for a
number, no 123 for a string), unknown fields refused, lengths no longer than the database
columns they land in, no NUL characters (PostgreSQL refuses them in text) and dates inside
the range the engine can compute with. `problems()` turns a pydantic error list into one
`field: message` line per bad field; `parse_dispatch_body` is the same validation for
callers outside a request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from dispatch.engine.types import PRIORITIES, STRATEGIES

REQUIRED_UNLESS_KNOWN = ("ticket_category", "ticket_priority", "ticket_board", "company_id")
MODES = ("suggest", "assign")
# The engine adds and subtracts days and weeks around these instants; a year outside this
# range overflows Python's datetime (years 1..9999) somewhere on the way.
YEARS = (1900, 2999)


class InvalidTicketData(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def problem(message: str) -> PydanticCustomError:
    """A validation error whose message is final (used as is after the field name)."""
    return PydanticCustomError("problem", "{message}", {"message": message})


# ---------------------------------------------------------------- field types


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise problem("must not contain NUL characters")
    return value


def _non_blank(value: str) -> str:
    if not value.strip():
        raise problem("must be a non-empty string")
    return value.strip()


def Text(max_length: int) -> Any:  # noqa: N802 - a type factory
    """A string of at most `max_length` characters without NUL."""
    return Annotated[StrictStr, Field(max_length=max_length), AfterValidator(_no_nul)]


def Name(max_length: int) -> Any:  # noqa: N802 - a type factory
    """A non-blank string (stripped) of at most `max_length` characters without NUL."""
    return Annotated[
        StrictStr,
        Field(min_length=1, max_length=max_length, pattern=r"\S"),
        AfterValidator(_no_nul),
        AfterValidator(_non_blank),
    ]


def _one_of(allowed: tuple[str, ...], *, fold: bool = False) -> Any:
    def check(value: str) -> str:
        match = next((a for a in allowed if (a.lower() == value.lower() if fold else a == value)), None)
        if match is None:
            raise problem(f"{value!r} is not one of {', '.join(allowed)}")
        return match

    return Annotated[StrictStr, Field(max_length=50, json_schema_extra={"enum": list(allowed)}), AfterValidator(check)]


def parse_instant(value: str) -> datetime:
    """An ISO 8601 date-time with a UTC offset, in UTC, within YEARS."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise problem(f"{value!r} is not an ISO 8601 date-time") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise problem(f"{value!r} has no UTC offset")
    try:
        parsed = parsed.astimezone(UTC)
    except OverflowError:
        parsed = datetime.min.replace(tzinfo=UTC)
    if not YEARS[0] <= parsed.year <= YEARS[1]:
        raise problem(f"{value!r} is outside the years {YEARS[0]}..{YEARS[1]}")
    return parsed


# A description (a text column) is bounded only by the whole body's size (DATA_UPLOAD_MAX_MEMORY_SIZE).
LongText = Annotated[StrictStr, AfterValidator(_no_nul)]

Instant = Annotated[
    StrictStr,
    Field(max_length=64, json_schema_extra={"format": "date-time"}),
    AfterValidator(_no_nul),
    AfterValidator(parse_instant),
]

TicketId = Name(100)
TechnicianId = Name(100)
Names: Any = Annotated[list[Name(100)], Field(max_length=500)]  # type: ignore[misc]


class InputSchema(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class GeoPointIn(InputSchema):
    model_config = ConfigDict(extra="forbid", strict=True, title="GeoPoint")
    lat: Annotated[StrictFloat | StrictInt, Field(ge=-90, le=90)]
    lon: Annotated[StrictFloat | StrictInt, Field(ge=-180, le=180)]
    city: Text(100) = ""  # type: ignore[valid-type]


# ---------------------------------------------------------------- bodies


class DispatchIn(InputSchema):
    """POST /api/v1/dispatch. ticket_category, ticket_priority, ticket_board and company_id are
    required for a ticket that is not known yet (ticket_category may be inferred from
    subject/description)."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={"examples": [
            {"ticket_id": "12345", "mode": "suggest"},
            {"ticket_id": "77001", "ticket_category": "Email Support", "ticket_priority": "Critical",
             "ticket_board": "Service Desk", "company_id": "acme", "subject": "CEO mailbox down",
             "sla_due_date": "2026-12-01T18:00:00Z"},
        ]},
    )  # fmt: skip

    ticket_id: TicketId  # type: ignore[valid-type]
    ticket_category: Name(100) | None = None  # type: ignore[valid-type]
    ticket_priority: _one_of(PRIORITIES, fold=True) | None = None  # type: ignore[valid-type]
    ticket_board: Name(100) | None = None  # type: ignore[valid-type]
    company_id: Name(100) | None = None  # type: ignore[valid-type]
    subject: Text(500) | None = None  # type: ignore[valid-type]
    description: LongText | None = None
    required_skills: Names | None = None
    sla_due_date: Instant | None = Field(
        None,
        description=(
            "The SLA deadline. Omitted: one given earlier for this ticket (PSA, import, a previous call), else the "
            "company's SLA policy's "
            "response deadline for the priority (sla_tracking.sla_deadline_source says which)"
        ),
    )
    customer_preferred_tech: TechnicianId | None = None  # type: ignore[valid-type]
    geographic_location: Text(100) | GeoPointIn | None = None  # type: ignore[valid-type]
    language_requirement: Name(50) | None = None  # type: ignore[valid-type]
    exclude_technicians: Names | None = None
    force_assignment: StrictBool | None = Field(
        None, description="Omitted: the desk's below-threshold setting (out of the box: always, i.e. true)"
    )
    override_workload_limit: StrictBool = False
    dispatch_immediately: StrictBool = True
    mode: _one_of(MODES) | None = None  # type: ignore[valid-type]
    dispatching_mode: _one_of(STRATEGIES) | None = None  # type: ignore[valid-type]
    as_of: Instant | None = None

    @model_validator(mode="wrap")
    @classmethod
    def _required_unless_known(cls, data: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo) -> Any:
        missing = _missing_for_new_ticket(data, info.context or {})
        try:
            result = handler(data)
        except ValidationError as exc:
            raise _with(cls.__name__, exc.errors(), missing) from None
        if missing:
            raise _with(cls.__name__, [], missing)
        return result

    def to_request(self) -> DispatchRequest:
        location = self.geographic_location
        return DispatchRequest(
            ticket_id=self.ticket_id,
            category=self.ticket_category,
            priority=self.ticket_priority,
            board=self.ticket_board,
            company_id=self.company_id,
            subject=self.subject,
            description=self.description,
            required_skills=self.required_skills,
            sla_due=self.sla_due_date,  # type: ignore[arg-type]  # parsed by Instant
            preferred_tech=self.customer_preferred_tech,
            location=(
                {"city": location} if isinstance(location, str) and location.strip()
                else {"lat": float(location.lat), "lon": float(location.lon), "city": location.city}
                if isinstance(location, GeoPointIn) else None
            ),
            language=self.language_requirement,
            exclude=list(self.exclude_technicians or []),
            force_assignment=self.force_assignment,
            override_workload_limit=self.override_workload_limit,
            dispatch_immediately=self.dispatch_immediately,
            mode=self.mode,
            strategy=self.dispatching_mode,
            as_of=self.as_of,  # type: ignore[arg-type]  # parsed by Instant
        )  # fmt: skip


def _missing_for_new_ticket(data: Any, context: dict[str, Any]) -> list[InitErrorDetails]:
    if not isinstance(data, dict):
        return []
    ticket_id = data.get("ticket_id")
    if not isinstance(ticket_id, str) or not ticket_id.strip() or len(ticket_id) > 100 or "\x00" in ticket_id:
        return []
    known = context.get("ticket_known")
    if known is None:
        from dispatch.models import Ticket

        known = Ticket.objects.filter(external_id=ticket_id.strip()).exists()
    if known:
        return []
    has_text = any(isinstance(data.get(k), str) and data[k].strip() for k in ("subject", "description"))
    return [
        {"type": problem("is required for a ticket that is not known yet"), "loc": (name,), "input": None}
        for name in REQUIRED_UNLESS_KNOWN
        if data.get(name) is None and not (name == "ticket_category" and has_text)
    ]


def _with(title: str, errors: list[Any], extra: list[InitErrorDetails]) -> ValidationError:
    """A ValidationError holding `errors` (from another ValidationError) plus `extra`."""
    kept: list[InitErrorDetails] = [
        {
            "type": PydanticCustomError(e["type"], "{message}", {**(e.get("ctx") or {}), "message": e["msg"]}),
            "loc": e["loc"],
            "input": e.get("input"),
        }
        for e in errors
    ]
    return ValidationError.from_exception_data(title, kept + extra)


class ApproveIn(InputSchema):
    model_config = ConfigDict(
        extra="forbid", strict=True,
        json_schema_extra={"examples": [{}, {"technician_id": "tech-mike", "reason": "closer to the site"}]},
    )  # fmt: skip
    technician_id: TechnicianId | None = None  # type: ignore[valid-type]
    reason: Text(2000) | None = None  # type: ignore[valid-type]
    assign_anyway: bool = Field(
        False,
        description="Assign technician_id even though they cannot work now (time off, off shift); needs a reason",
    )


class ClassifyIn(InputSchema):
    """At least one of subject and description must hold some text."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "anyOf": [
                {"required": ["subject"], "properties": {"subject": {"type": "string", "pattern": r"\S"}}},
                {"required": ["description"], "properties": {"description": {"type": "string", "pattern": r"\S"}}},
            ]
        },
    )
    subject: Text(500) | None = None  # type: ignore[valid-type]
    description: LongText | None = None

    @model_validator(mode="after")
    def _some_text(self) -> ClassifyIn:
        if not (self.subject or "").strip() and not (self.description or "").strip():
            raise problem("subject, description: both are empty")
        return self


class BatchIn(InputSchema):
    mode: _one_of(MODES) | None = None  # type: ignore[valid-type]
    optimise: StrictBool = True


# ---------------------------------------------------------------- errors -> messages

_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "unknown field",
    "string_type": "must be a string",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "int_type": "must be an integer",
    "int_parsing": "must be an integer",
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "string_pattern_mismatch": "must be a non-empty string",
    "json_invalid": "not valid JSON",
}
# Fields whose every problem reads as one message (the seed's wording).
_FIELD_MESSAGES = {
    "required_skills": "must be a list of non-empty strings",
    "exclude_technicians": "must be a list of non-empty strings",
}


def _message(error: Any) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "problem":
        return str(ctx.get("message", error["msg"]))
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters"
    if kind == "string_too_short":
        return "must be a non-empty string"
    if kind == "too_long":
        return f"must have at most {ctx.get('max_length')} items"
    bounds = {"greater_than_equal": ">=", "less_than_equal": "<=", "greater_than": ">", "less_than": "<"}
    if kind in bounds:
        return f"must be {bounds[kind]} {next(iter(ctx.values()), '?')}"
    return _MESSAGES.get(kind, str(error["msg"]))


def _field(error: Any) -> str:
    loc = [str(p) for p in error["loc"] if not isinstance(p, int)]
    return ".".join(loc)


def problems(errors: list[Any]) -> list[str]:
    """One `field: message` line per bad field, unknown fields first, then in schema order.
    A union's alternatives each fail: only the first message per field is kept."""
    out: dict[str, str] = {}
    geo = [e for e in errors if e["loc"][:1] == ("geographic_location",)]
    if geo and any(len(e["loc"]) > 2 or isinstance(e.get("input"), dict) for e in geo):
        out["geographic_location"] = "geographic_location: needs numeric lat (-90..90) and lon (-180..180)"
    elif geo:
        out["geographic_location"] = "geographic_location: must be a string or an object {lat, lon}"
    for error in sorted(errors, key=lambda e: e["type"] != "extra_forbidden"):
        name = _field(error)
        if not name and error["type"] == "problem":  # a check across fields names them itself
            out.setdefault(_message(error), _message(error))
            continue
        name = name or "body"
        top = name.split(".")[0]
        if top == "geographic_location":
            continue
        if top in _FIELD_MESSAGES and error["type"] != "extra_forbidden":
            name, msg = top, _FIELD_MESSAGES[top]
        else:
            msg = _message(error)
        if name == "body" and error["type"] in ("model_type", "model_attributes_type", "dict_type"):
            msg = "must be a JSON object"
        out.setdefault(name, f"{name}: {msg}")
    return list(out.values())


# ---------------------------------------------------------------- the dispatch request


@dataclass
class DispatchRequest:
    ticket_id: str
    category: str | None = None
    priority: str | None = None
    board: str | None = None
    company_id: str | None = None
    subject: str | None = None
    description: str | None = None
    required_skills: list[str] | None = None
    sla_due: datetime | None = None
    preferred_tech: str | None = None
    location: dict[str, Any] | None = None  # {"lat", "lon", "city"}
    language: str | None = None
    exclude: list[str] = field(default_factory=list)
    force_assignment: bool | None = None  # None: the desk's below_threshold setting
    override_workload_limit: bool = False
    dispatch_immediately: bool = True
    mode: str | None = None
    strategy: str | None = None
    as_of: datetime | None = None


def parse_dispatch_body(body: Any, *, ticket_known: bool) -> DispatchRequest:
    """Validate a dispatch body against DispatchIn; raises InvalidTicketData naming every bad field."""
    if not isinstance(body, dict):
        raise InvalidTicketData(["body: must be a JSON object"])
    try:
        parsed = DispatchIn.model_validate(body, context={"ticket_known": ticket_known})
    except ValidationError as exc:
        raise InvalidTicketData(problems(exc.errors())) from None
    return parsed.to_request()
