import pytest

from dispatch.engine import rank, rule_matches, validate_rule

from .builders import candidate, factor, policy, reasons, rule, shift, tech, ticket

TEAM = [
    tech("john", seniority="junior", active_tickets=5),
    tech("sarah", seniority="senior"),
    tech("mike", seniority="mid", active_tickets=3),
]


@pytest.mark.parametrize(
    ("when", "matches"),
    [
        ({"company": "acme"}, True),
        ({"company": "ABC"}, False),
        ({"tier": "VIP"}, True),
        ({"category": "email support"}, True),
        ({"priority": ["High", "Critical"]}, True),
        ({"priority": "Low"}, False),
        ({"board": "Service Desk"}, True),
        ({"keywords": ["outlook", "vpn"]}, True),
        ({"keywords": ["look"]}, False),  # whole words only
        ({"company": "acme", "priority": "Low"}, False),  # all keys must hold
        ({"weather": "sunny"}, False),  # unknown keys never hold
        ({}, True),
    ],
)
def test_when_matching(when, matches):
    tk = ticket(company_tier="vip", priority="High", board="Service Desk")
    assert rule_matches(rule(when=when, then={"board": "x"}), tk) is matches


def test_disabled_rules_are_ignored():
    r = rank(ticket(), TEAM, policy(rules=(rule("off", then={"assign_to": "john"}, enabled=False),)))
    assert r.selected != "john" and r.rules_applied == ()


def test_assign_to_selects_the_named_technician():
    r = rank(
        ticket(), TEAM, policy(rules=(rule("ABC goes to John", {"company": "acme"}, {"assign_to": "john"}),))
    )
    assert r.selected == "john"
    assert reasons(r)["ABC goes to John"] == "Assigned to john"
    assert r.candidates[1].reason_not_selected == "Rule 'ABC goes to John' assigns john"


def test_assign_to_unavailable_falls_back_and_says_so():
    team = [tech("john", schedule=(shift("00:00", "01:00"),)), tech("sarah")]
    r = rank(ticket(), team, policy(rules=(rule("to john", then={"assign_to": "john"}),)))
    assert r.selected == "sarah" and r.error_code is None
    assert r.rules_applied[0].applied is False and "fell back to normal ranking" in r.rules_applied[0].impact


def test_assign_to_unavailable_without_fallback_is_an_error():
    team = [tech("john", active=False), tech("sarah")]
    r = rank(
        ticket(), team, policy(rules=(rule("to john", then={"assign_to": "john"}, unless_unavailable=False),))
    )
    assert r.selected is None and r.error_code == "TECHNICIAN_UNAVAILABLE"
    assert "john" in r.blocking_factors[0].details


def test_prefer_adds_points_in_a_rules_breakdown_entry():
    r = rank(ticket(), TEAM, policy(rules=(rule("likes mike", then={"prefer": ["mike"], "points": 15}),)))
    assert r.selected == "mike"
    assert (
        factor(candidate(r, "mike"), "rules").points == 15
        and factor(candidate(r, "john"), "rules").points == 0
    )
    assert reasons(r)["likes mike"] == "+15 points to mike"


def test_prefer_defaults_to_ten_points_and_never_pushes_past_100():
    r = rank(ticket(), [tech("a")], policy(rules=(rule(then={"prefer": "a"}),)))
    rules_entry = factor(r.candidates[0], "rules")
    assert rules_entry.points <= 10 and r.candidates[0].score <= 100


def test_min_seniority_is_a_hard_filter():
    r = rank(ticket(), TEAM, policy(rules=(rule("seniors only", then={"min_seniority": "senior"}),)))
    assert r.selected == "sarah"
    assert candidate(r, "john").blocked_by == ("min_seniority",)
    assert reasons(r)["seniors only"] == "Excluded 2 technicians below senior"


def test_require_skills_adds_to_the_required_skills():
    team = [tech("a", skills={"Exchange": 3}), tech("b", skills={"Exchange": 3, "PowerShell": 3})]
    r = rank(
        ticket(category_required_skills=("Exchange",)),
        team,
        policy(rules=(rule(then={"require_skills": ["PowerShell"]}),)),
    )
    assert r.selected == "b" and candidate(r, "a").missing_skills == ("PowerShell",)


def test_exclude_is_a_hard_filter_with_the_rule_named():
    r = rank(ticket(), TEAM, policy(rules=(rule("not sarah", then={"exclude": ["sarah", "john"]}),)))
    assert r.selected == "mike"
    assert candidate(r, "sarah").reason_not_selected == "Excluded by rule 'not sarah'"


def test_allow_overflow_lets_a_rule_assign_past_capacity():
    full = [tech("a", active_tickets=10)]
    assert rank(ticket(), full, policy()).error_code == "ALL_TECHNICIANS_AT_CAPACITY"
    r = rank(ticket(), full, policy(rules=(rule("overflow", then={"allow_overflow": True}),)))
    assert r.selected == "a" and "overflow_assignment" in reasons(r)


def test_board_and_escalation_rules_route_the_ticket():
    rules = (rule("b", then={"board": "Projects"}), rule("e", then={"escalate_to": "boss@example.com"}))
    r = rank(ticket(), TEAM, policy(rules=rules))
    assert r.route_to_board == "Projects" and r.escalate_to == "boss@example.com"
    assert reasons(r) == {"b": "Routed to board Projects", "e": "Escalation to boss@example.com"}


def test_second_assign_to_rule_is_reported_as_not_applied():
    rules = (rule("first", then={"assign_to": "john"}), rule("second", then={"assign_to": "sarah"}))
    r = rank(ticket(), TEAM, policy(rules=rules))
    assert r.selected == "john" and [a.applied for a in r.rules_applied] == [True, False]


def test_builtin_rules_are_reported_when_they_act():
    team = [tech("pref", active_tickets=2), tech("full", active_tickets=10)]
    r = rank(ticket(preferred_tech="pref"), team, policy())
    impacts = reasons(r)
    assert impacts["customer_preferred_technician"] == "+10 points to Pref"  # the name, as dispatchers read it
    assert impacts["workload_balancing"] == "Excluded 1 technician at capacity"


def test_validate_rule_reports_shape_problems():
    assert validate_rule(rule(when={"company": "a"}, then={"assign_to": "x"})) == []
    assert len(validate_rule(rule(when={"colour": "red", "priority": "Urgent"}, then={}))) == 3


def test_the_preferred_technician_rule_names_the_technician_not_the_psa_id() -> None:
    """What a dispatcher reads in "rules applied": the preferred technician by name, whether they
    got the points or were not eligible."""
    team = [tech("tech-grace-liu", name="Grace Liu"), tech("tech-bob", name="Bob Stone")]
    got = rank(ticket(preferred_tech="tech-grace-liu"), team, policy(preferred_tech_priority=True))
    impact = next(r.impact for r in got.rules_applied if r.rule == "customer_preferred_technician")
    assert "Grace Liu" in impact and "tech-grace-liu" not in impact and impact.startswith("+")
    away = [tech("tech-grace-liu", name="Grace Liu", active=False), tech("tech-bob", name="Bob Stone")]
    got = rank(ticket(preferred_tech="tech-grace-liu"), away, policy(preferred_tech_priority=True))
    impact = next(r.impact for r in got.rules_applied if r.rule == "customer_preferred_technician")
    assert impact.startswith("Grace Liu not eligible: ") and "tech-grace-liu" not in impact
