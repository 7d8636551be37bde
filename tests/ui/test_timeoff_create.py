from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.urls import reverse

from skills.models import TimeOff

URL = reverse("skills:timeoff_create")


def data(tech: Any, start: str, end: str) -> dict[str, Any]:
    return {
        "to-technician": tech.pk,
        "to-start": start,
        "to-end": end,
        "to-reason": "Holiday",
        "week": "2026-03-02",
    }


def test_time_off_is_stored_in_the_technicians_time_zone(manager_client: Any, alice: Any) -> None:
    alice.timezone = "America/New_York"
    alice.save()
    response = manager_client.post(URL, data(alice, "2026-03-03T09:00", "2026-03-03T17:00"))
    assert response["Location"].endswith("?week=2026-03-02")
    assert TimeOff.objects.get().start == datetime(2026, 3, 3, 14, tzinfo=ZoneInfo("UTC"))


def test_end_before_start_is_rejected(manager_client: Any, alice: Any) -> None:
    response = manager_client.post(URL, data(alice, "2026-03-03T17:00", "2026-03-03T09:00"))
    assert response.status_code == 422 and b"Must be after the start" in response.content
    assert not TimeOff.objects.exists()


def test_time_off_create_is_for_managers_only(dispatcher_client: Any, alice: Any) -> None:
    assert dispatcher_client.post(URL, data(alice, "2026-03-03T09:00", "2026-03-03T17:00")).status_code == 403


def test_time_off_create_anonymous_goes_to_login(client: Any, alice: Any) -> None:
    assert client.post(URL, data(alice, "2026-03-03T09:00", "2026-03-03T17:00")).status_code == 302
