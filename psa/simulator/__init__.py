"""Local simulators of the ConnectWise Manage, Autotask and HaloPSA REST APIs.

Pure Python (standard library only, no Django): one ThreadingHTTPServer per vendor, with
in-memory state seeded from a workspace dict. See docs/psa.md.

    server = make_server("connectwise", "127.0.0.1", 0, workspace, credentials)
    server, base_url = serve_in_thread("autotask", workspace, credentials)   # tests
    ...
    server.stop()
"""

from __future__ import annotations

import threading
from typing import Any

from psa.simulator.base import SimServer, SimulatorApp

VENDORS = ("connectwise", "autotask", "halopsa")


def app_class(vendor: str) -> type[SimulatorApp]:
    if vendor == "connectwise":
        from psa.simulator.connectwise import ConnectWiseApp

        return ConnectWiseApp
    if vendor == "autotask":
        from psa.simulator.autotask import AutotaskApp

        return AutotaskApp
    if vendor == "halopsa":
        from psa.simulator.halopsa import HaloApp

        return HaloApp
    raise ValueError(f"unknown PSA vendor {vendor!r}; expected one of {', '.join(VENDORS)}")


def make_server(
    vendor: str,
    host: str,
    port: int,
    workspace: dict[str, Any],
    credentials: dict[str, str],
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    **options: Any,
) -> SimServer:
    """A bound (not yet serving) simulator. Credentials: connectwise {company_id, public_key,
    private_key, client_id}; autotask {username, secret, integration_code}; halopsa {client_id,
    client_secret}. Options: public_url (the base URL the simulator advertises, default its own
    address), seed_history (closed tickets and time entries from "history", default True),
    token_ttl (halopsa, seconds), webhook_username (halopsa Basic auth user, default "halo")."""
    app = app_class(vendor)(workspace, credentials, webhook_url, webhook_secret, **options)
    return SimServer((host, port), app)


def serve_in_thread(
    vendor: str,
    workspace: dict[str, Any],
    credentials: dict[str, str],
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    **options: Any,
) -> tuple[SimServer, str]:
    """Start a simulator on a daemon thread (port 0: an ephemeral port); returns (server,
    base_url). Stop it with server.stop()."""
    server = make_server(vendor, host, port, workspace, credentials, webhook_url, webhook_secret, **options)
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True, name=f"sim-{vendor}"
    ).start()
    return server, server.base_url


__all__ = ["VENDORS", "SimServer", "make_server", "serve_in_thread"]
