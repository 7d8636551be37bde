import pytest

from dispatch.engine import rank
from dispatch.engine.types import DEFAULT_WEIGHTS, FACTORS

from .builders import NOW, experience, hours, policy, reasons, tech, ticket

TK = ticket(category_required_skills=("Exchange",))
EXPERT_BUSY = tech("expert", skills={"Exchange": 3}, active_tickets=8)
ADEPT_IDLE = tech("adept", skills={"Exchange": 2}, active_tickets=0)


def weights(ranking) -> dict[str, float]:
    return {f.factor: f.weight for f in ranking.candidates[0].breakdown if f.factor in FACTORS}


def test_skills_based_prefers_the_best_skill_match_despite_load():
    r = rank(TK, [ADEPT_IDLE, EXPERT_BUSY], policy(), "skills_based")
    assert r.selected == "expert" and r.strategy == "skills_based"
    assert weights(r)["skill"] == 0.6


def test_least_busy_prefers_the_idle_qualified_technician():
    r = rank(TK, [EXPERT_BUSY, ADEPT_IDLE], policy(), "least_busy")
    assert r.selected == "adept"
    assert r.candidates[1].reason_not_selected == "Higher workload (8 vs 0 active)"


def test_least_busy_still_requires_the_skill_threshold():
    novice = tech("novice", skills={"Exchange": 1})
    r = rank(TK, [EXPERT_BUSY, novice], policy(force_assignment=False), "least_busy")
    assert r.selected == "expert"


def test_round_robin_picks_the_least_recently_assigned_never_assigned_first():
    techs = [
        tech("a", skills={"Exchange": 3}, last_assigned_at=NOW - hours(1)),
        tech("b", skills={"Exchange": 3}, last_assigned_at=None),
        tech("c", skills={"Exchange": 3}, last_assigned_at=NOW - hours(2)),
    ]
    r = rank(TK, techs, policy(strategy="round_robin"))
    assert [c.tech_id for c in r.candidates] == ["b", "c", "a"]
    assert "round robin" in r.candidates[1].reason_not_selected and r.candidates[1].breakdown


def test_round_robin_skips_unqualified_technicians_in_rotation():
    techs = [tech("never", skills={"Exchange": 1}), tech("old", skills={"Exchange": 3}, last_assigned_at=NOW)]
    assert rank(TK, techs, policy(strategy="round_robin")).selected == "old"


def test_hybrid_uses_policy_weights_when_nothing_is_urgent():
    r = rank(ticket(priority="Low"), [tech()], policy())
    assert weights(r) == DEFAULT_WEIGHTS


def test_hybrid_shifts_weight_to_availability_and_workload_when_sla_is_near():
    r = rank(ticket(sla_due=NOW + hours(0.5)), [tech()], policy(sla_priority_weight=0.8))
    w = weights(r)
    assert w["availability"] > 0.4 and w["workload"] > 0.35 and w["skill"] < 0.1
    assert sum(w.values()) == pytest.approx(1.0, abs=1e-3)
    assert "sla_urgency_boost" in reasons(r)


def test_sla_priority_weight_zero_disables_the_shift():
    r = rank(ticket(sla_due=NOW + hours(0.5)), [tech()], policy(sla_priority_weight=0))
    assert weights(r) == DEFAULT_WEIGHTS


def test_sla_driven_prefers_the_on_time_technician_for_urgent_work():
    punctual = tech("punctual", skills={"Exchange": 2}, experience={"*": experience(on_time_rate=0.99)})
    late = tech("late", skills={"Exchange": 3}, experience={"*": experience(on_time_rate=0.4)})
    urgent = ticket(category_required_skills=("Exchange",), sla_due=NOW + hours(0.5))
    assert rank(urgent, [late, punctual], policy(), "sla_driven").selected == "punctual"
    assert rank(urgent, [late, punctual], policy(), "skills_based").selected == "late"


def test_customer_preference_puts_the_preferred_technician_first():
    tk = ticket(category_required_skills=("Exchange",), preferred_tech="pref")
    pref = tech("pref", skills={"Exchange": 2}, active_tickets=6)
    star = tech("star", skills={"Exchange": 3})
    assert rank(tk, [star, pref], policy(), "customer_preference").selected == "pref"
    assert rank(tk, [star, pref], policy(), "skills_based").selected == "star"
    assert rank(tk, [star, pref], policy(), "customer_preference").candidates[1].reason_not_selected == (
        "Not the customer's preferred technician"
    )


def test_customer_preference_falls_back_to_account_technician_then_score():
    tk = ticket(preferred_tech="away", account_techs=("acct",))
    techs = [tech("star"), tech("acct", active_tickets=5), tech("away", active=False)]
    assert rank(tk, techs, policy(), "customer_preference").selected == "acct"
    assert rank(ticket(), techs, policy(), "customer_preference").selected == "star"


def test_unknown_strategy_is_rejected():
    with pytest.raises(ValueError, match="unknown dispatch strategy"):
        rank(ticket(), [tech()], policy(), "coin_flip")
