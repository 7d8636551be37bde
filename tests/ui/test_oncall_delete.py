from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from skills.models import OnCall


@pytest.fixture
def item(alice: Any) -> OnCall:
    start = datetime(2026, 3, 3, 18, tzinfo=ZoneInfo("UTC"))
    return OnCall.objects.create(technician=alice, start=start, end=start + timedelta(hours=14))


def test_delete_removes_the_on_call_period(manager_client: Any, item: Any) -> None:
    response = manager_client.post(reverse("skills:oncall_delete", args=[item.pk]), {"week": "2026-03-02"})
    assert response["Location"].endswith("?week=2026-03-02") and not OnCall.objects.exists()


def test_delete_is_for_managers_only(dispatcher_client: Any, item: Any) -> None:
    assert dispatcher_client.post(reverse("skills:oncall_delete", args=[item.pk])).status_code == 403
    assert OnCall.objects.exists()


def test_delete_anonymous_goes_to_login(client: Any, item: Any) -> None:
    assert client.post(reverse("skills:oncall_delete", args=[item.pk])).status_code == 302
