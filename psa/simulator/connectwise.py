"""ConnectWise Manage (ConnectWise PSA) REST API 3.0, as on the wire.

- `GET /login/companyinfo/{company}`: no auth; JSON null for an unknown company.
- Base path `/v4_6_release/apis/3.0`; Basic `{companyId}+{publicKey}:{privateKey}` plus a
  `clientId` header on every call.
- Collections take conditions / orderBy / fields / page / pageSize (default 25, max 1000) and
  answer with a Link header; `pagination-type: forward-only` pages by `pageId`.
- Tickets: list, count, search, get, create, JSON-Patch PATCH, PUT, DELETE, notes.
- Callbacks (`/system/callbacks`, plus one registered at start from --webhook-url) receive
  {MessageId, FromUrl, CompanyId, MemberId, Action, Type, ID, Entity (a JSON string), Metadata.key_url}
  signed with x-content-signature = base64(HMAC-SHA256(SHA256(signing_key), body)).

Ids and mappings: member `identifier` = workspace technician id; company `identifier` =
workspace company id. Priorities: "Priority 1 - Critical", "Priority 2 - High",
"Priority 3 - Medium", "Priority 4 - Low". Time off: schedule entries of type "V" (Vacation).
Working hours: one calendar per technician (`/schedule/calendars`, member `calendar`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import threading
import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from psa.simulator.base import (
    HttpError,
    Response,
    Router,
    SimRequest,
    SimulatorApp,
    canonical,
    fold,
    json_response,
)
from psa.simulator.conditions import ConditionsError, compile_conditions, resolve
from psa.simulator.state import CLOSED_STATUS, PRIORITIES, Technician, Ticket, parse_dt, utcnow

CODEBASE = "v4_6_release/"
API_PREFIX = "/v4_6_release/apis/3.0"
KEY_PATH = "/v4_6_release/system/callbackkey/index.rails"
API_VERSION = "2025.1"
PRIORITY_IDS = {"Critical": 1, "High": 2, "Medium": 3, "Low": 4}
SKILL_LEVELS = {"beginner": "Beginner", "intermediate": "Intermediate", "expert": "Expert"}
SCHEDULE_TYPES = [
    {"id": 1, "identifier": "S", "name": "Service"},
    {"id": 2, "identifier": "C", "name": "Activity"},
    {"id": 3, "identifier": "O", "name": "Opportunity"},
    {"id": 4, "identifier": "V", "name": "Vacation"},
    {"id": 5, "identifier": "H", "name": "Holiday"},
]
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
API_MEMBER = "APIMember"
HIRE_DATE = "2020-01-01T00:00:00Z"  # the workspace has no hire dates; ConnectWise requires one
ID_FIELD = "Switchboard ID"  # the workspace ticket id, as a custom field
# Accepted in a ticket body and ignored (read-only, derived, or not simulated); status is handled apart.
READ_ONLY_TICKET_FIELDS = {
    "status", "id", "recordtype", "_info", "resources", "closeddate", "sla", "severity", "impact", "contact",
    "source", "skipcallback", "processnotifications", "actualhours", "customfields",
}  # fmt: skip

NOTE_FIELDS = ("text", "detailDescriptionFlag", "internalAnalysisFlag", "resolutionFlag", "member", "contact")
SCHEDULE_FIELDS = ("objectId", "name", "member", "type", "dateStart", "dateEnd", "doneFlag", "allowScheduleConflictsFlag")
TIME_FIELDS = ("member", "timeStart", "timeEnd", "actualHours", "chargeToId", "chargeToType", "notes")
CALLBACK_FIELDS = ("description", "url", "objectId", "type", "level", "memberId", "inactiveFlag",
                   "isSoapCallbackFlag", "isSelfSuppressedFlag", "payloadVersion")  # fmt: skip
SEARCH_FIELDS = ("conditions", "childConditions", "customFieldConditions", "orderBy", "fields")
TICKET_KEYS = {
    "id", "summary", "recordType", "board", "status", "company", "priority", "owner", "type", "sla", "team",
    "resources", "closedFlag", "closedDate", "initialDescription", "budgetHours", "actualHours", "requiredDate",
    "severity", "impact", "contact", "source", "customFields", "dateEntered", "lastUpdated", "_info",
}  # fmt: skip


def cw_date(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def compact(record: dict[str, Any]) -> dict[str, Any]:
    """ConnectWise leaves null fields out of its JSON (in nested objects too)."""
    return {k: compact(v) if isinstance(v, dict) else v for k, v in record.items() if v is not None}


class ConnectWiseApp(SimulatorApp):
    vendor = "connectwise"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.company_id = self.credentials.get("company_id", "")
        self.started = cw_date(utcnow())
        self.signing_key = self.webhook_secret or secrets.token_urlsafe(24)
        self._lock = threading.RLock()
        self._status_ids: dict[tuple[str, str], int] = {}
        self._tz_ids: dict[str, int] = {}
        self.schedule_entries: list[dict[str, Any]] = []
        self.callbacks: list[dict[str, Any]] = []
        for board in self.state.boards.values():
            for status in board.statuses:
                self.status_id(board.name, status)
        if self.webhook_url:
            self._add_callback(
                {"url": self.webhook_url, "type": "ticket", "level": "owner", "description": "--webhook-url"}
            )
        self.router = Router()
        r = self.router.add
        r("GET", "/service/tickets", self.list_tickets)
        r("POST", "/service/tickets", self.create_ticket)
        r("GET", "/service/tickets/count", self.count_tickets)
        r("POST", "/service/tickets/search", self.search_tickets)
        r("GET", "/service/tickets/{id}", self.get_ticket)
        r("PATCH", "/service/tickets/{id}", self.patch_ticket)
        r("PUT", "/service/tickets/{id}", self.put_ticket)
        r("DELETE", "/service/tickets/{id}", self.delete_ticket)
        r("GET", "/service/tickets/{id}/notes", self.list_notes)
        r("GET", "/service/tickets/{id}/notes/count", self.list_notes)
        r("GET", "/service/tickets/{id}/allNotes", self.list_notes)
        r("POST", "/service/tickets/{id}/notes", self.create_note)
        r("GET", "/service/tickets/{id}/timeentries", self.ticket_time_entries)
        r("GET", "/service/tickets/{id}/scheduleentries", self.ticket_schedule_entries)
        self._collection("/system/members", self.members)
        r("GET", "/system/members/{id}", self.get_member)
        r("GET", "/system/members/{id}/skills", self.member_skills)
        self._collection("/system/skills", self.skills)
        self._collection("/system/skillCategories", self.skill_categories)
        self._collection("/schedule/entries", self.schedule)
        r("POST", "/schedule/entries", self.create_schedule_entry)
        r("GET", "/schedule/entries/{id}", self._getter(self.schedule))
        self._collection("/schedule/types", lambda: [dict(t) for t in SCHEDULE_TYPES])
        self._collection("/schedule/calendars", self.calendars)
        self._collection("/service/boards", self.boards)
        r("GET", "/service/boards/{id}", self._getter(self.boards))
        r("GET", "/service/boards/{id}/statuses", self.board_statuses)
        r("GET", "/service/boards/{id}/teams", lambda req: self._list(req, []))
        self._collection("/service/priorities", self.priorities)
        self._collection("/service/SLAs", self.slas)
        r("GET", "/service/SLAs/{id}", self._getter(self.slas))
        r("GET", "/service/SLAs/{id}/priorities", self.sla_priorities)
        self._collection("/company/companies", self.companies)
        r("GET", "/company/companies/{id}", self._getter(self.companies))
        self._collection("/time/entries", self.time_entries)
        r("POST", "/time/entries", self.create_time_entry)
        r("GET", "/time/entries/{id}", self._getter(self.time_entries))
        self._collection("/system/callbacks", lambda: [dict(c) for c in self.callbacks])
        r("POST", "/system/callbacks", self.create_callback)
        r("GET", "/system/callbacks/{id}", self._getter(lambda: self.callbacks))
        r("PUT", "/system/callbacks/{id}", self.update_callback)
        r("PATCH", "/system/callbacks/{id}", self.update_callback)
        r("DELETE", "/system/callbacks/{id}", self.delete_callback)
        r("GET", "/system/info", lambda req: json_response(self.system_info()))

    # ---- plumbing ------------------------------------------------------------------------

    def handle(self, req: SimRequest) -> Response:
        path = req.path.lower()
        if path.startswith("/login/companyinfo/") and req.method == "GET":
            return self.company_info(req.path.rsplit("/", 1)[-1])
        if path == KEY_PATH and req.method == "GET":
            return json_response({"signing_key": self.signing_key})
        if not path.startswith(API_PREFIX):
            raise HttpError(404, f"No resource was found that matches the request URI '{req.path}'.")
        self.authenticate(req)
        resp = self.router.dispatch(req, req.path[len(API_PREFIX) :])
        resp.headers["api-current-version"] = API_VERSION
        return resp

    def error(self, status: int, message: str, code: str | None = None, details: Any = None) -> Response:
        default = {400: "InvalidObject", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
                   405: "MethodNotAllowed", 409: "ObjectExists", 429: "TooManyRequests"}  # fmt: skip
        body: dict[str, Any] = {"code": code or default.get(status, "ConnectWiseApi"), "message": message}
        if details:
            body["errors"] = details
        return json_response(body, status)

    def authenticate(self, req: SimRequest) -> None:
        auth = req.header("Authorization") or ""
        scheme, _, encoded = auth.partition(" ")
        try:
            user, _, private = base64.b64decode(encoded).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            user, private = "", ""
        company, _, public = user.partition("+")
        ok = (
            scheme.lower() == "basic"
            and company.lower() == self.company_id.lower()
            and hmac.compare_digest(public, self.credentials.get("public_key", ""))
            and hmac.compare_digest(private, self.credentials.get("private_key", ""))
        )
        if not ok:
            raise HttpError(401, "UserNotAuthenticated", code="ConnectWiseApi")
        client_id = req.header("clientId")
        if not client_id:
            raise HttpError(401, "A clientId header is required. See developer.connectwise.com.")
        if self.credentials.get("client_id") and client_id != self.credentials["client_id"]:
            raise HttpError(401, "The clientId is not valid.")

    def company_info(self, company: str) -> Response:
        if company.lower() != self.company_id.lower():
            return json_response(None)
        return json_response(
            {
                "CompanyName": self.company_id,
                "Codebase": CODEBASE,
                "VersionCode": "v2025.1",
                "VersionNumber": "v4.6.2025.1",
                "CompanyID": self.company_id,
                "IsCloud": False,
                "SiteUrl": self.public_base_url,
            }
        )

    def system_info(self) -> dict[str, Any]:
        return {"version": "v2025.1.99999", "isCloud": False, "serverTimeZone": "UTC", "cloudRegion": "NA"}

    def finish(self, record: dict[str, Any]) -> dict[str, Any]:
        """Every ConnectWise object carries `_info` (when it was last updated, by whom) and
        leaves its null fields out."""
        info = {"lastUpdated": self.started, "updatedBy": "template1", **(record.get("_info") or {})}
        return compact({**record, "_info": info})

    def href(self, path: str) -> str:
        return f"{self.public_base_url}{API_PREFIX}{path}"

    def _collection(self, path: str, records: Any) -> None:
        self.router.add("GET", path, lambda req: self._list(req, records()))
        self.router.add("GET", path + "/count", lambda req: self._count(req, records()))

    def _getter(self, records: Any) -> Any:
        def get(req: SimRequest) -> Response:
            wanted = int(req.params["id"])
            for record in records():
                if record["id"] == wanted:
                    return json_response(self.finish(record))
            raise HttpError(404, f"Record with id {wanted} was not found.")

        return get

    def _filter(
        self, conditions: str | None, records: list[dict[str, Any]], known: set[str] | None = None
    ) -> list[dict[str, Any]]:
        if known is None:
            known = (
                {k for r in records for k in r} | {k for r in records for k in r.get("_info", {})} | {"id"}
            )
        try:
            predicate = compile_conditions(conditions, known if records else None)
        except ConditionsError as exc:
            raise HttpError(400, f"conditions: {exc}", code="InvalidObject") from exc
        return [r for r in records if predicate(r)]

    def _count(
        self, req: SimRequest, records: list[dict[str, Any]], known: set[str] | None = None
    ) -> Response:
        records = [self.finish(r) for r in records]
        return json_response({"count": len(self._filter(req.arg("conditions"), records, known))})

    def _list(
        self,
        req: SimRequest,
        records: list[dict[str, Any]],
        known: set[str] | None = None,
        search: dict[str, Any] | None = None,
    ) -> Response:
        search = search or {}
        records = [self.finish(r) for r in records]
        conditions = search.get("conditions") if "conditions" in search else req.arg("conditions")
        items = self._filter(conditions, records, known)
        order = search.get("orderBy") or req.arg("orderBy") or "id"
        items = order_by(items, order)
        try:
            size = min(1000, max(1, int(req.arg("pageSize") or 25)))
            page = max(1, int(req.arg("page") or 1))
            page_id = req.arg("pageId")
        except ValueError as exc:
            raise HttpError(400, "page and pageSize must be integers") from exc
        headers: dict[str, str] = {}
        if page_id is not None or (req.header("pagination-type") or "").lower() == "forward-only":
            after = int(page_id or 0)
            rest = [r for r in sorted(items, key=lambda r: r["id"]) if r["id"] > after]
            chunk = rest[:size]
            if len(rest) > size:
                headers["Link"] = f'<{self._page_url(req, "pageId", chunk[-1]["id"])}>; rel="next"'
        else:
            last = max(1, -(-len(items) // size))
            chunk = items[(page - 1) * size : page * size]
            links = []
            if page > 1:
                links += [
                    f'<{self._page_url(req, "page", 1)}>; rel="first"',
                    f'<{self._page_url(req, "page", page - 1)}>; rel="prev"',
                ]
            if page < last:
                links += [
                    f'<{self._page_url(req, "page", page + 1)}>; rel="next"',
                    f'<{self._page_url(req, "page", last)}>; rel="last"',
                ]
            if links:
                headers["Link"] = ", ".join(links)
        fields = search.get("fields") or req.arg("fields")
        if fields:
            chunk = [project(r, fields) for r in chunk]
        return json_response(chunk, headers=headers)

    def _page_url(self, req: SimRequest, name: str, value: int) -> str:
        params = [(k, v) for k, vs in req.query.items() for v in vs if k.lower() not in ("page", "pageid")]
        return f"{req.base_url}{req.path}?{urlencode(params + [(name, str(value))])}"

    # ---- references ----------------------------------------------------------------------

    def member_ref(self, tech: Technician | None) -> dict[str, Any] | None:
        if tech is None:
            return None
        href = self.href(f"/system/members/{tech.num}")
        return {"id": tech.num, "identifier": tech.key, "name": tech.name, "_info": {"member_href": href}}

    def status_id(self, board: str, status: str) -> int:
        with self._lock:
            key = (board, status)
            if key not in self._status_ids:
                self._status_ids[key] = len(self._status_ids) + 1
            return self._status_ids[key]

    def priority_ref(self, level: str) -> dict[str, Any]:
        num = PRIORITY_IDS[level]
        return {"id": num, "name": f"Priority {num} - {level}", "sort": num,
                "_info": {"priority_href": self.href(f"/service/priorities/{num}")}}  # fmt: skip

    def company_ref(self, key: str | None) -> dict[str, Any] | None:
        company = self.state.companies.get(key or "")
        if company is None:
            return None
        return {"id": company.num, "identifier": company.key, "name": company.name,
                "_info": {"company_href": self.href(f"/company/companies/{company.num}")}}  # fmt: skip

    # ---- tickets -------------------------------------------------------------------------

    def external_ticket(self, t: Ticket) -> dict[str, Any]:
        return compact(self.render_ticket(t))

    def render_ticket(self, t: Ticket) -> dict[str, Any]:
        board = self.state.boards[t.board]
        owner = self.state.technicians.get(t.owner or "")
        sla = self.state.sla_for(t)
        category = self.state.categories.get(t.category or "")
        return {
            "id": t.num,
            "summary": t.summary,
            "recordType": "ServiceTicket",
            "board": {
                "id": board.num,
                "name": board.name,
                "_info": {"board_href": self.href(f"/service/boards/{board.num}")},
            },
            "status": {
                "id": self.status_id(board.name, t.status),
                "name": t.status,
                "Sort": board.statuses.index(t.status),
            },
            "company": self.company_ref(t.company),
            "priority": self.priority_ref(t.priority),
            "owner": self.member_ref(owner),
            "type": {"id": category, "name": t.category} if category else None,
            "sla": {"id": sla.num, "name": sla.name} if sla else None,
            "team": t.meta.get("team"),
            "resources": owner.key if owner else None,
            "closedFlag": t.closed,
            "closedDate": cw_date(t.closed_at),
            "initialDescription": t.description or None,
            "budgetHours": t.estimated_hours,
            "requiredDate": cw_date(t.sla_due),
            "severity": "Medium",
            "impact": "Medium",
            "customFields": [
                {
                    "id": 1,
                    "caption": ID_FIELD,
                    "type": "Text",
                    "entryMethod": "EntryField",
                    "numberOfDecimals": 0,
                    "value": t.key,
                }
            ]
            if t.key
            else None,  # fmt: skip
            "_info": {
                "lastUpdated": cw_date(t.updated_at),
                "updatedBy": t.meta.get("updated_by") or "template1",
                "dateEntered": cw_date(t.created_at),
                "enteredBy": "template1",
                "notes_href": self.href(f"/service/tickets/{t.num}/notes"),
            },
        }

    def _tickets(self) -> list[dict[str, Any]]:
        with self.state.lock:
            return [
                compact(self.render_ticket(t))
                for t in sorted(self.state.tickets.values(), key=lambda t: t.num)
            ]

    def list_tickets(self, req: SimRequest) -> Response:
        return self._list(req, self._tickets(), TICKET_KEYS)

    def count_tickets(self, req: SimRequest) -> Response:
        return self._count(req, self._tickets(), TICKET_KEYS)

    def search_tickets(self, req: SimRequest) -> Response:
        body = canonical(req.json(), SEARCH_FIELDS)
        if not isinstance(body, dict):
            raise HttpError(400, "The search body must be an object.")
        return self._list(req, self._tickets(), TICKET_KEYS, search=body)

    def _ticket(self, req: SimRequest) -> Ticket:
        ticket = self.state.ticket(req.params["id"])
        if ticket is None:
            raise HttpError(404, f"Ticket with id {req.params['id']} was not found.")
        return ticket

    def get_ticket(self, req: SimRequest) -> Response:
        ticket = self._ticket(req)
        body = self.external_ticket(ticket)
        fields = req.arg("fields")
        return json_response(project(body, fields) if fields else body)

    def create_ticket(self, req: SimRequest) -> Response:
        body = req.json()
        if not isinstance(body, dict) or not body.get("summary"):
            raise HttpError(
                400, "ticket object is invalid", details=[_field_error("summary", "summary is required")]
            )
        changes = self._changes_from_object(body, None)
        if not changes.get("company"):
            raise HttpError(
                400, "ticket object is invalid", details=[_field_error("company", "company is required")]
            )
        ticket = self.state.add_ticket(changes)
        return json_response(self.external_ticket(ticket), 201)

    def patch_ticket(self, req: SimRequest) -> Response:
        ticket = self._ticket(req)
        ops = req.json()
        if not isinstance(ops, list):
            raise HttpError(400, "The request body must be a JSON Patch array of operations.")
        values: dict[str, Any] = {}
        for op in ops:
            if not isinstance(op, dict) or str(op.get("op", "")).lower() not in ("add", "replace", "remove"):
                raise HttpError(400, f"Unsupported patch operation: {op!r}. Use add, replace or remove.")
            path = str(op.get("path") or "").strip("/")
            if not path:
                raise HttpError(400, "A patch operation needs a path.")
            head, _, sub = path.partition("/")
            value = None if str(op["op"]).lower() == "remove" else op.get("value")
            if sub and value is not None:
                value = {sub: value}
            values[head] = value
        changes = self._changes_from_object(values, ticket)
        return self._apply(ticket, changes)

    def put_ticket(self, req: SimRequest) -> Response:
        ticket = self._ticket(req)
        body = req.json()
        if not isinstance(body, dict):
            raise HttpError(400, "The request body must be a ticket object.")
        return self._apply(ticket, self._changes_from_object(body, ticket))

    def _apply(self, ticket: Ticket, changes: dict[str, Any]) -> Response:
        self.state.update_ticket(ticket.num, changes, member=API_MEMBER)
        return json_response(self.external_ticket(ticket))

    def delete_ticket(self, req: SimRequest) -> Response:
        ticket = self._ticket(req)
        self.state.delete_ticket(ticket.num)
        return Response(204)

    def _changes_from_object(self, values: dict[str, Any], ticket: Ticket | None) -> dict[str, Any]:
        """Neutral changes from ConnectWise field values (references as {id}, {identifier} or {name})."""
        changes: dict[str, Any] = {}
        lowered = {k.lower(): v for k, v in values.items()}
        for name, value in lowered.items():
            if name == "owner":
                changes["owner"] = self._resolve_member(value).key if value else None
            elif name == "board":
                changes["board"] = self._resolve_board(value)
            elif name == "priority":
                changes["priority"] = self._resolve_priority(value)
            elif name == "company":
                company = self._resolve_company(value)
                changes["company"] = company
            elif name == "type":
                changes["category"] = (value or {}).get("name") if isinstance(value, dict) else None
            elif name == "summary":
                changes["summary"] = str(value or "")[:100]
            elif name == "initialdescription":
                changes["description"] = value or ""
            elif name == "budgethours":
                changes["estimated_hours"] = value
            elif name == "requireddate":
                changes["sla_due"] = parse_dt(value)
            elif name == "closedflag":
                changes["status"] = CLOSED_STATUS if value else "New"
            elif name == "team":
                changes["meta"] = {"team": value}
            elif name in READ_ONLY_TICKET_FIELDS:
                continue
            else:
                raise HttpError(
                    400, "ticket object is invalid", details=[_field_error(name, f"Unknown field '{name}'")]
                )
        if "status" in lowered and lowered["status"] is not None:
            board = changes.get("board") or (ticket.board if ticket else next(iter(self.state.boards)))
            changes["status"] = self._resolve_status(board, lowered["status"])
        elif ticket is not None and changes.get("board") not in (None, ticket.board):
            # Statuses belong to a board: moving a ticket needs a status of the new board.
            raise HttpError(400, "ticket object is invalid",
                            details=[_field_error("status", "The status is not valid for the new board. Patch status with board.")])  # fmt: skip
        return changes

    def _resolve_member(self, value: Any) -> Technician:
        ref = fold(value) if isinstance(value, dict) else {"id": value}
        for tech in self.state.technicians.values():
            if (
                ("id" in ref and str(ref["id"]) == str(tech.num))
                or ("identifier" in ref and str(ref["identifier"]).lower() == tech.key.lower())
                or ("name" in ref and str(ref["name"]).lower() == tech.name.lower())
            ):
                if not tech.active:
                    raise HttpError(
                        400,
                        "ticket object is invalid",
                        details=[_field_error("owner", "The member is inactive.")],
                    )
                return tech
        raise HttpError(
            400, "ticket object is invalid", details=[_field_error("owner", f"Member {ref} was not found.")]
        )

    def _resolve_board(self, value: Any) -> str:
        ref = fold(value) if isinstance(value, dict) else {"id": value}
        for board in self.state.boards.values():
            if ("id" in ref and str(ref["id"]) == str(board.num)) or str(
                ref.get("name", "")
            ).lower() == board.name.lower():
                return board.name
        raise HttpError(
            400, "ticket object is invalid", details=[_field_error("board", f"Board {ref} was not found.")]
        )

    def _resolve_status(self, board: str, value: Any) -> str:
        ref = fold(value) if isinstance(value, dict) else {"id": value}
        for name in self.state.boards[board].statuses:
            if ("id" in ref and str(ref["id"]) == str(self.status_id(board, name))) or str(
                ref.get("name", "")
            ).lower() == name.lower():
                return name
        raise HttpError(400, "ticket object is invalid",
                        details=[_field_error("status", f"Status {ref} is not valid for board '{board}'.")])  # fmt: skip

    def _resolve_priority(self, value: Any) -> str:
        ref = fold(value) if isinstance(value, dict) else {"id": value}
        for level in PRIORITIES:
            if (
                str(ref.get("id")) == str(PRIORITY_IDS[level])
                or str(ref.get("name", "")).lower() == f"priority {PRIORITY_IDS[level]} - {level}".lower()
            ):
                return level
        raise HttpError(
            400,
            "ticket object is invalid",
            details=[_field_error("priority", f"Priority {ref} was not found.")],
        )

    def _resolve_company(self, value: Any) -> str:
        ref = fold(value) if isinstance(value, dict) else {"id": value}
        for company in self.state.companies.values():
            if ("id" in ref and str(ref["id"]) == str(company.num)) or str(
                ref.get("identifier", "")
            ).lower() == company.key.lower():
                return company.key
        raise HttpError(
            400,
            "ticket object is invalid",
            details=[_field_error("company", f"Company {ref} was not found.")],
        )

    # ---- notes ---------------------------------------------------------------------------

    def render_note(self, ticket: Ticket, note: Any) -> dict[str, Any]:
        return compact(
            {
                "id": note.num,
                "ticketId": ticket.num,
                "text": note.text,
                "detailDescriptionFlag": note.meta.get("detailDescriptionFlag", False),
                "internalAnalysisFlag": note.meta.get("internalAnalysisFlag", note.internal),
                "resolutionFlag": note.meta.get("resolutionFlag", False),
                "member": self.member_ref(self.state.technicians.get(note.member or "")),
                "dateCreated": cw_date(note.created_at),
                "createdBy": note.member or API_MEMBER,
                "internalFlag": note.internal,
                "externalFlag": not note.internal,
                "_info": {"lastUpdated": cw_date(note.created_at), "updatedBy": note.member or API_MEMBER},
            }
        )

    def list_notes(self, req: SimRequest) -> Response:
        ticket = self._ticket(req)
        notes = [self.render_note(ticket, n) for n in ticket.notes]
        if req.path.lower().endswith("/count"):
            return self._count(req, notes)
        return self._list(req, notes)

    def create_note(self, req: SimRequest) -> Response:
        ticket = self._ticket(req)
        body = canonical(req.json(), NOTE_FIELDS)
        if not isinstance(body, dict) or not str(body.get("text") or "").strip():
            raise HttpError(400, "note object is invalid", details=[_field_error("text", "text is required")])
        flags = {
            k: bool(body.get(k)) for k in ("detailDescriptionFlag", "internalAnalysisFlag", "resolutionFlag")
        }
        if not any(flags.values()):
            flags["internalAnalysisFlag"] = True
        member = self._resolve_member(body["member"]).key if body.get("member") else None
        note = self.state.add_note(
            ticket.num, body["text"], member=member, internal=not flags["detailDescriptionFlag"], meta=flags
        )
        return json_response(self.finish(self.render_note(ticket, note)), 201)

    def ticket_time_entries(self, req: SimRequest) -> Response:
        ticket = self._ticket(req)
        return self._list(req, [e for e in self.time_entries() if e["chargeToId"] == ticket.num])

    def ticket_schedule_entries(self, req: SimRequest) -> Response:
        ticket = self._ticket(req)
        return self._list(req, [e for e in self.schedule() if e.get("objectId") == ticket.num])

    # ---- people --------------------------------------------------------------------------

    def members(self) -> list[dict[str, Any]]:
        out = []
        for tech in self.state.technicians.values():
            with self._lock:
                tz_id = self._tz_ids.setdefault(tech.timezone, len(self._tz_ids) + 1)
            out.append(
                compact(
                    {
                        "id": tech.num,
                        "identifier": tech.key,
                        "firstName": tech.first_name,
                        "lastName": tech.last_name,
                        "title": tech.seniority.title() or None,
                        "officeEmail": tech.email,
                        "primaryEmail": tech.email,
                        "defaultEmail": "Office",
                        "defaultPhone": "Office",
                        "officePhone": tech.phone or None,
                        "inactiveFlag": not tech.active,
                        "licenseClass": "F",
                        "hireDate": HIRE_DATE,
                        "type": {"id": 1, "name": "Technician"},
                        "timeZone": {"id": tz_id, "name": tech.timezone},
                        "calendar": {"id": tech.num, "name": f"{tech.name} hours"} if tech.schedule else None,
                        "dailyCapacity": 8.0,
                        "scheduleCapacity": 8.0,
                        "serviceBoardTeamIds": [],
                        "defaultLocation": {"id": 1, "name": "Main"},
                        "defaultDepartment": {"id": 1, "name": "Support"},
                        # Enumerated member settings: the real API always returns them.
                        "companyActivityTabFormat": "SummaryList",
                        "invoiceTimeTabFormat": "SummaryList",
                        "invoiceScreenDefaultTabFormat": "ShowInvoicingTab",
                        "invoicingDisplayOptions": "RemainOnInvoicingScreen",
                        "agreementInvoicingDisplayOptions": "RemainOnInvoicingScreen",
                        "globalSearchDefaultTicketFilter": "OpenRecords",
                        "globalSearchDefaultSort": "LastUpdatedDesc",
                        "_info": {"skills_href": self.href(f"/system/members/{tech.num}/skills")},
                    }
                )
            )
        return out

    def get_member(self, req: SimRequest) -> Response:
        return self._getter(self.members)(req)

    def member_skills(self, req: SimRequest) -> Response:
        tech = self.state.tech_by_num(req.params["id"])
        if tech is None:
            raise HttpError(404, f"Member with id {req.params['id']} was not found.")
        skills = [
            {
                "id": tech.num * 1000 + self.state.skills[name].num,
                "skill": {"id": self.state.skills[name].num, "name": name},
                "skillLevel": SKILL_LEVELS[level],
                "certifiedFlag": False,
                "member": self.member_ref(tech),
            }
            for name, level in tech.skills.items()
        ]
        return self._list(req, skills)

    def skills(self) -> list[dict[str, Any]]:
        return [
            {
                "id": s.num,
                "name": s.name,
                "category": {"id": s.group_num, "name": s.group},
                "inactiveFlag": False,
            }
            for s in self.state.skills.values()
        ]

    def skill_categories(self) -> list[dict[str, Any]]:
        return [{"id": num, "name": name} for name, num in self.state.skill_groups.items()]

    def schedule(self) -> list[dict[str, Any]]:
        vacation = SCHEDULE_TYPES[3]
        out = []
        for off in self.state.time_off:
            tech = self.state.technicians[off.tech]
            out.append(
                {
                    "id": off.num,
                    "objectId": 0,
                    "name": off.reason,
                    "member": self.member_ref(tech),
                    "type": dict(vacation),
                    "status": {"id": 2, "name": "Firm"},
                    "dateStart": cw_date(off.start),
                    "dateEnd": cw_date(off.end),
                    "hours": round((off.end - off.start).total_seconds() / 3600, 2),
                    "doneFlag": False,
                    "acknowledgedFlag": True,
                    "ownerFlag": False,
                    "allowScheduleConflictsFlag": True,
                    "_info": {"lastUpdated": cw_date(off.start)},
                }
            )
        return out + [dict(e) for e in self.schedule_entries]

    def create_schedule_entry(self, req: SimRequest) -> Response:
        body = canonical(req.json(), SCHEDULE_FIELDS)
        if not isinstance(body, dict) or not body.get("member") or not body.get("dateStart"):
            raise HttpError(
                400,
                "scheduleEntry object is invalid",
                details=[_field_error("member", "member and dateStart are required")],
            )
        tech = self._resolve_member(body["member"])
        type_ref = fold(body.get("type") or {"identifier": "S"})
        kind = next(
            (
                t
                for t in SCHEDULE_TYPES
                if str(type_ref.get("identifier", "")).upper() == t["identifier"]
                or type_ref.get("id") == t["id"]
            ),
            None,
        )
        if kind is None:
            raise HttpError(
                400,
                "scheduleEntry object is invalid",
                details=[_field_error("type", f"Type {type_ref} was not found.")],
            )
        start = parse_dt(body["dateStart"])
        assert start is not None  # dateStart was checked non-empty above
        end = parse_dt(body.get("dateEnd")) or start + timedelta(hours=1)
        entry = {
            "id": self.state.next_id("schedule", 10001),
            "objectId": body.get("objectId") or 0,
            "name": body.get("name") or kind["name"],
            "member": self.member_ref(tech),
            "type": dict(kind),
            "status": {"id": 2, "name": "Firm"},
            "dateStart": cw_date(start),
            "dateEnd": cw_date(end),
            "hours": round((end - start).total_seconds() / 3600, 2),
            "doneFlag": bool(body.get("doneFlag", False)),
            "acknowledgedFlag": False,
            "ownerFlag": False,
            "allowScheduleConflictsFlag": bool(body.get("allowScheduleConflictsFlag", False)),
            "_info": {"lastUpdated": cw_date(utcnow())},
        }
        with self._lock:
            self.schedule_entries.append(entry)
        return json_response(self.finish(entry), 201)

    def calendars(self) -> list[dict[str, Any]]:
        out = []
        for tech in self.state.technicians.values():
            if not tech.schedule:
                continue
            calendar: dict[str, Any] = {"id": tech.num, "name": f"{tech.name} hours", "holidayList": None}
            for index, day in enumerate(WEEKDAYS):
                block = next((b for b in tech.schedule if index in b.get("days", [])), None)
                calendar[f"{day}StartTime"] = f"{block['start']}:00" if block else None
                calendar[f"{day}EndTime"] = f"{block['end']}:00" if block else None
            out.append(calendar)
        return out

    # ---- desk set-up ---------------------------------------------------------------------

    def boards(self) -> list[dict[str, Any]]:
        return [
            {
                "id": b.num,
                "name": b.name,
                "inactiveFlag": False,
                "projectFlag": False,
                "location": {"id": 1, "name": "Main"},
                "department": {"id": 1, "name": "Support"},
            }  # fmt: skip
            for b in self.state.boards.values()
        ]

    def board_statuses(self, req: SimRequest) -> Response:
        board = self.state.board_by_num(req.params["id"])
        if board is None:
            raise HttpError(404, f"Board with id {req.params['id']} was not found.")
        statuses = [
            {
                "id": self.status_id(board.name, name),
                "name": name,
                "board": {"id": board.num, "name": board.name},
                "sortOrder": index,
                "displayOnBoard": True,
                "inactive": False,
                "closedStatus": name == CLOSED_STATUS,
                "defaultFlag": index == 0,
                "timeEntryNotAllowed": False,
            }
            for index, name in enumerate(board.statuses)
        ]
        return self._list(req, statuses)

    def priorities(self) -> list[dict[str, Any]]:
        return [
            {
                "id": PRIORITY_IDS[level],
                "name": f"Priority {PRIORITY_IDS[level]} - {level}",
                "sort": PRIORITY_IDS[level],
                "defaultFlag": level == "Medium",
                "color": "",
            }  # fmt: skip
            for level in reversed(PRIORITIES)
        ]

    def slas(self) -> list[dict[str, Any]]:
        return [
            {
                "id": p.num,
                "name": p.name,
                "basedOn": "AllHours",
                "defaultFlag": index == 0,
                "respondHours": p.response_hours.get("Medium"),
                "planWithin": p.response_hours.get("Medium"),
                "resolutionHours": p.resolution_hours.get("Medium"),
            }
            for index, p in enumerate(self.state.sla_policies.values())
        ]

    def sla_priorities(self, req: SimRequest) -> Response:
        policy = next((p for p in self.state.sla_policies.values() if p.num == int(req.params["id"])), None)
        if policy is None:
            raise HttpError(404, f"SLA with id {req.params['id']} was not found.")
        rows = [
            {
                "id": policy.num * 10 + PRIORITY_IDS[level],
                "priority": self.priority_ref(level),
                "respondHours": policy.response_hours.get(level),
                "planWithin": policy.response_hours.get(level),
                "resolutionHours": policy.resolution_hours.get(level),
            }
            for level in PRIORITIES
            if level in policy.response_hours or level in policy.resolution_hours
        ]
        return self._list(req, rows)

    def companies(self) -> list[dict[str, Any]]:
        return [
            {
                "id": c.num,
                "identifier": c.key,
                "name": c.name,
                "status": {"id": 1, "name": "Active"},
                "types": [{"id": 1, "name": "Client"}],
                "deletedFlag": False,
                "_info": {"lastUpdated": None},
            }  # fmt: skip
            for c in self.state.companies.values()
        ]

    def time_entries(self) -> list[dict[str, Any]]:
        out = []
        for e in self.state.time_entries:
            ticket = self.state.tickets.get(e.ticket_num or -1)
            out.append(
                compact(
                    {
                        "id": e.num,
                        "company": self.company_ref(ticket.company) if ticket else None,
                        "chargeToId": e.ticket_num,
                        "chargeToType": "ServiceTicket" if e.ticket_num else "ChargeCode",
                        "member": self.member_ref(self.state.technicians.get(e.tech)),
                        "timeStart": cw_date(e.start),
                        "timeEnd": cw_date(e.end),
                        "actualHours": e.hours,
                        "billableOption": "Billable",
                        "notes": e.notes or None,
                        "_info": {"lastUpdated": cw_date(e.end)},
                    }
                )
            )
        return out

    def create_time_entry(self, req: SimRequest) -> Response:
        body = canonical(req.json(), TIME_FIELDS)
        if not isinstance(body, dict) or not body.get("member") or not body.get("timeStart"):
            raise HttpError(
                400,
                "timeEntry object is invalid",
                details=[_field_error("member", "member and timeStart are required")],
            )
        tech = self._resolve_member(body["member"])
        start = parse_dt(body["timeStart"])
        assert start is not None  # timeStart was checked non-empty above
        end = parse_dt(body.get("timeEnd"))
        hours = float(
            body.get("actualHours") or ((end - start).total_seconds() / 3600 if end and start else 1.0)
        )
        entry = self.state.add_time_entry(
            tech.key, body.get("chargeToId"), start, hours, body.get("notes") or ""
        )
        return json_response(self.finish(next(e for e in self.time_entries() if e["id"] == entry.num)), 201)

    # ---- callbacks -----------------------------------------------------------------------

    def _add_callback(self, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            record = {
                "id": max([c["id"] for c in self.callbacks] + [0]) + 1,
                "description": body.get("description") or "",
                "url": body["url"],
                "objectId": int(body.get("objectId") or 1),
                "type": body["type"],
                "level": body.get("level") or "owner",
                "memberId": body.get("memberId"),
                "inactiveFlag": bool(body.get("inactiveFlag", False)),
                "isSoapCallbackFlag": bool(body.get("isSoapCallbackFlag", False)),
                "isSelfSuppressedFlag": bool(body.get("isSelfSuppressedFlag", False)),
                "payloadVersion": body.get("payloadVersion"),
            }
            self.callbacks.append(record)
            return record

    def create_callback(self, req: SimRequest) -> Response:
        body = canonical(req.json(), CALLBACK_FIELDS)
        missing = [f for f in ("url", "type", "level") if not isinstance(body, dict) or not body.get(f)]
        if missing:
            raise HttpError(
                400,
                "callbackEntry object is invalid",
                details=[_field_error(f, f"{f} is required") for f in missing],
            )
        if any(
            c["url"] == body["url"] and c["type"] == body["type"] and c["level"] == body["level"]
            for c in self.callbacks
        ):
            raise HttpError(400, "callbackEntry object is invalid",
                            details=[{"code": "ObjectExists", "message": "A callback with this url, type and level already exists.",
                                      "resource": "callbackEntry", "field": "url"}])  # fmt: skip
        return json_response(self.finish(self._add_callback(body)), 201)

    def _callback(self, req: SimRequest) -> dict[str, Any]:
        record = next((c for c in self.callbacks if c["id"] == int(req.params["id"])), None)
        if record is None:
            raise HttpError(404, f"Callback with id {req.params['id']} was not found.")
        return record

    def update_callback(self, req: SimRequest) -> Response:
        record = self._callback(req)
        body = req.json()
        if req.method == "PATCH":
            if not isinstance(body, list):
                raise HttpError(400, "The request body must be a JSON Patch array of operations.")
            body = {
                str(op.get("path", "")).strip("/"): op.get("value") for op in body if isinstance(op, dict)
            }
        body = canonical(body, CALLBACK_FIELDS)
        for key in (
            "description",
            "url",
            "objectId",
            "type",
            "level",
            "inactiveFlag",
            "isSelfSuppressedFlag",
            "memberId",
        ):
            if key in body:
                record[key] = body[key]
        return json_response(self.finish(record))

    def delete_callback(self, req: SimRequest) -> Response:
        record = self._callback(req)
        with self._lock:
            self.callbacks.remove(record)
        return Response(204)

    def on_ticket_event(self, action: str, ticket: Ticket, changed: set[str]) -> None:
        cw_action = {"created": "added", "updated": "updated", "deleted": "deleted"}[action]
        entity = (
            None if action == "deleted" else json.dumps(self.external_ticket(ticket), separators=(",", ":"))
        )
        acting = ticket.meta.get("updated_by")
        board_num = self.state.boards[ticket.board].num
        company = self.state.companies.get(ticket.company or "")
        for callback in list(self.callbacks):
            if callback["inactiveFlag"] or str(callback["type"]).lower() != "ticket":
                continue
            if callback["isSelfSuppressedFlag"] and acting == API_MEMBER:
                continue
            level = str(callback["level"]).lower()
            if (level == "board" and callback["objectId"] != board_num) or (
                level == "company" and (company is None or callback["objectId"] != company.num)
            ):
                continue
            payload = {
                "MessageId": str(uuid.uuid4()),
                "FromUrl": self.public_base_url,
                "CompanyId": self.company_id,
                "MemberId": acting or API_MEMBER,
                "Action": cw_action,
                "Type": "ticket",
                "ID": ticket.num,
                "ProductInstanceId": "00000000-0000-0000-0000-000000000000",
                "PartnerId": "",
                "CallbackObjectRecId": callback["id"],
                "Entity": entity,
                "Metadata": {"key_url": f"{self.public_base_url}{KEY_PATH}?id=1"},
            }
            body = json.dumps(payload, separators=(",", ":")).encode()
            self.webhooks.send(
                callback["url"],
                body,
                {"Content-Type": "application/json", "x-content-signature": sign(self.signing_key, body)},
            )

    def extra_state(self) -> dict[str, Any]:
        return {"callbacks": [dict(c) for c in self.callbacks]}


def sign(signing_key: str, body: bytes) -> str:
    """x-content-signature: base64(HMAC-SHA256(key=SHA256(signing_key), msg=body))."""
    key = hashlib.sha256(signing_key.encode()).digest()
    return base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()


def _field_error(field: str, message: str) -> dict[str, str]:
    return {"code": "InvalidField", "message": message, "resource": "ticket", "field": field}


def order_by(records: list[dict[str, Any]], order: str) -> list[dict[str, Any]]:
    """`orderBy=field [asc|desc], field2 ...` with slash paths; nulls sort first ascending."""
    result = list(records)
    for part in reversed([p.strip() for p in order.split(",") if p.strip()]):
        name, _, direction = part.partition(" ")
        descending = direction.strip().lower() == "desc"

        def key(record: dict[str, Any], name: str = name) -> tuple[int, Any]:
            value = resolve(record, name)
            if value is None:
                return (0, "")
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return (1, value)
            return (2, str(value).casefold())

        try:
            result.sort(key=key, reverse=descending)
        except TypeError as exc:
            raise HttpError(400, f"orderBy: cannot order by {name}") from exc
    return result


def project(record: dict[str, Any], fields: str) -> dict[str, Any]:
    """`fields=id,summary,board/name`: keep only those (nested paths stay nested)."""
    out: dict[str, Any] = {}
    for name in (f.strip() for f in fields.split(",") if f.strip()):
        parts = name.split("/")
        value = resolve(record, name)
        if value is None:
            continue
        target = out
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    return out
