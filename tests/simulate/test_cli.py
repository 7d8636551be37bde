import json
from pathlib import Path

from bench.simulate.__main__ import main
from bench.simulate.report import claims_table, metrics_table


def test_cli_prints_tables_and_writes_chart_and_json(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    png, out = tmp_path / "sim.png", tmp_path / "sim.json"
    code = main(["--days", "1", "--seeds", "1", "--techs", "10", "--tickets-per-weekday", "80",
                 "--workers", "1", "--out", str(png), "--json", str(out)])  # fmt: skip
    text = capsys.readouterr().out
    assert code == 0
    assert "manual-like" in text and "hybrid + batch" in text and "Greedy vs optimal" in text
    assert png.stat().st_size > 10_000
    data = json.loads(out.read_text())
    assert set(data["aggregate"]) == {
        "manual",
        "round_robin",
        "least_busy",
        "skills_based",
        "hybrid",
        "hybrid_batch",
    }
    assert data["batch_compare"]["same_queues"]["batches"] >= 0


def test_tables_render_from_an_aggregate() -> None:
    from bench.simulate.metrics import METRICS

    agg = {
        s: {m[0]: {"mean": v, "sd": 0.0, "values": [v]} for m in METRICS}
        | {"tickets": {"mean": 10.0}, "engine_calls": {"mean": 0.0}}
        for s, v in (("manual", 10.0), ("hybrid", 5.0))
    }
    assert "hybrid" in metrics_table(agg)
    assert "-50.0 %" in claims_table(agg)


def test_unknown_strategy_is_an_error(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["--strategies", "psychic", "--out", ""]) == 2
