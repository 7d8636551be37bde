"""Batch dispatch of the whole unassigned queue (POST /api/v1/dispatch/batch and the
scheduled cycle): one engine call that optimises the batch as a whole, then one stored
decision per ticket, assigned where the mode says so. A ticket whose current decision already
says what the new ranking says (same suggestion, or the same failure) and that would not be
assigned keeps that decision: the 5-minute cycle does not add a copy every time it runs."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.db import transaction
from django.utils import timezone

from dispatch import engine
from dispatch.facts import QUEUE_CANDIDATES_SHOWN, load_policy, open_unassigned_tickets, ticket_facts
from dispatch.freshness import advice_matches, load_tickets, same_advice
from dispatch.models import Decision, DecisionStatus, Ticket
from dispatch.services import AssignmentConflict, decision_store, resolve_mode, suggestions_store
from dispatch.snapshot import table_for, tech_facts
from skills.models import AutoAssign

BATCH_CANDIDATES_SHOWN = QUEUE_CANDIDATES_SHOWN


def _unchanged(previous: Decision | None, ranking: Any, mode: str | None, ticket: Ticket) -> bool:
    """The new ranking would store what the ticket's decision already says (same recommendation,
    or the same failure: freshness.same_advice) and would assign nothing, nor turn a shadow
    suggestion into a plain one or back: keep the decision instead of adding a copy."""
    if not same_advice(previous, ranking):
        return False
    if ranking.selected is None or ranking.error_code is not None:
        return True
    assert previous is not None
    resolved, shadow = resolve_mode(mode, ticket.effective_category, ranking)
    return resolved != "assign" and previous.status == (DecisionStatus.SHADOW if shadow else DecisionStatus.SUGGESTED)


def _still_suggested(previous: Decision | None, selected: str | None, mode: str | None, ticket: Ticket) -> bool:
    """_unchanged for a batch pick, decided without its reasons: the decision already suggests
    this technician, and the mode cannot turn on the new ranking's confidence (an explicit
    suggest, or a category whose auto-assign is not on)."""
    if selected is None or not advice_matches(previous, (selected, None, "")):
        return False
    assert previous is not None
    category = ticket.effective_category
    if mode == "suggest" or (mode is None and (category is None or category.auto_assign == AutoAssign.OFF)):
        return previous.status == DecisionStatus.SUGGESTED
    if mode is None and category is not None and category.auto_assign == AutoAssign.SHADOW:
        return previous.status == DecisionStatus.SHADOW
    return False


def batch_dispatch(
    *, mode: str | None = None, optimise: bool = True, initiated_by: str = "batch", limit: int | None = None
) -> list[dict[str, Any]]:
    """Dispatch the whole unassigned queue (or its `limit` most urgent tickets; the rest are
    reported as "NOT_IN_BATCH", never dropped silently). Returns one result per ticket."""
    now = timezone.now()
    # Each with its current decision (`ticket.decision`, what the comparisons and results read),
    # which the batch may keep; categories, companies and boards read once for all.
    queue = list(open_unassigned_tickets().prefetch_related(None).values_list("pk", "external_id"))
    chosen = queue if limit is None else queue[:limit]
    left: list[str] = [ext for _, ext in queue[limit:]] if limit is not None else []
    tickets: list[Ticket] = load_tickets([pk for pk, _ in chosen], light=True)
    if not tickets:
        return []
    # Reasons for the top BATCH_CANDIDATES_SHOWN candidates of each ticket (the queue's detail
    # shows them; GET /tickets/{id}/candidates and a single dispatch give CANDIDATES_SHOWN).
    policy = replace(load_policy(now=now), candidates_shown=BATCH_CANDIDATES_SHOWN)
    snap = tech_facts(now)
    techs = snap.techs
    facts = [ticket_facts(t) for t in tickets]
    plans = engine.plan_batch(facts, techs, policy, table_for(snap), optimise=optimise)
    by_id = {t.external_id: (t, f) for t, f in zip(tickets, facts, strict=True)}
    results: list[dict[str, Any] | None] = []
    rechecked: list[int] = []  # kept decisions, now known to hold on this version of the facts
    pending: list[tuple[int, Ticket, Any, Any]] = []  # (result index, ticket, ranking, facts) to store
    for plan in plans:
        ticket, fact = by_id[plan.ticket_id]
        kept: Decision | None = getattr(ticket, "decision", None)
        if _still_suggested(kept, plan.selected, mode, ticket):  # no need to write its reasons
            assert kept is not None
            rechecked.append(kept.pk)
            results.append(_result(ticket, kept, True, unchanged=True))
            continue
        ranking = plan.ranking()
        if _unchanged(kept, ranking, mode, ticket):
            assert kept is not None
            rechecked.append(kept.pk)
            results.append(_result(ticket, kept, kept.status != DecisionStatus.FAILED, unchanged=True))
            continue
        results.append(None)
        pending.append((len(results) - 1, ticket, ranking, fact))
    # Suggestions in bulk (a fixed number of queries); failures and assignments one by one.
    with transaction.atomic():
        stored, _rest = suggestions_store(
            [(t, r, f) for _, t, r, f in pending], techs=techs, policy=policy, mode=mode,
            initiated_by=initiated_by, started_at=now, facts_version=snap.version, batch=True,
        )  # fmt: skip
    done = {d.ticket_id: d for d in stored}
    for at, ticket, ranking, fact in pending:
        decision = done.get(ticket.pk)
        if decision is not None:
            results[at] = _result(ticket, decision, decision.document.get("success", False))
            continue
        try:
            with transaction.atomic():
                decision = decision_store(
                    ticket=ticket, ranking=ranking, facts=fact, techs=techs, policy=policy, mode=mode,
                    initiated_by=initiated_by, started_at=now, facts_version=snap.version, batch=True,
                )  # fmt: skip
        except AssignmentConflict as exc:
            results[at] = {"ticket_id": ticket.external_id, "success": False, "reason": "ALREADY_ASSIGNED", "message": str(exc)}
            continue
        results[at] = _result(ticket, decision, decision.document.get("success", False))
    Decision.objects.filter(pk__in=rechecked).update(facts_version=snap.version)
    out = [r for r in results if r is not None]
    out += [
        {"ticket_id": ext, "success": False, "reason": "NOT_IN_BATCH", "message": f"Beyond the batch limit of {limit}"}
        for ext in left
    ]
    return out


def _result(ticket: Ticket, decision: Decision, success: bool, unchanged: bool = False) -> dict[str, Any]:
    tech = decision.assigned or decision.recommended
    out = {
        "ticket_id": ticket.external_id,
        "success": success,
        "decision_id": decision.pk,
        "status": decision.status,
        "technician_id": tech.external_id if tech else None,
        "score": decision.top_score,
        "reason": decision.error_code or None,
    }
    if unchanged:
        out["unchanged"] = True  # the ticket's decision already said this; nothing new was stored
    return out
