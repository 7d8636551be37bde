"""Converters from the real data sets (bench/*_to_workspace.py) and their shipped samples."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bench import ata_to_workspace, bpi_to_workspace, endava_to_workspace
from dispatch.workspace import read_workspace, validate_workspace

FIXTURES = Path(__file__).parent / "fixtures"
# shared/ lies beside the checkout (CI's clone gets a copy there too); the converters default to it
DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
needs_data = pytest.mark.skipif(not DATA.exists(), reason=f"the real data sets are not in {DATA} (../shared/data)")

BPI_COLUMNS = ["case:concept:name", "org:group", "resource country", "organization country", "org:resource",
               "organization involved", "org:role", "concept:name", "impact", "product", "lifecycle:transition",
               "time:timestamp"]


def write_bpi(path: Path, rows: list[tuple]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(BPI_COLUMNS)
        for case, group, person, status, sub, ts, *rest in rows:
            impact = rest[0] if rest else "Major"
            w.writerow([case, group, "Sweden", "se", person, "Org line C", "V3_2", status, impact, "PROD1", sub, ts])
    return path


# --------------------------------------------------------------------------- shipped samples


def test_shipped_bpi_sample_is_a_valid_small_workspace():
    ws = read_workspace(FIXTURES / "bpi_sample.json")
    assert 250 <= len(ws.history) <= 300 and ws.tickets == ()
    ids = {t.id for t in ws.technicians}
    assert all(h.resolved_by in ids for h in ws.history)
    assert all(t.schedule == () and t.skills == {} for t in ws.technicians)
    assert (FIXTURES / "bpi_sample.json").stat().st_size < 500_000


def test_shipped_ata_sample_is_a_valid_small_workspace():
    ws = read_workspace(FIXTURES / "ata_sample.json")
    assert len(ws.history) == 300
    assert all(h.category.startswith("GRP_") and h.resolved_by == f"ata-{h.category}" for h in ws.history)
    assert any("\n" in h.description for h in ws.history), "multi-line quoted fields survive"
    assert (FIXTURES / "ata_sample.json").stat().st_size < 500_000


# --------------------------------------------------------------------------- BPI mapping, on a hand-made log


def test_bpi_mapping(tmp_path):
    events = write_bpi(tmp_path / "events.csv", [
        # queued, taken, handed to another team, resolved, reopened, resolved again, closed
        ("I-1", "G1", "Anna", "Queued", "Awaiting Assignment", "2011-01-03T09:00:00+01:00"),
        ("I-1", "G1", "Anna", "Accepted", "In Progress", "2011-01-03T09:30:00+01:00"),
        ("I-1", "G2", "Björn", "Accepted", "In Progress", "2011-01-03T11:00:00+01:00"),
        ("I-1", "G2", "Björn", "Completed", "Resolved", "2011-01-03T12:00:00+01:00"),
        ("I-1", "G2", "Björn", "Accepted", "In Progress", "2011-01-04T08:00:00+01:00"),
        ("I-1", "G3", "Carl", "Completed", "Resolved", "2011-01-04T10:00:00+01:00"),
        ("I-1", "G3", "Carl", "Completed", "Closed", "2011-01-05T10:00:00+01:00"),
        # resolved in the call, no Resolved event
        ("I-2", "G1", "Anna", "Accepted", "In Progress", "2011-01-03T10:00:00+01:00", "Low"),
        ("I-2", "G1", "Anna", "Completed", "In Call", "2011-01-03T10:05:00+01:00", "Low"),
        # never completed: skipped
        ("I-3", "G1", "Dora", "Accepted", "In Progress", "2011-01-03T10:00:00+01:00"),
    ])
    doc, stats = bpi_to_workspace.convert(events)
    ws = validate_workspace(doc)
    first, second = ws.history
    assert (first.ticket_id, first.category, first.board, first.priority) == ("I-1", "PROD1", "G1", "Critical")
    assert first.resolved_by == "bpi-carl" and first.company == "bpi-se"
    assert first.opened_at.isoformat() == "2011-01-03T09:00:00+01:00"
    assert first.first_response_at.isoformat() == "2011-01-03T09:30:00+01:00"
    assert first.resolved_at.isoformat() == "2011-01-04T10:00:00+01:00"
    assert first.reopened is True and first.reassignments == 2
    assert (second.resolved_by, second.priority, second.reopened, second.reassignments) == ("bpi-anna", "Low", False, 0)
    assert {t.id for t in ws.technicians} == {"bpi-anna", "bpi-bjorn", "bpi-carl"}
    assert next(t for t in ws.technicians if t.id == "bpi-bjorn").timezone == "Europe/Stockholm"
    assert stats["skipped"] == {"no resolution event": 1}


def test_bpi_limit_and_cli(tmp_path):
    events = write_bpi(tmp_path / "events.csv", [
        (f"I-{n}", "G1", "Anna", "Completed", "Resolved", f"2011-01-0{n}T10:00:00+01:00") for n in range(1, 6)
    ])
    out = tmp_path / "out.json"
    assert bpi_to_workspace.main([str(out), "--events", str(events), "--limit", "3"]) == 0
    assert [h.ticket_id for h in read_workspace(out).history] == ["I-1", "I-2", "I-3"]


def test_bpi_capacity_is_what_people_held_open_unless_given():
    history = [
        {"resolved_by": "bpi-a", "opened_at": f"2011-01-03T{9 + i:02d}:00:00+00:00",
         "resolved_at": "2011-02-01T00:00:00+00:00"} for i in range(12)
    ]  # fmt: skip
    assert bpi_to_workspace.observed_capacity(history) == 11  # the 12th arrived while 11 were open
    assert bpi_to_workspace.observed_capacity(history[:3]) == 10  # never below the engine's default


# --------------------------------------------------------------------------- ATA and Endava, on hand-made files


def test_ata_multiline_fields_and_synthetic_times(tmp_path):
    path = tmp_path / "tickets.csv"
    path.write_text(
        "Short description,Description,Caller,Assignment group\n"
        'login issue,"-verified user details.\n-reset the password.",abc def,GRP_0\n'
        ",,x y,GRP_1\n"
        "outlook,outlook crashing,ghi jkl,GRP_5\n",
        encoding="utf-8",
    )
    doc, stats = ata_to_workspace.convert(path, spacing_minutes=60)
    ws = validate_workspace(doc)
    assert [h.ticket_id for h in ws.history] == ["ata-1", "ata-3"]
    assert ws.history[0].description == "-verified user details.\n-reset the password."
    assert ws.history[1].resolved_by == "ata-GRP_5"
    assert (ws.history[1].opened_at - ws.history[0].opened_at).total_seconds() == 2 * 3600
    assert stats["skipped"] == {"no text": 1}


def test_endava_mapping(tmp_path):
    path = tmp_path / "tickets.csv"
    path.write_text(
        "title,body,ticket_type,category,sub_category1,sub_category2,business_service,urgency,impact\n"
        "vpn down,cannot connect vpn since morning,0,6,22,7,26,0,3\n"
        ",hi please approve requisition thanks,1,4,2,21,71,3,4\n",
        encoding="utf-8",
    )
    ws = validate_workspace(endava_to_workspace.convert(path)[0])
    a, b = ws.history
    assert (a.category, a.priority, a.board, a.resolved_by) == ("cat-6", "Critical", "type-0", "endava-sub-22")
    assert (b.subject, b.priority) == ("hi please approve requisition thanks", "Low")
    ws = validate_workspace(endava_to_workspace.convert(path, resolver="category")[0])
    assert ws.history[0].resolved_by == "endava-cat-6"


# --------------------------------------------------------------------------- the real files, briefly


@needs_data
@pytest.mark.parametrize("module, source, option", [
    (bpi_to_workspace, DATA / "bpi2013-incidents" / "events.csv", "--events"),
    (ata_to_workspace, DATA / "ata-tickets" / "tickets.csv", "--tickets"),
    (endava_to_workspace, DATA / "endava-tickets" / "tickets.csv", "--tickets"),
])
def test_converters_on_the_real_data_with_a_limit(tmp_path, module, source, option):
    out = tmp_path / "ws.json"
    assert module.main([str(out), option, str(source), "--limit", "120"]) == 0
    ws = read_workspace(out)
    assert 100 <= len(ws.history) <= 120
    assert {h.resolved_by for h in ws.history} <= {t.id for t in ws.technicians}


@pytest.mark.parametrize("module, option", [
    (bpi_to_workspace, "--events"), (ata_to_workspace, "--tickets"), (endava_to_workspace, "--tickets"),
])
def test_converter_without_its_data_set_says_which_option_gives_it(tmp_path, capsys, module, option):
    with pytest.raises(SystemExit) as exit_:
        module.main([str(tmp_path / "ws.json"), option, str(tmp_path / "missing.csv")])
    assert exit_.value.code == 2
    assert f"missing.csv not found: give {option} PATH" in capsys.readouterr().err
