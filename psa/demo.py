"""The PSA half of `manage.py demo`: one simulator in a background thread, seeded from the
demo's own (rebased) workspace, with its webhook pointing at the demo server, and the
connection "demo" to it with the members mapped and the open tickets read."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dispatch.models import Ticket
from psa.management.commands.psa_connect import connection_first_sync, connection_upsert
from psa.models import PsaConnection
from psa.reconcile import owners_reconcile
from psa.simulator import serve_in_thread
from psa.simulator.base import SimServer
from psa.simulator.cli import DEFAULT_CREDENTIALS, DEFAULT_PORTS

CONNECTION = "demo"
LABELS = {"connectwise": "ConnectWise Manage", "autotask": "Autotask", "halopsa": "HaloPSA"}


@dataclass
class DemoPsa:
    vendor: str
    server: SimServer
    url: str
    connection: PsaConnection


def demo_psa_start(
    *, vendor: str, workspace: dict[str, Any], server_url: str, port: int | None, write: Callable[[str], Any]
) -> DemoPsa:
    """Start the simulator and connect to it. Tickets a previous demo session created in its
    (in-memory, now gone) simulator are removed first: the new simulator hands out the same ids."""
    secret = secrets.token_urlsafe(24)
    webhook_url = f"{server_url.rstrip('/')}/api/v1/psa/{CONNECTION}/webhook"
    credentials = dict(DEFAULT_CREDENTIALS[vendor])
    wanted = DEFAULT_PORTS[vendor] if port is None else port
    options = {"webhook_username": "halo"} if vendor == "halopsa" else {}
    try:
        server, url = serve_in_thread(
            vendor, workspace, credentials, webhook_url, secret, port=wanted, **options
        )
    except OSError:  # the usual port is taken: any free one will do
        server, url = serve_in_thread(vendor, workspace, credentials, webhook_url, secret, port=0, **options)
    write(f"Started the {LABELS[vendor]} simulator on {url}; connecting …")
    connection = connection_upsert(
        name=CONNECTION, vendor=vendor, base_url=url, credentials=credentials, webhook_secret=secret
    )
    PsaConnection.objects.filter(pk=connection.pk).update(ticket_cursor=None)
    PsaConnection.objects.exclude(pk=connection.pk).update(enabled=False)
    seeded = {str(t.get("id")) for t in workspace.get("tickets", [])}
    Ticket.objects.filter(connection=connection).exclude(external_id__in=seeded).delete()
    connection.refresh_from_db()
    connection_first_sync(connection, write)
    # The new simulator starts from the workspace: owners set here since (pushed to the previous,
    # now gone, simulator) are pushed again, and whatever it says otherwise is mirrored.
    run = owners_reconcile(connection_id=connection.pk, trigger="start")
    write(
        f"Owners compared with the simulator: {run.in_step} in step, {run.pushed} pushed again, "
        f"{run.mirrored} mirrored, {run.created} new."
    )
    return DemoPsa(vendor, server, url, connection)


def demo_psa_help(psa: DemoPsa) -> list[str]:
    example = (
        '{"subject": "Outlook keeps asking for my password", "description": "Since this morning, on my laptop.", '
        '"priority": "High", "company": "harborview", "category": "Email Support"}'
    )
    return [
        f"  PSA:        {LABELS[psa.vendor]} simulator at {psa.url} (connection '{psa.connection.name}', webhooks on)",
        f"  New ticket: curl -s -X POST {psa.url}/_sim/tickets -H 'Content-Type: application/json' -d '{example}'",
        "              (it reaches the queue by webhook within seconds; approving it pushes owner + note back:",
        f"               curl -s {psa.url}/_sim/state)",
    ]
