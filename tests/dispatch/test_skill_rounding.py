"""A technician's skill match reads the same everywhere: the candidates' Skill column (the
document's skill_match_percentage) and the engine's reasons round the same value once."""

from __future__ import annotations

from dispatch.documents import candidate_row
from dispatch.engine import rank
from tests.engine.builders import policy, tech, ticket


def test_the_skill_column_and_the_skill_reason_round_alike() -> None:
    # credits 0.5 + 0.5 + 0.5 + 0.8 over four skills: 57.49999999999999 %
    skills = ("Exchange", "Office 365", "Azure AD", "Windows")
    t = tech("a", skills={"Exchange": 1, "Office 365": 1, "Azure AD": 1, "Windows": 2})
    [c] = rank(ticket(category_required_skills=skills), [t], policy(skill_match_threshold=10)).candidates
    reason = next(f.reason for f in c.breakdown if f.factor == "skill")
    assert reason.startswith("57% skill match")
    assert candidate_row(c)["skill_match_percentage"] == 57
