"""Bulk approval from the queue: which suggestions a dispatcher's choice covers (every one at or
above a confidence, or the rows they ticked), and approving them one by one through the same
service as a single Approve (dispatch.services.decision_approve), each re-checked on current
facts, with one result per ticket: assigned, changed (the suggestion moved: nothing assigned) or
refused (why)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import F

from dispatch import selectors, services
from dispatch.facts import open_unassigned_tickets
from dispatch.models import Decision, DecisionStatus, Ticket
from dispatch.services import ApprovalError, AssignmentConflict, SuggestionChanged
from dispatch.snapshot import current_version

BULK_LIMIT = 200  # tickets one preview or one approval covers (the most urgent first)
APPROVABLE = (DecisionStatus.SUGGESTED, DecisionStatus.SHADOW)


class BulkInputError(ValueError):
    """Bad input, naming the field ("min_confidence: ...")."""


@dataclass
class Pick:
    ticket: Ticket
    decision: Decision
    below_skill: int | None = None
    stale: bool = False


@dataclass
class Preview:
    picks: list[Pick]
    more: int = 0  # covered but beyond BULK_LIMIT
    skipped: list[str] = field(default_factory=list)  # selected tickets with nothing to approve, why

    @property
    def repeats(self) -> list[tuple[str, int]]:
        """Technicians suggested for more than one of the tickets, with how many."""
        counts: dict[str, int] = {}
        for p in self.picks:
            name = p.decision.recommended.name if p.decision.recommended else ""
            counts[name] = counts.get(name, 0) + 1
        return [(name, n) for name, n in counts.items() if n > 1]


def parse_confidence(raw: str | None) -> float:
    """A percentage 0..100 (as typed) → 0..1."""
    try:
        value = float((raw or "").strip())
    except ValueError:
        raise BulkInputError("min_confidence: a number from 0 to 100 is required") from None
    if not 0 <= value <= 100:
        raise BulkInputError("min_confidence: must be between 0 and 100")
    return value / 100


def parse_ids(raw: list[str]) -> list[int]:
    ids: list[int] = []
    for item in raw:
        try:
            ids.append(int(item))
        except ValueError:
            raise BulkInputError(f"tickets: {item!r} is not a ticket id") from None
    if not ids:
        raise BulkInputError("tickets: tick at least one row")
    return list(dict.fromkeys(ids))


def preview(*, min_confidence: float | None = None, ticket_ids: list[int] | None = None) -> Preview:
    """The current suggestions the choice covers, most urgent first (a few queries, whatever the count)."""
    decisions = selectors.with_top_candidate(
        Decision.objects.filter(
            status__in=APPROVABLE, recommended__isnull=False, error_code="", ticket__in=open_unassigned_tickets()
        )
        .select_related("ticket__company", "recommended")
        .defer("inputs", "candidates", "document")
        .order_by(F("ticket__sla_due").asc(nulls_last=True), "ticket__created_at", "-pk")
    )
    if min_confidence is not None:
        decisions = decisions.filter(confidence__gte=min_confidence - 1e-9)
    if ticket_ids is not None:
        decisions = decisions.filter(ticket_id__in=ticket_ids)
    found = list(decisions[: BULK_LIMIT + 1] if ticket_ids is None else decisions)
    more = 0
    if ticket_ids is None and len(found) > BULK_LIMIT:
        more = decisions.count() - BULK_LIMIT
        found = found[:BULK_LIMIT]
    version = current_version()
    seen: set[int] = set()
    picks = []
    for d in found:
        if d.ticket is None or d.ticket.pk in seen:  # a ticket's newest suggestion only
            continue
        seen.add(d.ticket.pk)
        picks.append(Pick(ticket=d.ticket, decision=d, below_skill=selectors.below_threshold(d),
                          stale=selectors._stale(d, version)))  # fmt: skip
    if ticket_ids is not None:
        picks = picks[:BULK_LIMIT]
    skipped: list[str] = []
    if ticket_ids is not None:
        missing = [i for i in ticket_ids if i not in seen]
        if missing:
            for t in Ticket.objects.filter(pk__in=missing).select_related("assigned_to").order_by("pk"):
                skipped.append(
                    f"#{t.external_id}: "
                    + (f"already assigned to {t.assigned_to.name}" if t.assigned_to else "no suggestion to approve")
                )
    return Preview(picks=picks, more=more, skipped=skipped)


@dataclass
class Result:
    ticket_id: int
    external_id: str
    outcome: str  # assigned | changed | refused
    message: str
    technician: str = ""


def parse_picks(raw: list[str]) -> list[tuple[int, str]]:
    """"<ticket pk>:<technician id>" pairs from the preview's form, one per ticket."""
    picks: dict[int, str] = {}
    for item in raw:
        pk, sep, tech = item.partition(":")
        if not sep or not tech.strip():
            raise BulkInputError(f"pick: {item!r} is not ticket:technician")
        try:
            picks.setdefault(int(pk), tech.strip())
        except ValueError:
            raise BulkInputError(f"pick: {item!r} does not start with a ticket id") from None
    if not picks:
        raise BulkInputError("pick: choose at least one ticket to approve")
    if len(picks) > BULK_LIMIT:
        raise BulkInputError(f"pick: at most {BULK_LIMIT} tickets at a time")
    return list(picks.items())


def approve(picks: list[tuple[int, str]], user: Any) -> list[Result]:
    """Approve each (ticket, technician the preview showed) as the single Approve does. A ticket is
    assigned only when its current suggestion is still that technician and still stands on the
    current facts; each approval is its own transaction, so a refusal leaves the others alone."""
    tickets = {t.pk: t for t in Ticket.objects.filter(pk__in=[pk for pk, _ in picks]).select_related("assigned_to")}
    results = []
    for pk, tech_id in picks:
        ticket = tickets.get(pk)
        if ticket is None:
            results.append(Result(pk, str(pk), "refused", f"ticket {pk} does not exist"))
            continue
        results.append(_approve_one(ticket, tech_id, user))
    return results


def _approve_one(ticket: Ticket, tech_id: str, user: Any) -> Result:
    ext = ticket.external_id
    current = services.latest_decision(ticket)
    now_id = current.recommended.external_id if current and current.recommended else None
    if ticket.assigned_to_id is None and now_id != tech_id:
        now = current.recommended.name if current and current.recommended else (current.error_code if current else "")
        return Result(ticket.pk, ext, "changed",
                      f"the suggestion changed since the preview (now: {now or 'no suggestion'}); nothing assigned")  # fmt: skip
    try:
        decision = services.decision_approve(ticket=ticket, user=user, technician_id=tech_id)
    except AssignmentConflict as exc:
        return Result(ticket.pk, ext, "refused", selectors.winner_text(exc.ticket, exc.decision))
    except SuggestionChanged as exc:
        return Result(ticket.pk, ext, "changed", str(exc))
    except ApprovalError as exc:
        return Result(ticket.pk, ext, "refused", str(exc))
    assert decision.assigned is not None
    return Result(ticket.pk, ext, "assigned", f"assigned to {decision.assigned.name}", decision.assigned.name)


def summary(results: list[Result]) -> dict[str, int]:
    out = {"assigned": 0, "changed": 0, "refused": 0}
    for r in results:
        out[r.outcome] += 1
    return out


def batch_summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    """The batch's per-ticket results counted for a page: assigned, suggested, unchanged, failed
    (by reason)."""
    counts = {"assigned": 0, "suggested": 0, "unchanged": 0, "failed": 0}
    reasons: dict[str, int] = {}
    for r in results:
        if r.get("unchanged"):
            counts["unchanged"] += 1
        elif not r.get("success"):
            counts["failed"] += 1
            reasons[r.get("reason") or "FAILED"] = reasons.get(r.get("reason") or "FAILED", 0) + 1
        elif r.get("status") == DecisionStatus.AUTO_ASSIGNED:
            counts["assigned"] += 1
        else:
            counts["suggested"] += 1
    return {"total": len(results), **counts, "reasons": sorted(reasons.items(), key=lambda kv: -kv[1])}
