"""import_workspace / export_workspace against the database: idempotent, transactional,
path-naming errors, and import(export(x)) == x on the shipped example desk."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from dispatch.models import Company, HistoryTicket, Rule, Ticket
from dispatch.workspace import to_document, validate_workspace
from dispatch.workspace.importer import workspace_export, workspace_import
from skills.models import Technician, TechnicianSkill

EXAMPLE = Path(__file__).resolve().parents[2] / "dispatch" / "fixtures" / "example_workspace.json"
pytestmark = pytest.mark.django_db


def _small() -> dict[str, Any]:
    return {
        "skills": [{"name": "Exchange", "group": "Email"}],
        "categories": [{"name": "Email Support", "required_skills": ["Exchange"], "complexity": "medium"}],
        "technicians": [
            {"id": "tech-456", "name": "Sarah Johnson", "email": "sarah@example.com", "skills": {"Exchange": "expert"}},
            {"id": "tech-789", "name": "Michael Chen", "skills": {"Exchange": "beginner"}},
        ],
        "companies": [{"id": "acme", "name": "Acme", "tier": "vip", "preferred_technician": "tech-456"}],
        "tickets": [{"id": "12345", "subject": "Outlook", "category": "Email Support", "priority": "High",
                     "company": "acme", "created_at": "2026-12-01T09:00:00Z"}],  # fmt: skip
    }


def _canonical(doc: dict[str, Any]) -> dict[str, Any]:
    """The normalised document with sections in a fixed order (export lists by id/name; a
    file may list them in any order). Rules keep their order: it is their precedence."""
    out = to_document(validate_workspace(doc))
    for section, items in out.items():
        if isinstance(items, list) and section != "rules":
            out[section] = sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    return out


def _state() -> dict[str, Any]:
    return workspace_export()


def _write(tmp_path: Path, doc: dict[str, Any]) -> str:
    path = tmp_path / "ws.json"
    path.write_text(json.dumps(doc))
    return str(path)


def test_importing_the_same_file_twice_gives_the_same_state() -> None:
    workspace_import(_small())
    first = _state()
    workspace_import(_small())
    assert _state() == first
    assert Technician.objects.count() == 2 and Ticket.objects.count() == 1


def test_a_bad_file_changes_nothing_and_names_the_path(tmp_path: Path) -> None:
    workspace_import(_small())
    before = _state()
    bad = _small()
    bad["technicians"][1]["skills"]["Exchange"] = "guru"
    bad["technicians"][0]["name"] = "Renamed"
    with pytest.raises(CommandError, match=r'technicians\[1\]\.skills\.Exchange: "guru" is not one of'):
        call_command("import_workspace", _write(tmp_path, bad), verbosity=0)
    assert _state() == before


def test_an_unknown_reference_changes_nothing(tmp_path: Path) -> None:
    bad = _small()
    bad["tickets"][0]["assigned_to"] = "tech-nobody"
    with pytest.raises(CommandError, match=r"tickets\[0\]\.assigned_to"):
        call_command("import_workspace", _write(tmp_path, bad), verbosity=0)
    assert not Ticket.objects.exists() and not Technician.objects.exists()


def test_create_missing_technicians_creates_bare_ones(tmp_path: Path) -> None:
    doc = _small()
    doc["tickets"][0]["assigned_to"] = "tech-new"
    call_command("import_workspace", _write(tmp_path, doc), create_missing_technicians=True, verbosity=0)
    assert Ticket.objects.get(external_id="12345").assigned_to.external_id == "tech-new"


def test_upsert_updates_and_keeps_what_the_file_does_not_name() -> None:
    workspace_import(_small())
    workspace_import({"technicians": [{"id": "tech-789", "name": "Mike Chen", "skills": {"Exchange": "expert"}}]})
    assert Technician.objects.get(external_id="tech-789").name == "Mike Chen"
    assert TechnicianSkill.objects.get(technician__external_id="tech-789").level == "expert"
    assert Technician.objects.filter(external_id="tech-456").exists() and Company.objects.exists()


def test_replace_wipes_first() -> None:
    workspace_import(_small())
    workspace_import({"technicians": [{"id": "tech-1", "name": "Only One"}]}, replace=True)
    assert list(Technician.objects.values_list("external_id", flat=True)) == ["tech-1"]
    assert not Ticket.objects.exists() and not Company.objects.exists()


def test_example_desk_round_trips_through_the_database() -> None:
    doc = json.loads(EXAMPLE.read_text())
    workspace_import(copy.deepcopy(doc))
    assert HistoryTicket.objects.count() == len(doc["history"]) and Rule.objects.count() == len(doc["rules"])
    exported = workspace_export()
    assert _canonical(exported) == _canonical(doc)


def test_export_command_writes_a_file_that_imports_back(tmp_path: Path) -> None:
    workspace_import(_small())
    out = tmp_path / "out.json"
    call_command("export_workspace", str(out), verbosity=0)
    before = _state()
    call_command("import_workspace", str(out), replace=True, verbosity=0)
    assert _state() == before


def test_a_history_row_cannot_lose_its_resolution_time_in_the_admin(db: Any) -> None:
    """Export writes every history row back; one without resolved_at would not import again."""
    from django.core.exceptions import ValidationError

    from tests.factories import HistoryTicketFactory

    row = HistoryTicketFactory()
    row.resolved_at = None
    with pytest.raises(ValidationError) as err:
        row.full_clean()
    assert "resolved_at" in err.value.message_dict
