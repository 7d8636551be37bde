import pytest

from dispatch.engine import skill_match, sla_risk
from dispatch.engine.factors import (
    availability_factor,
    customer_preference_factor,
    performance_factor,
    skill_factor,
    sla_urgency,
    workload_factor,
)
from dispatch.engine.types import Workload

from .builders import (
    BOSTON,
    CHICAGO,
    NEW_YORK,
    NOW,
    PROVIDENCE,
    experience,
    history,
    hours,
    policy,
    shift,
    tech,
    ticket,
)

EMAIL = ("Exchange", "Office 365")


def test_skill_levels_give_graded_credit():
    t = tech(skills={"Exchange": 3, "Office 365": 1})
    pct, matched, missing = skill_match(ticket(category_required_skills=EMAIL), t)
    assert pct == 75.0 and matched == EMAIL and missing == ()


def test_missing_skill_counts_zero_and_is_reported():
    pct, matched, missing = skill_match(ticket(category_required_skills=EMAIL), tech(skills={"exchange": 2}))
    assert pct == 40.0 and matched == ("Exchange",) and missing == ("Office 365",)


def test_ticket_required_skills_add_to_category_skills():
    t = tech(skills={"Exchange": 3, "Office 365": 3})
    pct, _, missing = skill_match(ticket(category_required_skills=EMAIL, required_skills=("Azure AD",)), t)
    assert round(pct) == 67 and missing == ("Azure AD",)


def test_certification_naming_a_skill_adds_a_bonus():
    plain = tech(skills={"Exchange": 2})
    certified = tech(skills={"Exchange": 2}, certifications={"Microsoft Exchange Server Certified"})
    tk = ticket(category_required_skills=("Exchange",))
    assert skill_match(tk, plain)[0] == 80.0 and skill_match(tk, certified)[0] == 90.0


def test_without_a_skills_matrix_experience_is_the_match():
    t = tech(experience={"Email Support": experience(resolved=5)})
    pct, _, _ = skill_match(ticket(category_required_skills=EMAIL), t)
    assert pct == pytest.approx(63.2, abs=0.1)
    assert skill_match(ticket(category_required_skills=EMAIL), tech())[0] == 0.0


def test_experience_lifts_but_never_lowers_the_skills_matrix():
    tk = ticket(category_required_skills=EMAIL)
    matrix = {"Exchange": 2, "Office 365": 2}
    assert skill_match(tk, tech(skills=matrix))[0] == 80.0
    assert skill_match(tk, tech(skills=matrix, experience={"Email Support": experience(1)}))[0] == 80.0
    assert skill_match(tk, tech(skills=matrix, experience={"Email Support": experience(30)}))[0] > 84


def test_no_required_skills_is_neutral_or_experience():
    tk = ticket()
    assert skill_match(tk, tech())[0] == 50.0
    assert skill_match(tk, tech(experience={"Email Support": experience(20)}))[0] > 95


def test_a_little_history_ranks_above_none_when_no_skills_are_required():
    # The old curve 1 - exp(-resolved/5) put someone with 1 ticket (18%) below a stranger (50%).
    tk = ticket()
    assert skill_match(tk, tech(experience={"Email Support": experience(1)}))[0] > skill_match(tk, tech())[0]
    assert skill_match(tk, tech(experience={"Email Support": experience(0.5, relative=0.1)}))[0] > 50.0


def test_standing_against_the_slice_leader_orders_the_regulars():
    tk = ticket()
    leader = tech(experience={"Email Support": experience(40, relative=1.0)})
    half = tech(experience={"Email Support": experience(20, relative=0.5)})
    occasional = tech(experience={"Email Support": experience(4, relative=0.1)})
    pcts = [skill_match(tk, t)[0] for t in (leader, half, occasional)]
    assert pcts[0] == 100.0 and pcts[0] > pcts[1] > pcts[2] > 50.0


def test_board_history_speaks_when_the_category_is_new_to_the_technician():
    tk = ticket(board="Network Team")
    team_member = tech(board_experience={"Network Team": experience(30, relative=1.0)})
    value, reason = skill_factor(tk, team_member)
    assert value == pytest.approx(0.75, abs=0.01) and "board Network Team" in reason
    assert skill_match(tk, tech(board_experience={"Projects": experience(30, relative=1.0)}))[0] == 50.0


def test_history_against_the_leader_still_never_lowers_the_matrix():
    tk = ticket(category_required_skills=EMAIL)
    matrix = {"Exchange": 3, "Office 365": 3}
    assert skill_match(tk, tech(skills=matrix, experience={"Email Support": experience(3, relative=0.05)}))[0] == 100


def test_dear_rates_on_low_complexity_work_are_discounted_only_when_a_junior_qualifies():
    tk = ticket(category_required_skills=("Exchange",), complexity="low")
    senior = tech(seniority="senior", skills={"Exchange": 3}, hourly_cost=120.0)
    mid = tech(seniority="mid", skills={"Exchange": 3}, hourly_cost=75.0)
    costs = (45.0, 120.0)
    value, reason = skill_factor(tk, senior, lower_qualifies=True, cost_penalty=0.4, costs=costs)
    assert value == pytest.approx(0.6) and "$120/h on low-complexity work" in reason and "x0.60" in reason
    assert skill_factor(tk, mid, lower_qualifies=True, cost_penalty=0.4, costs=costs)[0] == pytest.approx(1 - 0.4 * 30 / 75)
    assert skill_factor(tk, senior, lower_qualifies=False, cost_penalty=0.4, costs=costs)[0] == 1.0
    assert skill_factor(tk, senior, lower_qualifies=True, cost_penalty=0.0, costs=costs)[0] == 1.0  # policy off
    # No rate known: seniority stands in (junior cheapest, senior dearest).
    unknown = tech(seniority="senior", skills={"Exchange": 3})
    value, reason = skill_factor(tk, unknown, lower_qualifies=True, cost_penalty=0.4, costs=None)
    assert value == pytest.approx(0.6) and reason.endswith("senior on low-complexity work while a cheaper technician qualifies (x0.60)")


@pytest.mark.parametrize("kw", [{"complexity": "high"}, {"company_tier": "vip"}, {"priority": "Critical"}])
def test_junior_on_demanding_work_is_discounted(kw):
    junior = tech(seniority="junior", skills={"Exchange": 3})
    value, reason = skill_factor(ticket(category_required_skills=("Exchange",), **kw), junior)
    assert value == pytest.approx(0.8) and "junior" in reason


def test_availability_values_on_shift_on_call_time_off_inactive():
    assert availability_factor(ticket(), tech(), NOW)[0] == 1.0
    assert availability_factor(ticket(), tech(), NOW, "on_call")[0] == 0.8
    assert availability_factor(ticket(), tech(), NOW, "time_off")[0] == 0.0
    assert availability_factor(ticket(), tech(active=False), NOW)[0] == 0.0


def test_back_in_30_minutes_beats_back_monday():
    soon = tech(schedule=(shift("16:00", "23:00"),))  # NOW is Tue 15:30 UTC
    monday = tech(schedule=(shift("08:00", "16:00", days=(0,)),))
    v_soon, r_soon = availability_factor(ticket(), soon, NOW)
    v_monday, _ = availability_factor(ticket(), monday, NOW)
    assert v_soon > 0.5 > v_monday == 0.0 and "back in 30 min" in r_soon


@pytest.mark.parametrize(
    ("where", "lo", "hi"), [(PROVIDENCE, 0.95, 1.0), (NEW_YORK, 0.4, 0.6), (CHICAGO, 0, 0)]
)
def test_onsite_availability_decays_with_distance(where, lo, hi):
    value, reason = availability_factor(ticket(onsite=True, location=BOSTON), tech(location=where), NOW)
    assert lo <= value <= hi and "km from site" in reason


def test_geography_is_ignored_for_remote_tickets():
    assert availability_factor(ticket(location=BOSTON), tech(location=CHICAGO), NOW)[0] == 1.0


@pytest.mark.parametrize(
    ("method", "load", "expected"),
    [
        ("ticket_count", Workload(7, 0, 0), 0.3),
        ("estimated_hours", Workload(1, 15.0, 0), 0.25),
        ("weighted", Workload(1, 0, 5.0), 0.75),
    ],
)
def test_workload_methods(method, load, expected):
    value, _ = workload_factor(tech(workload=load), policy(workload_calculation_method=method))
    assert value == pytest.approx(expected)


def test_technicians_own_capacity_wins_and_full_is_zero():
    value, reason = workload_factor(tech(active_tickets=4, max_active_tickets=4), policy())
    assert value == 0.0 and "at capacity" in reason


def test_workload_reasons_count_one_ticket_in_the_singular():
    hours = policy(workload_calculation_method="estimated_hours")
    assert workload_factor(tech(workload=Workload(1, 3.0, 0)), hours)[1].endswith("(1 active ticket)")
    assert workload_factor(tech(workload=Workload(2, 3.0, 0)), hours)[1].endswith("(2 active tickets)")
    assert workload_factor(tech(active_tickets=0, max_active_tickets=1), policy())[1] == "0 of 1 active ticket"
    assert workload_factor(tech(active_tickets=1, max_active_tickets=10), policy())[1] == "1 of 10 active tickets"


def test_performance_combines_track_record_and_is_neutral_without_data():
    good = tech(
        experience={
            "Email Support": experience(on_time_rate=0.95, csat=4.8, reopen_rate=0.02, avg_resolution_hours=2)
        }
    )
    poor = tech(
        experience={
            "Email Support": experience(on_time_rate=0.5, csat=2.5, reopen_rate=0.3, avg_resolution_hours=12)
        }
    )
    assert performance_factor(ticket(), good)[0] > 0.8 > 0.4 > performance_factor(ticket(), poor)[0]
    assert performance_factor(ticket(), tech()) == (0.5, "No track record yet (neutral)")


def test_speed_is_measured_against_the_teams_typical_time_on_the_work():
    # On an incident desk where work takes days, the typical technician is not slow (0.5, like
    # no record), and a quicker one scores above a stranger.
    typical = tech(experience={"Email Support": experience(avg_resolution_hours=48, typical_hours=48)})
    quick = tech(experience={"Email Support": experience(avg_resolution_hours=24, typical_hours=48)})
    assert performance_factor(ticket(), typical)[0] == pytest.approx(0.5)
    assert performance_factor(ticket(), quick)[0] > performance_factor(ticket(), tech())[0]


def test_performance_falls_back_to_the_overall_record():
    t = tech(experience={"*": experience(on_time_rate=1.0)})
    value, reason = performance_factor(ticket(), t)
    assert value == 1.0 and reason.startswith("overall")


def test_customer_preference_levels():
    tk = ticket(preferred_tech="p", account_techs=("a",))
    pol = policy()
    assert customer_preference_factor(tk, tech("p"), pol)[0] == 1.0
    assert customer_preference_factor(tk, tech("a"), pol)[0] == 0.8
    assert (
        0
        < customer_preference_factor(tk, tech("f", company_history={"acme": history(10, 5.0)}), pol)[0]
        < 0.6
    )
    assert customer_preference_factor(tk, tech("x"), pol)[0] == 0.0
    assert customer_preference_factor(tk, tech("p"), policy(preferred_tech_priority=False))[0] == 0.0


def test_sla_urgency_rises_as_the_deadline_nears():
    assert sla_urgency(ticket(sla_due=NOW + hours(1)), NOW) > sla_urgency(ticket(sla_due=NOW + hours(8)), NOW)
    assert sla_urgency(ticket(sla_due=NOW - hours(1)), NOW) == 1.0
    assert sla_urgency(ticket(priority="Critical"), NOW) > sla_urgency(ticket(priority="Low"), NOW)


@pytest.mark.parametrize(
    ("left", "response", "risk"),
    [(2.5, 4, "medium"), (0.5, 4, "high"), (6, 4, "low"), (2.5, None, "medium"), (-1, 4, "breached")],
)
def test_sla_risk_levels(left, response, risk):
    assert sla_risk(ticket(sla_due=NOW + hours(left), response_hours=response), NOW) == (risk, left)


def test_typical_ticket_is_bounded_and_defaults_to_two_hours():
    from dispatch.engine.factors import typical_ticket

    assert [typical_ticket(h) for h in (None, 0.1, 0.4913, 3.0, 20.0)] == [2.0, 0.25, 0.491, 3.0, 8.0]
