"""`python -m psa.simulator --vendor connectwise --port 8101 --workspace FILE ...`

`add_arguments(parser)` and `run_from_options(options)` are separate so that a Django
management command (manage.py psa_simulator) can reuse them unchanged.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from psa.simulator import VENDORS, make_server

DEFAULT_PORTS = {"connectwise": 8101, "autotask": 8102, "halopsa": 8103}
DEFAULT_CREDENTIALS = {
    "connectwise": {
        "company_id": "switchboard",
        "public_key": "simulator-public",
        "private_key": "simulator-private",
        "client_id": "switchboard-simulator",
    },
    "autotask": {
        "username": "api@switchboard.example",
        "secret": "simulator-secret",
        "integration_code": "SWITCHBOARDSIM",
    },
    "halopsa": {"client_id": "switchboard-simulator", "client_secret": "simulator-secret"},
}
CREDENTIAL_OPTIONS = {
    "connectwise": ("company_id", "public_key", "private_key", "client_id"),
    "autotask": ("username", "secret", "integration_code"),
    "halopsa": ("client_id", "client_secret"),
}
SECRET_OPTIONS = {"private_key", "secret", "client_secret"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--vendor", required=True, choices=VENDORS)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--port", type=int, default=None, help="default: 8101 / 8102 / 8103 by vendor; 0 = any free port"
    )
    parser.add_argument("--workspace", required=True, help="workspace file (JSON, or YAML with PyYAML)")
    parser.add_argument(
        "--public-url", default=None, help="base URL the simulator advertises (zone url, callback key url)"
    )
    parser.add_argument(
        "--no-history", action="store_true", help="do not seed closed tickets and time entries from history"
    )
    cw = parser.add_argument_group("ConnectWise credentials")
    cw.add_argument("--company-id")
    cw.add_argument("--public-key")
    cw.add_argument("--private-key")
    cw.add_argument("--client-id", help="ConnectWise clientId, or HaloPSA client_id")
    at = parser.add_argument_group("Autotask credentials")
    at.add_argument("--username")
    at.add_argument("--secret")
    at.add_argument("--integration-code")
    halo = parser.add_argument_group("HaloPSA credentials")
    halo.add_argument("--client-secret")
    halo.add_argument("--token-ttl", type=int, default=3600)
    hooks = parser.add_argument_group("webhooks")
    hooks.add_argument(
        "--webhook-url", help="deliver ticket events here (a callback / webhook registered at start)"
    )
    hooks.add_argument(
        "--webhook-secret",
        help="ConnectWise: the callback signing key; Autotask: the secretKey; HaloPSA: the Basic-auth password and signing secret",
    )
    hooks.add_argument("--webhook-username", default="halo", help="HaloPSA: the Basic-auth user name")


def credentials_from_options(vendor: str, options: dict[str, Any]) -> dict[str, str]:
    defaults = DEFAULT_CREDENTIALS[vendor]
    return {name: options.get(name) or defaults[name] for name in CREDENTIAL_OPTIONS[vendor]}


def load_workspace(path: str | Path) -> dict[str, Any]:
    text = Path(path).read_text(encoding="utf-8")
    if str(path).endswith((".yaml", ".yml")):
        import yaml

        return yaml.safe_load(text) or {}
    return json.loads(text)


def run_from_options(options: dict[str, Any]) -> None:
    """Start the simulator described by parsed options and serve until interrupted."""
    vendor = options["vendor"]
    port = options.get("port")
    credentials = credentials_from_options(vendor, options)
    server = make_server(
        vendor,
        options.get("host") or "127.0.0.1",
        DEFAULT_PORTS[vendor] if port is None else port,
        load_workspace(options["workspace"]),
        credentials,
        options.get("webhook_url"),
        options.get("webhook_secret"),
        public_url=options.get("public_url"),
        seed_history=not options.get("no_history"),
        token_ttl=options.get("token_ttl") or 3600,
        webhook_username=options.get("webhook_username") or "halo",
    )
    shown = ", ".join(f"{k}={v}" for k, v in credentials.items() if k not in SECRET_OPTIONS)
    print(f"{vendor} simulator on {server.base_url} ({shown}; secrets not shown)", flush=True)
    if options.get("webhook_url"):
        print(f"ticket events are delivered to {options['webhook_url']}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m psa.simulator", description="Run a local PSA API simulator."
    )
    add_arguments(parser)
    run_from_options(vars(parser.parse_args(argv)))
