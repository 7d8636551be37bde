from typing import Any

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
