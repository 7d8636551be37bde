"""HaloPSA REST API.

base_url is the instance (https://{tenant}.halopsa.com, or an on-premises app URL); the API
is {base_url}/api and the token endpoint {base_url}/auth/token unless credentials["auth_url"]
names another (Halo-hosted: https://auth.haloservicedesk.com/token, with credentials["tenant"]).
Credentials: client_id, client_secret, optional tenant, scope (default "all").

Tokens are cached per process and refreshed 60 s before they expire, or on a 401.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

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
    fingerprint,
    header,
    normalise_priority,
    normalise_skill_level,
    parse_datetime,
    sorted_pages,
)

CLOSED_STATUS_ID = 9
CLOSED_WORDS = ("closed", "resolved", "cancelled", "canceled", "completed")
PAGE_SIZE_MAX = 100
LEVELS_FIELD = "CFSwitchboardSkillLevels"
IDENTIFIER_FIELD = "CFSwitchboardId"
REFRESH_MARGIN = 60.0


def halo_date(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def halo_datetime(value: Any) -> datetime | None:
    """Halo writes UTC without an offset, and 1900-01-01 for "no date"."""
    parsed = parse_datetime(value)
    return parsed if parsed and parsed.year > 1901 else None


class HaloBackend(PsaBackend):
    vendor = "halopsa"
    _tokens: ClassVar[dict[str, tuple[float, str]]] = {}
    _tokens_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self,
        base_url: str,
        credentials: Mapping[str, Any],
        client: httpx.Client | None = None,
        **options: Any,
    ) -> None:
        super().__init__(base_url, credentials, client, **options)
        missing = [k for k in ("client_id", "client_secret") if not self.credentials.get(k)]
        if missing:
            raise PsaError(f"halopsa: credentials lack {', '.join(missing)}", retryable=False)
        instance = self.base_url[:-4] if self.base_url.lower().endswith("/api") else self.base_url
        self.api = instance + "/api"
        self.token_url = self.credentials.get("auth_url") or instance + "/auth/token"
        self._token_key = fingerprint(
            self.token_url, self.credentials["client_id"], self.credentials["client_secret"]
        )
        self._lookups: dict[str, dict[str, str]] = {}

    # ---- plumbing ------------------------------------------------------------------------

    def _token(self) -> str:
        with self._tokens_lock:
            cached = self._tokens.get(self._token_key)
            if cached and cached[0] - REFRESH_MARGIN > time.monotonic():
                return cached[1]
        form = {"grant_type": "client_credentials", "client_id": self.credentials["client_id"],
                "client_secret": self.credentials["client_secret"], "scope": self.credentials.get("scope") or "all"}  # fmt: skip
        params = {"tenant": self.credentials["tenant"]} if self.credentials.get("tenant") else None
        data = self._request(
            "POST", self.token_url, auth=False, data=form, params=params, fatal_status=frozenset({400})
        )
        if not isinstance(data, dict) or not data.get("access_token"):
            raise PsaError("halopsa: the token endpoint returned no access_token", retryable=False)
        expires = time.monotonic() + float(data.get("expires_in") or 3600)
        with self._tokens_lock:
            self._tokens[self._token_key] = (expires, str(data["access_token"]))
        return str(data["access_token"])

    def _auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token()}", "Accept": "application/json"}

    def _refresh_auth(self) -> bool:
        with self._tokens_lock:
            self._tokens.pop(self._token_key, None)
        return True

    def _get(self, path: str, **params: Any) -> Any:
        return self._request(
            "GET", self.api + path, params={k: v for k, v in params.items() if v is not None}
        )

    def _paged(self, path: str, key: str, size: int = PAGE_SIZE_MAX, **params: Any) -> list[dict[str, Any]]:
        """Every record, page by page (`pageinate`), until `record_count` are in or a page runs short."""
        size = max(1, min(PAGE_SIZE_MAX, size))
        records: list[dict[str, Any]] = []
        page_no = 1
        while True:
            data = self._get(path, pageinate="true", page_size=size, page_no=page_no, **params)
            batch = data.get(key) if isinstance(data, dict) else data
            if not isinstance(batch, list):
                raise PsaError(f"halopsa: {path} did not answer with a {key!r} list", retryable=True)
            records.extend(batch)
            total = data.get("record_count") if isinstance(data, dict) else None
            done = len(records) >= int(total) if total is not None else len(batch) < size
            if not batch or done:
                return records
            page_no += 1

    def _array(self, path: str, key: str, **params: Any) -> list[dict[str, Any]]:
        data = self._get(path, **params)
        items = data.get(key) if isinstance(data, dict) else data
        if not isinstance(items, list):
            raise PsaError(f"halopsa: {path} did not answer with a list", retryable=True)
        return items

    def _lookup(self, path: str, id_field: str = "id") -> dict[str, str]:
        if path not in self._lookups:
            self._lookups[path] = {
                str(r.get(id_field, r.get("id"))): str(r.get("name") or "")
                for r in self._array(path, path.strip("/").lower())
            }
        return self._lookups[path]

    # ---- tickets -------------------------------------------------------------------------

    def _ticket(self, d: dict[str, Any]) -> PsaTicket:
        statuses, priorities = self._lookup("/Status"), self._lookup("/Priority", "priorityid")
        try:
            status = statuses.get(str(d.get("status_id")))
            agent = d.get("agent_id")
            estimate = d.get("estimate")
            return PsaTicket(
                external_id=str(d["id"]),
                summary=d.get("summary") or "",
                description=d.get("details") or "",
                board=d.get("team") or None,
                status=status,
                priority=normalise_priority(priorities.get(str(d.get("priority_id")))),
                company_external_id=str(d["client_id"]) if d.get("client_id") else None,
                company_name=d.get("client_name") or None,
                owner_external_id=str(agent) if agent not in (None, 0, "0") else None,
                created_at=halo_datetime(d.get("dateoccurred")),
                updated_at=halo_datetime(d.get("last_update") or d.get("lastactiondate")),
                sla_due=halo_datetime(d.get("fixbydate") or d.get("deadlinedate")),
                estimated_hours=float(estimate) if estimate is not None and estimate != "" else None,
                closed=str(d.get("status_id")) == str(CLOSED_STATUS_ID)
                or halo_datetime(d.get("dateclosed")) is not None
                or any(word in (status or "").lower() for word in CLOSED_WORDS),
                category=d.get("category_1") or None,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise PsaError(f"halopsa: unexpected ticket JSON ({exc})", retryable=False) from exc

    def list_tickets_changed_since(
        self, cursor: datetime | None, boards: list[str] | None = None
    ) -> Iterator[list[PsaTicket]]:
        params: dict[str, Any] = {"order": "id"}
        if cursor is None:
            params["open_only"] = "true"
        else:
            params.update(datesearch="lastupdate", startdate=halo_date(cursor))
        if boards:
            wanted = {b.lower() for b in boards}
            teams = [
                str(t["id"])
                for t in self._array("/Team", "teams")
                if str(t.get("name", "")).lower() in wanted
            ]
            if not teams:
                return
            params["team"] = ",".join(teams)
        records = self._paged("/Tickets", "tickets", size=self.page_size, **params)
        yield from sorted_pages([self._ticket(r) for r in records], self.page_size)

    def get_ticket(self, ticket_id: str) -> PsaTicket:
        return self._ticket(self._get(f"/Tickets/{_int(ticket_id, 'ticket')}"))

    def assign_ticket(
        self, ticket_id: str, member_external_id: str, board: str | None, note: str
    ) -> PsaTicket:
        element: dict[str, Any] = {
            "id": _int(ticket_id, "ticket"),
            "agent_id": _int(member_external_id, "agent"),
        }
        if board:
            element["team"] = board  # Halo takes the team's name
        result = self._request("POST", self.api + "/Tickets", json=[element])
        ticket = result[0] if isinstance(result, list) and result else result
        if note:
            self.add_note(ticket_id, note)
        if not isinstance(ticket, dict) or "id" not in ticket:
            return self.get_ticket(ticket_id)
        return self._ticket(ticket)

    def add_note(self, ticket_id: str, text: str) -> None:
        action = {
            "ticket_id": _int(ticket_id, "ticket"),
            "outcome": "Private Note",
            "note": text,
            "hiddenfromuser": True,
        }
        self._request("POST", self.api + "/Actions", json=[action])

    def list_notes(self, ticket_id: str) -> list[str]:
        actions = self._paged("/Actions", "actions", ticket_id=_int(ticket_id, "ticket"))
        return [str(a.get("note") or "") for a in actions]

    # ---- people and schedules ------------------------------------------------------------

    def list_members(self) -> list[PsaMember]:
        field = self.credentials.get("identifier_field") or IDENTIFIER_FIELD
        out = []
        for a in self._array("/Agent", "agents", includeenabled="true", includedisabled="true"):
            if a.get("isapiagent") or a.get("is_agent") is False or a.get("id") in (None, 0):
                continue
            custom = {
                str(c.get("name")): c.get("value") for c in a.get("customfields") or [] if isinstance(c, dict)
            }
            out.append(
                PsaMember(
                    external_id=str(a["id"]),
                    identifier=str(custom.get(field) or a.get("email") or a.get("name") or a["id"]),
                    name=a.get("name") or f"{a.get('firstname') or ''} {a.get('surname') or ''}".strip(),
                    email=a.get("email") or "",
                    active=not a.get("isdisabled", False),
                    skills=agent_skills(a.get("qualifications") or [], custom.get(LEVELS_FIELD)),
                    timezone=a.get("workday_timezone") or a.get("timezone") or None,
                )
            )
        return out

    def list_time_off(self, since: datetime, until: datetime) -> list[PsaTimeOff]:
        out = []
        for h in self._array("/Holiday", "holidays", start_date=halo_date(since), end_date=halo_date(until)):
            start = halo_datetime(h.get("date"))
            end = halo_datetime(h.get("end_date")) or (
                start + timedelta(hours=float(h.get("duration") or 24)) if start else None
            )
            if start and end and h.get("agent_id") and start < until and end > since:
                out.append(PsaTimeOff(str(h["agent_id"]), start, end, h.get("name") or h.get("note") or "holiday"))
        return out

    def list_shifts(self, since: datetime, until: datetime) -> list[PsaShift]:
        out = []
        for a in self._array(
            "/Appointment",
            "appointments",
            start_date=halo_date(since),
            end_date=halo_date(until),
            showshifts="true",
        ):
            start, end = halo_datetime(a.get("start_date")), halo_datetime(a.get("end_date"))
            if (
                a.get("shift_type_id")
                and start
                and end
                and a.get("agent_id")
                and start < until
                and end > since
            ):
                out.append(PsaShift(str(a["agent_id"]), start, end))
        return out

    def list_time_entries(self, since: datetime) -> list[PsaTimeEntry]:
        until = datetime.now(UTC) + timedelta(days=1)
        out = []
        for e in self._array(
            "/TimesheetEvent", "timesheetevents", start_date=halo_date(since), end_date=halo_date(until)
        ):
            start = halo_datetime(e.get("start_date"))
            if start is None or start < since or not e.get("agent_id"):
                continue
            out.append(
                PsaTimeEntry(
                    str(e["agent_id"]),
                    str(e["ticket_id"]) if e.get("ticket_id") else None,
                    start,
                    float(e.get("timetaken") or 0),
                )
            )
        return out

    # ---- desk set-up ---------------------------------------------------------------------

    def list_companies(self) -> list[PsaCompany]:
        field = self.credentials.get("identifier_field") or IDENTIFIER_FIELD
        out = []
        for c in self._paged("/Client", "clients"):
            custom = {
                str(f.get("name")): f.get("value") for f in c.get("customfields") or [] if isinstance(f, dict)
            }
            out.append(
                PsaCompany(str(c["id"]), str(custom.get(field) or c.get("name") or ""), c.get("name") or "")
            )
        return out

    def list_boards(self) -> list[PsaBoard]:
        return [
            PsaBoard(str(t["id"]), t.get("name") or "")
            for t in self._array("/Team", "teams")
            if not t.get("inactive")
        ]

    def list_slas(self) -> list[PsaSla]:
        out = []
        for s in self._array("/SLA", "slas"):
            response: dict[str, float] = {}
            resolution: dict[str, float] = {}
            for p in s.get("priorities") or []:
                level = normalise_priority(p.get("name"))
                if p.get("responsetime") is not None:
                    response[level] = float(p["responsetime"])
                if p.get("fixtime") is not None:
                    resolution[level] = float(p["fixtime"])
            out.append(PsaSla(str(s["id"]), s.get("name") or "", response, resolution))
        return out

    # ---- webhooks ------------------------------------------------------------------------

    def verify_webhook(self, headers: Mapping[str, str], raw_body: bytes, secret: str | None = None) -> bool:
        """Every check the delivery carries must pass, and it must carry one: the Basic-auth
        password (and user name, when credentials["webhook_username"] is set), and the
        X-Halo-Signature HMAC of the body. Basic auth alone cannot detect a changed body."""
        secret = secret or self.credentials.get("webhook_secret")
        if not secret:
            return False
        checks = []
        authorization = header(headers, "Authorization")
        if authorization:
            scheme, _, encoded = authorization.partition(" ")
            try:
                user, _, password = base64.b64decode(encoded).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return False
            expected_user = self.credentials.get("webhook_username")
            checks.append(
                scheme.lower() == "basic"
                and hmac.compare_digest(password.encode(), secret.encode())  # bytes: non-ASCII is just wrong
                and (not expected_user or hmac.compare_digest(user.encode(), expected_user.encode()))
            )
        signature = header(headers, "X-Halo-Signature")
        if signature:
            expected = "sha256=" + hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()
            checks.append(hmac.compare_digest(expected.encode(), signature.strip().encode()))
        return bool(checks) and all(checks)

    def parse_webhook(self, raw_body: bytes) -> tuple[str, str]:
        try:
            payload = json.loads(raw_body)
            ticket = payload.get("ticket") if isinstance(payload.get("ticket"), dict) else {}
            ticket_id = payload.get("id") or ticket.get("id")
        except (ValueError, AttributeError) as exc:
            raise PsaError("halopsa: not a webhook body", retryable=False) from exc
        if not ticket_id:
            raise PsaError("halopsa: the webhook body names no ticket", retryable=False)
        event = str(payload.get("event") or "").lower()
        action = (
            "deleted"
            if "delet" in event
            else "created"
            if ("new" in event or "logged" in event or "creat" in event)
            else "updated"
        )
        return str(ticket_id), action


def _int(value: Any, what: str) -> int:
    try:
        return int(str(value))
    except ValueError as exc:
        raise PsaError(f"halopsa: {what} id {value!r} is not a number", retryable=False) from exc


def agent_skills(qualifications: list[dict[str, Any]], levels: Any) -> dict[str, str]:
    """Halo qualifications carry no level; levels come from the agent custom field
    LEVELS_FIELD ("Exchange=expert;Printers=beginner") when the desk keeps one, else intermediate."""
    named = dict(part.split("=", 1) for part in str(levels or "").split(";") if "=" in part)
    named = {k.strip().lower(): v.strip() for k, v in named.items()}
    out = {}
    for q in qualifications:
        name = q.get("qualification_name") or q.get("name")
        if name:
            out[str(name)] = normalise_skill_level(named.get(str(name).lower()) or q.get("level"))
    return out
