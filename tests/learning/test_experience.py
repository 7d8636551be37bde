from datetime import UTC, datetime, timedelta

import pytest

from dispatch.learning.experience import ExperienceLearner, HistoryRecord, compute_experience

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def ticket(tech: str, day: float, hours: float = 2.0, category: str = "Email", **kw) -> HistoryRecord:
    opened = T0 + timedelta(days=day)
    return HistoryRecord(
        tech=tech, opened_at=opened, resolved_at=opened + timedelta(hours=hours), category=category, **kw
    )


def stats_by_tech(records, as_of, scope="category", key="Email", **kw):
    return {s.tech: s for s in compute_experience(records, as_of, **kw) if s.scope == scope and s.key == key}


def test_smoothing_pulls_a_one_ticket_tech_toward_the_team_average():
    team = [ticket("veteran", d, csat=3) for d in range(20)]
    lucky = ticket("newbie", 21, csat=5)
    s = stats_by_tech([*team, lucky], T0 + timedelta(days=30), prior_strength=5)
    assert s["veteran"].csat == pytest.approx(3.0, abs=0.15)
    assert 3.0 < s["newbie"].csat < 3.5  # one 5-star ticket is not an expert


def test_decay_favours_recent_work():
    old = [ticket("old-hand", d) for d in range(0, 10)]
    recent = [ticket("recent", d) for d in range(290, 297)]
    s = stats_by_tech([*old, *recent], T0 + timedelta(days=300), half_life_days=90)
    assert s["old-hand"].resolved_raw > s["recent"].resolved_raw
    assert s["recent"].resolved > s["old-hand"].resolved


def test_decayed_count_halves_after_one_half_life():
    s = stats_by_tech([ticket("a", 0, hours=0)], T0 + timedelta(days=90), half_life_days=90)
    assert s["a"].resolved == pytest.approx(0.5)


def test_learner_never_sees_a_ticket_resolved_after_the_query_instant():
    learner = ExperienceLearner()
    learner.add(ticket("early", 0, hours=1))
    learner.add(ticket("slow", 0, hours=24 * 10))  # opened first, resolved later
    learner.add(ticket("slow", 1, hours=24 * 10))
    learner.advance(T0 + timedelta(days=5))
    assert learner.technicians() == ["early"]  # peeking would make "slow" the category leader
    assert learner.stats("slow", "category", "Email") is None
    learner.advance(T0 + timedelta(days=12))
    assert learner.raw_count("slow", "category", "Email") == 2


def test_learner_cannot_go_back_in_time():
    learner = ExperienceLearner()
    learner.advance(T0 + timedelta(days=5))
    with pytest.raises(ValueError):
        learner.advance(T0)


def test_resolved_this_week_counts_only_the_last_seven_days():
    records = [ticket("a", d) for d in (1, 20, 25, 27)]
    s = stats_by_tech(records, T0 + timedelta(days=28), scope="all", key="")
    assert s["a"].resolved_this_week == 2


def test_company_and_board_slices_are_learned():
    records = [ticket("a", 1, company="acme", board="Service Desk")]
    rows = {(s.scope, s.key) for s in compute_experience(records, T0 + timedelta(days=2))}
    assert rows == {("all", ""), ("category", "Email"), ("company", "acme"), ("board", "Service Desk")}


def test_standing_is_the_count_over_the_slice_leaders():
    learner = ExperienceLearner()
    learner.extend([*(ticket("lead", d) for d in range(8)), *(ticket("half", d) for d in range(4))])
    learner.advance(T0 + timedelta(days=10))
    assert learner.relative("lead", "category", "Email") == 1.0
    assert learner.relative("half", "category", "Email") == pytest.approx(0.5, abs=0.03)
    assert learner.relative("nobody", "category", "Email") == 0.0
    assert learner.engine_experience("half", "Email")["Email"].relative == learner.relative("half", "category", "Email")


def test_the_leader_changes_only_with_what_has_been_resolved():
    learner = ExperienceLearner()
    learner.extend([ticket("early", 0), ticket("early", 1), *(ticket("late", d, hours=24 * 9) for d in (2, 3, 4))])
    learner.advance(T0 + timedelta(days=6))  # the late tickets are still open
    assert learner.relative("early", "category", "Email") == 1.0
    learner.advance(T0 + timedelta(days=14))
    assert learner.relative("late", "category", "Email") == 1.0
    assert learner.relative("early", "category", "Email") < 1.0


def test_board_standing_and_typical_hours_reach_the_engine_inputs():
    learner = ExperienceLearner()
    learner.extend([ticket("a", 1, hours=1, board="Network"), ticket("b", 2, hours=9, board="Network")])
    learner.extend([ticket("b", 3, hours=9, board="Network")])
    learner.advance(T0 + timedelta(days=5))
    a, b = learner.board_experience("a", "Network")["Network"], learner.board_experience("b", "Network")["Network"]
    assert b.relative == 1.0 and 0.4 < a.relative < 0.55
    assert a.typical_hours == b.typical_hours and a.avg_resolution_hours < a.typical_hours < b.avg_resolution_hours
    assert learner.board_experience("a", None) == {}
