import json
from pathlib import Path

import pytest

from bench.simulate.facts import FactsBuilder, typical_hours
from bench.simulate.sim import Simulation
from bench.simulate.sweep import main, parse_loads, verdict

from .conftest import make_desk, tech, ticket


def test_sweep_prints_a_row_per_load_and_strategy_and_draws_the_chart(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    png, out = tmp_path / "load.png", tmp_path / "load.json"
    code = main(["--loads", "60,90", "--days", "1", "--seeds", "1", "--techs", "10", "--workers", "1",
                 "--out", str(png), "--json", str(out)])  # fmt: skip
    text = capsys.readouterr().out
    assert code == 0
    rows = [line for line in text.splitlines() if line.startswith(("60 ", "90 "))]
    assert len(rows) == 4 and sum("manual-like" in r for r in rows) == 2 and sum("hybrid" in r for r in rows) == 2
    assert all("pts (" in r for r in rows if "hybrid" in r)
    assert png.stat().st_size > 10_000
    data = json.loads(out.read_text())
    assert set(data["loads"]) == {"60.0", "90.0"} and set(data["loads"]["60.0"]) == {"manual", "hybrid"}
    # more tickets on the same desk: more tickets measured
    assert data["loads"]["90.0"]["manual"]["tickets"]["mean"] > data["loads"]["60.0"]["manual"]["tickets"]["mean"]


@pytest.mark.parametrize("bad", ["", "a,b", "100,-5", "0"])
def test_bad_loads_name_the_option(bad: str) -> None:
    with pytest.raises(SystemExit, match="--loads"):
        parse_loads(bad)


def test_unknown_strategy_is_an_error(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["--strategies", "manual,psychic", "--out", ""]) == 2
    assert "--strategies: unknown psychic" in capsys.readouterr().err


def test_verdict_bands() -> None:
    assert [verdict(g, 15, 25) for g in (14.9, 15, 25, 25.1)] == ["short", "ok", "ok", "beyond"]


def test_the_engine_sees_the_desks_typical_ticket_and_the_force_scope() -> None:
    tickets = [ticket(0, "Printers"), ticket(1, "VMware")]
    desk = make_desk([tech(0, {"VMware": 3})], tickets, force_urgent_only=True)
    mean = sum(t.estimated_hours for t in tickets) / 2
    assert typical_hours(desk) == pytest.approx(mean, abs=1e-3)
    from bench.simulate.dispatchers import EngineDispatcher

    policy = FactsBuilder(Simulation(desk, EngineDispatcher("hybrid", 1))).policy
    assert policy.hours_per_ticket == typical_hours(desk) and policy.force_scope == "urgent"
    assert policy.force_window_minutes == desk.params.escalate_before_due_min
