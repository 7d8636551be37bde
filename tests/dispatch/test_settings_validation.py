import pytest
from django.core.exceptions import ValidationError

from dispatch.models import DispatchSettings


@pytest.mark.django_db
def test_default_settings_are_valid():
    DispatchSettings.load().full_clean()


@pytest.mark.django_db
def test_weights_must_sum_to_one():
    settings = DispatchSettings.load()
    settings.weights = {"skill": 0.5, "availability": 0.25, "workload": 0.2, "performance": 0.15, "customer_preference": 0.1}
    with pytest.raises(ValidationError, match="sum to 1"):
        settings.full_clean()


@pytest.mark.django_db
def test_weights_need_every_factor():
    settings = DispatchSettings.load()
    settings.weights = {"skill": 1.0}
    with pytest.raises(ValidationError, match="missing availability, workload, performance, customer_preference"):
        settings.full_clean()


@pytest.mark.django_db
def test_business_hours_timezone_must_exist():
    settings = DispatchSettings.load()
    settings.business_hours = {"timezone": "Mars/Olympus", "days": [0], "start": "08:00", "end": "18:00"}
    with pytest.raises(ValidationError, match="business_hours"):
        settings.full_clean()


@pytest.mark.django_db
def test_threshold_above_100_is_rejected():
    settings = DispatchSettings.load()
    settings.skill_match_threshold = 120
    with pytest.raises(ValidationError, match="skill_match_threshold"):
        settings.full_clean()


@pytest.mark.django_db
def test_the_settings_page_and_the_importer_agree():
    """One validator: business hours that a workspace file may not have, the page may not save."""
    from dispatch.workspace.schema import settings_problems

    settings = DispatchSettings.load()
    settings.business_hours = {"timezone": "UTC", "days": [0], "start": "18:00", "end": "08:00"}
    settings.workload_excluded_statuses = ["Waiting", "Waiting"]
    with pytest.raises(ValidationError) as exc:
        settings.full_clean()
    assert exc.value.message_dict == {
        "business_hours": ["business_hours.end: must be after start (18:00)"],
        "workload_excluded_statuses": ['workload_excluded_statuses[1]: "Waiting" is listed twice'],
    }
    assert len(settings_problems({"business_hours": settings.business_hours})) == 1
