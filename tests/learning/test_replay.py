from dataclasses import replace
from datetime import UTC, datetime, timedelta

from dispatch.engine.types import Policy, TechFacts, Workload
from dispatch.learning.experience import HistoryRecord
from dispatch.learning.replay import WorkloadTracker, replay, workload_at

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
CONTRACT_KEYS = {"tickets", "technicians", "topk", "baselines", "category_accuracy", "seconds"}


def rec(tech, opened_h, resolved_h, category="Email", priority="Medium", **kw):
    return HistoryRecord(
        tech=tech,
        opened_at=T0 + timedelta(hours=opened_h),
        resolved_at=T0 + timedelta(hours=resolved_h),
        category=category,
        priority=priority,
        **kw,
    )


def test_workload_rebuild_counts_tickets_open_at_the_instant():
    records = [rec("a", 0, 5), rec("a", 1, 2), rec("a", 4, 6, priority="High"), rec("b", 0, 3)]
    assert workload_at(records, T0 + timedelta(hours=3)) == {"a": Workload(1, 1.0, 1.0)}
    assert workload_at(records, T0 + timedelta(hours=4.5)) == {"a": Workload(2, 2.0, 2.5)}


def test_workload_tracker_agrees_with_the_rebuild_at_every_instant():
    records = [
        rec(t, o, o + d) for t, o, d in [("a", 0, 5), ("b", 1, 1), ("a", 2, 9), ("c", 3, 2), ("b", 4, 4)]
    ]
    tracker = WorkloadTracker(records)
    for h in range(0, 14):
        tracker.advance(T0 + timedelta(hours=h))
        assert tracker.all() == workload_at(records, T0 + timedelta(hours=h))


def specialist_history():
    """Each category has one technician who always resolves it."""
    records = []
    for i in range(60):
        category, tech = [("Email", "emma"), ("Network", "nate"), ("Printers", "pat")][i % 3]
        records.append(rec(tech, i * 3, i * 3 + 1, category=category, ticket_id=str(i)))
    return records


def test_replay_puts_the_category_specialist_on_top():
    techs = [TechFacts(id=t, name=t) for t in ("emma", "nate", "pat", "idle")]
    result = replay(specialist_history(), techs, Policy(now=T0), holdout=0.25)
    assert result.tickets == 15
    assert result.topk["1"] == 1.0
    assert result.baselines["category_most_frequent"]["1"] == 1.0


def test_replay_json_has_exactly_the_contract_keys():
    techs = [TechFacts(id=t, name=t) for t in ("emma", "nate", "pat")]
    doc = replay(specialist_history(), techs, Policy(now=T0), holdout=0.25).to_json()
    assert set(doc) == CONTRACT_KEYS
    assert set(doc["topk"]) == {"1", "3", "5"}
    assert set(doc["baselines"]) == {"category_most_frequent", "least_busy", "round_robin"}
    assert doc["category_accuracy"] is None  # no text


def test_replay_ranks_every_technician_including_resolvers_missing_from_the_roster():
    result = replay(specialist_history(), [TechFacts(id="emma", name="Emma")], Policy(now=T0), holdout=0.25)
    assert result.technicians == 3


def test_the_replay_and_the_learner_do_not_import_django():
    import subprocess
    import sys

    code = (
        "import sys, dispatch.learning.replay, dispatch.learning.experience; print('django' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_replay_fits_the_engine_affinity_on_the_training_period_only():
    techs = [TechFacts(id=t, name=t) for t in ("emma", "nate", "pat", "idle")]
    history = specialist_history()
    swapped = history[:45] + [replace(r, tech="idle") for r in history[45:]]  # the test period
    weights = [
        replay(h, techs, Policy(now=T0), holdout=0.25, learned_ranker=False).extra["engine_affinity_weights"]
        for h in (history, swapped)
    ]
    assert weights[0] == weights[1] and weights[0]["category"] > 0


def test_replay_never_ranks_with_the_policys_own_affinity_weights():
    techs = [TechFacts(id=t, name=t) for t in ("emma", "nate", "pat", "idle")]
    misleading = Policy(now=T0, affinity_weights=(-5.0, -5.0, 0.0, 0.0, 0.0, 0.0))
    result = replay(specialist_history(), techs, misleading, holdout=0.25, engine_affinity=False)
    assert result.topk["1"] == 1.0 and result.extra["engine_affinity_weights"] is None
