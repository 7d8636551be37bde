import math
from dataclasses import replace

import pytest

from bench.simulate.dispatchers import STRATEGIES, make_dispatcher
from bench.simulate.metrics import gini, measure, percentile
from bench.simulate.runner import desk_for, run_one
from bench.simulate.sim import Simulation

KEYS = (
    "sla_response",
    "sla_resolution",
    "frt_mean",
    "res_mean",
    "handoffs",
    "accuracy",
    "utilisation",
    "gini",
)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_one_day_run_of_every_strategy_yields_valid_metrics(strategy: str, tiny_params) -> None:  # type: ignore[no-untyped-def]
    r = run_one(strategy, 11, tiny_params)
    assert r["tickets"] > 50 and r["unresolved"] == 0
    for key in ("sla_response", "sla_resolution", "sla_both", "accuracy", "bounced_share", "after_hours"):
        assert 0 <= r[key] <= 100, key
    assert 0 < r["utilisation"] <= 100 + 1e-9
    assert r["frt_mean"] >= 0 and r["frt_p95"] >= r["frt_mean"] * 0.5
    assert r["res_mean"] > 0 and r["res_p95"] >= r["res_mean"] * 0.5
    assert r["handoffs"] >= 0 and r["touches"] >= 1
    assert 0 <= r["gini"] < 1


def test_same_seed_gives_identical_results(tiny_params) -> None:  # type: ignore[no-untyped-def]
    for strategy in ("manual", "hybrid", "hybrid_batch"):
        a, b = run_one(strategy, 5, tiny_params), run_one(strategy, 5, tiny_params)
        assert [a[k] for k in KEYS] == [b[k] for k in KEYS]
        assert a["hours_by_tech"] == b["hours_by_tech"]


def test_different_seeds_differ(tiny_params) -> None:  # type: ignore[no-untyped-def]
    assert run_one("hybrid", 5, tiny_params)["frt_mean"] != run_one("hybrid", 6, tiny_params)["frt_mean"]


@pytest.mark.parametrize("strategy", ["hybrid", "round_robin", "hybrid_batch"])
def test_pruned_candidate_pool_gives_the_same_decisions(strategy: str, tiny_params) -> None:  # type: ignore[no-untyped-def]
    desk = desk_for(3, tiny_params)
    runs = []
    for full in (False, True):
        d = make_dispatcher(strategy, 3)
        d.full_pool = full  # type: ignore[union-attr]
        Simulation(desk, d).run()
        runs.append([(t.id, tuple(t.touched_by), t.resolved) for t in desk.tickets])
    assert runs[0] == runs[1]


def test_engine_only_assigns_technicians_who_can_work_the_ticket(tiny_params) -> None:  # type: ignore[no-untyped-def]
    desk = desk_for(4, tiny_params)
    d = make_dispatcher("hybrid", 4)
    sim = Simulation(desk, d)
    original = sim.assign

    def checked(ticket, tech):  # type: ignore[no-untyped-def]
        assert sim.can_take(tech, ticket), (ticket.id, tech.id)
        original(ticket, tech)

    sim.assign = checked  # type: ignore[method-assign]
    sim.run()
    assert measure(sim)["unresolved"] == 0


def test_percentile_and_gini() -> None:
    assert percentile([1, 2, 3, 4, 5], 50) == 3
    assert percentile([0, 10], 95) == 9.5
    assert math.isnan(percentile([], 50))
    assert gini([5, 5, 5, 5]) == 0
    assert gini([0, 0, 0, 10]) == pytest.approx(0.75)


def test_engine_strategies_beat_manual_on_dispatch_accuracy() -> None:
    from bench.simulate.catalogue import Params

    params = replace(Params(), days=3, warmup_days=1, drain_days=4)
    manual, hybrid = run_one("manual", 2, params), run_one("hybrid", 2, params)
    assert hybrid["accuracy"] > manual["accuracy"] + 10
    assert hybrid["handoffs"] < manual["handoffs"]


def test_results_do_not_depend_on_hash_randomisation(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    code = (
        "import json,sys; from dataclasses import replace; from bench.simulate import Params, run_one;"
        "p=replace(Params(), days=1, warmup_days=1, drain_days=8, techs=10, weekday_tickets=90.0);"
        "r=run_one('hybrid', 9, p); json.dump({k: r[k] for k in ('frt_mean','res_mean','hours_by_tech')}, sys.stdout)"
    )
    outs = []
    for hashseed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hashseed, "PYTHONPATH": str(root)}
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, check=True
        )
        outs.append(json.loads(done.stdout))
    assert outs[0] == outs[1]
