"""One simulator per vendor on an ephemeral port, a PsaConnection pointing at it, and helpers
to replay the simulator's own webhook deliveries (real signatures) into the Django endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from django.test import Client

from psa import sync
from psa.models import PsaConnection
from psa.simulator import VENDORS, serve_in_thread
from psa.simulator.base import SimServer
from tests.psa.conftest import CREDENTIALS, FAST, WEBHOOK_SECRET, clear_backend_caches, make_workspace

# Deliveries to a port nobody listens on fail at once, but the simulator logs url, headers
# and body, which the tests post to the Django endpoint themselves.
NOWHERE = "http://127.0.0.1:9/hook"
MEMBER_PATHS = {"connectwise": "/system/members", "autotask": "/resources", "halopsa": "/api/agent"}


@dataclass
class Sim:
    vendor: str
    server: SimServer
    url: str
    http: httpx.Client

    def create_ticket(self, **fields: Any) -> str:
        body = {
            "subject": "VPN drops every hour",
            "priority": "High",
            "board": "Service Desk",
            "company": "acme",
            **fields,
        }
        response = self.http.post("/_sim/tickets", json=body)
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def update_ticket(self, ticket_id: str, **changes: Any) -> None:
        response = self.http.post(f"/_sim/tickets/{ticket_id}", json=changes)
        assert response.status_code == 200, response.text

    def ticket(self, ticket_id: str) -> dict[str, Any]:
        tickets = self.http.get("/_sim/state", params={"closed": "1"}).json()["tickets"]
        return next(t for t in tickets if t["id"] == ticket_id)

    def deliveries(self) -> list[dict[str, Any]]:
        return self.http.get("/_sim/webhooks").json()["deliveries"]

    def fault(self, **spec: Any) -> None:
        self.http.post("/_sim/faults", json=spec).raise_for_status()


@pytest.fixture(autouse=True)
def fast_backends(monkeypatch: pytest.MonkeyPatch) -> None:
    """Quick retries, and no per-process cache (codebase, zone, token, signing key) leaking
    from one simulator to the next that happens to reuse its port."""
    monkeypatch.setattr(sync, "BACKEND_OPTIONS", {"retry": FAST})
    clear_backend_caches()
    sync._company_ids.clear()


@pytest.fixture(params=VENDORS)
def vendor(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def sim(vendor: str) -> Iterator[Sim]:
    server, url = serve_in_thread(vendor, make_workspace(), CREDENTIALS[vendor], NOWHERE, WEBHOOK_SECRET)
    with httpx.Client(base_url=url, timeout=10) as http:
        yield Sim(vendor, server, url, http)
    server.stop()


@pytest.fixture
def connection(db: Any, sim: Sim) -> PsaConnection:
    conn = PsaConnection(name=f"sim-{sim.vendor}", vendor=sim.vendor, base_url=sim.url)
    conn.set_credentials(CREDENTIALS[sim.vendor])
    conn.set_webhook_secret(WEBHOOK_SECRET)
    conn.save()
    return conn


def post_delivery(connection: PsaConnection, delivery: dict[str, Any], body: bytes | None = None) -> Any:
    """Post one of the simulator's deliveries, with its own headers, to our endpoint."""
    headers = {
        k: v
        for k, v in delivery["headers"].items()
        if k.lower() not in ("content-type", "content-length", "host")
    }
    content_type = next(
        (v for k, v in delivery["headers"].items() if k.lower() == "content-type"), "application/json"
    )
    raw = delivery["body"].encode() if body is None else body
    return Client().post(
        f"/api/v1/psa/{connection.name}/webhook", data=raw, content_type=content_type, headers=headers
    )
