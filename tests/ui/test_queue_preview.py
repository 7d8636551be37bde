"""dispatch.whatif.queue_preview: proposed settings/rules against the current queue."""

from __future__ import annotations

from typing import Any

from dispatch.models import DispatchSettings, Rule
from dispatch.whatif import WhatIf, normalise_weights, queue_preview, whatif_rank


def test_same_settings_change_nothing(ticket: Any) -> None:
    preview = queue_preview(proposed_settings=DispatchSettings.load())
    assert preview.compared == 1 and preview.changes == []


def test_a_rule_that_assigns_someone_else_is_listed(ticket: Any) -> None:
    rule = Rule(name="Bob", when={"category": "Email"}, then={"assign_to": "tech-bob"}, order=1)
    preview = queue_preview(proposed_rules=[rule])
    assert [(c.before, c.after) for c in preview.changes] == [("Alice Expert", "Bob Beginner")]


def test_preview_is_capped(ticket: Any) -> None:
    assert queue_preview(limit=0).compared == 0


def test_weights_are_renormalised() -> None:
    assert normalise_weights({"skill": 2, "availability": 2}) == {
        "skill": 0.5,
        "availability": 0.5,
        "workload": 0.0,
        "performance": 0.0,
        "customer_preference": 0.0,
    }


def test_whatif_exclusion_moves_the_top(ticket: Any) -> None:
    assert whatif_rank(ticket, WhatIf(exclude=("tech-alice",))).selected == "tech-bob"
