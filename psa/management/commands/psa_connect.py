"""`python manage.py psa_connect NAME --vendor V --base-url URL [credentials] [--webhook-secret S] [--sync]`

Creates (or updates) a PSA connection, e.g. for a running simulator: with --simulator the
simulator's default credentials are used for any not given. --sync then maps the members and
reads companies, boards and the open tickets once.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from psa import sync
from psa.backends import VENDORS
from psa.backends.base import PsaError
from psa.models import PsaConnection
from psa.simulator.cli import CREDENTIAL_OPTIONS, DEFAULT_CREDENTIALS


def connection_upsert(
    *,
    name: str,
    vendor: str,
    base_url: str,
    credentials: dict[str, Any],
    webhook_secret: str = "",
    boards: list[str] | None = None,
) -> PsaConnection:
    connection = PsaConnection.objects.filter(name=name).first() or PsaConnection(name=name)
    connection.vendor, connection.base_url, connection.enabled = vendor, base_url.rstrip("/"), True
    connection.credentials_env = ""
    connection.boards = boards or []
    connection.set_credentials(credentials)
    if webhook_secret:
        connection.set_webhook_secret(webhook_secret)
    connection.full_clean(exclude=["credentials_encrypted", "webhook_secret_encrypted"])
    connection.save()
    return connection


def connection_first_sync(connection: PsaConnection, write: Any) -> None:
    """Members first (so tickets find their owners), then the tickets."""
    people = sync.people_sync(connection_id=connection.pk)
    write(f"  members: {people.members} ({people.mapped} newly mapped, {people.created} technicians created), "
          f"companies +{people.companies}, boards +{people.boards}")  # fmt: skip
    tickets = sync.tickets_sync(connection_id=connection.pk)
    write(
        f"  tickets: {tickets.stored} read in {tickets.pages} pages ({tickets.created} new, {tickets.dispatched} dispatched)"
    )
    sync.time_entries_sync(connection_id=connection.pk)


class Command(BaseCommand):
    help = "Create or update a PSA connection (credentials stored encrypted)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="connection name (a slug; used in the webhook URL)")
        parser.add_argument("--vendor", required=True, choices=VENDORS)
        parser.add_argument(
            "--base-url", required=True, help="site / zone / instance URL, e.g. http://127.0.0.1:8101"
        )
        parser.add_argument("--credentials-json", help='credentials as a JSON object, e.g. {"company_id": …}')
        parser.add_argument(
            "--simulator", action="store_true", help="fill missing credentials with the simulator's defaults"
        )
        for option in sorted({o for names in CREDENTIAL_OPTIONS.values() for o in names}):
            parser.add_argument(f"--{option.replace('_', '-')}", dest=option)
        parser.add_argument("--webhook-secret", default="", help="the secret the PSA signs webhooks with")
        parser.add_argument(
            "--board", action="append", dest="boards", help="dispatch only these boards (repeatable)"
        )
        parser.add_argument("--sync", action="store_true", help="map members and read the open tickets now")

    def handle(self, *args: Any, **options: Any) -> None:
        vendor = options["vendor"]
        credentials: dict[str, Any] = {}
        if options.get("credentials_json"):
            try:
                credentials = json.loads(options["credentials_json"])
            except ValueError as exc:
                raise CommandError(f"--credentials-json: not valid JSON ({exc})") from exc
            if not isinstance(credentials, dict):
                raise CommandError("--credentials-json: must be a JSON object")
        for option in CREDENTIAL_OPTIONS[vendor]:
            if options.get(option):
                credentials[option] = options[option]
            elif options["simulator"]:
                credentials.setdefault(option, DEFAULT_CREDENTIALS[vendor][option])
        missing = [o for o in CREDENTIAL_OPTIONS[vendor] if not credentials.get(o)]
        if missing:
            raise CommandError(
                f"credentials: missing {', '.join(missing)} for {vendor} (or pass --simulator)"
            )
        try:
            connection = connection_upsert(
                name=options["name"], vendor=vendor, base_url=options["base_url"], credentials=credentials,
                webhook_secret=options["webhook_secret"], boards=options.get("boards"),
            )  # fmt: skip
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        webhook = f"{settings.SWITCHBOARD_PUBLIC_URL.rstrip('/')}/api/v1/psa/{connection.name}/webhook"
        self.stdout.write(f"Connection {connection.name} ({vendor}) → {connection.base_url}")
        self.stdout.write(f"  webhook URL for the PSA: {webhook}")
        if options["sync"]:
            try:
                connection_first_sync(connection, self.stdout.write)
            except PsaError as exc:
                raise CommandError(f"sync failed: {exc.message}") from exc
