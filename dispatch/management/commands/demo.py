"""One command to a working dashboard: migrate, import the example desk (its timestamps
moved so that its newest ticket is a few minutes old), train the models, create the
logins and an API token, and run the server."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from accounts.models import ApiToken, Role, User

EXAMPLE = Path(settings.BASE_DIR) / "dispatch" / "fixtures" / "example_workspace.json"
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")
LOGINS = {"dispatcher": ("dispatcher", Role.DISPATCHER), "manager": ("manager", Role.MANAGER)}
DEMO_PASSWORD = "switchboard-demo"
REFRESH_AFTER = timedelta(hours=6)  # an older demo desk is imported again: its morning is over


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


DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
STEP = timedelta(minutes=15)  # the desk is moved by whole quarter hours: its rota stays on tidy times
KEEP_BREACHED = 3  # a busy morning has a few breaches, not the weekend's whole backlog


def rebase(doc: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Move the whole example desk in time so that `now` is the moment it was captured: a Monday
    morning in its zone, the newest ticket 10-25 minutes old, whatever the hour the demo starts.

    Every timestamp (tickets, SLA deadlines, history, time off, on call) moves by the same
    `delta`; the weekly rota (technicians' schedules, the desk's business hours) turns by the same
    amount, each block re-expressed in its own zone. So at `now` the same technicians are on shift,
    on call or away as when the file was captured. Then the weekend's backlog of breached
    unassigned tickets is re-dated to this morning, all but the KEEP_BREACHED most recent."""
    created = [_parse(t["created_at"]) for t in doc.get("tickets", []) if t.get("created_at")]
    if not created:
        return doc
    captured = max(created) + timedelta(minutes=10)
    delta = ((now - captured) // STEP) * STEP
    out = _walk(doc, lambda v: (_parse(v) + delta).astimezone(UTC).isoformat().replace("+00:00", "Z"))
    settings_ = out.get("settings") or {}
    desk_zone = (settings_.get("business_hours") or {}).get("timezone", "UTC")
    if settings_.get("business_hours"):
        settings_["business_hours"] = _turn_hours(settings_["business_hours"], desk_zone, captured, delta)
    for tech in out.get("technicians", []):
        if tech.get("schedule"):
            tech["schedule"] = _turn(tech["schedule"], tech.get("timezone") or "UTC", captured, delta)
    _redate_backlog(out, captured + delta)
    return out


def _turn(blocks: list[dict[str, Any]], tz: str, captured: datetime, delta: timedelta) -> list[dict[str, Any]]:
    """Weekly blocks ({days, start, end} in zone `tz`) as they fall once moved by `delta`: each
    day's occurrence in the captured week is moved in absolute time and read again in `tz`.
    A block whose end is not after its start crosses midnight, as in the engine."""
    zone = ZoneInfo(tz)
    local = captured.astimezone(zone)
    monday = (local - timedelta(days=local.weekday())).date()
    turned: dict[tuple[str, str], list[int]] = {}
    for block in blocks:
        start, end = time.fromisoformat(block["start"]), time.fromisoformat(block["end"])
        for day in block.get("days", []):
            at = datetime.combine(monday + timedelta(days=day), start, tzinfo=zone)
            moved = (at.astimezone(UTC) + delta).astimezone(zone)
            length = datetime.combine(monday, end) - datetime.combine(monday, start)
            new_end = (datetime.combine(monday, moved.time()) + length).time()
            turned.setdefault((moved.strftime("%H:%M"), new_end.strftime("%H:%M")), []).append(moved.weekday())
    return [{"days": sorted(set(days)), "start": s, "end": e} for (s, e), days in turned.items()]


def _turn_hours(hours: dict[str, Any], tz: str, captured: datetime, delta: timedelta) -> dict[str, Any]:
    """The desk's business hours turned like the rota. They cannot cross midnight (the workspace
    refuses it): a window the turn carries over midnight keeps the part that holds the captured
    moment, the one the demo starts in."""
    turned = _turn([hours], tz, captured, delta)
    if len(turned) != 1:
        return hours
    block = turned[0]
    if block["start"] < block["end"]:
        return {**hours, **block}
    now = (captured + delta).astimezone(ZoneInfo(tz))
    if now.strftime("%H:%M") >= block["start"]:  # the evening part, on the turned days
        return {**hours, **block, "end": "23:59"}
    return {**hours, "days": sorted((d + 1) % 7 for d in block["days"]), "start": "00:00", "end": block["end"]}


def _redate_backlog(doc: dict[str, Any], now: datetime) -> None:
    """Unassigned open tickets already past their SLA deadline at `now`, beyond the
    KEEP_BREACHED most recently due, arrive this morning instead: created under half their
    response window (at most an hour) before `now`, their deadline the same window after creation."""
    breached = [
        t for t in doc.get("tickets", [])
        if not t.get("assigned_to") and t.get("sla_due") and t.get("created_at") and _parse(t["sla_due"]) <= now
    ]  # fmt: skip
    breached.sort(key=lambda t: _parse(t["sla_due"]), reverse=True)
    for i, ticket in enumerate(breached[KEEP_BREACHED:]):
        window = _parse(ticket["sla_due"]) - _parse(ticket["created_at"])
        arrived = now - min(window * 0.45, timedelta(hours=1)) * (1 - 0.05 * (i % 8))
        ticket["created_at"] = _iso(arrived)
        ticket["sla_due"] = _iso(arrived + window)


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


class Command(BaseCommand):
    help = "Set up and run the demo: SQLite, example desk, trained models, logins, server."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--workspace", default=str(EXAMPLE))
        parser.add_argument("--reset", action="store_true", help="Re-import the example desk even when data exists")
        parser.add_argument("--no-server", action="store_true", help="Set up only; do not run the server")
        parser.add_argument(
            "--keep", action="store_true",
            help="Keep the desk as it is even when it was set up more than 6 hours ago (not a weekday morning any more)",
        )  # fmt: skip
        parser.add_argument(
            "--psa", choices=["connectwise", "autotask", "halopsa", "none"], default="connectwise",
            help="PSA simulator to run alongside the server, connected by webhook (none: no PSA)",
        )  # fmt: skip
        parser.add_argument("--psa-port", type=int, default=None, help="Simulator port (default 8101 / 8102 / 8103)")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", verbosity=0, interactive=False)
        from dispatch.freshness import queue_rerank
        from dispatch.models import Ticket

        path = Path(settings.VAR_DIR) / "demo_workspace.json"
        now = datetime.now(UTC)
        aged = path.exists() and now - datetime.fromtimestamp(path.stat().st_mtime, UTC) > REFRESH_AFTER
        if aged and not options["keep"]:
            self.stdout.write(
                "The example desk was set up more than 6 hours ago; importing it again so that it is "
                "a weekday morning now (--keep keeps it as it is)."
            )
        if options["reset"] or not Ticket.objects.exists() or (aged and not options["keep"]):
            original = json.loads(Path(options["workspace"]).read_text())
            doc = rebase(original, now)
            path.write_text(json.dumps(doc))
            self.stdout.write(f"Importing the example desk from {options['workspace']} …")
            for line in clock_note(original, now):
                self.stdout.write(line)
            call_command("import_workspace", str(path), replace=True, no_train=True)
            self.stdout.write("Training the models on its history …")
            call_command("train_models")
            self.stdout.write(
                "  (The example history is synthetic: each category's subjects are variations on a few "
                "phrasings and no subject occurs in two categories, so its held-out accuracy says little. "
                "On real tickets expect 70-76%: docs/quality.md, Category model.)"
            )
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

        from dispatch.selectors import attach_decisions, queue_tickets

        # The most urgent ticket that is not breached and that the engine can place with a
        # qualified technician: the example shows a normal decision, not the SLA_ALREADY_BREACHED
        # or NO_QUALIFIED_... paths, nor a forced pick below the skill threshold.
        rows = attach_decisions(list(queue_tickets().filter(sla_due__gt=timezone.now()).order_by("sla_due", "pk")))
        placed = [t for t in rows if t.decision is not None and t.decision.recommended_id is not None]  # type: ignore[attr-defined]
        qualified = [t for t in placed if not t.decision.below_skill_threshold]  # type: ignore[attr-defined]
        pool = qualified or placed or rows
        first = pool[0] if pool else None
        return first.external_id if first else "12345"


def clock_note(original: dict[str, Any], now: datetime) -> list[str]:
    """What the move did, in the desk's zone: when the file was captured, what now stands for."""
    hours = (original.get("settings") or {}).get("business_hours") or {}
    zone = ZoneInfo(hours.get("timezone", "UTC"))
    captured = (max(_parse(t["created_at"]) for t in original["tickets"]) + timedelta(minutes=10)).astimezone(zone)
    local = now.astimezone(zone)
    return [
        f"  Demo clock: the example desk was captured on a {captured:%A} at {captured:%H:%M} ({zone.key}). Its",
        f"  timestamps are moved so that now ({local:%a %H:%M} there) is that moment, and its weekly rota",
        "  turns with them, so the technicians on shift now are those of a weekday morning.",
    ]
