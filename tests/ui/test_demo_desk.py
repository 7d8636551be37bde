"""`manage.py demo` whenever it is started: the example desk looks like a weekday morning in its
own zone (technicians on shift, a few breaches, every row ranked) and the printed example works."""

from __future__ import annotations

import io
import json
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from dispatch.engine.availability import in_schedule
from dispatch.engine.types import Shift
from dispatch.management.commands.demo import rebase
from tests.conftest import EXAMPLE_WORKSPACE

NEW_YORK = ZoneInfo("America/New_York")
SUNDAY_EARLY = datetime(2026, 12, 6, 8, 39, tzinfo=UTC)  # 03:39 in New York
SATURDAY_NIGHT = datetime(2026, 12, 5, 23, 0, tzinfo=NEW_YORK)


def _shifts(tech: dict[str, Any]) -> tuple[Shift, ...]:
    from datetime import time

    return tuple(
        Shift(days=tuple(s["days"]), start=time.fromisoformat(s["start"]), end=time.fromisoformat(s["end"]))
        for s in tech["schedule"]
    )


@pytest.mark.parametrize(
    "now",
    [SATURDAY_NIGHT, datetime(2027, 7, 14, 3, 17, tzinfo=NEW_YORK), datetime(2026, 11, 23, 9, 8, tzinfo=NEW_YORK)],
)
def test_rebase_puts_the_same_people_on_shift_as_when_captured(now: datetime) -> None:
    original = json.loads(EXAMPLE_WORKSPACE.read_text())
    captured = max(datetime.fromisoformat(t["created_at"].replace("Z", "+00:00")) for t in original["tickets"])
    moved = rebase(original, now.astimezone(UTC))
    for before, after in zip(original["technicians"], moved["technicians"], strict=True):
        for minutes in (10, 70, 300):  # the captured morning, and later that day
            then = captured + timedelta(minutes=minutes)
            assert in_schedule(_shifts(after), after["timezone"], now + timedelta(minutes=minutes - 10)) == in_schedule(
                _shifts(before), before["timezone"], then
            ), (after["id"], minutes)


def test_rebase_keeps_a_few_breaches_not_the_weekend_backlog() -> None:
    now = SATURDAY_NIGHT.astimezone(UTC)
    moved = rebase(json.loads(EXAMPLE_WORKSPACE.read_text()), now)
    unassigned = [t for t in moved["tickets"] if not t.get("assigned_to")]
    due = [datetime.fromisoformat(t["sla_due"].replace("Z", "+00:00")) for t in unassigned]
    created = [datetime.fromisoformat(t["created_at"].replace("Z", "+00:00")) for t in unassigned]
    assert sum(d <= now for d in due) == 3
    assert all(c <= now for c in created)
    assert now - timedelta(minutes=25) <= max(created) <= now - timedelta(minutes=10)


@pytest.mark.django_db(transaction=True)
def test_the_printed_example_is_a_normal_pick_at_any_hour(tmp_path: Path, time_machine: Any) -> None:
    """Started early on a Sunday (seen by a browser walk: the printed curl named a ticket whose
    suggestion was a forced pick at 3 % skill match), the example is still a qualified pick."""
    time_machine.move_to(SUNDAY_EARLY, tick=False)
    out = io.StringIO()
    with override_settings(VAR_DIR=tmp_path, MODEL_DIR=tmp_path / "models"):
        call_command("demo", no_server=True, psa="none", stdout=out)
    token, ticket = re.search(r"Bearer ([^']+)'.*\"ticket_id\": \"([^\"]+)\"", out.getvalue()).groups()  # type: ignore[union-attr]
    response = Client().post(
        "/api/v1/dispatch", data=json.dumps({"ticket_id": ticket}), content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.json()["dispatching_results"]["below_skill_threshold"] is False


@pytest.mark.django_db(transaction=True)
def test_demo_started_on_a_saturday_night_is_a_weekday_morning(tmp_path: Path, time_machine: Any) -> None:
    time_machine.move_to(SATURDAY_NIGHT, tick=False)
    out = io.StringIO()
    with override_settings(VAR_DIR=tmp_path, MODEL_DIR=tmp_path / "models"):
        call_command("demo", no_server=True, psa="none", stdout=out)
    printed = out.getvalue()
    assert "captured on a Monday at 09:08 (America/New_York)" in printed
    assert "held-out accuracy says little" in printed

    from dispatch.engine.availability import is_available
    from dispatch.facts import build_tech_facts
    from dispatch.selectors import attach_decisions, queue_tickets
    from dispatch.stranded import stranded_tickets

    now = timezone.now()
    techs = build_tech_facts(now=now)
    assert sum(is_available(t, now)[0] for t in techs) >= len(techs) * 2 // 3
    rows = attach_decisions(list(queue_tickets()))
    assert len(rows) == 35
    assert sum(1 for t in rows if t.sla_due is not None and t.sla_due <= now) <= 3  # no breach flood
    decisions = [getattr(t, "decision", None) for t in rows]
    assert all(d is not None for d in decisions)  # every row ranked before the page opens
    recommended = [d.recommended_id for d in decisions if d is not None and d.recommended_id]
    assert len(recommended) >= 30 and len(set(recommended)) >= 6
    assert len(stranded_tickets(now)) <= 10

    token, ticket = re.search(r"Bearer ([^']+)'.*\"ticket_id\": \"([^\"]+)\"", printed).groups()  # type: ignore[union-attr]
    response = Client().post(
        "/api/v1/dispatch", data=json.dumps({"ticket_id": ticket}), content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert body["dispatching_results"]["recommended_technician"]["technician_id"].startswith("tech-")
    assert body["dispatching_results"]["below_skill_threshold"] is False  # a normal pick, not a forced one

    # Started again seven hours later: --keep keeps the desk; otherwise it is a morning again.
    from dispatch.models import Ticket

    newest = Ticket.objects.order_by("-created_at").values_list("created_at", flat=True)[0]
    later = SATURDAY_NIGHT + timedelta(hours=7)
    time_machine.move_to(later, tick=False)
    stamp = SATURDAY_NIGHT.timestamp()
    os.utime(tmp_path / "demo_workspace.json", (stamp, stamp))
    with override_settings(VAR_DIR=tmp_path, MODEL_DIR=tmp_path / "models"):
        call_command("demo", no_server=True, psa="none", keep=True, stdout=(kept := io.StringIO()))
        assert "importing it again" not in kept.getvalue()
        assert Ticket.objects.order_by("-created_at").values_list("created_at", flat=True)[0] == newest
        call_command("demo", no_server=True, psa="none", stdout=(again := io.StringIO()))
    assert "importing it again" in again.getvalue()
    newest = Ticket.objects.order_by("-created_at").values_list("created_at", flat=True)[0]
    assert later - timedelta(minutes=25) <= newest <= later - timedelta(minutes=10)
