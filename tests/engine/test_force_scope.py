"""force_scope "urgent": below-threshold assignment only for High/Critical tickets and for
tickets near their SLA deadline; the rest wait for a qualified technician (desk setting
below_threshold = urgent)."""

import pytest

from dispatch.engine import rank, rank_batch
from dispatch.engine.types import BELOW_THRESHOLD_CHOICES, FORCE_SCOPES

from .builders import NOW, hours, policy, reasons, shift, tech, ticket

EXCHANGE = ("Exchange",)


def team():
    """A beginner on shift now, and an expert whose shift starts at 08:00 UTC tomorrow."""
    return [tech("novice", skills={"Exchange": 1}), tech("pro", skills={"Exchange": 3}, schedule=(shift("08:00", "16:00"),))]


URGENT = policy(force_scope="urgent", now=NOW.replace(hour=19))


@pytest.mark.parametrize("priority", ["Low", "Medium"])
def test_a_routine_ticket_waits_for_the_qualified_technician(priority):
    r = rank(ticket(priority=priority, category_required_skills=EXCHANGE, sla_due=NOW + hours(20)), team(), URGENT)
    # The qualified technician is off shift: that is the blocker reported first (issue 12 item 3).
    assert r.selected is None and r.error_code == "NO_QUALIFIED_TECHNICIANS_AVAILABLE"
    assert r.blocking_factors[0].details.startswith("1 technician qualified, none available now (Pro: off shift until")
    held = {b.factor: b.details for b in r.blocking_factors}["force_scope"]
    assert held.startswith(f"Not urgent: {priority} tickets are forced below the threshold only within 30 min")
    assert held.endswith("waiting for a qualified technician (next: Pro, Wed 08:00 UTC)")
    assert r.recommended_actions[0].startswith("Assign by hand now")
    assert next(c for c in r.candidates if c.tech_id == "novice").blocked_by == ("skill_threshold",)


@pytest.mark.parametrize("priority", ["High", "Critical"])
def test_urgent_priorities_are_still_forced(priority):
    r = rank(ticket(priority=priority, category_required_skills=EXCHANGE, sla_due=NOW + hours(20)), team(), URGENT)
    assert r.selected == "novice" and r.error_code is None
    assert reasons(r)["force_assignment"] == "Assigned below the skill threshold (50% < 60%); forced: urgent priority"


@pytest.mark.parametrize(("left", "forced"), [(hours(0.6), False), (hours(0.5), True), (hours(0.1), True), (-hours(2), True)])
def test_a_routine_ticket_is_forced_once_its_deadline_is_near(left, forced):
    now = NOW.replace(hour=19)
    r = rank(ticket(priority="Low", category_required_skills=EXCHANGE, sla_due=now + left), team(), URGENT)
    assert (r.selected == "novice") is forced
    if forced:
        assert reasons(r)["force_assignment"].endswith("; forced: SLA deadline near")


def test_window_is_the_policys():
    now = NOW.replace(hour=19)
    t = ticket(priority="Low", category_required_skills=EXCHANGE, sla_due=now + hours(1.5))
    assert rank(t, team(), URGENT).selected is None
    assert rank(t, team(), policy(force_scope="urgent", force_window_minutes=120, now=now)).selected == "novice"


def test_a_routine_ticket_without_a_deadline_waits():
    r = rank(ticket(priority="Low", category_required_skills=EXCHANGE), team(), URGENT)
    assert r.selected is None and r.error_code == "NO_QUALIFIED_TECHNICIANS_AVAILABLE"
    assert "force_scope" in {b.factor for b in r.blocking_factors}


def test_qualified_technicians_are_unaffected_by_the_scope():
    pro_now = [tech("novice", skills={"Exchange": 1}), tech("pro", skills={"Exchange": 3})]
    r = rank(ticket(priority="Low", category_required_skills=EXCHANGE, sla_due=NOW + hours(20)), pro_now, URGENT)
    assert r.selected == "pro" and "force_assignment" not in reasons(r)


def test_scope_always_and_force_off_behave_as_before():
    t = ticket(priority="Low", category_required_skills=EXCHANGE, sla_due=NOW + hours(20))
    now = NOW.replace(hour=19)
    assert rank(t, team(), policy(now=now)).selected == "novice"
    off = rank(t, team(), policy(now=now, force_assignment=False, force_scope="urgent"))
    assert off.selected is None and "force_scope" not in {b.factor for b in off.blocking_factors}
    high = ticket(priority="High", category_required_skills=EXCHANGE, sla_due=NOW + hours(20))
    assert rank(high, team(), policy(now=now, force_assignment=False, force_scope="urgent")).selected is None


def test_a_batch_applies_the_scope_per_ticket():
    now = NOW.replace(hour=19)
    tickets = [
        ticket("low", priority="Low", category_required_skills=EXCHANGE, sla_due=now + hours(20)),
        ticket("high", priority="High", category_required_skills=EXCHANGE, sla_due=now + hours(20)),
        ticket("late", priority="Medium", category_required_skills=EXCHANGE, sla_due=now + hours(0.2)),
    ]
    for optimise in (True, False):
        got = {r.ticket_id: (r.selected, r.error_code) for r in rank_batch(tickets, team(), URGENT, optimise=optimise)}
        assert got == {
            "low": (None, "NO_QUALIFIED_TECHNICIANS_AVAILABLE"),
            "high": ("novice", None),
            "late": ("novice", None),
        }, optimise


def test_desk_choices_map_onto_the_policy():
    assert set(BELOW_THRESHOLD_CHOICES) == {"always", "urgent", "never"}
    assert {scope for _, scope in BELOW_THRESHOLD_CHOICES.values()} <= set(FORCE_SCOPES)
    assert BELOW_THRESHOLD_CHOICES["always"] == (True, "always")
