"""One command to a working dashboard: migrate, import the example desk (its timestamps
moved so that its newest ticket is a few minutes old), train the models, create the
logins and an API token, and run the server."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from accounts.models import ApiToken, Role, User

EXAMPLE = Path(settings.BASE_DIR) / "dispatch" / "fixtures" / "example_workspace.json"
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")
LOGINS = {"dispatcher": ("dispatcher", Role.DISPATCHER), "manager": ("manager", Role.MANAGER)}
DEMO_PASSWORD = "switchboard-demo"


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _walk(doc: Any, fn: Any) -> Any:
    if isinstance(doc, dict):
        return {k: _walk(v, fn) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_walk(v, fn) for v in doc]
    if isinstance(doc, str) and _ISO.match(doc):
        return fn(doc)
    return doc


def rebase(doc: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Shift every timestamp so the newest open ticket was created ten minutes before `now`."""
    created = [_parse(t["created_at"]) for t in doc.get("tickets", []) if t.get("created_at")]
    if not created:
        return doc
    delta = (now - timedelta(minutes=10)) - max(created)
    return _walk(doc, lambda v: (_parse(v) + delta).astimezone(UTC).isoformat().replace("+00:00", "Z"))


class Command(BaseCommand):
    help = "Set up and run the demo: SQLite, example desk, trained models, logins, server."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--workspace", default=str(EXAMPLE))
        parser.add_argument("--reset", action="store_true", help="Re-import the example desk even when data exists")
        parser.add_argument("--no-server", action="store_true", help="Set up only; do not run the server")
        parser.add_argument(
            "--psa", choices=["connectwise", "autotask", "halopsa", "none"], default="connectwise",
            help="PSA simulator to run alongside the server, connected by webhook (none: no PSA)",
        )  # fmt: skip
        parser.add_argument("--psa-port", type=int, default=None, help="Simulator port (default 8101 / 8102 / 8103)")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", verbosity=0, interactive=False)
        from dispatch.models import Ticket

        path = Path(settings.VAR_DIR) / "demo_workspace.json"
        if options["reset"] or not Ticket.objects.exists():
            doc = rebase(json.loads(Path(options["workspace"]).read_text()), datetime.now(UTC))
            path.write_text(json.dumps(doc))
            self.stdout.write(f"Importing the example desk from {options['workspace']} …")
            call_command("import_workspace", str(path), replace=True, no_train=True)
            self.stdout.write("Training the models on its history …")
            call_command("train_models")
            from datetime import timedelta

            from dispatch.freshness import queue_rerank

            self.stdout.write("Ranking the queue …")
            queue_rerank(settle=timedelta(0))  # every row ranked before the page first opens
        token = self._logins()
        url = f"http://{options['host']}:{options['port']}/"
        psa = None
        if options["psa"] != "none" and not options["no_server"]:
            from psa.demo import demo_psa_start

            # The simulator holds the same desk as the database: the rebased file of the import.
            if not path.exists():
                path.write_text(json.dumps(rebase(json.loads(Path(options["workspace"]).read_text()), datetime.now(UTC))))
            psa = demo_psa_start(
                vendor=options["psa"], workspace=json.loads(path.read_text()), server_url=url,
                port=options["psa_port"], write=self.stdout.write,
            )  # fmt: skip
        self.stdout.write(self.style.SUCCESS("\nSwitchboard demo is ready."))
        self.stdout.write(f"  Queue:      {url}")
        self.stdout.write(f"  Logins:     dispatcher / {DEMO_PASSWORD}   manager / {DEMO_PASSWORD}")
        self.stdout.write(f"  API token:  {token}")
        self.stdout.write(
            f"  Try:        curl -s -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' "
            f"-d '{{\"ticket_id\": \"{self._example_ticket()}\"}}' {url}api/v1/dispatch"
        )
        if psa is not None:
            from psa.demo import demo_psa_help

            for line in demo_psa_help(psa):
                self.stdout.write(line)
        self.stdout.write("")
        if not options["no_server"]:
            call_command("runserver", f"{options['host']}:{options['port']}", use_reloader=False)

    def _logins(self) -> str:
        for username, role in LOGINS.values():
            user, created = User.objects.get_or_create(username=username, defaults={"role": role})
            if created or not user.has_usable_password():
                user.set_password(DEMO_PASSWORD)
                user.role = role
                user.save()
        _, raw = ApiToken.issue(User.objects.get(username="dispatcher"), name="demo")
        return raw

    def _example_ticket(self) -> str:
        from django.utils import timezone

        from dispatch.facts import open_unassigned_tickets

        # The most urgent ticket that is not breached yet: the example should show a normal
        # decision, not the SLA_ALREADY_BREACHED escalation path.
        tickets = open_unassigned_tickets()
        first = tickets.filter(sla_due__gt=timezone.now()).first() or tickets.first()
        return first.external_id if first else "12345"
