"""The seeds' seniority and cost policy (seed 003): a password reset goes to the most junior
available technician who qualifies, not a $120/hour engineer; Critical work for a VIP customer
goes to the qualified senior, pulled off other work, whatever their open tickets. Both are
policy settings and both are explained in the breakdown."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dispatch.engine import rank
from dispatch.engine.vector import TechTable
from tests.engine.builders import NOW, experience, policy, tech, ticket

AD = ("Active Directory",)
SERVER = ("Windows Server",)


def _reason(ranking, tech_id: str, factor: str) -> str:
    cand = next(c for c in ranking.candidates if c.tech_id == tech_id)
    return next(b.reason for b in cand.breakdown if b.factor == factor)


def password_reset_desk():
    senior = tech("sam-senior", seniority="senior", hourly_cost=120.0, skills={"Active Directory": 3},
                  experience={"*": experience(40, on_time_rate=0.95)})  # fmt: skip
    junior = tech("jo-junior", seniority="junior", hourly_cost=45.0, skills={"Active Directory": 2})
    mid = tech("max-mid", seniority="mid", hourly_cost=75.0, skills={"Active Directory": 2})
    return ticket(category="Password Reset", category_required_skills=AD, complexity="low", priority="Medium"), [senior, mid, junior]


@pytest.mark.parametrize("vectorized", [False, True])
def test_a_password_reset_goes_to_the_cheapest_qualified_technician(vectorized: bool) -> None:
    tk, team = password_reset_desk()
    got = rank(tk, team, policy(), table=TechTable(team) if vectorized else None)
    assert got.selected == "jo-junior"
    assert "$120/h on low-complexity work while a cheaper technician qualifies (x0.50)" in _reason(got, "sam-senior", "skill")
    assert _reason(got, "sam-senior", "performance").endswith("(x0.50 on low-complexity work: cost)")
    assert "low-complexity" not in _reason(got, "jo-junior", "skill")  # the cheapest rate pays nothing


def test_the_cost_policy_can_be_switched_off() -> None:
    tk, team = password_reset_desk()
    got = rank(tk, team, policy(easy_work_cost_penalty=0.0))
    assert got.selected == "sam-senior"  # the expert with the track record, as before the policy
    assert "low-complexity" not in _reason(got, "sam-senior", "skill")


def test_only_the_senior_qualifies_so_nobody_is_discounted() -> None:
    tk, team = password_reset_desk()
    team = [team[0], tech("jo-junior", seniority="junior", hourly_cost=45.0)]  # the junior lacks the skill
    got = rank(tk, team, policy())
    assert got.selected == "sam-senior" and "low-complexity" not in _reason(got, "sam-senior", "skill")


def vip_outage_desk():
    senior = tech("sara-senior", seniority="senior", hourly_cost=120.0, skills={"Windows Server": 3}, active_tickets=5)
    mid = tech("mo-mid", seniority="mid", hourly_cost=75.0, skills={"Windows Server": 2}, active_tickets=1)
    tk = ticket(category="Server", category_required_skills=SERVER, complexity="high", priority="Critical",
                company_tier="vip", sla_due=NOW + timedelta(minutes=45), response_hours=1.0)  # fmt: skip
    return tk, [senior, mid]


@pytest.mark.parametrize("vectorized", [False, True])
def test_critical_vip_work_pulls_the_senior_off_other_work(vectorized: bool) -> None:
    tk, team = vip_outage_desk()
    got = rank(tk, team, policy(), table=TechTable(team) if vectorized else None)
    assert got.selected == "sara-senior"
    assert "pulled off other work for Critical VIP work" in _reason(got, "sara-senior", "workload")
    assert "5 of 10 active tickets" in _reason(got, "sara-senior", "workload")  # the load is still shown


def test_the_pull_reaches_past_capacity_but_not_past_availability_or_skill() -> None:
    tk, team = vip_outage_desk()
    full = [tech("sara-senior", seniority="senior", skills={"Windows Server": 3}, active_tickets=10), team[1]]
    assert rank(tk, full, policy()).selected == "sara-senior"  # at capacity: still pulled
    unskilled = [tech("sara-senior", seniority="senior", skills={"Exchange": 3}), team[1]]
    assert rank(tk, unskilled, policy()).selected == "mo-mid"
    off = [tech("sara-senior", seniority="senior", skills={"Windows Server": 3}, active=False), team[1]]
    assert rank(tk, off, policy()).selected == "mo-mid"


def test_without_the_pull_the_busy_senior_loses_as_before() -> None:
    tk, team = vip_outage_desk()
    got = rank(tk, team, policy(senior_pull=False))
    assert got.selected == "mo-mid"
    assert "pulled" not in _reason(got, "sara-senior", "workload")


def test_the_pull_is_for_critical_vip_work_only() -> None:
    tk, team = vip_outage_desk()
    from dataclasses import replace

    for other in (replace(tk, company_tier="standard"), replace(tk, priority="High")):
        assert "pulled" not in _reason(rank(other, team, policy()), "sara-senior", "workload")
