"""One display zone (the viewer's), one format, technicians' local times labelled with their zone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.cache import cache
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from accounts.timezones import DESK_ZONE_KEY
from dispatch.models import DispatchSettings
from skills.models import TimeOff

WINTER = datetime(2025, 3, 4, 14, 0, tzinfo=UTC)  # 09:00 in New York, 07:00 in Denver


@pytest.fixture(autouse=True)
def _fresh_desk_zone() -> Any:
    cache.delete(DESK_ZONE_KEY)
    yield
    cache.delete(DESK_ZONE_KEY)


def _render(text: str, **context: Any) -> str:
    return Template("{% load times %}" + text).render(Context(context))


def test_when_is_one_format_in_the_active_zone() -> None:
    with timezone.override("America/New_York"):
        html = _render("{{ t|when }}", t=WINTER)
    assert html.startswith('<time datetime="2025-03-04T14:00:00+00:00" title="2025-03-04 14:00 UTC">')
    assert "Tue 4 Mar 2025 09:00 EST" in html  # another year than now: the year is shown
    with timezone.override("America/New_York"):
        assert _render("{{ t|when_text }}", t="2025-03-04T14:00:00Z") == "Tue 4 Mar 2025 09:00 EST"
        this_year = timezone.now().replace(month=1, day=5, hour=14, minute=0, tzinfo=UTC)
        assert _render("{{ t|when_text }}", t=this_year).endswith("Jan 09:00 EST")


def test_a_technicians_own_time_is_labelled_when_it_differs() -> None:
    with timezone.override("America/New_York"):
        both = _render("{{ t|when_local:'America/Denver' }}", t=WINTER)
        same = _render("{{ t|when_local:'America/Toronto' }}", t=WINTER)
    assert "09:00 EST</time>" in both and "(07:00 MST local)" in both
    assert "local)" not in same


@pytest.mark.django_db
def test_the_cookie_sets_the_zone_and_a_preference_wins(decision: Any, dispatcher: Any, client: Any) -> None:
    client.force_login(dispatcher)
    url = reverse("dispatch:decision", args=[decision.pk])
    client.cookies["tz"] = "Asia/Tokyo"
    assert "JST" in client.get(url).content.decode()
    dispatcher.time_zone = "Europe/London"
    dispatcher.save()
    page = client.get(url).content.decode()
    assert "GMT" in page and "JST" not in page


@pytest.mark.django_db
def test_without_cookie_or_preference_the_desk_zone_is_used(decision: Any, dispatcher_client: Any) -> None:
    settings = DispatchSettings.load()
    settings.business_hours = {**settings.business_hours, "timezone": "Asia/Kolkata"}
    settings.save()
    dispatcher_client.cookies["tz"] = "Not/AZone"  # ignored, never a 500
    page = dispatcher_client.get(reverse("dispatch:decision", args=[decision.pk])).content.decode()
    assert "IST" in page


@pytest.mark.django_db
def test_time_off_typed_at_19_is_the_technicians_19_and_listed_with_both_zones(
    manager: Any, client: Any, alice: Any, time_machine: Any
) -> None:
    time_machine.move_to(datetime(2026, 3, 2, 15, tzinfo=UTC))
    alice.timezone = "America/Denver"
    alice.save()
    client.force_login(manager)
    client.cookies["tz"] = "America/New_York"
    form = client.get(reverse("skills:schedules") + "?week=2026-03-02").content.decode()
    assert "Alice Expert (America/Denver)" in form and "in the technician&#x27;s own time zone" in form
    client.post(
        reverse("skills:timeoff_create"),
        {"to-technician": alice.pk, "to-start": "2026-03-03T19:00", "to-end": "2026-03-03T23:00",
         "to-reason": "Dentist", "week": "2026-03-02"},
    )  # fmt: skip
    assert TimeOff.objects.get().start == datetime(2026, 3, 4, 2, tzinfo=UTC)
    page = client.get(reverse("skills:schedules") + "?week=2026-03-02").content.decode()
    assert "Tue 3 Mar 21:00 EST</time> <span class=\"local-time\">(19:00 MST local)</span>" in page


@pytest.mark.django_db
def test_candidates_say_when_an_away_technician_is_back_in_both_zones(
    category: Any, alice: Any, bob: Any, dispatcher: Any, client: Any, time_machine: Any
) -> None:
    from datetime import time

    from dispatch.services import decision_create
    from skills.models import Shift
    from tests.factories import TicketFactory

    time_machine.move_to(datetime(2026, 3, 3, 12, tzinfo=UTC), tick=False)  # Tue 05:00 in Denver
    bob.timezone = "America/Denver"
    bob.save()
    for day in range(5):
        Shift.objects.create(technician=bob, weekday=day, start=time(8), end=time(16))
    decision = decision_create(ticket=TicketFactory(category=category), mode="suggest", initiated_by="test")
    client.force_login(dispatcher)
    client.cookies["tz"] = "America/New_York"
    page = client.get(reverse("dispatch:decision", args=[decision.pk])).content.decode()
    assert 'back <time datetime="2026-03-03T15:00:00+00:00"' in page
    assert 'Tue 3 Mar 10:00 EST</time> <span class="local-time">(08:00 MST local)</span>' in page


@pytest.mark.django_db
def test_a_user_picks_their_display_zone(dispatcher: Any, client: Any) -> None:
    client.force_login(dispatcher)
    url = reverse("accounts:preferences")
    assert 'href="/accounts/preferences/"' in client.get(reverse("dispatch:decisions")).content.decode()
    assert client.post(url, {"time_zone": "America/Chicago"}).status_code == 302
    dispatcher.refresh_from_db()
    assert dispatcher.time_zone == "America/Chicago"
    assert "now shown in America/Chicago" in client.get(url).content.decode()
    response = client.post(url, {"time_zone": "Mars/Olympus"})
    assert response.status_code == 422 and "Select a valid choice" in response.content.decode()
    assert client.post(url, {"time_zone": ""}).status_code == 302
    dispatcher.refresh_from_db()
    assert dispatcher.time_zone == ""
