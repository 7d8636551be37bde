"""A failure names the real blocker: when the technicians who qualify are away, the answer is
that nobody qualified is available (or business hours), with who they are and when they are
back; not the skill match of whoever happens to be in."""

from dispatch.engine import rank
from dispatch.engine.vector import TechTable, advice

from .builders import NOW, at, hours, interval, office, policy, shift, tech, ticket

EVENING = at("2026-01-13T20:00Z")  # Tuesday, after a 08:00-18:00 UTC office day
EMAIL = ticket(category_required_skills=("Exchange",))


def desk(**away: object) -> list:
    return [
        tech("ana", name="Ana Ruiz", skills={"Exchange": 3}, **away),
        tech("sam", name="Sam Lee", skills={"Exchange": 3}, **away),
        tech("junior", name="Jo Junior", skills={"Printers": 2}),  # in, but not qualified
    ]


def test_qualified_on_time_off_is_no_qualified_available_with_names_and_return() -> None:
    techs = desk(time_off=(interval(NOW - hours(2), 26, "Sick"),))
    r = rank(EMAIL, techs, policy(force_assignment=False))
    assert r.error_code == "NO_QUALIFIED_TECHNICIANS_AVAILABLE"
    assert (r.counts["qualified"], r.counts["available"]) == (2, 1)
    first = r.blocking_factors[0]
    assert first.factor == "availability"
    assert first.details.startswith("2 technicians qualified, none available now (Ana Ruiz: on time off (Sick) until")
    assert "Sam Lee: on time off (Sick) until Wed 15:30 UTC" in first.details  # day and zone as written


def test_qualified_outside_business_hours_is_business_hours_restriction() -> None:
    on_call = tech("oncall", name="On Call", skills={"Printers": 1}, on_call=(interval(EVENING - hours(1), 4),))
    techs = [*desk(), on_call]
    r = rank(EMAIL, techs, policy(now=EVENING, business_hours_only=True, business_hours=office(), force_assignment=False))
    assert r.error_code == "BUSINESS_HOURS_RESTRICTION"


def test_a_ticket_held_for_a_qualified_technician_keeps_its_waiting_reason() -> None:
    techs = desk(schedule=(shift("08:00", "16:00"),))
    held = policy(now=EVENING, force_scope="urgent")  # Medium priority: waits for a qualified one
    r = rank(EMAIL, techs, held)
    assert r.error_code == "NO_QUALIFIED_TECHNICIANS_AVAILABLE"
    assert any(b.factor == "force_scope" and "(next: Ana Ruiz" in b.details for b in r.blocking_factors)
    assert r.recommended_actions[0].startswith("Assign by hand now")


def test_nobody_qualified_at_all_is_still_the_skill_match() -> None:
    techs = [tech("junior", name="Jo Junior", skills={"Printers": 2})]
    r = rank(EMAIL, techs, policy(force_assignment=False))
    assert r.error_code == "SKILL_MATCH_BELOW_THRESHOLD"


def test_the_vectorized_advice_agrees() -> None:
    techs = desk(time_off=(interval(NOW - hours(2), 26, "Sick"),))
    assert advice(EMAIL, TechTable(techs), policy(force_assignment=False)) == (None, "NO_QUALIFIED_TECHNICIANS_AVAILABLE", "")
