from dispatch.rules_validation import rule_problems


def test_valid_prefer_rule_has_no_problems():
    assert rule_problems({"company": "abc", "priority": ["High", "Critical"]}, {"prefer": ["tech-1"], "points": 15}) == []


def test_two_actions_are_rejected():
    assert rule_problems({}, {"assign_to": "t", "exclude": ["x"]}, "rules[1]") == [
        "rules[1].then: must have exactly one action of assign_to, prefer, min_seniority, require_skills, exclude, "
        "allow_overflow, board, escalate_to (got assign_to, exclude)"
    ]


def test_unknown_condition_is_named():
    assert rule_problems({"weekday": 1}, {"assign_to": "t"}, "rules[0]") == [
        "rules[0].when.weekday: unknown key (allowed: company, tier, category, priority, board, keywords)"
    ]


def test_bad_seniority_is_named():
    assert rule_problems({}, {"min_seniority": "guru"}) == ['then.min_seniority: "guru" is not one of junior, mid, senior']


def test_the_rules_page_and_the_importer_agree() -> None:
    """One validator: what a workspace file's rule is refused for, the rules page refuses too."""
    import pytest

    from dispatch.workspace.schema import WorkspaceError, validate_workspace

    when, then = {"priority": "Urgent", "keywords": "vpn\x00"}, {"prefer": ["t"], "points": 500}
    with pytest.raises(WorkspaceError) as exc:
        validate_workspace({"rules": [{"name": "r", "when": when, "then": then}]})
    assert [f"{p}: {m}" for p, m in exc.value.problems] == rule_problems(when, then, "rules[0]")
