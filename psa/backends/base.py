"""The PSA backend contract: what Switchboard reads from and writes to a PSA.

One subclass per vendor (connectwise.py, autotask.py, halopsa.py), each over an injected
`httpx.Client`. Methods return the small DTO dataclasses below, never vendor JSON.

Error contract
--------------
Every failure a caller can act on is raised as `PsaError`; nothing else escapes (no httpx
exceptions, no KeyError on odd JSON):

- `retryable=False`: retrying the same call cannot help: bad credentials (401/403), an
  unknown ticket or member (404), a rejected write (400/409/422), an unknown company or user
  at discovery, a webhook body that is not what the vendor sends.
- `retryable=True`: the PSA is busy or unreachable (429, 5xx, Autotask's thread-limit
  rejection "Itgenatr005", timeouts, dropped connections) and the backend already retried a
  few times with exponential backoff, honouring Retry-After. `retry_after` (seconds) is set
  when the PSA asked for a wait, including a Retry-After longer than the backend is willing to
  sleep, which it reports at once instead of sleeping.

Credentials are never logged or put into error messages.
"""

from __future__ import annotations

import hashlib
import logging
import random
import re
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar

import httpx

log = logging.getLogger(__name__)

PRIORITIES = ("Low", "Medium", "High", "Critical")
RETRYABLE_STATUS = {408, 425, 429, 500, 502, 503, 504}
THREAD_LIMIT_MARKER = "Itgenatr005"


class PsaError(Exception):
    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        retry_after: float | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.retry_after = retry_after
        self.status_code = status_code

    def __repr__(self) -> str:
        return f"PsaError({self.message!r}, retryable={self.retryable}, retry_after={self.retry_after})"


# ---- DTOs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PsaTicket:
    external_id: str
    summary: str
    description: str
    board: str | None
    status: str | None
    priority: str  # normalised: Low, Medium, High or Critical
    company_external_id: str | None
    company_name: str | None
    owner_external_id: str | None
    created_at: datetime | None
    updated_at: datetime | None
    sla_due: datetime | None
    estimated_hours: float | None
    closed: bool
    category: str | None = None


@dataclass(frozen=True)
class PsaMember:
    external_id: str
    identifier: str  # CW member identifier, Autotask userName, Halo custom field CFSwitchboardId or e-mail
    name: str
    email: str
    active: bool
    skills: dict[str, str] = field(default_factory=dict)  # skill name -> beginner | intermediate | expert
    timezone: str | None = None


@dataclass(frozen=True)
class PsaTimeOff:
    member_external_id: str
    start: datetime
    end: datetime
    reason: str


@dataclass(frozen=True)
class PsaShift:
    member_external_id: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class PsaTimeEntry:
    member_external_id: str
    ticket_external_id: str | None
    start: datetime
    hours: float


@dataclass(frozen=True)
class PsaCompany:
    external_id: str
    identifier: str  # CW company identifier, Autotask companyNumber, Halo custom field or the name
    name: str


@dataclass(frozen=True)
class PsaBoard:
    external_id: str
    name: str


@dataclass(frozen=True)
class PsaSla:
    external_id: str
    name: str
    response_hours: dict[str, float] = field(default_factory=dict)  # by normalised priority
    resolution_hours: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class RetryPolicy:
    """retries: extra attempts after the first; delays grow base_delay * 2**n (with jitter) up
    to max_delay; a Retry-After above max_retry_after is reported, not slept."""

    retries: int = 3
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 10.0
    timeout: float = 30.0

    def backoff(self, attempt: int) -> float:
        return min(self.max_delay, self.base_delay * 2**attempt) * (0.5 + random.random() / 2)


# ---- helpers shared by the backends ---------------------------------------------------------


def normalise_priority(name: Any, default: str = "Medium") -> str:
    """Low/Medium/High/Critical from a vendor's priority label ("Priority 3 - Normal Response",
    "P1", "Critical", "Emergency")."""
    text = str(name or "").lower()
    for level, words in (
        ("Critical", ("critical", "emergency", "urgent")),
        ("High", ("high", "quick")),
        ("Medium", ("medium", "normal", "moderate")),
        ("Low", ("low", "schedule", "do not respond", "planning")),
    ):
        if any(word in text for word in words):
            return level
    match = re.search(r"(?:priority|p)\s*(\d)", text)
    if match:
        return {1: "Critical", 2: "High", 3: "Medium"}.get(int(match.group(1)), "Low")
    return default


def normalise_skill_level(level: Any) -> str:
    text = str(level or "").lower()
    if text in ("expert", "advanced", "4", "3", "5"):
        return "expert"
    if text in ("beginner", "novice", "basic", "1", "0"):
        return "beginner"
    return "intermediate"


def parse_datetime(value: Any) -> datetime | None:
    """An aware UTC datetime from a vendor's ISO 8601 text (naive text is UTC)."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(str(value).strip())
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def sorted_pages(tickets: list[PsaTicket], size: int) -> Iterator[list[PsaTicket]]:
    """Pages in ascending (updated_at, id) order, so a caller may advance its cursor per page."""
    floor = datetime.min.replace(tzinfo=UTC)
    ordered = sorted(tickets, key=lambda t: (t.updated_at or floor, _id_key(t.external_id)))
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def _id_key(value: str) -> tuple[int, str]:
    return (int(value), "") if value.isdigit() else (0, value)


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header from any mapping (Django's request.headers, a dict, httpx.Headers), any case."""
    value = headers.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lowered), None)


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


_shared_client: httpx.Client | None = None
_shared_lock = threading.Lock()


def shared_client() -> httpx.Client:
    """One pooled client per process for backends built without one (httpx.Client is thread-safe)."""
    global _shared_client
    with _shared_lock:
        if _shared_client is None:
            _shared_client = httpx.Client(timeout=30.0, headers={"User-Agent": "Switchboard/1.0"})
        return _shared_client


def fingerprint(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:16]


# ---- the contract ---------------------------------------------------------------------------


class PsaBackend(ABC):
    vendor: ClassVar[str] = ""

    def __init__(
        self,
        base_url: str,
        credentials: Mapping[str, Any],
        client: httpx.Client | None = None,
        *,
        retry: RetryPolicy | None = None,
        page_size: int = 100,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.credentials = dict(credentials)
        self.client = client or shared_client()
        self.retry = retry or RetryPolicy()
        self.page_size = page_size
        self._sleep = sleep

    def __repr__(self) -> str:  # never the credentials
        return f"<{type(self).__name__} {self.base_url}>"

    # -- reads --

    @abstractmethod
    def list_tickets_changed_since(
        self, cursor: datetime | None, boards: list[str] | None = None
    ) -> Iterator[list[PsaTicket]]:
        """Tickets changed at or after `cursor` (at the PSA's precision, so the boundary may come
        again; upserts make that harmless), closed ones included; with no cursor, all open
        tickets. Restricted to `boards` (names) when given. Pages come in ascending
        (updated_at, id) order: after storing a page, the caller may advance its cursor to the
        page's last updated_at."""

    @abstractmethod
    def get_ticket(self, ticket_id: str) -> PsaTicket: ...

    @abstractmethod
    def list_members(self) -> list[PsaMember]:
        """All members (technicians), inactive ones included, with their skills."""

    @abstractmethod
    def list_time_off(self, since: datetime, until: datetime) -> list[PsaTimeOff]:
        """Time off overlapping [since, until)."""

    @abstractmethod
    def list_shifts(self, since: datetime, until: datetime) -> list[PsaShift]:
        """Working shifts overlapping [since, until), where the PSA keeps them."""

    @abstractmethod
    def list_time_entries(self, since: datetime) -> list[PsaTimeEntry]: ...

    @abstractmethod
    def list_companies(self) -> list[PsaCompany]: ...

    @abstractmethod
    def list_boards(self) -> list[PsaBoard]:
        """Boards (ConnectWise), queues (Autotask) or teams (HaloPSA)."""

    @abstractmethod
    def list_slas(self) -> list[PsaSla]: ...

    # -- writes --

    @abstractmethod
    def assign_ticket(
        self, ticket_id: str, member_external_id: str, board: str | None, note: str
    ) -> PsaTicket:
        """Make the member the ticket's owner (moving it to `board`, a board name, when given) and
        add `note` as an internal note. Returns the updated ticket."""

    @abstractmethod
    def add_note(self, ticket_id: str, text: str) -> None:
        """Add an internal note to the ticket."""

    def list_notes(self, ticket_id: str) -> list[str]:
        """The texts of the ticket's notes. The outbox reads them before adding its note, so
        a note whose POST timed out (or whose worker died) after the PSA stored it is not
        added twice."""
        raise NotImplementedError(f"{self.vendor}: list_notes")

    # -- webhooks --

    @abstractmethod
    def verify_webhook(self, headers: Mapping[str, str], raw_body: bytes, secret: str | None = None) -> bool:
        """Whether a delivery is authentic. `secret` (the connection's webhook secret) defaults
        to credentials["webhook_secret"]. Never raises."""

    @abstractmethod
    def parse_webhook(self, raw_body: bytes) -> tuple[str, str]:
        """(ticket external id, action), action being "created", "updated" or "deleted".
        Raises PsaError(retryable=False) for a body that is not a ticket event."""

    def webhook_dedupe_key(self, raw_body: bytes) -> str:
        """A key that is the same for re-deliveries of one event (for a unique constraint)."""
        return hashlib.sha256(raw_body).hexdigest()

    def close(self) -> None:
        if self.client is not _shared_client:
            self.client.close()

    def __enter__(self) -> PsaBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- HTTP with retries --

    def _auth_headers(self) -> dict[str, str]:
        return {}

    def _refresh_auth(self) -> bool:
        """Called once on a 401; True when new credentials (a token) are worth a retry."""
        return False

    def _semaphore(self, url: str) -> Any:
        return nullcontext()

    def _request(
        self,
        method: str,
        url: str,
        *,
        auth: bool = True,
        expect_json: bool = True,
        fatal_status: frozenset[int] = frozenset(),
        **kwargs: Any,
    ) -> Any:
        """Send with retries (see the error contract); returns the decoded JSON (or the response
        when expect_json is False). `fatal_status`: codes that mean "wrong input" for this call."""
        path = httpx.URL(url).path
        extra_headers = kwargs.pop("headers", {})
        attempt = 0
        refreshed = False
        while True:
            try:
                with self._semaphore(url):
                    headers = {**(self._auth_headers() if auth else {}), **extra_headers}
                    response = self.client.request(
                        method, url, headers=headers, timeout=self.retry.timeout, **kwargs
                    )
            except httpx.HTTPError as exc:  # transport failures: timeouts, refused or dropped connections
                failure = PsaError(
                    f"{self.vendor}: {method} {path} failed: {type(exc).__name__}", retryable=True
                )
                self._wait_or_raise(failure, attempt, exc)
                attempt += 1
                continue
            if response.status_code == 401 and auth and not refreshed and self._refresh_auth():
                refreshed = True
                continue
            if response.status_code < 400:
                return self._decode(response, method, path) if expect_json else response
            self._wait_or_raise(self._failure(response, method, path, fatal_status), attempt)
            attempt += 1

    def _decode(self, response: httpx.Response, method: str, path: str) -> Any:
        try:
            return response.json() if response.text.strip() else None
        except ValueError as exc:
            raise PsaError(
                f"{self.vendor}: {method} {path} answered with invalid JSON", retryable=True
            ) from exc

    def _failure(
        self, response: httpx.Response, method: str, path: str, fatal_status: frozenset[int]
    ) -> PsaError:
        status, text = response.status_code, response.text
        retryable = (status in RETRYABLE_STATUS or THREAD_LIMIT_MARKER in text) and status not in fatal_status
        return PsaError(
            f"{self.vendor}: {method} {path} -> HTTP {status}: {_error_text(text)}",
            retryable=retryable,
            retry_after=parse_retry_after(response.headers.get("Retry-After")) if retryable else None,
            status_code=status,
        )

    def _wait_or_raise(self, failure: PsaError, attempt: int, cause: BaseException | None = None) -> None:
        """Sleep before the next attempt, or raise `failure` when it is final: not retryable,
        out of retries, or asking for a longer wait than the policy allows."""
        too_long = failure.retry_after is not None and failure.retry_after > self.retry.max_retry_after
        if not failure.retryable or attempt >= self.retry.retries or too_long:
            raise failure from cause
        delay = failure.retry_after if failure.retry_after is not None else self.retry.backoff(attempt)
        log.info("%s; retrying in %.2fs", failure.message, delay)
        self._sleep(delay)


def _error_text(text: str) -> str:
    text = " ".join(text.split())
    return text[:300] + ("…" if len(text) > 300 else "")


def cached_per_process(
    cache: dict[str, tuple[float, Any]], key: str, ttl: float, make: Callable[[], Any]
) -> Any:
    """A tiny TTL cache for discovery results shared by backend instances of one process."""
    now = time.monotonic()
    hit = cache.get(key)
    if hit and hit[0] > now:
        return hit[1]
    value = make()
    cache[key] = (now + ttl, value)
    return value
