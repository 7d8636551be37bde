"""train_models fits the desk's weights on its own history and stores them as a proposal; the
desk's settings change only where it opted in."""

from typing import Any

import pytest

from dispatch.engine.types import FACTORS
from dispatch.learning.training import train_models
from dispatch.models import DispatchSettings
from dispatch.workspace.importer import workspace_import
from tests.learning.conftest import PERF_HEAVY, small_workspace


@pytest.fixture
def long_desk(db: Any, settings: Any, tmp_path: Any) -> None:
    settings.MODEL_DIR = tmp_path / "models"
    doc = small_workspace(200)
    for row in doc["history"]:
        row.update(csat=1, reopened=True, met_sla=False)
    workspace_import(doc)
    DispatchSettings.objects.filter(pk=DispatchSettings.load().pk).update(weights=PERF_HEAVY)


def test_training_stores_a_weight_proposal_and_leaves_the_settings_alone(long_desk: None) -> None:
    fit = train_models().metrics["weight_fit"]
    assert fit["tickets"] == 40 and fit["train_tickets"] == 160
    assert fit["current"]["weights"] == pytest.approx(PERF_HEAVY)
    assert fit["changed"] and fit["fitted"]["weights"]["skill"] > PERF_HEAVY["skill"]
    assert fit["fitted"]["weights"]["performance"] < PERF_HEAVY["performance"]
    assert fit["fitted"]["topk"]["1"] > fit["current"]["topk"]["1"]
    assert set(fit["fitted"]["weights"]) == set(FACTORS)
    assert DispatchSettings.load().weights == PERF_HEAVY  # a proposal, not applied


def test_training_applies_the_fit_where_the_desk_opted_in(long_desk: None) -> None:
    DispatchSettings.objects.update(apply_fitted_weights=True)
    fit = train_models().metrics["weight_fit"]
    settings = DispatchSettings.load()
    assert settings.weights == pytest.approx(fit["fitted"]["weights"])
    assert settings.affinity_blend == pytest.approx(fit["fitted"]["affinity_blend"])


def test_the_worker_trains_first_and_fits_in_a_task_of_its_own(long_desk: None, monkeypatch: Any) -> None:
    """dispatch.tasks.train_models stores the new version without the fit (the model serves at
    once) and queues dispatch.tasks.fit_weights, which stores the same proposal on that version."""
    from dispatch import tasks
    from dispatch.models import ModelVersion

    queued: list[str] = []
    monkeypatch.setattr(tasks.fit_weights, "delay", lambda version: queued.append(version))
    name = tasks.train_models.run()
    assert queued == [name]
    assert "weight_fit" not in ModelVersion.objects.get(version=name).metrics
    assert tasks.fit_weights.run(name) is True
    stored = ModelVersion.objects.get(version=name).metrics["weight_fit"]
    assert stored["changed"] and stored["tickets"] == 40
    assert stored["fitted"]["weights"]["skill"] > PERF_HEAVY["skill"]
    assert DispatchSettings.load().weights == PERF_HEAVY  # still a proposal
    assert tasks.fit_weights.run("no-such-version") is False
