"""psa_connect and the PSA half of the demo, against simulators over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import CommandError, call_command

from dispatch.models import Decision, Ticket
from psa.demo import demo_psa_start
from psa.models import MemberMapping, PsaConnection
from psa.webhooks import webhook_event_process
from tests.psa.conftest import CREDENTIALS, make_workspace
from tests.psa_django.conftest import Sim, post_delivery

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("vendor", ["autotask"])
def test_psa_connect_creates_the_connection_and_maps_members(sim: Sim, capsys: Any) -> None:
    call_command(
        "psa_connect", "at", vendor="autotask", base_url=sim.url, sync=True, **CREDENTIALS["autotask"]
    )
    connection = PsaConnection.objects.get(name="at")
    assert connection.get_credentials() == CREDENTIALS["autotask"]
    assert MemberMapping.objects.filter(connection=connection).count() == 4
    assert Ticket.objects.filter(connection=connection).count() == 3
    assert "/api/v1/psa/at/webhook" in capsys.readouterr().out


def test_psa_connect_names_missing_credentials_and_stores_nothing(db: Any) -> None:
    with pytest.raises(CommandError, match="missing client_secret"):
        call_command("psa_connect", "halo", vendor="halopsa", base_url="http://127.0.0.1:8103", client_id="x")
    assert not PsaConnection.objects.exists()


@pytest.mark.parametrize("vendor", ["connectwise", "autotask", "halopsa"])
def test_demo_simulator_delivers_new_tickets_to_the_demo_connection(
    vendor: str, django_capture_on_commit_callbacks: Any
) -> None:
    psa = demo_psa_start(
        vendor=vendor,
        workspace=make_workspace(),
        server_url="http://127.0.0.1:9",
        port=0,
        write=lambda _: None,
    )
    try:
        sim = psa.server.app
        assert sim.webhook_url == "http://127.0.0.1:9/api/v1/psa/demo/webhook"
        assert Ticket.objects.filter(connection=psa.connection).count() == 3
        ticket = sim.state.add_ticket({"subject": "Mailbox full", "priority": "High", "company": "acme"})
        sim.webhooks.flush()
        with django_capture_on_commit_callbacks():
            assert post_delivery(psa.connection, sim.webhooks.log[-1]).status_code == 200
        webhook_event_process(event_id=psa.connection.events.get().pk)
        assert Decision.objects.filter(
            ticket__external_id=str(ticket.num), ticket__connection=psa.connection
        ).exists()
    finally:
        psa.server.stop()
