"""The weight search: a grid of valid weight vectors, and a run that trains and validates."""

import json
from pathlib import Path

import pytest

from bench.simulate.fit import grid, main, objective
from dispatch.engine.types import FACTORS


def test_grid_vectors_cover_every_factor_and_sum_to_one() -> None:
    vectors = grid()
    assert len(vectors) == 15
    for w, shift in vectors:
        assert set(w) == set(FACTORS)
        assert sum(w.values()) == pytest.approx(1.0)
        assert w["availability"] >= 0.05
        assert shift is None
    shifted = grid({"skill": (0.1,), "workload": (0.5,), "performance": (0.0,)}, (0.25, 1.0))
    assert [s for _, s in shifted] == [0.25, 1.0]


def test_objective_prefers_sla_then_speed_then_fairness() -> None:
    base = {"sla_both": 97.0, "frt_mean": 120.0, "gini": 0.2}
    assert objective({**base, "sla_both": 98.0}) > objective(base)
    assert objective({**base, "frt_mean": 100.0}) > objective(base)
    assert objective({**base, "gini": 0.1}) > objective(base)
    # one SLA point is worth 10 minutes of mean first response
    assert objective({**base, "sla_both": 98.0, "frt_mean": 130.0}) == pytest.approx(objective(base))


def test_fit_trains_then_validates_on_other_seeds(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "fit.json"
    argv = ["--train-seeds", "7", "--train-days", "1", "--validate-seeds", "8", "--validate-days", "1"]
    argv += ["--skill", "0.1", "--workload", "0.65", "--performance", "0.1", "--top", "1", "--no-baselines"]
    assert main([*argv, "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "training: 1 weight vectors x seeds (7,), 1 days" in text
    assert "validation: seeds (8,), 1 days" in text
    assert text.count("hybrid 0.10/0.10/0.65/0.10/0.05") == 2
    data = json.loads(out.read_text())
    assert data["train"]["seeds"] == [7] and data["validate"]["seeds"] == [8]
    assert data["validate"]["rows"][0][1]["sla_both"] > 0
