"""Learned capacity and working hours (dispatch/learning/workpattern.py): pure functions."""

from datetime import UTC, datetime, time, timedelta

from dispatch.learning.experience import HistoryRecord
from dispatch.learning.workpattern import (
    LearnedHours,
    effective_capacity,
    fallback_hours,
    learn_capacity,
    learn_hours,
    learn_patterns,
)

MONDAY = datetime(2025, 3, 3, tzinfo=UTC)


def held(tech: str, opened: datetime, hours: float) -> HistoryRecord:
    return HistoryRecord(tech=tech, opened_at=opened, resolved_at=opened + timedelta(hours=hours))


def test_capacity_is_a_high_percentile_of_what_they_held_when_taking_more() -> None:
    # Every hour a new ticket that stays open 3.5 hours: from the fourth on they hold 4 at once.
    records = [held("ann", MONDAY + timedelta(hours=i), 3.5) for i in range(20)]
    assert learn_capacity(records)["ann"] == (4, 20, 4.0)


def test_capacity_needs_enough_tickets() -> None:
    records = [held("ann", MONDAY + timedelta(days=i), 1) for i in range(9)]
    assert learn_capacity(records)["ann"] == (None, 9, None)


def test_a_busy_resolver_learns_more_than_the_default_of_ten() -> None:
    records = [held("bo", MONDAY + timedelta(hours=i), 24 * 5) for i in range(40)]
    capacity, samples, _ = learn_capacity(records)["bo"]
    assert samples == 40 and capacity is not None and capacity > 10


def test_hours_are_the_weekdays_and_window_they_acted_in_their_zone() -> None:
    # 9:00-16:00 New York (EST, UTC-5, before the DST change), Monday to Friday, four weeks.
    instants = [
        datetime(2025, 1, 6, 14, tzinfo=UTC) + timedelta(days=week * 7 + day, hours=h)
        for week in range(4)
        for day in range(5)
        for h in range(0, 8, 2)
    ]
    hours = learn_hours(instants, "America/New_York")
    assert hours is not None
    assert (hours.days, hours.start, hours.end) == ((0, 1, 2, 3, 4), time(9), time(16))
    assert hours.events == 80 and hours.share == 1.0


def test_activity_round_the_clock_learns_no_hours() -> None:
    instants = [MONDAY + timedelta(hours=h) for h in range(24 * 7)]
    assert learn_hours(instants) is None


def test_too_few_actions_learn_no_hours() -> None:
    assert learn_hours([MONDAY + timedelta(hours=9)] * 29) is None


def test_patterns_read_first_responses_and_resolutions_in_the_technicians_zone() -> None:
    records = [
        HistoryRecord(
            tech="cy",
            opened_at=MONDAY + timedelta(days=d, hours=8),
            first_response_at=MONDAY + timedelta(days=d, hours=9),
            resolved_at=MONDAY + timedelta(days=d, hours=10),
        )
        for d in range(0, 28)
        if d % 7 < 5
    ]
    (pattern,) = learn_patterns(records, lambda tech: "Europe/Paris").values()
    assert pattern.hours is not None and pattern.hours.start == time(10) and pattern.hours.end == time(12)
    assert pattern.capacity == 1 and pattern.capacity_samples == 20


def test_effective_capacity_prefers_stated_then_confirmed_then_learned_above_the_default() -> None:
    assert effective_capacity(5, 30, 40, 10) == 5
    assert effective_capacity(None, 30, 40, 10) == 30
    assert effective_capacity(None, None, 40, 10) == 40
    assert effective_capacity(None, None, 4, 10) is None  # shown, not used until confirmed
    assert effective_capacity(None, 4, 4, 10) == 4
    assert effective_capacity(None, None, None, 10) is None


def test_fallback_hours_are_only_the_confirmed_ones() -> None:
    learned = LearnedHours((0, 1), time(8), time(16), 0.9, 40).to_json()
    assert fallback_hours(learned, learned, False) == LearnedHours.from_json(learned)
    assert fallback_hours(learned, None, False) is None
