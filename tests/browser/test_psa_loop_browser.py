"""The demo's PSA loop end to end in headless Chromium: a ticket created in the simulator is
delivered by its webhook to the live server, shows up in the queue with a suggestion, and
approving it there pushes owner and note back to the simulator. Tasks run eagerly, as in
the demo (no worker)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from dispatch.models import Decision, Ticket
from psa import sync
from psa.models import PsaConnection
from psa.simulator import VENDORS, serve_in_thread
from tests.browser.conftest import PASSWORD
from tests.factories import UserFactory
from tests.psa.conftest import CREDENTIALS, WEBHOOK_SECRET, make_workspace

pytestmark = pytest.mark.browser


# The browser is tests/browser/conftest.py's session fixture: one Playwright per test run
# (a second sync Playwright cannot start while the first one's event loop is running).
@pytest.mark.parametrize("vendor", VENDORS)
def test_a_psa_ticket_reaches_the_queue_and_approval_pushes_it_back(
    vendor: str, live_server: Any, transactional_db: Any, browser: Any, eager: None
) -> None:
    hook = f"{live_server.url}/api/v1/psa/sim/webhook"
    server, url = serve_in_thread(vendor, make_workspace(), CREDENTIALS[vendor], hook, WEBHOOK_SECRET)
    try:
        connection = PsaConnection(name="sim", vendor=vendor, base_url=url)
        connection.set_credentials(CREDENTIALS[vendor])
        connection.set_webhook_secret(WEBHOOK_SECRET)
        connection.save()
        sync.people_sync(connection_id=connection.pk)
        sync.tickets_sync(connection_id=connection.pk)
        with httpx.Client(base_url=url, timeout=10) as sim:
            created = sim.post(
                "/_sim/tickets",
                json={"subject": "Exchange mailbox not syncing", "priority": "High", "company": "acme"},
            )
            ticket_id = created.json()["id"]
            assert (
                sim.get("/_sim/webhooks").json()["deliveries"][-1]["status"] == 200
            )  # waits for the delivery
            decision = Decision.objects.get(ticket__connection=connection, ticket__external_id=ticket_id)
            assert decision.recommended is not None

            context = browser.new_context(base_url=live_server.url)
            page = context.new_page()
            page.set_default_timeout(10_000)
            UserFactory(username="dana", role="dispatcher", password=PASSWORD)
            page.goto("/accounts/login/")
            page.fill("#id_username", "dana")
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/queue/")
            page.click(f"button[data-action=approve][title^='Assign #{ticket_id} ']")
            page.wait_for_selector(f"text=#{ticket_id} assigned to {decision.recommended.name}")
            context.close()

            state = next(t for t in sim.get("/_sim/state").json()["tickets"] if t["id"] == ticket_id)
        assert state["owner"] == decision.recommended.external_id
        assert any("Assigned to" in note["text"] for note in state["notes"])
        assert Ticket.objects.get(pk=decision.ticket_id).assigned_to == decision.recommended
    finally:
        server.stop()
