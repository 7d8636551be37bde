from __future__ import annotations

from typing import Any

from django.urls import reverse

from skills.models import OnCall

URL = reverse("skills:oncall_create")


def data(tech: Any, start: str, end: str) -> dict[str, Any]:
    return {"oc-technician": tech.pk, "oc-start": start, "oc-end": end, "week": "2026-03-02"}


def test_on_call_period_is_added(manager_client: Any, alice: Any) -> None:
    response = manager_client.post(URL, data(alice, "2026-03-06T18:00", "2026-03-09T08:00"))
    assert response.status_code == 302 and OnCall.objects.get().technician == alice


def test_overnight_on_call_shows_on_both_days(manager_client: Any, alice: Any) -> None:
    manager_client.post(URL, data(alice, "2026-03-02T18:00", "2026-03-03T08:00"))
    page = manager_client.get(reverse("skills:schedules"), {"week": "2026-03-02"}).content.decode()
    assert page.count('class="blk blk-oncall"') == 2


def test_missing_technician_is_rejected(manager_client: Any, alice: Any) -> None:
    response = manager_client.post(URL, {"oc-start": "2026-03-02T18:00", "oc-end": "2026-03-03T08:00"})
    assert response.status_code == 422 and not OnCall.objects.exists()


def test_on_call_create_is_for_managers_only(dispatcher_client: Any, alice: Any) -> None:
    assert dispatcher_client.post(URL, data(alice, "2026-03-06T18:00", "2026-03-09T08:00")).status_code == 403


def test_on_call_create_anonymous_goes_to_login(client: Any, alice: Any) -> None:
    assert client.post(URL, data(alice, "2026-03-06T18:00", "2026-03-09T08:00")).status_code == 302
