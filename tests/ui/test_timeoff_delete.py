from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from skills.models import TimeOff


@pytest.fixture
def item(alice: Any) -> TimeOff:
    start = datetime(2026, 3, 3, tzinfo=ZoneInfo("UTC"))
    return TimeOff.objects.create(technician=alice, start=start, end=start + timedelta(days=1))


def test_delete_removes_the_time_off(manager_client: Any, item: Any) -> None:
    response = manager_client.post(reverse("skills:timeoff_delete", args=[item.pk]), {"week": "2026-03-02"})
    assert response.status_code == 302 and not TimeOff.objects.exists()


def test_delete_needs_post(manager_client: Any, item: Any) -> None:
    assert manager_client.get(reverse("skills:timeoff_delete", args=[item.pk])).status_code == 405


def test_delete_is_for_managers_only(dispatcher_client: Any, item: Any) -> None:
    assert dispatcher_client.post(reverse("skills:timeoff_delete", args=[item.pk])).status_code == 403
    assert TimeOff.objects.exists()


def test_delete_anonymous_goes_to_login(client: Any, item: Any) -> None:
    assert client.post(reverse("skills:timeoff_delete", args=[item.pk])).status_code == 302
