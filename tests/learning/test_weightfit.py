"""The per-desk weight fit (dispatch.learning.weightfit): it improves a replay where history
clearly favours one factor, it never reads the test period, and its fast scorer agrees with
the engine it stands in for."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from dispatch.engine.types import FACTORS, Policy, Rule, TechFacts
from dispatch.learning.experience import HistoryRecord
from dispatch.learning.replay import replay
from dispatch.learning.weightfit import FLOORS, Setting, WeightFit, collect, fit_weights, hit_rates
from tests.learning.conftest import PERF_HEAVY

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
SPECIALISTS = {"Email": "emma", "Network": "nate", "Printers": "pat"}
TECHS = [TechFacts(id=t, name=t) for t in ("emma", "nate", "pat", "ivy", "ian")]


def specialist_history(n: int = 300) -> list[HistoryRecord]:
    """Each category has one technician who always resolves it (slowly, late and reopened: a poor
    track record): history favours who does the work, not who has the better record."""
    out = []
    for i in range(n):
        category = list(SPECIALISTS)[i % 3]
        out.append(
            HistoryRecord(
                tech=SPECIALISTS[category],
                opened_at=T0 + timedelta(hours=i),
                resolved_at=T0 + timedelta(hours=i + 7),
                category=category,
                ticket_id=f"t{i:04d}",
                csat=1,
                reopened=True,
                met_sla=False,
            )
        )
    return out


def test_the_fit_moves_weight_to_what_history_favours_and_the_replay_improves():
    policy = Policy(now=T0, weights=PERF_HEAVY)
    history = specialist_history()
    as_set = replay(history, TECHS, policy, holdout=0.2, fit_weights=False, learned_ranker=False)
    fitted = replay(history, TECHS, policy, holdout=0.2, learned_ranker=False)
    fit = fitted.extra["weight_fit"]
    assert fit["changed"]
    assert fit["fitted"]["weights"]["skill"] > PERF_HEAVY["skill"]
    assert fit["fitted"]["weights"]["performance"] < PERF_HEAVY["performance"]
    assert fit["fitted"]["topk"]["1"] > fit["current"]["topk"]["1"]
    # the guard: workload and availability never fall below what the desk set (nor the minimums)
    for factor, floor in FLOORS.items():
        assert fit["floors"][factor] == max(floor, PERF_HEAVY[factor])
        assert fit["fitted"]["weights"][factor] >= fit["floors"][factor] - 1e-9
    assert fitted.topk["1"] > as_set.topk["1"]
    assert as_set.extra["weight_fit"] is None


def test_the_replay_fit_never_reads_the_test_period():
    policy = Policy(now=T0, weights=PERF_HEAVY)
    history = specialist_history()
    cut = 240  # holdout 0.2 of 300: the test period is the last 60 tickets
    # The test period resolved by the idle technicians instead: if the fit read it, it would follow.
    swapped = history[:cut] + [replace(r, tech=("ivy", "ian")[i % 2]) for i, r in enumerate(history[cut:])]
    fits = [
        replay(h, TECHS, policy, holdout=0.2, learned_ranker=False).extra["weight_fit"]
        for h in (history, swapped)
    ]
    assert fits[0] == {**fits[1], "seconds": fits[0]["seconds"]}
    # ...and it would have followed: fitting on the whole swapped history chooses otherwise.
    peeked = fit_weights(swapped, TECHS, policy)
    assert peeked is not None and peeked.to_json()["fitted"] != fits[1]["fitted"]


@pytest.mark.parametrize(
    "rules",
    [(), (Rule(name="Network to Ivy", when={"category": "Network"}, then={"assign_to": "ivy"}),)],
    ids=["no rules", "an assign_to rule"],
)
def test_the_fast_scorer_agrees_with_the_engine_on_the_fit_window(rules):
    """hit_rates for a setting equals the replay of the same window ranked by the real engine
    (an assign_to rule's pick stands first whatever the weights)."""
    history = specialist_history()
    setting_weights = {
        "skill": 0.4,
        "availability": 0.2,
        "workload": 0.2,
        "performance": 0.1,
        "customer_preference": 0.1,
    }
    policy = Policy(now=T0, weights=setting_weights, affinity_blend=0.25, rules=rules)
    inputs, before = collect(history, TECHS, policy)
    rates = hit_rates(inputs, [Setting(tuple(setting_weights[f] for f in FACTORS), 0.25)])[0]
    # The same window through the real engine: a replay whose test period is the fit's window
    # (without the fit, with the affinity fitted on what precedes the window, as the fit does).
    engine = replay(
        history, TECHS, policy, holdout=inputs.tickets / len(history), fit_weights=False, learned_ranker=False
    )
    assert before == len(history) - inputs.tickets
    assert np.allclose(rates, [engine.topk[k] for k in ("1", "3", "5")], atol=1e-4)


def test_too_little_history_proposes_nothing():
    assert fit_weights(specialist_history(60), TECHS, Policy(now=T0)) is None


def test_a_floor_is_reported_only_where_the_fit_without_floors_goes_lower():
    current = Setting((0.30, 0.25, 0.20, 0.15, 0.10), 0.5)
    fitted = Setting((0.40, 0.30, 0.20, 0.00, 0.10), 0.5)
    floors = {"availability": 0.25, "workload": 0.20}

    def fit(free: Setting) -> WeightFit:
        return WeightFit(60, 240, current, fitted, free, floors, {}, {}, 0, 0.0, True)

    assert fit(Setting((0.50, 0.25, 0.00, 0.10, 0.15), 0.5)).at_floor() == ["workload"]
    assert fit(fitted).at_floor() == []
