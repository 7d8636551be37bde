"""Batch dispatch of the whole unassigned queue (POST /api/v1/dispatch/batch and the
scheduled cycle): one engine call that optimises the batch as a whole, then one stored
decision per ticket, assigned where the mode says so."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from dispatch import engine
from dispatch.facts import build_tech_facts, load_policy, open_unassigned_tickets, ticket_facts
from dispatch.models import Ticket
from dispatch.services import AssignmentConflict, decision_store


def batch_dispatch(*, mode: str | None = None, optimise: bool = True, initiated_by: str = "batch", limit: int = 500) -> list[dict[str, Any]]:
    """Dispatch up to `limit` unassigned tickets, most urgent first. Returns one result per ticket."""
    now = timezone.now()
    tickets: list[Ticket] = list(open_unassigned_tickets()[:limit])
    if not tickets:
        return []
    policy = load_policy(now=now)
    techs = build_tech_facts(now=now)
    facts = [ticket_facts(t) for t in tickets]
    rankings = engine.rank_batch(facts, techs, policy, optimise=optimise)
    by_id = {t.external_id: (t, f) for t, f in zip(tickets, facts, strict=True)}
    results: list[dict[str, Any]] = []
    for ranking in rankings:
        ticket, fact = by_id[ranking.ticket_id]
        try:
            with transaction.atomic():
                decision = decision_store(
                    ticket=ticket, ranking=ranking, facts=fact, techs=techs, policy=policy, mode=mode,
                    initiated_by=initiated_by, started_at=now,
                )  # fmt: skip
        except AssignmentConflict as exc:
            results.append({"ticket_id": ticket.external_id, "success": False, "reason": "ALREADY_ASSIGNED", "message": str(exc)})
            continue
        doc = decision.document
        results.append(
            {
                "ticket_id": ticket.external_id,
                "success": doc.get("success", False),
                "decision_id": decision.pk,
                "status": decision.status,
                "technician_id": (decision.assigned or decision.recommended).external_id
                if (decision.assigned or decision.recommended)
                else None,
                "score": decision.top_score,
                "reason": decision.error_code or None,
            }
        )
    return results
