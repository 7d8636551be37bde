"""Validation of a rule's `when`/`then` per contracts/workspace.md, shared by the admin
form, the rules page and the workspace importer."""

from __future__ import annotations

from typing import Any

from dispatch.engine.types import PRIORITIES, RULE_ACTIONS, RULE_WHEN_KEYS, SENIORITIES

WHEN_KEYS = RULE_WHEN_KEYS
THEN_KEYS = RULE_ACTIONS


def rule_problems(when: Any, then: Any, path: str = "") -> list[str]:
    """Every problem with a rule, each prefixed with its path (e.g. `rules[2].then.prefer`)."""
    p = f"{path}." if path else ""
    problems: list[str] = []
    if not isinstance(when, dict):
        return [f"{p}when: must be an object"]
    if not isinstance(then, dict):
        return [f"{p}then: must be an object"]
    for key in when:
        if key not in WHEN_KEYS:
            problems.append(f"{p}when.{key}: unknown condition (allowed: {', '.join(WHEN_KEYS)})")
    priority = when.get("priority")
    if priority is not None:
        values = priority if isinstance(priority, list) else [priority]
        for value in values:
            if value not in PRIORITIES:
                problems.append(f"{p}when.priority: {value!r} is not one of {', '.join(PRIORITIES)}")
    if "tier" in when and when["tier"] not in ("vip", "standard"):
        problems.append(f"{p}when.tier: {when['tier']!r} is not one of vip, standard")
    if "keywords" in when and not (
        isinstance(when["keywords"], str | list)
        and all(isinstance(k, str) for k in (when["keywords"] if isinstance(when["keywords"], list) else [when["keywords"]]))
    ):
        problems.append(f"{p}when.keywords: must be a word or a list of words")
    actions = [k for k in then if k != "points"]
    unknown = [k for k in actions if k not in THEN_KEYS]
    for key in unknown:
        problems.append(f"{p}then.{key}: unknown action (allowed: {', '.join(THEN_KEYS)})")
    if not unknown and len(actions) != 1:
        problems.append(f"{p}then: must have exactly one action (has {len(actions)}: {', '.join(actions) or 'none'})")
    if "points" in then and ("prefer" not in then or not isinstance(then["points"], int | float)):
        problems.append(f"{p}then.points: only a number, and only with prefer")
    for key in ("prefer", "exclude", "require_skills"):
        if key in then and not (isinstance(then[key], list) and all(isinstance(v, str) for v in then[key])):
            problems.append(f"{p}then.{key}: must be a list of strings")
    if "min_seniority" in then and then["min_seniority"] not in SENIORITIES:
        problems.append(f"{p}then.min_seniority: {then['min_seniority']!r} is not one of {', '.join(SENIORITIES)}")
    if "allow_overflow" in then and not isinstance(then["allow_overflow"], bool):
        problems.append(f"{p}then.allow_overflow: must be true or false")
    for key in ("assign_to", "board", "escalate_to"):
        if key in then and not (isinstance(then[key], str) and then[key]):
            problems.append(f"{p}then.{key}: must be a non-empty string")
    return problems
