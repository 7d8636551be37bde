"""The engine's reasons name times in the zone they belong to (a technician's own, the desk's);
pages show them in the viewer's zone, with the written zone's time labelled (dispatch.reason_times)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts.timezones import DESK_ZONE_KEY
from dispatch import reason_times
from dispatch.engine.availability import format_local
from dispatch.models import DispatchSettings
from dispatch.views_common import candidate_views, failure_details, in_viewer_zone
from tests.ui.conftest import HX

NOW = datetime(2026, 3, 3, 12, tzinfo=UTC)  # Tue: 06:00 in Chicago (CST), 13:00 in Berlin (CET)
BACK = datetime(2026, 3, 3, 14, tzinfo=UTC)  # 08:00 CST, 15:00 CET
IN_BERLIN = 'Tue 3 Mar 15:00 CET</time> <span class="local-time">(08:00 CST local)</span>'


@pytest.fixture(autouse=True)
def _fresh_zones() -> Any:
    cache.delete_many([DESK_ZONE_KEY, reason_times.ZONES_KEY])
    yield
    cache.delete_many([DESK_ZONE_KEY, reason_times.ZONES_KEY])


@pytest.fixture
def bob_in_chicago(bob: Any) -> Any:
    """Bob works 08:00-16:00 Chicago time on weekdays; at NOW he is off shift until 08:00 CST."""
    from skills.models import Shift

    bob.timezone = "America/Chicago"
    bob.save()
    for day in range(5):
        Shift.objects.create(technician=bob, weekday=day, start=time(8), end=time(16))
    return bob


@pytest.fixture
def away_decision(ticket: Any, bob_in_chicago: Any, time_machine: Any) -> Any:
    from dispatch.services import decision_create

    time_machine.move_to(NOW, tick=False)
    return decision_create(ticket=ticket, mode="suggest", initiated_by="test")


def _bob(decision: Any) -> dict[str, Any]:
    return next(r for r in decision.candidates if r["technician_id"] == "tech-bob")


@pytest.mark.django_db
def test_the_engine_records_the_time_its_reason_names_and_the_text_stays_as_written(
    away_decision: Any,
) -> None:
    row = _bob(away_decision)
    assert row["reason_not_selected"] == "Off shift until Tue 08:00 CST"  # the stored (API) text: unchanged
    assert row["times"] == [
        {"text": "Tue 08:00 CST", "at": "2026-03-03T14:00:00Z", "zone": "America/Chicago"}
    ]
    alice = next(r for r in away_decision.candidates if r["technician_id"] == "tech-alice")
    assert "times" not in alice  # on shift: no time named, nothing recorded


@pytest.mark.django_db
def test_a_berlin_viewer_sees_their_zone_with_the_technicians_time_labelled(
    away_decision: Any, dispatcher: Any, client: Any
) -> None:
    dispatcher.time_zone = "Europe/Berlin"
    dispatcher.save()
    client.force_login(dispatcher)
    url = reverse("dispatch:ticket", args=[away_decision.ticket.pk])
    for page in (client.get(url, headers=HX), client.get(url)):  # the queue's detail, the ticket page
        body = page.content.decode()
        why = body.split('data-tech="tech-bob"', 1)[1].split('<td class="why">', 1)[1].split("</td>", 1)[0]
        assert (
            f'Off shift until <time datetime="2026-03-03T14:00:00+00:00" title="2026-03-03 14:00 UTC">{IN_BERLIN}'
            in why
        )
        assert "Tue 08:00 CST" not in body  # no reason left in the technician's zone alone


@pytest.mark.django_db
def test_the_decision_page_and_a_viewer_in_the_technicians_zone(
    away_decision: Any, dispatcher: Any, client: Any
) -> None:
    client.force_login(dispatcher)
    url = reverse("dispatch:decision", args=[away_decision.pk])
    dispatcher.time_zone = "America/New_York"
    dispatcher.save()
    assert (
        'Tue 3 Mar 09:00 EST</time> <span class="local-time">(08:00 CST local)</span>'
        in client.get(url).content.decode()
    )
    dispatcher.time_zone = "America/Chicago"
    dispatcher.save()
    body = client.get(url).content.decode()
    assert "Off shift until <time" in body and "Tue 3 Mar 08:00 CST</time>" in body
    assert "(08:00 CST local)" not in body  # the same wall-clock time: said once


@pytest.mark.django_db
def test_a_decision_stored_without_times_is_read_back_or_shown_as_written(
    away_decision: Any, bob: Any
) -> None:
    row = {key: value for key, value in _bob(away_decision).items() if key != "times"}  # as stored before
    with timezone.override("Europe/Berlin"):
        (read,) = candidate_views([row], None, away_decision.as_of)
        (as_written,) = candidate_views([row], None)  # no decision time: nothing to read back against
    assert IN_BERLIN in read.reason_not_selected
    assert as_written.reason_not_selected == "Off shift until Tue 08:00 CST"
    bob.timezone = "Asia/Tokyo"  # moved since: that zone does not write this text, so it stays as it is
    bob.save()
    cache.delete(reason_times.ZONES_KEY)
    with timezone.override("Europe/Berlin"):
        (moved,) = candidate_views([row], None, away_decision.as_of)
    assert moved.reason_not_selected == "Off shift until Tue 08:00 CST"


def test_stored_times_are_rendered_escaped_and_in_the_title_as_plain_text() -> None:
    text = "Off shift until Tue 08:00 CST <b>"
    row = {
        "technician_id": "tech-x",
        "reason_not_selected": text,
        "times": [{"text": "Tue 08:00 CST", "at": "2026-03-03T14:00:00Z", "zone": "America/Chicago"}],
        "score_breakdown": [
            {
                "factor": "availability",
                "points": 1.0,
                "weight": 0.2,
                "reason": "Off shift, back Tue 08:00 CST",
            }
        ],
    }
    with timezone.override("Europe/Berlin"):
        (view,) = candidate_views([row], None)
    assert view.reason_not_selected.endswith(IN_BERLIN + " &lt;b&gt;")
    assert IN_BERLIN in view.reasons[0]["reason"]
    assert view.segments[0]["reason"] == "Off shift, back Tue 3 Mar 15:00 CET (08:00 CST local)"
    broken = {**row, "times": [{"text": "Tue 08:00 CST", "at": "not a time", "zone": "Nowhere/Zone"}]}
    with timezone.override("Europe/Berlin"):
        (view,) = candidate_views([broken], None)
    assert view.reason_not_selected == text  # malformed times: the text as written


@pytest.mark.django_db
def test_failure_times_in_the_desks_zone_are_labelled_desk_time(bob_in_chicago: Any) -> None:
    settings = DispatchSettings.load()
    settings.business_hours = {**settings.business_hours, "timezone": "America/New_York"}
    settings.save()
    opens = datetime(2026, 3, 4, 13, tzinfo=UTC)  # Wed 08:00 EST
    back = NOW + timedelta(days=8)  # more than six days: written with the date (and CDT by then)
    document = {
        "success": False,
        "evaluation_summary": {
            "blocking_factors": [
                {
                    "factor": "availability",
                    "details": f"1 technician qualified, none available now (Bob Beginner: on time off until {format_local(back, 'America/Chicago', NOW)})",
                },
            ]
        },  # fmt: skip
        "recommended_actions": [
            f"Wait for next dispatch cycle (business hours resume {format_local(opens, 'America/New_York', NOW)})"
        ],
    }
    with timezone.override("Europe/Berlin"):
        failure = failure_details(document, NOW)
        waiting = in_viewer_zone(
            f"waiting (next: Bob Beginner, {format_local(opens, 'America/New_York', NOW)})",
            NOW,
            plain=True,
        )
    assert failure is not None
    (action,) = failure["recommended_actions"]
    assert 'Wed 4 Mar 14:00 CET</time> <span class="local-time">(08:00 EST desk time)</span>' in action
    details = failure["blocking_factors"][0]["details"]
    assert "Wed 11 Mar 07:00 CDT" in document["evaluation_summary"]["blocking_factors"][0]["details"]
    assert "until Wed 11 Mar 07:00 CDT" not in details
    assert 'Wed 11 Mar 13:00 CET</time> <span class="local-time">(07:00 CDT local)</span>' in details
    assert waiting == "waiting (next: Bob Beginner, Wed 4 Mar 14:00 CET (08:00 EST desk time))"
    with timezone.override("Europe/Berlin"):
        unread = failure_details(document)  # no decision time: shown as written
    assert unread is not None and unread["recommended_actions"] == document["recommended_actions"]


@pytest.mark.parametrize(
    ("zone", "moment", "now"),
    [
        # Sun 01:30 CST, just before the spring gap
        ("America/Chicago", datetime(2026, 3, 8, 7, 30, tzinfo=UTC), datetime(2026, 3, 5, tzinfo=UTC)),
        # 01:30 CDT and 01:30 CST: the night the clocks go back has two
        ("America/Chicago", datetime(2026, 11, 1, 6, 30, tzinfo=UTC), datetime(2026, 10, 30, tzinfo=UTC)),
        ("America/Chicago", datetime(2026, 11, 1, 7, 30, tzinfo=UTC), datetime(2026, 10, 30, tzinfo=UTC)),
        ("Asia/Kolkata", datetime(2026, 3, 5, 3, 0, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC)),  # IST
        (
            "Asia/Dubai",
            datetime(2026, 3, 20, 4, 0, tzinfo=UTC),
            datetime(2026, 3, 10, tzinfo=UTC),
        ),  # "+04", dated
        (
            "Europe/London",
            datetime(2027, 1, 2, 9, 0, tzinfo=UTC),
            datetime(2026, 12, 20, tzinfo=UTC),
        ),  # next year
    ],
)
def test_reading_back_finds_the_one_instant_that_writes_the_same_text(
    zone: str, moment: datetime, now: datetime
) -> None:
    text = f"Off shift until {format_local(moment, zone, now)}"
    (found,) = reason_times.read_back(text, [zone], now)
    assert (found.text, found.at, found.zone) == (text.removeprefix("Off shift until "), moment, zone)
    assert reason_times.read_back(text, ["Europe/Berlin"], now) == []  # another zone never writes it
    assert reason_times.read_back(text, [zone], moment + timedelta(hours=1)) == []  # it would be past


def test_two_zones_writing_the_same_text_for_different_instants_leave_it_as_written() -> None:
    chicago = datetime(2026, 3, 4, 14, tzinfo=UTC)
    text = f"back {format_local(chicago, 'America/Chicago', NOW)}"  # "Wed 08:00 CST"
    shanghai = datetime(2026, 3, 4, 0, tzinfo=UTC)  # Wed 08:00 in Shanghai, China Standard Time
    assert format_local(shanghai, "Asia/Shanghai", NOW) == format_local(chicago, "America/Chicago", NOW)
    assert [m.at for m in reason_times.read_back(text, ["America/Chicago"], NOW)] == [chicago]
    assert [m.at for m in reason_times.read_back(text, ["Asia/Shanghai"], NOW)] == [shanghai]
    assert reason_times.read_back(text, ["America/Chicago", "Asia/Shanghai"], NOW) == []  # not guessed


@pytest.mark.django_db
def test_a_refused_override_says_when_the_technician_is_back_in_the_viewers_zone(
    ticket: Any, bob_in_chicago: Any, dispatcher: Any, client: Any, time_machine: Any
) -> None:
    from dispatch.services import decision_create

    time_machine.move_to(NOW, tick=False)
    decision_create(ticket=ticket, mode="suggest", initiated_by="test")
    dispatcher.time_zone = "Europe/Berlin"
    dispatcher.save()
    client.force_login(dispatcher)
    data = {"technician_id": "tech-bob", "reason": "Asked for Bob"}
    response = client.post(reverse("dispatch:assign", args=[ticket.pk]), data, headers=HX)
    body = response.content.decode()
    assert response.status_code == 422
    assert "Bob Beginner is off shift until Tue 3 Mar 15:00 CET (08:00 CST local). Choose another" in body


@pytest.mark.django_db
def test_the_waiting_badge_names_who_is_next_in_the_viewers_zone(
    category: Any, bob: Any, skill: Any, dispatcher: Any, client: Any, time_machine: Any
) -> None:
    """Held for a qualified technician: the engine names who is next in the desk's zone (New York);
    the queue's badge says it in the viewer's (Berlin), the desk's time labelled."""
    from dispatch.services import decision_create
    from skills.models import Shift
    from tests.factories import TechnicianFactory, TicketFactory

    time_machine.move_to(NOW, tick=False)
    settings = DispatchSettings.load()
    settings.below_threshold = "urgent"
    settings.business_hours = {**settings.business_hours, "timezone": "America/New_York"}
    settings.save()
    alice = TechnicianFactory(external_id="tech-alice", name="Alice Expert", skills={skill: "expert"})
    alice.timezone = "America/Chicago"
    alice.save()
    Shift.objects.bulk_create(
        Shift(technician=alice, weekday=d, start=time(8), end=time(16)) for d in range(5)
    )
    ticket = TicketFactory(
        external_id="6001", category=category, priority="Low", sla_due=NOW + timedelta(hours=20)
    )
    decision = decision_create(ticket=ticket, mode="suggest")
    assert decision.waiting.endswith("(next: Alice Expert, Tue 09:00 EST)")  # stored as written
    dispatcher.time_zone = "Europe/Berlin"
    dispatcher.save()
    client.force_login(dispatcher)
    page = client.get(reverse("dispatch:queue")).content.decode()
    assert "(next: Alice Expert, Tue 3 Mar 15:00 CET (09:00 EST desk time))" in page


@pytest.mark.django_db
def test_a_rules_impact_names_the_time_in_the_viewers_zone(
    ticket: Any, bob_in_chicago: Any, dispatcher: Any, client: Any, time_machine: Any
) -> None:
    from dispatch.services import decision_create
    from tests.factories import RuleFactory

    time_machine.move_to(NOW, tick=False)
    RuleFactory(name="To Bob", when={}, then={"assign_to": "tech-bob"}, unless_unavailable=True)
    decision = decision_create(ticket=ticket, mode="suggest", initiated_by="test")
    impact = next(
        r["impact"] for r in decision.document["dispatching_rules_applied"] if "tech-bob" in r["impact"]
    )
    assert "(Off shift until Tue 08:00 CST)" in impact  # the document: as written
    dispatcher.time_zone = "Europe/Berlin"
    dispatcher.save()
    client.force_login(dispatcher)
    for url in (
        reverse("dispatch:decision", args=[decision.pk]),
        reverse("dispatch:ticket", args=[ticket.pk]),
    ):
        body = client.get(url).content.decode()
        assert (
            f'tech-bob unavailable (Off shift until <time datetime="2026-03-03T14:00:00+00:00" title="2026-03-03 14:00 UTC">{IN_BERLIN})'
            in body
        )
