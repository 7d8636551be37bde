"""Read paths for the pages: the queue, decisions, failed PSA pushes. Each runs a constant
number of queries, whatever the number of tickets."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.fields.json import KT

from dispatch.facts import open_unassigned_tickets, ticket_queryset
from dispatch.models import PRIORITY_RANK, Assignment, Decision, DecisionStatus, OutboxState, Ticket

QUEUE_LIMIT = 200
PRIORITY_ORDER = Case(
    *[When(priority=p, then=Value(rank)) for p, rank in PRIORITY_RANK.items()],
    default=Value(0),
    output_field=IntegerField(),
)


def queue_tickets() -> QuerySet[Ticket]:
    """Open unassigned tickets on dispatched boards, most urgent SLA first, with the id of
    each ticket's current (not superseded) decision."""
    # The rows need no skills or account technicians: drop the engine's prefetches.
    return (
        open_unassigned_tickets()
        .prefetch_related(None)
        .annotate(latest_decision_id=current_decision_id(), priority_rank=PRIORITY_ORDER)
    )


def current_decision_id() -> Subquery:
    """For annotating tickets: the id of each ticket's current (newest not superseded) decision,
    as `latest_decision` in dispatch.services picks it; `attach_decisions` then loads them."""
    return Subquery(
        Decision.objects.filter(ticket=OuterRef("pk"))
        .exclude(status=DecisionStatus.SUPERSEDED)
        .order_by("-created_at", "-pk")
        .values("pk")[:1]
    )


def decisions_by_id(ids: list[int | None]) -> dict[int, Decision]:
    """The decisions named (one query), without their large JSON columns."""
    wanted = [i for i in ids if i]
    if not wanted:
        return {}
    rows = with_top_candidate(
        Decision.objects.filter(pk__in=wanted).select_related("recommended").defer("inputs", "candidates", "document")
    )
    return {d.pk: d for d in rows}


def with_top_candidate(decisions: QuerySet[Decision]) -> QuerySet[Decision]:
    """Annotate the selected candidate's skill match and whether it meets the skill threshold
    (`top_qualified`, `top_skill`): the stored candidates start with the selected one, so a forced
    below-threshold pick is known without loading the candidate list."""
    return decisions.annotate(
        top_qualified=KT("candidates__0__qualified"),
        top_skill=KT("candidates__0__skill_match_percentage"),
        from_batch=KT("inputs__batch"),  # the batch optimiser's pick (freshness.queue_rerank)
    )


def below_threshold(decision: Decision | None) -> int | None:
    """The skill match (%) of a suggestion forced below the skill-match threshold, else None: from
    the annotation of `with_top_candidate`, or the stored candidates when they are loaded."""
    if decision is None or decision.recommended_id is None or decision.error_code:
        return None
    qualified, skill = getattr(decision, "top_qualified", None), getattr(decision, "top_skill", None)
    if qualified is None and "candidates" not in decision.get_deferred_fields():
        top = (decision.candidates or [{}])[0]
        qualified, skill = top.get("qualified"), top.get("skill_match_percentage")
    if qualified is None or str(qualified).lower() != "false":
        return None
    return round(float(skill or 0))


def attach_decisions(tickets: list[Ticket]) -> list[Ticket]:
    """Set `ticket.decision` (current decision or None) on queue rows; one query."""
    found = decisions_by_id([getattr(t, "latest_decision_id", None) for t in tickets])
    for t in tickets:
        t.decision = found.get(getattr(t, "latest_decision_id", None) or 0)  # type: ignore[attr-defined]
    return tickets


def mark_stale(tickets: list[Ticket]) -> int:
    """Set `ticket.stale` on queue rows whose suggestion was made on facts that have changed since
    (or that have none yet): the queue shows them as re-ranking. One query; returns how many."""
    from dispatch.snapshot import current_version

    version = current_version()
    count = 0
    for t in tickets:
        d = getattr(t, "decision", None)
        t.stale = t.assigned_to_id is None and (d is None or _stale(d, version))  # type: ignore[attr-defined]
        count += t.stale  # type: ignore[attr-defined]
    return count


def decision_stale(decision: Decision | None) -> bool:
    """A suggestion or failure made on facts that have changed since."""
    from dispatch.snapshot import current_version

    return decision is not None and _stale(decision, current_version())


def _stale(decision: Decision, version: int) -> bool:
    """A decision the re-rank may replace (suggestion, shadow, failure) made before `version`."""
    from dispatch.freshness import KEEPABLE

    return decision.status in KEEPABLE and (decision.facts_version is None or decision.facts_version < version)


def ticket_queryset_for_page() -> QuerySet[Ticket]:
    return ticket_queryset().select_related("assigned_to")


def queue_row_ticket(ticket_id: int) -> Ticket:
    """One ticket annotated like the queue's rows (assigned or not), for re-rendering a row."""
    return (
        ticket_queryset()
        .select_related("assigned_to")
        .annotate(latest_decision_id=current_decision_id(), priority_rank=PRIORITY_ORDER)
        .get(pk=ticket_id)
    )


def failed_assignments(limit: int = 50) -> list[Assignment]:
    """Assignments the PSA refused for good (PSA_UPDATE_FAILED), newest first."""
    return list(
        Assignment.objects.filter(state=OutboxState.FAILED)
        .select_related("ticket", "technician", "decision__decided_by")
        .order_by("-created_at")[:limit]
    )


def decision_queryset() -> QuerySet[Decision]:
    return Decision.objects.select_related(
        "ticket__company", "ticket__assigned_to", "recommended", "assigned", "decided_by"
    )


def decisions_recent(status: str = "") -> QuerySet[Decision]:
    qs = Decision.objects.select_related("ticket", "recommended", "assigned", "decided_by").defer(
        "inputs", "candidates", "document"
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-pk")


def winner_text(ticket: Ticket, decision: Decision | None) -> str:
    who = ticket.assigned_to.name if ticket.assigned_to else "someone else"
    by: Any = decision.decided_by if decision and decision.decided_by else None
    if by is None and decision is not None and decision.status == DecisionStatus.AUTO_ASSIGNED:
        by = "auto-assign"
    return f"Already assigned to {who}" + (f" by {by}" if by else "")
