"""A candidate's per-factor reasons are text in the expanded row (no hovering needed): each factor
with its points and reason inside a disclosure, open for the suggested technician."""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse

from tests.ui.conftest import HX


def test_every_factors_reason_is_text_and_the_suggestions_are_open(dispatcher_client: Any, decision: Any) -> None:
    body = dispatcher_client.get(reverse("dispatch:ticket", args=[decision.ticket.pk]), headers=HX).content.decode()
    blocks = re.findall(r'<details class="reasons"( open)?>(.*?)</details>', body, flags=re.S)
    assert len(blocks) == 2  # Alice (suggested) and Bob
    (alice_open, alice), (bob_open, bob) = blocks
    assert alice_open == " open" and bob_open == ""
    assert "Alice Expert's score" in alice and "Bob Beginner's score" in bob
    skill = next(p for p in decision.candidates[0]["score_breakdown"] if p["factor"] == "skill")
    assert f"<strong>Skills</strong> {skill['points']:.1f} pts: {skill['reason']}" in alice
    for label in ("Availability", "Workload", "Performance", "Customer preference"):
        assert f"<strong>{label}</strong>" in alice
    assert "<strong>Rules</strong>" not in alice  # no rule adjustment: nothing to say
