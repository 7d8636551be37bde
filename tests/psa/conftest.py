"""A small workspace, one simulator per vendor on an ephemeral port, a webhook receiver."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from psa.backends import RetryPolicy, get_backend
from psa.backends.autotask import AutotaskBackend
from psa.backends.base import PsaBackend
from psa.backends.connectwise import ConnectWiseBackend
from psa.backends.halopsa import HaloBackend
from psa.simulator import VENDORS, serve_in_thread
from psa.simulator.base import SimServer

NOW = datetime.now(UTC).replace(microsecond=0)
TODAY = NOW.replace(hour=0, minute=0, second=0)
VACATION_START = TODAY + timedelta(days=10)
VACATION_END = TODAY + timedelta(days=12)
WEBHOOK_SECRET = "whsec-test-0123456789"
FAST = RetryPolicy(retries=3, base_delay=0.01, max_delay=0.05, max_retry_after=5, timeout=5)

CREDENTIALS: dict[str, dict[str, str]] = {
    "connectwise": {
        "company_id": "acmemsp",
        "public_key": "pub-key",
        "private_key": "priv-key-secret",
        "client_id": "client-guid",
    },
    "autotask": {
        "username": "api@acmemsp.example",
        "secret": "at-secret-value",
        "integration_code": "TRACKINGCODE",
    },
    "halopsa": {"client_id": "halo-client", "client_secret": "halo-secret-value"},
}
WRONG_CREDENTIALS: dict[str, dict[str, str]] = {
    "connectwise": {**CREDENTIALS["connectwise"], "private_key": "wrong"},
    "autotask": {**CREDENTIALS["autotask"], "secret": "wrong"},
    "halopsa": {**CREDENTIALS["halopsa"], "client_secret": "wrong"},
}


def iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def make_workspace() -> dict[str, Any]:
    return {
        "skills": [
            {"name": "Exchange", "group": "Email"},
            {"name": "Office 365", "group": "Email"},
            {"name": "Printers", "group": "Endpoint"},
            {"name": "Firewalls", "group": "Network"},
        ],
        "sla_policies": [
            {
                "name": "4-Hour Response",
                "response_hours": {"Critical": 1, "High": 4, "Medium": 8, "Low": 24},
                "resolution_hours": {"Critical": 4, "High": 8, "Medium": 24, "Low": 72},
            },  # fmt: skip
        ],
        "technicians": [
            {
                "id": "tech-456",
                "name": "Sarah Johnson",
                "email": "sarah@example.com",
                "timezone": "America/New_York",
                "skills": {"Exchange": "expert", "Office 365": "intermediate"},
                "schedule": [{"days": [0, 1, 2, 3, 4], "start": "08:00", "end": "16:00"}],
                "time_off": [{"start": iso(VACATION_START), "end": iso(VACATION_END), "reason": "vacation"}],
            },  # fmt: skip
            {
                "id": "tech-789",
                "name": "John Smith",
                "email": "john@example.com",
                "timezone": "Europe/London",
                "skills": {"Printers": "beginner", "Office 365": "expert"},
            },  # fmt: skip
            {
                "id": "tech-321",
                "name": "Maria Garcia",
                "email": "maria@example.com",
                "timezone": "UTC",
                "skills": {"Firewalls": "expert"},
            },  # fmt: skip
            {
                "id": "tech-999",
                "name": "Old Timer",
                "email": "old@example.com",
                "active": False,
                "skills": {},
            },
        ],
        "companies": [
            {"id": "acme", "name": "Acme Corporation", "tier": "vip", "sla_policy": "4-Hour Response"},
            {"id": "globex", "name": "Globex", "tier": "standard"},
        ],
        "tickets": [
            {
                "id": "12345",
                "subject": "Outlook cannot connect",
                "description": "Since this morning.",
                "category": "Email Support",
                "priority": "High",
                "board": "Service Desk",
                "company": "acme",
                "status": "New",
                "assigned_to": None,
                "created_at": iso(NOW - timedelta(hours=3)),
                "sla_due": iso(NOW + timedelta(hours=5)),
                "estimated_hours": 2.0,
            },
            {
                "id": "12346",
                "subject": "Printer jam on 3rd floor",
                "description": "Paper jam.",
                "category": "Printer Issues",
                "priority": "Medium",
                "board": "Service Desk",
                "company": "globex",
                "status": "In Progress",
                "assigned_to": "tech-789",
                "created_at": iso(NOW - timedelta(hours=2)),
                "sla_due": iso(NOW + timedelta(hours=22)),
                "estimated_hours": 1.0,
            },
            {
                "id": "12347",
                "subject": "Firewall rule request",
                "description": "Open port 8443.",
                "priority": "Low",
                "board": "Network",
                "company": "acme",
                "status": "New",
                "created_at": iso(NOW - timedelta(hours=1)),
            },
        ],  # fmt: skip
        "history": [
            {
                "ticket_id": "9001",
                "subject": "Mailbox full",
                "description": "",
                "category": "Email Support",
                "priority": "Medium",
                "company": "acme",
                "board": "Service Desk",
                "resolved_by": "tech-456",
                "opened_at": iso(NOW - timedelta(days=3)),
                "first_response_at": iso(NOW - timedelta(days=3) + timedelta(minutes=30)),
                "resolved_at": iso(NOW - timedelta(days=3) + timedelta(hours=2, minutes=30)),
            },
            {
                "ticket_id": "9002",
                "subject": "Printer offline",
                "description": "",
                "category": "Printer Issues",
                "priority": "Low",
                "company": "globex",
                "board": "Service Desk",
                "resolved_by": "tech-789",
                "opened_at": iso(NOW - timedelta(days=2)),
                "resolved_at": iso(NOW - timedelta(days=2) + timedelta(hours=1)),
            },
        ],  # fmt: skip
    }


def clear_backend_caches() -> None:
    """Per-process caches (codebases, zones, tokens, signing keys) must not leak between
    simulators that happen to reuse a port."""
    for cache in (
        ConnectWiseBackend._codebases,
        ConnectWiseBackend._signing_keys,
        AutotaskBackend._zones,
        HaloBackend._tokens,
    ):
        cache.clear()


@pytest.fixture(autouse=True)
def fresh_backend_caches() -> None:
    clear_backend_caches()


@pytest.fixture
def workspace() -> dict[str, Any]:
    return make_workspace()


@dataclass
class Delivery:
    headers: httpx.Headers  # case-insensitive, like Django's request.headers
    body: bytes


@dataclass
class Receiver:
    url: str
    deliveries: list[Delivery] = field(default_factory=list)

    def wait(self, count: int = 1, timeout: float = 5.0) -> list[Delivery]:
        deadline = time.monotonic() + timeout
        while len(self.deliveries) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(self.deliveries) >= count, (
            f"expected {count} webhook deliveries, got {len(self.deliveries)}"
        )
        return self.deliveries


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    deliveries: list[Delivery] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            deliveries.append(Delivery(httpx.Headers(list(self.headers.items())), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    yield Receiver(f"http://127.0.0.1:{server.server_address[1]}/hook", deliveries)
    server.shutdown()
    server.server_close()


@dataclass
class Sim:
    vendor: str
    server: SimServer
    base_url: str
    http: httpx.Client

    def fault(self, mode: str, count: int = 1, **spec: Any) -> None:
        self.http.post(
            f"{self.base_url}/_sim/faults", json={"mode": mode, "count": count, **spec}
        ).raise_for_status()

    def state(self) -> dict[str, Any]:
        return self.http.get(f"{self.base_url}/_sim/state").json()

    def ticket(self, ticket_id: str) -> dict[str, Any]:
        return next(t for t in self.state()["tickets"] if t["id"] == ticket_id)

    def member_id(self, tech: str) -> str:
        return next(m["external_id"] for m in self.state()["members"] if m["identifier"] == tech)

    def requests(self, path_contains: str = "", method: str = "") -> list[dict[str, Any]]:
        params = {"path_contains": path_contains, "method": method}
        return self.http.get(f"{self.base_url}/_sim/requests", params=params).json()["requests"]

    def create_ticket(self, **fields: Any) -> str:
        response = self.http.post(f"{self.base_url}/_sim/tickets", json=fields)
        response.raise_for_status()
        return response.json()["id"]

    def update_ticket(self, ticket_id: str, **fields: Any) -> None:
        self.http.post(f"{self.base_url}/_sim/tickets/{ticket_id}", json=fields).raise_for_status()


def start_sim(
    vendor: str, workspace: dict[str, Any], receiver: Receiver | None = None, **options: Any
) -> Sim:
    server, base_url = serve_in_thread(
        vendor, workspace, CREDENTIALS[vendor], receiver.url if receiver else None, WEBHOOK_SECRET, **options
    )
    return Sim(vendor, server, base_url, httpx.Client(timeout=5))


@pytest.fixture(params=VENDORS)
def vendor(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def sim(vendor: str, workspace: dict[str, Any], receiver: Receiver) -> Iterator[Sim]:
    sim = start_sim(vendor, workspace, receiver)
    yield sim
    sim.http.close()
    sim.server.stop()


def make_backend(sim: Sim, credentials: dict[str, str] | None = None, **options: Any) -> PsaBackend:
    creds = {**(credentials or CREDENTIALS[sim.vendor]), "webhook_secret": WEBHOOK_SECRET}
    return get_backend(
        sim.vendor, sim.base_url, creds, httpx.Client(timeout=5), **{"retry": FAST, "page_size": 2, **options}
    )


@pytest.fixture
def backend(sim: Sim) -> Iterator[PsaBackend]:
    backend = make_backend(sim)
    yield backend
    backend.close()


def webhook_json(body: bytes) -> dict[str, Any]:
    return json.loads(body)
