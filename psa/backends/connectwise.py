"""ConnectWise Manage REST API 3.0.

base_url is the site (e.g. https://api-na.myconnectwise.net); the codebase comes from
/login/companyinfo/{company_id}. A base_url that already ends in /apis/3.0 is used as is.
Credentials: company_id, public_key, private_key, client_id.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import threading
import time as time_module
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, time, timedelta
from typing import Any, ClassVar
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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

TIME_OFF_TYPE = re.compile(r"vacation|holiday|pto|paid time off|leave|time off|sick|absence", re.IGNORECASE)
TRUSTED_KEY_HOSTS = (".myconnectwise.net", ".connectwise.com", ".connectwisedev.com")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_CONDITIONS_IN_URL = 1500
ACTIONS = {"added": "created", "updated": "updated", "deleted": "deleted"}


def cw_date(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def cw_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ConnectWiseBackend(PsaBackend):
    vendor = "connectwise"
    _codebases: ClassVar[dict[str, tuple[float, Any]]] = {}
    _signing_keys: ClassVar[SigningKeys]  # set below: one bounded cache per process

    def __init__(
        self,
        base_url: str,
        credentials: Mapping[str, Any],
        client: httpx.Client | None = None,
        **options: Any,
    ) -> None:
        super().__init__(base_url, credentials, client, **options)
        missing = [
            k for k in ("company_id", "public_key", "private_key", "client_id") if not self.credentials.get(k)
        ]
        if missing:
            raise PsaError(f"connectwise: credentials lack {', '.join(missing)}", retryable=False)
        self._api: str | None = None

    # ---- plumbing ------------------------------------------------------------------------

    @property
    def api(self) -> str:
        if self._api is None:
            if self.base_url.lower().endswith("/apis/3.0"):
                self._api = self.base_url
            else:
                key = fingerprint(self.base_url, self.credentials["company_id"])
                self._api = cached_per_process(self._codebases, key, 3600, self._discover)
        return self._api

    def _discover(self) -> str:
        company = self.credentials["company_id"]
        info = self._request(
            "GET", f"{self.base_url}/login/companyinfo/{quote(company, safe='')}", auth=False
        )
        if not isinstance(info, dict) or not info.get("Codebase"):
            raise PsaError(f"connectwise: {self.base_url} does not know company {company!r}", retryable=False)
        return f"{self.base_url}/{str(info['Codebase']).strip('/')}/apis/3.0"

    def _auth_headers(self) -> dict[str, str]:
        c = self.credentials
        token = base64.b64encode(f"{c['company_id']}+{c['public_key']}:{c['private_key']}".encode()).decode()
        return {"Authorization": f"Basic {token}", "clientId": c["client_id"], "Accept": "application/json"}

    def _get(self, path: str, **params: Any) -> Any:
        return self._request("GET", self.api + path, params=params)

    def _all(
        self, path: str, conditions: str | None = None, *, size: int = 1000, order_by: str = "id"
    ) -> list[dict[str, Any]]:
        """Every record of a collection, page by page, following the Link header's rel="next"."""
        params: dict[str, Any] = {"pageSize": size, "orderBy": order_by}
        search = None
        if conditions and len(conditions) > MAX_CONDITIONS_IN_URL and path == "/service/tickets":
            search = {"conditions": conditions, "orderBy": order_by}  # long filters go in a POST body
        elif conditions:
            params["conditions"] = conditions
        records: list[dict[str, Any]] = []
        page = 1
        while True:
            if search is not None:
                response = self._request(
                    "POST",
                    f"{self.api}{path}/search",
                    params={**params, "page": page},
                    json=search,
                    expect_json=False,
                )
            else:
                response = self._request(
                    "GET", self.api + path, params={**params, "page": page}, expect_json=False
                )
            batch = _json(response)
            if not isinstance(batch, list):
                raise PsaError(f"connectwise: {path} did not answer with a list", retryable=True)
            records.extend(batch)
            has_next = (
                'rel="next"' in response.headers.get("Link", "")
                if "Link" in response.headers
                else len(batch) == size
            )
            if not batch or not has_next:
                return records
            page += 1

    # ---- tickets -------------------------------------------------------------------------

    def _ticket(self, d: dict[str, Any]) -> PsaTicket:
        try:
            info = d.get("_info") or {}
            company = d.get("company") or {}
            owner = d.get("owner") or {}
            budget = d.get("budgetHours")
            return PsaTicket(
                external_id=str(d["id"]),
                summary=d.get("summary") or "",
                description=d.get("initialDescription") or "",
                board=(d.get("board") or {}).get("name"),
                status=(d.get("status") or {}).get("name"),
                priority=normalise_priority((d.get("priority") or {}).get("name")),
                company_external_id=str(company["id"]) if company.get("id") is not None else None,
                company_name=company.get("name"),
                owner_external_id=str(owner["id"]) if owner.get("id") is not None else None,
                created_at=parse_datetime(info.get("dateEntered") or d.get("dateEntered")),
                updated_at=parse_datetime(info.get("lastUpdated") or d.get("lastUpdated")),
                sla_due=parse_datetime(d.get("requiredDate")),
                estimated_hours=float(budget) if budget is not None else None,
                closed=bool(d.get("closedFlag")),
                category=(d.get("type") or {}).get("name"),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise PsaError(f"connectwise: unexpected ticket JSON ({exc})", retryable=False) from exc

    def list_tickets_changed_since(
        self, cursor: datetime | None, boards: list[str] | None = None
    ) -> Iterator[list[PsaTicket]]:
        parts = ["closedFlag = false"] if cursor is None else [f"lastUpdated >= [{cw_date(cursor)}]"]
        if boards:
            parts.append(f"board/name in ({', '.join(cw_string(b) for b in boards)})")
        records = self._all("/service/tickets", " and ".join(parts), size=self.page_size)
        yield from sorted_pages([self._ticket(r) for r in records], self.page_size)

    def get_ticket(self, ticket_id: str) -> PsaTicket:
        return self._ticket(self._get(f"/service/tickets/{_int(ticket_id, 'ticket id')}"))

    def assign_ticket(
        self, ticket_id: str, member_external_id: str, board: str | None, note: str
    ) -> PsaTicket:
        path = f"/service/tickets/{_int(ticket_id, 'ticket id')}"
        ops: list[dict[str, Any]] = [
            {"op": "replace", "path": "owner", "value": {"id": _int(member_external_id, "member id")}}
        ]
        if board:
            current = self._get(path)
            target = self._board(board)
            if (current.get("board") or {}).get("id") != target["id"]:
                # A status belongs to its board: moving the ticket needs a status of the new board.
                status = self._status_on(target["id"], (current.get("status") or {}).get("name"))
                ops += [{"op": "replace", "path": "board", "value": {"id": target["id"]}},
                        {"op": "replace", "path": "status", "value": {"id": status["id"]}}]  # fmt: skip
        updated = self._request("PATCH", self.api + path, json=ops)
        if note:
            self.add_note(ticket_id, note)
        return self._ticket(updated)

    def _board(self, board: str) -> dict[str, Any]:
        matches = self._all("/service/boards", f"name = {cw_string(board)}")
        if not matches and board.isdigit():
            matches = self._all("/service/boards", f"id = {board}")
        if not matches:
            raise PsaError(f"connectwise: no board named {board!r}", retryable=False)
        return matches[0]

    def _status_on(self, board_id: int, current: str | None) -> dict[str, Any]:
        statuses = [s for s in self._all(f"/service/boards/{board_id}/statuses") if not s.get("inactive")]
        open_statuses = [s for s in statuses if not s.get("closedStatus")]
        for candidates in (
            [s for s in open_statuses if current and str(s.get("name", "")).lower() == current.lower()],
            [s for s in open_statuses if s.get("defaultFlag")],
            open_statuses,
        ):
            if candidates:
                return candidates[0]
        raise PsaError(f"connectwise: board {board_id} has no open status", retryable=False)

    def add_note(self, ticket_id: str, text: str) -> None:
        body = {
            "text": text,
            "internalAnalysisFlag": True,
            "detailDescriptionFlag": False,
            "resolutionFlag": False,
        }
        self._request("POST", f"{self.api}/service/tickets/{_int(ticket_id, 'ticket id')}/notes", json=body)

    def list_notes(self, ticket_id: str) -> list[str]:
        notes = self._all(f"/service/tickets/{_int(ticket_id, 'ticket id')}/notes")
        return [str(n.get("text") or "") for n in notes]

    # ---- people and schedules ------------------------------------------------------------

    def _members(self) -> list[dict[str, Any]]:
        # API members (licence class A) are integrations, not technicians.
        return [m for m in self._all("/system/members") if m.get("licenseClass") != "A"]

    def list_members(self) -> list[PsaMember]:
        out = []
        for m in self._members():
            skills = {
                str((s.get("skill") or {}).get("name")): normalise_skill_level(s.get("skillLevel"))
                for s in self._all(f"/system/members/{m['id']}/skills")
                if (s.get("skill") or {}).get("name")
            }
            out.append(
                PsaMember(
                    external_id=str(m["id"]),
                    identifier=str(m.get("identifier") or ""),
                    name=f"{m.get('firstName') or ''} {m.get('lastName') or ''}".strip()
                    or str(m.get("identifier")),
                    email=m.get("primaryEmail") or m.get("officeEmail") or "",
                    active=not m.get("inactiveFlag", False),
                    skills=skills,
                    timezone=(m.get("timeZone") or {}).get("name"),
                )
            )
        return out

    def list_time_off(self, since: datetime, until: datetime) -> list[PsaTimeOff]:
        types = self._all("/schedule/types")
        ids = [
            t["id"]
            for t in types
            if TIME_OFF_TYPE.search(str(t.get("name") or "")) or t.get("identifier") in ("V", "H")
        ]
        if not ids:
            return []
        conditions = f"type/id in ({','.join(str(i) for i in ids)}) and dateStart < [{cw_date(until)}] and dateEnd > [{cw_date(since)}]"
        out = []
        for e in self._all("/schedule/entries", conditions):
            start, end = parse_datetime(e.get("dateStart")), parse_datetime(e.get("dateEnd"))
            member = (e.get("member") or {}).get("id")
            if start and end and member is not None:
                out.append(
                    PsaTimeOff(
                        str(member),
                        start,
                        end,
                        e.get("name") or (e.get("type") or {}).get("name") or "time off",
                    )
                )
        return out

    def list_shifts(self, since: datetime, until: datetime) -> list[PsaShift]:
        """From each member's work calendar (weekday start/end times in the member's time zone)."""
        calendars = {c["id"]: c for c in self._all("/schedule/calendars")}
        out = []
        for m in self._members():
            calendar = calendars.get((m.get("calendar") or {}).get("id"))
            if calendar is None:
                continue
            tz = _zone((m.get("timeZone") or {}).get("name"))
            day = since.astimezone(tz).date() - timedelta(days=1)
            while day <= until.astimezone(tz).date():
                name = WEEKDAYS[day.weekday()]
                start_text, end_text = calendar.get(f"{name}StartTime"), calendar.get(f"{name}EndTime")
                if start_text and end_text:
                    start = datetime.combine(day, time.fromisoformat(start_text), tz)
                    end = datetime.combine(day, time.fromisoformat(end_text), tz)
                    if end <= start:
                        end += timedelta(days=1)
                    if start < until and end > since:
                        out.append(PsaShift(str(m["id"]), start.astimezone(UTC), end.astimezone(UTC)))
                day += timedelta(days=1)
        return out

    def list_time_entries(self, since: datetime) -> list[PsaTimeEntry]:
        out = []
        for e in self._all("/time/entries", f"timeStart >= [{cw_date(since)}]"):
            start = parse_datetime(e.get("timeStart"))
            member = (e.get("member") or {}).get("id")
            if start is None or member is None:
                continue
            end = parse_datetime(e.get("timeEnd"))
            hours = e.get("actualHours")
            if hours is None:
                hours = (end - start).total_seconds() / 3600 if end else 0.0
            ticket = (
                e.get("chargeToId") if e.get("chargeToType") in ("ServiceTicket", "ProjectTicket") else None
            )
            out.append(
                PsaTimeEntry(str(member), str(ticket) if ticket is not None else None, start, float(hours))
            )
        return out

    # ---- desk set-up ---------------------------------------------------------------------

    def list_companies(self) -> list[PsaCompany]:
        return [
            PsaCompany(str(c["id"]), str(c.get("identifier") or ""), c.get("name") or "")
            for c in self._all("/company/companies", "deletedFlag = false")
        ]

    def list_boards(self) -> list[PsaBoard]:
        return [
            PsaBoard(str(b["id"]), b.get("name") or "")
            for b in self._all("/service/boards")
            if not b.get("inactiveFlag")
        ]

    def list_slas(self) -> list[PsaSla]:
        out = []
        for sla in self._all("/service/SLAs"):
            response: dict[str, float] = {}
            resolution: dict[str, float] = {}
            for row in self._all(f"/service/SLAs/{sla['id']}/priorities"):
                level = normalise_priority((row.get("priority") or {}).get("name"))
                if row.get("respondHours") is not None:
                    response[level] = float(row["respondHours"])
                if row.get("resolutionHours") is not None:
                    resolution[level] = float(row["resolutionHours"])
            out.append(PsaSla(str(sla["id"]), sla.get("name") or "", response, resolution))
        return out

    # ---- callbacks -----------------------------------------------------------------------

    def verify_webhook(self, headers: Mapping[str, str], raw_body: bytes, secret: str | None = None) -> bool:
        """x-content-signature against the signing key fetched from the payload's Metadata.key_url
        (only from the configured site or ConnectWise's own hosts).

        What a forged delivery can make us fetch is bounded: nothing unless it carries a
        well-formed signature and a trusted key_url; a key is fetched at most once per
        KEY_REFRESH_AFTER seconds per URL (a rotated key is picked up after that), new URLs
        at most KEY_FETCHES_PER_MINUTE per process, each fetch within KEY_FETCH_SECONDS and
        KEY_MAX_BYTES, and at most KEY_CACHE_SIZE keys are kept."""
        signature = (header(headers, "x-content-signature") or "").strip()
        if not _well_formed_signature(signature):
            return False
        try:
            key_url = json.loads(raw_body)["Metadata"]["key_url"]
        except (ValueError, KeyError, TypeError, RecursionError):
            return False
        if not isinstance(key_url, str) or len(key_url) > 2000 or not self._trusted(key_url):
            return False
        for refresh in (False, True):  # a rotated key: fetch it again, at most once per KEY_REFRESH_AFTER
            key = _SIGNING_KEYS.get(key_url, refresh=refresh, fetch=lambda: self._fetch_signing_key(key_url))
            if key is None:
                return False
            digest = hmac.new(hashlib.sha256(key.encode()).digest(), raw_body, hashlib.sha256).digest()
            if hmac.compare_digest(base64.b64encode(digest), signature.encode()):
                return True
        return False

    def _trusted(self, url: str) -> bool:
        try:
            target, site = httpx.URL(url), httpx.URL(self.base_url)
        except (httpx.InvalidURL, ValueError, TypeError):
            return False
        if target.scheme not in ("http", "https") or not target.host:
            return False
        if (target.host, target.port, target.scheme) == (site.host, site.port, site.scheme):
            return True
        extra = tuple(self.credentials.get("trusted_key_hosts") or ())
        return target.scheme == "https" and (target.host.endswith(TRUSTED_KEY_HOSTS) or target.host in extra)

    def _fetch_signing_key(self, url: str) -> str | None:
        """One GET, no retries, bounded in time and size; None when it yields no key."""
        deadline = time_module.monotonic() + KEY_FETCH_SECONDS
        try:
            with self.client.stream("GET", url, timeout=KEY_FETCH_SECONDS, headers={"Accept": "application/json"}) as response:
                if response.status_code != 200:
                    return None
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > KEY_MAX_BYTES or time_module.monotonic() > deadline:
                        return None
                    chunks.append(chunk)
            data = json.loads(b"".join(chunks))
        except (httpx.HTTPError, httpx.InvalidURL, ValueError, RecursionError):
            return None
        key = data.get("signing_key") if isinstance(data, dict) else None
        return key if isinstance(key, str) and key else None

    def parse_webhook(self, raw_body: bytes) -> tuple[str, str]:
        try:
            payload = json.loads(raw_body)
            kind, action, ticket_id = (
                str(payload["Type"]).lower(),
                str(payload["Action"]).lower(),
                payload["ID"],
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise PsaError("connectwise: not a callback body", retryable=False) from exc
        if kind != "ticket" or action not in ACTIONS:
            raise PsaError(f"connectwise: not a ticket event ({kind} {action})", retryable=False)
        return str(ticket_id), ACTIONS[action]

    def webhook_dedupe_key(self, raw_body: bytes) -> str:
        try:
            return f"cw:{json.loads(raw_body)['MessageId']}"
        except (ValueError, KeyError, TypeError):
            return super().webhook_dedupe_key(raw_body)


KEY_CACHE_SIZE = 32
KEY_TTL = 3600.0
KEY_REFRESH_AFTER = 60.0
KEY_FETCHES_PER_MINUTE = 10
KEY_FETCH_SECONDS = 3.0
KEY_MAX_BYTES = 16_384


def _well_formed_signature(signature: str) -> bool:
    """base64 of a SHA-256 digest: 44 ASCII characters."""
    if len(signature) != 44 or not signature.isascii():
        return False
    try:
        return len(base64.b64decode(signature, validate=True)) == 32
    except (ValueError, binascii.Error):
        return False


class SigningKeys:
    """Callback signing keys by key URL: LRU-bounded, with a TTL, a minimum age before a
    refresh and a per-process budget of fetches, so forged deliveries cannot make the server
    fetch (or remember) without bound. Thread-safe; a fetch happens outside the lock."""

    def __init__(self) -> None:
        self._keys: OrderedDict[str, tuple[float, str]] = OrderedDict()  # url -> (fetched at, key)
        self._fetches: deque[float] = deque()
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._keys.clear()
            self._fetches.clear()

    def __len__(self) -> int:
        return len(self._keys)

    def get(self, url: str, *, refresh: bool, fetch: Callable[[], str | None]) -> str | None:
        now = time_module.monotonic()
        with self._lock:
            hit = self._keys.get(url)
            if hit and now - hit[0] < KEY_TTL and not (refresh and now - hit[0] >= KEY_REFRESH_AFTER):
                if refresh:
                    return None  # fetched moments ago: a mismatch is a bad signature, not a rotation
                self._keys.move_to_end(url)
                return hit[1]
            while self._fetches and now - self._fetches[0] > 60:
                self._fetches.popleft()
            if len(self._fetches) >= KEY_FETCHES_PER_MINUTE:
                return None
            self._fetches.append(now)
        key = fetch()
        if key is None:
            return None
        with self._lock:
            self._keys[url] = (time_module.monotonic(), key)
            self._keys.move_to_end(url)
            while len(self._keys) > KEY_CACHE_SIZE:
                self._keys.popitem(last=False)
        return key


_SIGNING_KEYS = SigningKeys()
ConnectWiseBackend._signing_keys = _SIGNING_KEYS


def _json(response: httpx.Response) -> Any:
    try:
        return response.json() if response.text.strip() else None
    except ValueError as exc:
        raise PsaError("connectwise: invalid JSON in a response", retryable=True) from exc


def _int(value: str, what: str) -> int:
    try:
        return int(str(value))
    except ValueError as exc:
        raise PsaError(f"connectwise: {what} {value!r} is not a number", retryable=False) from exc


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
