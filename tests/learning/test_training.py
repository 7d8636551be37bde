from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from dispatch.facts import build_tech_facts
from dispatch.learning.db import history_records
from dispatch.learning.experience import ExperienceLearner
from dispatch.learning.training import train_models
from dispatch.models import ModelVersion, TechnicianExperience


def experience_numbers() -> list[tuple]:
    return list(
        TechnicianExperience.objects.order_by("technician__external_id", "scope", "key").values_list(
            "technician__external_id",
            "scope",
            "key",
            "resolved",
            "resolved_raw",
            "avg_resolution_hours",
            "csat",
        )
    )


def test_train_models_creates_experience_rows_and_an_active_version(desk: Any) -> None:
    version = train_models()
    emma = dict(
        TechnicianExperience.objects.filter(technician__external_id="tech-emma").values_list(
            "scope", "resolved_raw"
        )
    )
    assert emma == {"all": 15, "category": 15, "company": 15, "board": 15}
    assert list(ModelVersion.objects.filter(active=True)) == [version]
    assert version.history_count == 45 and version.metrics["categories"] == 3


def test_train_models_is_idempotent(desk: Any) -> None:
    first = train_models()
    before = experience_numbers()
    second = train_models()
    assert experience_numbers() == before
    assert second.version != first.version
    assert list(ModelVersion.objects.filter(active=True).values_list("version", flat=True)) == [
        second.version
    ]


def test_train_models_stores_the_classifier_under_model_dir(desk: Any, settings: Any) -> None:
    version = train_models()
    assert version.classifier_path == str(settings.MODEL_DIR / f"{version.version}.joblib")


def test_train_models_task_returns_the_new_version(desk: Any) -> None:
    from dispatch.tasks import train_models as task

    assert task.apply().get() == ModelVersion.objects.get(active=True).version


def test_train_models_keeps_only_the_newest_classifier_files(desk: Any, settings: Any) -> None:
    versions = [train_models() for _ in range(4)]
    assert sorted(p.name for p in settings.MODEL_DIR.iterdir()) == sorted(
        f"{v.version}.joblib" for v in versions[1:]
    )
    assert ModelVersion.objects.get(pk=versions[0].pk).classifier_path == ""


def _trained_production_and_replay() -> tuple[ExperienceLearner, list[Any], list[Any]]:
    """train_models on the desk, then (replay learner past every resolution, the history
    records, production's technician facts): the two sources that must agree."""
    train_models()
    records = history_records(text=False)
    learner = ExperienceLearner()
    learner.extend(records)
    learner.advance(max(r.resolved_at for r in records) + timedelta(seconds=1))
    return learner, records, build_tech_facts(now=timezone.now(), excluded_statuses=[])


def test_production_facts_carry_the_same_standing_as_the_replay_learner(desk: Any) -> None:
    learner, _, produced = _trained_production_and_replay()
    facts = {t.id: t for t in produced}
    for tech in ("tech-emma", "tech-nate", "tech-pat"):
        assert facts[tech].board_experience["Service Desk"].relative == pytest.approx(
            learner.relative(tech, "board", "Service Desk"), abs=1e-4
        )
    emma = facts["tech-emma"].experience
    assert emma["Email Support"].relative == 1.0
    assert emma["Email Support"].typical_hours == pytest.approx(learner.typical_hours("category", "Email Support"))
    assert emma["*"].typical_hours == pytest.approx(learner.typical_hours("all", ""))
    assert facts["tech-idle"].board_experience == {}


def test_train_models_stores_history_affinity_weights_that_production_ranks_with(desk: Any) -> None:
    from dispatch.engine.affinity import AFFINITY_FEATURES
    from dispatch.facts import load_policy

    fitted = train_models().metrics["affinity"]
    assert fitted["features"] == list(AFFINITY_FEATURES)
    by_name = dict(zip(fitted["features"], fitted["weights"], strict=True))
    assert by_name["category"] > 0  # each category has its own specialist
    assert load_policy(now=timezone.now()).affinity_weights == tuple(fitted["weights"])


def test_production_ignores_affinity_weights_fitted_on_other_features(desk: Any) -> None:
    from dispatch.facts import load_policy

    version = train_models()
    version.metrics["affinity"] = {"features": ["category", "workload"], "weights": [1.0, 0.5]}
    version.save()
    assert load_policy(now=timezone.now()).affinity_weights == ()


def test_production_affinity_features_match_the_replay_learners(desk: Any) -> None:
    from dataclasses import replace

    from dispatch.engine.affinity import affinity_features
    from dispatch.engine.types import TicketFacts
    from dispatch.learning.affinity import engine_affinity_rows

    learner, records, facts = _trained_production_and_replay()
    ticket = TicketFacts(id="new", category="Network", board="Service Desk", company_id="acme")
    record = replace(records[-1], category="Network", board="Service Desk", company="acme")
    replayed = engine_affinity_rows(learner, {t.id: i for i, t in enumerate(facts)}, record)
    produced = [x for row in affinity_features(facts, ticket) for x in row]
    assert produced == pytest.approx(replayed.ravel().tolist(), abs=1e-4)
    assert replayed[[t.id for t in facts].index("tech-nate")][0] > 0
