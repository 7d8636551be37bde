"""Autotask PSA REST API v1.0.

base_url is any zone host (e.g. https://webservices2.autotask.net); the API user's zone comes
from /atservicesrest/v1.0/zoneInformation. A base_url that already ends in
/atservicesrest/v1.0 is used as is. Credentials: username, secret, integration_code.

Autotask rejects a 4th concurrent request to one entity endpoint per integration
("Itgenatr005"), so every request holds a per-process BoundedSemaphore(3) for its endpoint.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections import defaultdict
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import quote

import httpx

from psa.backends.base import (
    PsaBackend,
    PsaBoard,
    PsaCompany,
    PsaError,
    PsaMember,
    PsaShift,
    PsaSla,
    PsaTicket,
    PsaTimeEntry,
    PsaTimeOff,
    cached_per_process,
    fingerprint,
    header,
    normalise_priority,
    normalise_skill_level,
    parse_datetime,
    sorted_pages,
)

THREADS_PER_ENDPOINT = 3
COMPLETE_STATUS = 5
ACTIONS = {"create": "created", "update": "updated", "delete": "deleted"}
EVERYTHING = [{"op": "gte", "field": "id", "value": 0}]


def at_date(value: datetime) -> str:
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


class AutotaskBackend(PsaBackend):
    vendor = "autotask"
    _zones: ClassVar[dict[str, tuple[float, Any]]] = {}
    _semaphores: ClassVar[dict[tuple[str, str, str], threading.BoundedSemaphore]] = {}
    _semaphores_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self,
        base_url: str,
        credentials: Mapping[str, Any],
        client: httpx.Client | None = None,
        **options: Any,
    ) -> None:
        super().__init__(base_url, credentials, client, **options)
        missing = [k for k in ("username", "secret", "integration_code") if not self.credentials.get(k)]
        if missing:
            raise PsaError(f"autotask: credentials lack {', '.join(missing)}", retryable=False)
        self._api: str | None = None
        self._picklists: dict[tuple[str, str], dict[str, str]] = {}
        self._company_names: dict[str, str] = {}

    # ---- plumbing ------------------------------------------------------------------------

    @property
    def api(self) -> str:
        if self._api is None:
            if self.base_url.lower().endswith("/atservicesrest/v1.0"):
                self._api = self.base_url
            else:
                key = fingerprint(self.base_url, self.credentials["username"].lower())
                self._api = cached_per_process(self._zones, key, 3600, self._discover)
        return self._api

    def _discover(self) -> str:
        host = self.base_url
        if host.lower().endswith("/atservicesrest"):
            host = host[: -len("/atservicesrest")]
        user = self.credentials["username"]
        try:
            zone = self._request(
                "GET",
                f"{host}/atservicesrest/v1.0/zoneInformation?user={quote(user)}",
                auth=False,
                fatal_status=frozenset({500}),
            )
        except PsaError as exc:
            if exc.status_code == 500:  # Autotask's answer for an unknown API user
                raise PsaError(
                    f"autotask: no zone knows the API user at {host}", retryable=False, status_code=500
                ) from exc
            raise
        if not isinstance(zone, dict) or not zone.get("url"):
            raise PsaError("autotask: zoneInformation returned no url", retryable=False)
        return str(zone["url"]).rstrip("/") + "/v1.0"

    def _auth_headers(self) -> dict[str, str]:
        c = self.credentials
        return {"ApiIntegrationCode": c["integration_code"], "UserName": c["username"], "Secret": c["secret"],
                "Accept": "application/json"}  # fmt: skip

    def _semaphore(self, url: str) -> Any:
        target = httpx.URL(url)
        path = target.path.lower()
        if "/v1.0/" not in path or path.endswith("/zoneinformation"):
            return super()._semaphore(url)
        entity = path.split("/v1.0/", 1)[1].split("/", 1)[0]
        key = (target.host, fingerprint(self.credentials["integration_code"]), entity)
        with self._semaphores_lock:
            if key not in self._semaphores:
                self._semaphores[key] = threading.BoundedSemaphore(THREADS_PER_ENDPOINT)
            return self._semaphores[key]

    def _query(
        self,
        entity: str,
        conditions: list[dict[str, Any]],
        *,
        size: int = 500,
        include: list[str] | None = None,
    ) -> list[dict[str, Any]]:
        """All matching items, following pageDetails.nextPageUrl with the same POST body."""
        body: dict[str, Any] = {"MaxRecords": max(1, min(500, size)), "filter": conditions}
        if include:
            body["IncludeFields"] = include
        url: str | None = f"{self.api}/{entity}/query"
        items: list[dict[str, Any]] = []
        while url:
            if httpx.URL(url).host != httpx.URL(self.api).host:
                raise PsaError(
                    f"autotask: nextPageUrl points at another host ({httpx.URL(url).host})", retryable=False
                )
            data = self._request("POST", url, json=body)
            if not isinstance(data, dict):
                raise PsaError(f"autotask: {entity}/query did not answer with an object", retryable=True)
            items.extend(data.get("items") or [])
            url = (data.get("pageDetails") or {}).get("nextPageUrl")
        return items

    def _item(self, entity: str, item_id: str) -> dict[str, Any]:
        data = self._request("GET", f"{self.api}/{entity}/{_int(item_id, entity)}")
        item = data.get("item") if isinstance(data, dict) else None
        if not item:  # Autotask answers an unknown id with {"item": null}
            raise PsaError(f"autotask: {entity} {item_id} not found", retryable=False, status_code=404)
        return item

    def _picklist(self, entity: str, field: str) -> dict[str, str]:
        """{value: label} of a picklist field (queueID, status, priority, ...)."""
        key = (entity, field)
        if key not in self._picklists:
            data = self._request("GET", f"{self.api}/{entity}/entityInformation/fields")
            for f in (data or {}).get("fields") or []:
                if f.get("isPickList"):
                    self._picklists[(entity, f["name"])] = {
                        str(v["value"]): v.get("label") or ""
                        for v in f.get("picklistValues") or []
                        if v.get("isActive", True)
                    }
            self._picklists.setdefault(key, {})
        return self._picklists[key]

    def _value_for(self, entity: str, field: str, label: str) -> int | None:
        for value, text in self._picklist(entity, field).items():
            if text.lower() == label.lower():
                return int(value)
        return None

    # ---- tickets -------------------------------------------------------------------------

    def _companies_named(self, ids: set[str]) -> None:
        missing = sorted(i for i in ids if i not in self._company_names and i not in ("", "None", "0"))
        for start in range(0, len(missing), 400):
            chunk = [int(i) for i in missing[start : start + 400]]
            for c in self._query(
                "Companies", [{"op": "in", "field": "id", "value": chunk}], include=["id", "companyName"]
            ):
                self._company_names[str(c["id"])] = c.get("companyName") or ""

    def _tickets(self, items: list[dict[str, Any]]) -> list[PsaTicket]:
        self._companies_named({str(i.get("companyID")) for i in items})
        queues, statuses = self._picklist("Tickets", "queueID"), self._picklist("Tickets", "status")
        priorities, issue_types = (
            self._picklist("Tickets", "priority"),
            self._picklist("Tickets", "issueType"),
        )
        out = []
        for d in items:
            try:
                company = str(d["companyID"]) if d.get("companyID") is not None else None
                owner = d.get("assignedResourceID")
                hours = d.get("estimatedHours")
                out.append(
                    PsaTicket(
                        external_id=str(d["id"]),
                        summary=d.get("title") or "",
                        description=d.get("description") or "",
                        board=queues.get(str(d.get("queueID"))),
                        status=statuses.get(str(d.get("status"))),
                        priority=normalise_priority(priorities.get(str(d.get("priority")))),
                        company_external_id=company,
                        company_name=self._company_names.get(company or ""),
                        owner_external_id=str(owner) if owner is not None else None,
                        created_at=parse_datetime(d.get("createDate")),
                        updated_at=parse_datetime(
                            d.get("lastActivityDate") or d.get("lastTrackedModificationDateTime")
                        ),
                        # The SLA's resolution deadline; dueDateTime is the ticket's own due date,
                        # the fallback for a ticket without an SLA.
                        sla_due=parse_datetime(d.get("resolvedDueDateTime") or d.get("dueDateTime")),
                        estimated_hours=float(hours) if hours is not None else None,
                        closed=str(d.get("status")) == str(COMPLETE_STATUS) or bool(d.get("completedDate")),
                        category=issue_types.get(str(d.get("issueType"))),
                    )
                )
            except (KeyError, TypeError, ValueError) as exc:
                raise PsaError(f"autotask: unexpected ticket JSON ({exc})", retryable=False) from exc
        return out

    def list_tickets_changed_since(
        self, cursor: datetime | None, boards: list[str] | None = None
    ) -> Iterator[list[PsaTicket]]:
        conditions: list[dict[str, Any]] = (
            [{"op": "noteq", "field": "status", "value": COMPLETE_STATUS}]
            if cursor is None
            else [{"op": "gte", "field": "lastActivityDate", "value": at_date(cursor)}]
        )
        if boards:
            queue_ids = [
                q for q in (self._value_for("Tickets", "queueID", b) for b in boards) if q is not None
            ]
            if not queue_ids:
                return
            conditions.append({"op": "in", "field": "queueID", "value": queue_ids})
        items = self._query("Tickets", conditions, size=self.page_size)
        yield from sorted_pages(self._tickets(items), self.page_size)

    def get_ticket(self, ticket_id: str) -> PsaTicket:
        return self._tickets([self._item("Tickets", ticket_id)])[0]

    def assign_ticket(
        self, ticket_id: str, member_external_id: str, board: str | None, note: str
    ) -> PsaTicket:
        resource = self._item("Resources", member_external_id)
        body: dict[str, Any] = {
            "id": _int(ticket_id, "Tickets"),
            "assignedResourceID": int(resource["id"]),
            "assignedResourceRoleID": self._role_of(resource),
        }
        if board:
            queue = self._value_for("Tickets", "queueID", board)
            if queue is None:
                raise PsaError(f"autotask: no queue named {board!r}", retryable=False)
            body["queueID"] = queue
        self._request("PATCH", f"{self.api}/Tickets", json=body)
        if note:
            self.add_note(ticket_id, note)
        return self.get_ticket(ticket_id)

    def _role_of(self, resource: dict[str, Any]) -> int:
        """A resource is assigned in a role: its default service desk role, else an active one."""
        if resource.get("defaultServiceDeskRoleID"):
            return int(resource["defaultServiceDeskRoleID"])
        roles = self._query(
            "ResourceServiceDeskRoles",
            [
                {"op": "eq", "field": "resourceID", "value": resource["id"]},
                {"op": "eq", "field": "isActive", "value": True},
            ],
        )
        if not roles:
            raise PsaError(f"autotask: resource {resource['id']} has no service desk role", retryable=False)
        return int(next((r for r in roles if r.get("isDefault")), roles[0])["roleID"])

    def add_note(self, ticket_id: str, text: str) -> None:
        number = _int(ticket_id, "Tickets")
        title = (text.strip().splitlines() or ["Note"])[0][:250]
        body = {"ticketID": number, "title": title, "description": text, "noteType": 1, "publish": 1}
        self._request("POST", f"{self.api}/Tickets/{number}/Notes", json=body)

    def list_notes(self, ticket_id: str) -> list[str]:
        number = _int(ticket_id, "Tickets")
        notes = self._query("TicketNotes", [{"op": "eq", "field": "ticketID", "value": number}])
        return [str(n.get("description") or "") for n in notes]

    # ---- people and schedules ------------------------------------------------------------

    def list_members(self) -> list[PsaMember]:
        skills = {str(s["id"]): s.get("name") or "" for s in self._query("Skills", EVERYTHING)}
        levels = self._picklist("ResourceSkills", "skillLevel")
        by_resource: dict[str, dict[str, str]] = defaultdict(dict)
        for rs in self._query("ResourceSkills", EVERYTHING):
            name = skills.get(str(rs.get("skillID")))
            if name:
                level = rs.get("skillLevel")
                by_resource[str(rs.get("resourceID"))][name] = normalise_skill_level(
                    levels.get(str(level), level)
                )
        return [
            PsaMember(
                external_id=str(r["id"]),
                identifier=str(r.get("userName") or ""),
                name=f"{r.get('firstName') or ''} {r.get('lastName') or ''}".strip()
                or str(r.get("userName")),
                email=r.get("email") or "",
                active=bool(r.get("isActive", True)),
                skills=by_resource.get(str(r["id"]), {}),
                timezone=None,
            )
            for r in self._query("Resources", EVERYTHING)
        ]

    def list_time_off(self, since: datetime, until: datetime) -> list[PsaTimeOff]:
        """Autotask keeps one request per day; consecutive days merge into one period. A day with
        fewer than 8 hours is partial: the first day of a period ends at midnight, otherwise it
        starts at midnight."""
        rows = self._query(
            "TimeOffRequests",
            [
                {"op": "gte", "field": "timeOffDate", "value": at_date(since - timedelta(days=1))},
                {"op": "lt", "field": "timeOffDate", "value": at_date(until)},
            ],  # fmt: skip
        )
        statuses = self._picklist("TimeOffRequests", "status")
        types = self._picklist("TimeOffRequests", "timeOffType")
        runs: dict[tuple[str, str], list[tuple[datetime, float]]] = defaultdict(list)
        for row in rows:
            label = statuses.get(str(row.get("status")), "").lower()
            day = parse_datetime(row.get("timeOffDate"))
            if day is None or any(word in label for word in ("reject", "cancel", "declin", "denied")):
                continue
            reason = row.get("comments") or types.get(str(row.get("timeOffType"))) or "time off"
            runs[(str(row.get("resourceID")), reason)].append((day, float(row.get("hours") or 8)))
        out = []
        for (member, reason), days in runs.items():
            for start, end in _merge_days(sorted(days)):
                if start < until and end > since:
                    out.append(PsaTimeOff(member, start, end, reason))
        return sorted(out, key=lambda t: (t.member_external_id, t.start))

    def list_shifts(self, since: datetime, until: datetime) -> list[PsaShift]:
        """Appointments whose title starts with credentials["shift_title"] (default "Shift")."""
        rows = self._query(
            "Appointments",
            [
                {"op": "lt", "field": "startDateTime", "value": at_date(until)},
                {"op": "gt", "field": "endDateTime", "value": at_date(since)},
                {
                    "op": "beginsWith",
                    "field": "title",
                    "value": self.credentials.get("shift_title") or "Shift",
                },
            ],  # fmt: skip
        )
        out = []
        for row in rows:
            start, end = parse_datetime(row.get("startDateTime")), parse_datetime(row.get("endDateTime"))
            if start and end and row.get("resourceID") is not None:
                out.append(PsaShift(str(row["resourceID"]), start, end))
        return sorted(out, key=lambda s: (s.member_external_id, s.start))

    def list_time_entries(self, since: datetime) -> list[PsaTimeEntry]:
        out = []
        for row in self._query(
            "TimeEntries", [{"op": "gte", "field": "dateWorked", "value": at_date(since - timedelta(days=1))}]
        ):
            start = parse_datetime(row.get("startDateTime") or row.get("dateWorked"))
            if start is None or start < since or row.get("resourceID") is None:
                continue
            ticket = row.get("ticketID")
            out.append(
                PsaTimeEntry(
                    str(row["resourceID"]),
                    str(ticket) if ticket else None,
                    start,
                    float(row.get("hoursWorked") or 0),
                )
            )
        return out

    # ---- desk set-up ---------------------------------------------------------------------

    def list_companies(self) -> list[PsaCompany]:
        return [
            PsaCompany(str(c["id"]), str(c.get("companyNumber") or ""), c.get("companyName") or "")
            for c in self._query("Companies", [{"op": "eq", "field": "isActive", "value": True}])
        ]

    def list_boards(self) -> list[PsaBoard]:
        return [PsaBoard(value, label) for value, label in self._picklist("Tickets", "queueID").items()]

    def list_slas(self) -> list[PsaSla]:
        """Names only: the REST API exposes SLAs as the serviceLevelAgreementID picklist."""
        return [
            PsaSla(value, label)
            for value, label in self._picklist("Tickets", "serviceLevelAgreementID").items()
        ]

    # ---- webhooks ------------------------------------------------------------------------

    def verify_webhook(self, headers: Mapping[str, str], raw_body: bytes, secret: str | None = None) -> bool:
        """X-Hook-Signature: sha1=base64(HMAC-SHA1(secretKey, raw body))."""
        secret = secret or self.credentials.get("webhook_secret")
        signature = header(headers, "X-Hook-Signature")
        if not secret or not signature:
            return False
        expected = (
            "sha1=" + base64.b64encode(hmac.new(secret.encode(), raw_body, hashlib.sha1).digest()).decode()
        )
        return hmac.compare_digest(expected.encode(), signature.strip().encode())  # bytes: any header text

    def parse_webhook(self, raw_body: bytes) -> tuple[str, str]:
        try:
            payload = json.loads(raw_body)
            kind, action, ticket_id = (
                str(payload["EntityType"]).lower(),
                str(payload["Action"]).lower(),
                payload["Id"],
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise PsaError("autotask: not a webhook body", retryable=False) from exc
        if kind != "ticket" or action not in ACTIONS:
            raise PsaError(f"autotask: not a ticket event ({kind} {action})", retryable=False)
        return str(ticket_id), ACTIONS[action]

    def webhook_dedupe_key(self, raw_body: bytes) -> str:
        try:
            payload = json.loads(raw_body)
            return f"at:{payload['Guid']}:{payload['SequenceNumber']}"
        except (ValueError, KeyError, TypeError):
            return super().webhook_dedupe_key(raw_body)


def _merge_days(days: list[tuple[datetime, float]]) -> Iterator[tuple[datetime, datetime]]:
    runs: list[list[tuple[datetime, float]]] = []
    for day, hours in days:
        if runs and day - runs[-1][-1][0] <= timedelta(days=1):
            runs[-1].append((day, hours))
        else:
            runs.append([(day, hours)])
    for run in runs:
        (first, first_hours), (last, last_hours) = run[0], run[-1]
        start = (
            first
            if first_hours >= 8 or len(run) == 1
            else first + timedelta(days=1) - timedelta(hours=first_hours)
        )
        end = last + timedelta(days=1) if last_hours >= 8 else last + timedelta(hours=last_hours)
        yield start, end


def _int(value: Any, what: str) -> int:
    try:
        return int(str(value))
    except ValueError as exc:
        raise PsaError(f"autotask: {what} id {value!r} is not a number", retryable=False) from exc
