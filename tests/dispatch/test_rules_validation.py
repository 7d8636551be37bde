from dispatch.rules_validation import rule_problems


def test_valid_prefer_rule_has_no_problems():
    assert rule_problems({"company": "abc", "priority": ["High", "Critical"]}, {"prefer": ["tech-1"], "points": 15}) == []


def test_two_actions_are_rejected():
    assert rule_problems({}, {"assign_to": "t", "exclude": ["x"]}, "rules[1]") == [
        "rules[1].then: must have exactly one action (has 2: assign_to, exclude)"
    ]


def test_unknown_condition_is_named():
    assert rule_problems({"weekday": 1}, {"assign_to": "t"}, "rules[0]") == [
        "rules[0].when.weekday: unknown condition (allowed: company, tier, category, priority, board, keywords)"
    ]


def test_bad_seniority_is_named():
    assert rule_problems({}, {"min_seniority": "guru"}) == ["then.min_seniority: 'guru' is not one of junior, mid, senior"]
