"""Issue 12 item 5 on the queue: a suggestion forced below the skill-match threshold is marked in
its row, the row's percentage says it is confidence, and a candidate list that is not in score order
says why (tiers)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.test import Client
from django.urls import reverse

from dispatch.models import DispatchSettings
from dispatch.services import decision_create
from dispatch.views import order_note
from tests.factories import TicketFactory
from tests.ui.conftest import HX


def test_a_forced_below_threshold_pick_is_marked_unqualified_with_its_skill_match(
    dispatcher_client: Client, category: Any, bob: Any
) -> None:
    settings = DispatchSettings.load()
    settings.skill_match_threshold, settings.below_threshold = 60, "always"
    settings.save()
    ticket = TicketFactory(external_id="6001", subject="Exchange down", category=category)
    decision = decision_create(ticket=ticket, mode="suggest", initiated_by="test")
    assert decision.recommended == bob  # the only one: a beginner, 50% skill match
    queue = dispatcher_client.get(reverse("dispatch:queue")).content.decode()
    row = queue[queue.index(f'id="t-{ticket.pk}"') :]
    row = row[: row.index("</tbody>")]
    assert "unqualified · skill 50%" in row and "Bob Beginner" in row
    assert f"confidence {round(100 * (decision.confidence or 0))}%" in row
    detail = dispatcher_client.get(reverse("dispatch:ticket", args=[ticket.pk]), headers=HX).content.decode()
    assert "unqualified · skill match 50%" in detail


def test_a_qualified_pick_carries_no_mark_and_its_confidence_is_labelled(
    dispatcher_client: Client, decision: Any
) -> None:
    queue = dispatcher_client.get(reverse("dispatch:queue")).content.decode()
    assert "unqualified ·" not in queue
    assert f"confidence {round(100 * decision.confidence)}%" in queue and "Alice Expert" in queue


def _cand(score: float, eligible: bool = True) -> Any:
    return SimpleNamespace(score=score, eligible=eligible)


def test_the_order_is_explained_only_when_it_is_not_the_score_order() -> None:
    assert order_note([_cand(80), _cand(70), _cand(90, eligible=False)], "hybrid") == ""
    note = order_note([_cand(15.7), _cand(72.4)], "hybrid")
    assert note.startswith("Ordered by tier first, not by score") and "within a tier by score" in note
    assert "least busy first" in order_note([_cand(40), _cand(72.4)], "least_busy")


def test_the_decision_page_explains_an_order_that_is_not_the_score_order(
    manager_client: Client, decision: Any
) -> None:
    from dispatch.models import Decision

    rows = list(decision.candidates)
    assert len(rows) >= 2
    rows[0] = {**rows[0], "score": 15.7, "eligible": True}  # a lower tier's score above a higher one
    rows[1] = {**rows[1], "score": 72.4, "eligible": True}
    Decision.objects.filter(pk=decision.pk).update(candidates=rows)
    page = manager_client.get(reverse("dispatch:decision", args=[decision.pk])).content.decode()
    assert "Ordered by tier first, not by score" in page
    Decision.objects.filter(pk=decision.pk).update(candidates=[{**r, "score": 90 - i} for i, r in enumerate(rows)])
    page = manager_client.get(reverse("dispatch:decision", args=[decision.pk])).content.decode()
    assert "Ordered by tier first" not in page
