import pytest

from dispatch.engine import ERROR_MESSAGES, RECOMMENDED_ACTIONS, rank
from dispatch.engine.types import ERROR_CODES

from .builders import NOW, at, candidate, hours, interval, office, policy, reasons, shift, tech, ticket

EVENING = at("2026-01-13T20:00Z")  # Tuesday, after a 08:00-18:00 UTC office day


def test_dispatching_disabled_evaluates_nobody():
    r = rank(ticket(), [tech()], policy(dispatching_enabled=False))
    assert r.error_code == "DISPATCHING_DISABLED" and r.candidates == () and r.selected is None
    assert r.counts["evaluated"] == 0 and r.recommended_actions


def test_business_hours_restriction_without_on_call():
    r = rank(
        ticket(),
        [tech("a"), tech("b")],
        policy(now=EVENING, business_hours_only=True, business_hours=office()),
    )
    assert r.error_code == "BUSINESS_HOURS_RESTRICTION" and r.selected is None
    assert candidate(r, "a").availability_status == "outside_business_hours"
    assert "resume Wed 08:00" in r.recommended_actions[-1]


def test_business_hours_only_still_dispatches_to_on_call_technicians():
    on_call = tech("oncall", schedule=(shift("08:00", "16:00"),), on_call=(interval(EVENING - hours(1), 4),))
    r = rank(ticket(), [tech("a"), on_call], policy(now=EVENING, business_hours_only=True))
    assert r.selected == "oncall" and r.candidates[0].availability_status == "on_call"


def test_sla_breached_without_force_is_an_error_but_candidates_are_ranked():
    r = rank(ticket(sla_due=NOW - hours(1)), [tech("a"), tech("b")], policy(force_assignment=False))
    assert r.error_code == "SLA_ALREADY_BREACHED" and r.selected is None
    assert len(r.candidates) == 2 and r.sla_risk == "breached" and r.sla_hours_remaining == -1.0


def test_sla_breached_with_force_assigns_and_escalates():
    r = rank(ticket(sla_due=NOW - hours(1)), [tech("a")], policy(escalation_email="mgr@example.com"))
    assert r.selected == "a" and r.error_code is None and r.escalate_to == "mgr@example.com"
    assert "escalated to mgr@example.com" in reasons(r)["sla_breach_escalation"]


def test_no_qualified_technicians_when_nobody_speaks_the_language():
    r = rank(ticket(language="Spanish"), [tech("a"), tech("b", languages={"English", "French"})], policy())
    assert r.error_code == "NO_QUALIFIED_TECHNICIANS_AVAILABLE"
    assert candidate(r, "a").reason_not_selected == "Does not speak Spanish"
    assert r.blocking_factors[0].factor == "language" and "Spanish" in r.recommended_actions[1]


def test_language_match_is_case_insensitive():
    assert rank(ticket(language="spanish"), [tech(languages={"Spanish"})], policy()).selected == "t1"


def test_no_qualified_technicians_when_everyone_is_off_shift_or_away():
    away = tech("away", time_off=(interval(NOW - hours(1), 48, "vacation"),))
    night = tech("night", schedule=(shift("22:00", "06:00"),))
    r = rank(ticket(), [away, night], policy())
    assert r.error_code == "NO_QUALIFIED_TECHNICIANS_AVAILABLE" and r.counts["available"] == 0
    assert candidate(r, "away").reason_not_selected.startswith("On time off (vacation) until Thu")
    assert {b.factor for b in r.blocking_factors} == {"availability"}


@pytest.mark.parametrize("blocker", [{"active": False}, {"onsite_capable": False}])
def test_hard_filters_leave_no_qualified_technicians(blocker):
    r = rank(ticket(onsite=True), [tech(**blocker)], policy())
    assert r.error_code == "NO_QUALIFIED_TECHNICIANS_AVAILABLE" and not r.candidates[0].eligible


def test_excluded_technicians_are_filtered():
    r = rank(ticket(exclude=("a",)), [tech("a"), tech("b", active_tickets=9)], policy())
    assert r.selected == "b" and candidate(r, "a").blocked_by == ("excluded",)


def test_all_technicians_at_capacity():
    r = rank(ticket(), [tech("a", active_tickets=10), tech("b", active_tickets=12)], policy())
    assert r.error_code == "ALL_TECHNICIANS_AT_CAPACITY"
    assert candidate(r, "a").reason_not_selected == "At capacity (10/10)"
    assert "Enable override_workload_limit to assign to busy technicians" in r.recommended_actions


def test_override_workload_limit_assigns_to_busy_technicians():
    r = rank(ticket(), [tech("a", active_tickets=10)], policy(override_workload_limit=True))
    assert r.selected == "a" and r.candidates[0].at_capacity


def test_overflow_is_used_only_when_nobody_under_capacity_qualifies():
    team = [
        tech("busy", skills={"Exchange": 3}, active_tickets=10),
        tech("free", skills={"Exchange": 3}, active_tickets=9),
    ]
    tk = ticket(category_required_skills=("Exchange",))
    assert rank(tk, team, policy(allow_overflow_assignment=True)).selected == "free"
    r = rank(tk, team[:1], policy(allow_overflow_assignment=True))
    assert r.selected == "busy" and r.confidence != "high" and "overflow_assignment" in reasons(r)


def test_skill_match_below_threshold_without_force():
    r = rank(
        ticket(category_required_skills=("Exchange",)),
        [tech(skills={"Exchange": 1})],
        policy(force_assignment=False),
    )
    assert r.error_code == "SKILL_MATCH_BELOW_THRESHOLD" and "50%" in r.error_message
    assert r.candidates[0].blocked_by == ("skill_threshold",)


def test_force_assignment_picks_the_best_below_threshold_and_says_so():
    team = [tech("a", skills={"Exchange": 1}), tech("b")]
    r = rank(ticket(category_required_skills=("Exchange",)), team, policy(force_assignment=True))
    assert r.selected == "a" and r.confidence == "low"
    assert reasons(r)["force_assignment"] == "Assigned below the skill threshold (50% < 60%)"


def test_qualified_technician_beats_forced_unqualified_one():
    team = [tech("novice", skills={"Exchange": 1}), tech("pro", skills={"Exchange": 3}, active_tickets=9)]
    r = rank(ticket(category_required_skills=("Exchange",)), team, policy())
    assert r.selected == "pro" and candidate(r, "novice").reason_not_selected.startswith(
        "Skill match below threshold"
    )


def test_every_error_code_has_a_message_and_actions():
    assert set(ERROR_MESSAGES) == set(ERROR_CODES) == set(RECOMMENDED_ACTIONS)
    assert "PSA_UPDATE_FAILED" in ERROR_CODES


def test_failed_rankings_carry_blocking_factors_and_escalation_target():
    r = rank(ticket(), [tech(active_tickets=10)], policy(escalation_email="mgr@example.com"))
    assert (
        r.blocking_factors
        and r.error_message
        and r.escalate_to == "mgr@example.com"
        and r.confidence == "low"
    )
