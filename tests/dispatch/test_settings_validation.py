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
    with pytest.raises(ValidationError, match="exactly the keys"):
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
