import json
from typing import Any

from django.core.management import call_command

CONTRACT_KEYS = {"tickets", "technicians", "topk", "baselines", "category_accuracy", "seconds"}


def test_evaluate_history_json_has_exactly_the_contract_keys(desk: Any, tmp_path: Any) -> None:
    out = tmp_path / "eval.json"
    call_command("evaluate_history", "--holdout", "0.2", "--json", str(out), verbosity=0)
    doc = json.loads(out.read_text())
    assert set(doc) == CONTRACT_KEYS
    assert set(doc["topk"]) == {"1", "3", "5"}
    assert set(doc["baselines"]) == {"category_most_frequent", "least_busy", "round_robin"}
    assert set(doc["category_accuracy"]) == {"1", "3"}
    assert (doc["tickets"], doc["technicians"]) == (9, 4)


def test_evaluate_history_finds_the_specialist(desk: Any, tmp_path: Any) -> None:
    out = tmp_path / "eval.json"
    call_command("evaluate_history", "--json", str(out), verbosity=0)
    doc = json.loads(out.read_text())
    assert doc["topk"]["1"] == 1.0 and doc["category_accuracy"]["1"] == 1.0


def test_evaluate_history_prints_the_engine_affinity_fitted_on_the_training_period(desk: Any) -> None:
    from io import StringIO

    out = StringIO()
    call_command("evaluate_history", stdout=out)
    line = next(x for x in out.getvalue().splitlines() if x.startswith("engine history affinity"))
    assert "category +" in line  # each category has its own specialist
