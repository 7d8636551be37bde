"""A rule's `when`/`then` (contracts/workspace.md) as the rule form's pickers show them, and
back; and a rule as a sentence with names instead of ids, for the rules list.

The form edits conditions (company, tier, category, priority, board, keywords) and one action
(assign to, prefer, exclude, minimum seniority, require skills, allow overflow, route to a board,
escalate to) by name; what the pickers cannot show (an id that no longer exists, a key the
builder does not know) keeps the rule in its JSON, which stays editable for export and edge cases."""

from __future__ import annotations

from typing import Any

ACTIONS: tuple[tuple[str, str], ...] = (
    ("assign_to", "Assign to"),
    ("prefer", "Prefer"),
    ("exclude", "Never assign to"),
    ("min_seniority", "Require seniority at least"),
    ("require_skills", "Require skills"),
    ("allow_overflow", "Allow assignment past capacity"),
    ("board", "Route to board"),
    ("escalate_to", "Escalate to (e-mail)"),
)
TIERS: tuple[tuple[str, str], ...] = (("", "Any tier"), ("vip", "VIP"), ("standard", "Standard"))
# builder field per `then` action (the fields one action uses)
ACTION_FIELDS: dict[str, tuple[str, ...]] = {
    "assign_to": ("a_technician",),
    "prefer": ("a_technicians", "a_points"),
    "exclude": ("a_technicians",),
    "min_seniority": ("a_seniority",),
    "require_skills": ("a_skills",),
    "allow_overflow": (),
    "board": ("a_board",),
    "escalate_to": ("a_email",),
}
WHEN_FIELDS = {"company": "c_company", "tier": "c_tier", "category": "c_category", "priority": "c_priority",
               "board": "c_board", "keywords": "c_keywords"}  # fmt: skip


def as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [str(value)]


def one_or_list(values: list[str]) -> str | list[str]:
    return values[0] if len(values) == 1 else values


def builder_initial(when: dict[str, Any], then: dict[str, Any]) -> dict[str, Any] | None:
    """Initial values of the pickers for a stored rule, or None when the pickers cannot show it."""
    if set(when) - set(WHEN_FIELDS):
        return None
    actions = [k for k in then if k in ACTION_FIELDS]
    extra = set(then) - set(actions) - ({"points"} if actions == ["prefer"] else set())
    if len(actions) != 1 or extra:
        return None
    initial: dict[str, Any] = {
        "c_company": as_list(when.get("company")),
        "c_tier": str(when.get("tier") or ""),
        "c_category": as_list(when.get("category")),
        "c_priority": as_list(when.get("priority")),
        "c_board": as_list(when.get("board")),
        "c_keywords": ", ".join(as_list(when.get("keywords"))),
        "a_action": actions[0],
    }
    value = then[actions[0]]
    if actions[0] == "assign_to":
        initial["a_technician"] = str(value)
    elif actions[0] in ("prefer", "exclude"):
        initial["a_technicians"] = as_list(value)
        initial["a_points"] = then.get("points", 10)
    elif actions[0] == "min_seniority":
        initial["a_seniority"] = str(value)
    elif actions[0] == "require_skills":
        initial["a_skills"] = as_list(value)
    elif actions[0] == "board":
        initial["a_board"] = str(value)
    elif actions[0] == "escalate_to":
        initial["a_email"] = str(value)
    elif actions[0] == "allow_overflow" and value is not True:
        return None
    return initial


def builder_rule(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """(when, then, errors by field) from the pickers' cleaned values."""
    when: dict[str, Any] = {}
    for key in ("company", "category", "priority", "board"):
        values = [str(v) for v in data.get(WHEN_FIELDS[key]) or []]
        if values:
            when[key] = one_or_list(values)
    if data.get("c_tier"):
        when["tier"] = data["c_tier"]
    keywords = [k.strip() for k in (data.get("c_keywords") or "").split(",") if k.strip()]
    if keywords:
        when["keywords"] = keywords
    action = data.get("a_action") or ""
    errors: dict[str, str] = {}
    then: dict[str, Any] = {}
    if action == "assign_to":
        if data.get("a_technician"):
            then["assign_to"] = str(data["a_technician"])
        else:
            errors["a_technician"] = "Pick the technician to assign to."
    elif action in ("prefer", "exclude"):
        techs = [str(t) for t in data.get("a_technicians") or []]
        if not techs:
            errors["a_technicians"] = "Pick at least one technician."
        then[action] = techs
        if action == "prefer" and data.get("a_points") is not None:
            then["points"] = data["a_points"]
    elif action == "min_seniority":
        then["min_seniority"] = data.get("a_seniority") or "senior"
    elif action == "require_skills":
        skills = [str(s) for s in data.get("a_skills") or []]
        if not skills:
            errors["a_skills"] = "Pick at least one skill."
        then["require_skills"] = skills
    elif action == "allow_overflow":
        then["allow_overflow"] = True
    elif action == "board":
        if data.get("a_board"):
            then["board"] = str(data["a_board"])
        else:
            errors["a_board"] = "Pick the board."
    elif action == "escalate_to":
        if data.get("a_email"):
            then["escalate_to"] = data["a_email"]
        else:
            errors["a_email"] = "Give the e-mail address to escalate to."
    return when, then, errors


def rule_sentence(when: dict[str, Any], then: dict[str, Any], names: dict[str, dict[str, str]]) -> tuple[str, str]:
    """("company is Harborview and priority is High or Critical", "assign to Sarah Johnson"):
    ids replaced by names (`names["technician"|"company"]`: id -> name), unknown ids kept as given."""

    def named(kind: str, values: Any) -> str:
        return " or ".join(names.get(kind, {}).get(v, v) for v in as_list(values))

    parts = []
    for key, value in when.items():
        if key == "company":
            parts.append(f"company is {named('company', value)}")
        elif key == "keywords":
            parts.append("subject or description mentions " + " or ".join(f"“{k}”" for k in as_list(value)))
        else:
            parts.append(f"{key} is {' or '.join(as_list(value))}")
    condition = " and ".join(parts) or "always"
    actions = []
    for key, value in then.items():
        if key == "assign_to":
            actions.append(f"assign to {named('technician', value)}")
        elif key == "prefer":
            actions.append(f"prefer {named('technician', value)} (+{then.get('points', 10)} points)")
        elif key == "exclude":
            actions.append(f"never assign to {named('technician', value)}")
        elif key == "min_seniority":
            actions.append(f"require seniority at least {value}")
        elif key == "require_skills":
            actions.append(f"require {', '.join(as_list(value))}")
        elif key == "allow_overflow":
            actions.append("allow assignment past capacity" if value else "no overflow")
        elif key == "board":
            actions.append(f"route to board {value}")
        elif key == "escalate_to":
            actions.append(f"escalate to {value}")
        elif key != "points":
            actions.append(f"{key}: {value}")
    return condition, "; ".join(actions)
