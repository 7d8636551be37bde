"""Parsing and validation of POST /api/v1/dispatch bodies.

Every problem names its field; nothing is stored when there is one (contracts/dispatch-api.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dispatch.engine.types import PRIORITIES, STRATEGIES

FIELDS = {
    "ticket_id", "ticket_category", "ticket_priority", "ticket_board", "company_id", "subject", "description",
    "required_skills", "sla_due_date", "customer_preferred_tech", "geographic_location", "language_requirement",
    "exclude_technicians", "force_assignment", "override_workload_limit", "dispatch_immediately", "mode",
    "dispatching_mode", "as_of",
}  # fmt: skip
REQUIRED_UNLESS_KNOWN = ("ticket_category", "ticket_priority", "ticket_board", "company_id")


class InvalidTicketData(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


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


def parse_datetime(value: Any, name: str, problems: list[str]) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        problems.append(f"{name}: must be an ISO 8601 string")
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        problems.append(f"{name}: {value!r} is not an ISO 8601 date-time")
        return None
    if parsed.tzinfo is None:
        problems.append(f"{name}: {value!r} has no UTC offset")
        return None
    return parsed


def _str(body: dict[str, Any], name: str, problems: list[str]) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str | int) or isinstance(value, bool) or str(value).strip() == "":
        problems.append(f"{name}: must be a non-empty string")
        return None
    return str(value).strip()


def _str_list(body: dict[str, Any], name: str, problems: list[str]) -> list[str] | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append(f"{name}: must be a list of non-empty strings")
        return None
    return [v.strip() for v in value]


def _bool(body: dict[str, Any], name: str, default: bool, problems: list[str]) -> bool:
    value = body.get(name, default)
    if not isinstance(value, bool):
        problems.append(f"{name}: must be true or false")
        return default
    return value


def _location(value: Any, problems: list[str]) -> dict[str, Any] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return {"city": value} if value.strip() else None
    if isinstance(value, dict):
        lat, lon = value.get("lat"), value.get("lon")
        ok = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lat, lon))
        if not ok or not (-90 <= lat <= 90 and -180 <= lon <= 180):  # type: ignore[operator]
            problems.append("geographic_location: needs numeric lat (-90..90) and lon (-180..180)")
            return None
        return {"lat": float(lat), "lon": float(lon), "city": str(value.get("city", ""))}  # type: ignore[arg-type]
    problems.append("geographic_location: must be a string or an object {lat, lon}")
    return None


def parse_dispatch_body(body: Any, *, ticket_known: bool) -> DispatchRequest:
    """Validate a dispatch body; raises InvalidTicketData naming every bad field."""
    if not isinstance(body, dict):
        raise InvalidTicketData(["body: must be a JSON object"])
    problems: list[str] = [f"{k}: unknown field" for k in body if k not in FIELDS]
    ticket_id = _str(body, "ticket_id", problems)
    if "ticket_id" not in body:
        problems.append("ticket_id: is required")
    req = DispatchRequest(ticket_id=ticket_id or "")
    req.category = _str(body, "ticket_category", problems)
    req.priority = _str(body, "ticket_priority", problems)
    if req.priority is not None:
        match = next((p for p in PRIORITIES if p.lower() == req.priority.lower()), None)
        if match is None:
            problems.append(f"ticket_priority: {req.priority!r} is not one of {', '.join(PRIORITIES)}")
        req.priority = match
    req.board = _str(body, "ticket_board", problems)
    req.company_id = _str(body, "company_id", problems)
    for name in ("subject", "description"):
        value = body.get(name)
        if value is not None and not isinstance(value, str):
            problems.append(f"{name}: must be a string")
        else:
            setattr(req, name, value)
    req.required_skills = _str_list(body, "required_skills", problems)
    req.sla_due = parse_datetime(body.get("sla_due_date"), "sla_due_date", problems)
    req.preferred_tech = _str(body, "customer_preferred_tech", problems)
    req.location = _location(body.get("geographic_location"), problems)
    req.language = _str(body, "language_requirement", problems)
    req.exclude = _str_list(body, "exclude_technicians", problems) or []
    if body.get("force_assignment") is not None:
        req.force_assignment = _bool(body, "force_assignment", True, problems)
    req.override_workload_limit = _bool(body, "override_workload_limit", False, problems)
    req.dispatch_immediately = _bool(body, "dispatch_immediately", True, problems)
    req.mode = _str(body, "mode", problems)
    if req.mode is not None and req.mode not in ("suggest", "assign"):
        problems.append(f"mode: {req.mode!r} is not one of suggest, assign")
    req.strategy = _str(body, "dispatching_mode", problems)
    if req.strategy is not None and req.strategy not in STRATEGIES:
        problems.append(f"dispatching_mode: {req.strategy!r} is not one of {', '.join(STRATEGIES)}")
    req.as_of = parse_datetime(body.get("as_of"), "as_of", problems)
    if not ticket_known and ticket_id:
        has_text = bool((req.subject or "").strip() or (req.description or "").strip())
        for name in REQUIRED_UNLESS_KNOWN:
            if body.get(name) is None and not (name == "ticket_category" and has_text):
                problems.append(f"{name}: is required for a ticket that is not known yet")
    if problems:
        raise InvalidTicketData(problems)
    return req
