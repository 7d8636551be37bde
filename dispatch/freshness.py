"""Suggestions that are never stale: re-rank the queue when facts change, and when time moves.

`schedule_rerank` (called after every facts version bump) enqueues one `queue_rerank` run,
coalesced: while one is scheduled, further bumps add nothing; a bump during a run schedules one
more after it. `queue_rerank` ranks every open unassigned ticket whose current decision was
made on an older facts version (or that has none), most urgent first, on the current snapshot.
A ticket whose new ranking says what its decision says (same suggestion, or the same failure)
keeps that decision, re-stamped with the new version; otherwise a new decision supersedes it.
Re-ranking never assigns: the 5-minute batch cycle does that for trusted categories.

`clock_tick` (beat, every minute) covers what no write announces: a shift, time off or on-call
period starting or ending, business hours opening or closing (each technician's availability
now against the last tick's), and an SLA crossing a risk boundary (a ticket's risk now against
its decision's).
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.db.models.fields.json import KT
from django.utils import timezone

from dispatch import engine
from dispatch.engine.availability import aware, in_business_hours, work_status
from dispatch.engine.factors import sla_risk
from dispatch.engine.vector import advice, still_eligible
from dispatch.facts import (
    QUEUE_CANDIDATES_SHOWN,
    attach_relations,
    load_policy,
    open_unassigned_tickets,
    ticket_facts,
    ticket_queryset,
)
from dispatch.models import Decision, DecisionStatus, Ticket
from dispatch.selectors import attach_decisions, current_decision_id

log = logging.getLogger(__name__)

SCHEDULED_KEY = "switchboard:rerank:scheduled"
RUNNING_KEY = "switchboard:rerank:running"
CLOCK_KEY = "switchboard:rerank:availability"
RUN_TIMEOUT = 600
KEEPABLE = (DecisionStatus.SUGGESTED, DecisionStatus.SHADOW, DecisionStatus.FAILED)


def schedule_rerank(countdown: float = 0.3) -> bool:
    """Enqueue one re-rank unless one is already waiting; True when enqueued. A broker that is
    down is logged, not raised: the writer's change is committed, and the minute tick re-ranks."""
    from config.celery import app

    if app.conf.task_always_eager:  # the embedded demo: re-rank in-process, right after the commit
        try:
            queue_rerank()
        except Exception:  # the writer's change is committed; its answer must not turn into a 500
            log.exception("in-process re-rank failed; the rows stay marked re-ranking until the next change")
            return False
        return True
    if not cache.add(SCHEDULED_KEY, 1, timeout=60):
        return False
    try:
        # By name on the project's app: no task proxy to resolve (whatever app a thread holds).
        app.send_task("dispatch.tasks.rerank_queue", countdown=countdown)
    except Exception:  # noqa: BLE001 - the broker's errors are many; the tick retries
        cache.delete(SCHEDULED_KEY)
        log.warning("re-rank not enqueued (broker unavailable); the minute tick will run it", exc_info=True)
        return False
    return True


def rerank_pending() -> None:
    """A page saw stale rows: make sure a re-rank is on its way (a lost enqueue, a broker that was
    down). With eager tasks (the embedded demo) the writes already re-ranked in-process, and a
    page never writes decisions itself."""
    from config.celery import app

    if not app.conf.task_always_eager:
        schedule_rerank()


def same_advice(previous: Decision | None, ranking: Any) -> bool:
    """The ranking says what the decision says: the same suggestion, or the same failure."""
    from dispatch.services import waiting_reason

    return advice_matches(previous, (ranking.selected, ranking.error_code, waiting_reason(ranking)))


def advice_matches(previous: Decision | None, advice: tuple[str | None, str | None, str]) -> bool:
    """(selected, error code, waiting reason) is what the decision already says."""
    selected, error, waiting = advice
    if previous is None or previous.status not in KEEPABLE:
        return False
    if selected is not None and error is None:
        return (
            previous.status != DecisionStatus.FAILED
            and previous.recommended_id is not None
            and previous.recommended is not None
            and previous.recommended.external_id == selected
        )
    return previous.status == DecisionStatus.FAILED and previous.error_code == (error or "") and previous.waiting == waiting


# A ticket stored without a decision is left this long to whoever is storing it (the PSA intake and
# the API rank what they create): the re-rank takes it up after that, not in the middle.
NEW_TICKET_SETTLE = timedelta(seconds=30)


def stale_tickets(version: int, limit: int | None = None, settle: timedelta = NEW_TICKET_SETTLE) -> list[Ticket]:
    """Open unassigned tickets (queue order) whose current decision predates `version`, or that
    have none and were stored over `settle` ago; each with its decision attached."""
    ids = stale_ticket_ids(version, settle=settle)
    return load_tickets(ids if limit is None else ids[:limit])


def stale_ticket_ids(version: int, settle: timedelta = NEW_TICKET_SETTLE) -> list[int]:
    """The keys of `stale_tickets`, in queue order: one query."""
    current = Decision.objects.filter(pk=OuterRef("latest_decision_id"))
    stale = (
        open_unassigned_tickets()
        .prefetch_related(None)
        .annotate(
            latest_decision_id=current_decision_id(),
            latest_status=Subquery(current.values("status")[:1]),
            latest_version=Subquery(current.values("facts_version")[:1]),
        )
        .filter(
            Q(latest_decision_id__isnull=True, updated_at__lte=timezone.now() - settle)
            | Q(latest_status__in=KEEPABLE) & (Q(latest_version__isnull=True) | Q(latest_version__lt=version))
        )
    )
    return list(stale.values_list("pk", flat=True))


def load_tickets(ids: list[int], light: bool = False, known: dict[str, Any] | None = None) -> list[Ticket]:
    """These tickets with what ranking reads and their current decisions, in the order given.
    `light`: each decision with only what the re-rank and the batch compare and report (status,
    suggestion, failure, waiting reason, top score, whether the batch made it), not the queue's
    candidate marks (read from the large candidates column), the related rows shared through `known` (facts.attach_relations)."""
    if not ids:
        return []
    if not light:
        found = {t.pk: t for t in ticket_queryset().filter(pk__in=ids).annotate(latest_decision_id=current_decision_id())}
        return attach_decisions([found[pk] for pk in ids if pk in found])
    plain = {t.pk: t for t in Ticket.objects.filter(pk__in=ids).annotate(latest_decision_id=current_decision_id())}
    tickets = attach_relations([plain[pk] for pk in ids if pk in plain], known)
    wanted = [t.latest_decision_id for t in tickets if t.latest_decision_id]  # type: ignore[attr-defined]
    decisions = {
        d.pk: d
        for d in Decision.objects.filter(pk__in=wanted)
        .select_related("recommended")
        .only("status", "error_code", "waiting", "facts_version", "top_score", "assigned", "recommended__external_id")
        .annotate(from_batch=KT("inputs__batch"))
    }
    for t in tickets:
        t.decision = decisions.get(t.latest_decision_id or 0)  # type: ignore[attr-defined]
    return tickets


CHUNK = 200  # the queue page's rows: the most urgent chunk is current first


def queue_rerank(
    *, initiated_by: str = "rerank", progress: Any = None, settle: timedelta = NEW_TICKET_SETTLE
) -> dict[str, int]:
    """Re-rank every stale ticket on the current facts, most urgent first. Kept decisions are
    re-stamped chunk by chunk, so the queue's first page is current before the rest is done.
    `progress(done, total)` is called after each chunk. Returns counts (checked, kept, new)."""
    from dispatch.services import decision_store, suggestions_store
    from dispatch.snapshot import table_for, tech_facts

    now = timezone.now()
    snap = tech_facts(now)
    table = table_for(snap)
    policy = load_policy(now=now, candidates_shown=QUEUE_CANDIDATES_SHOWN)  # as the batch stores them
    ids = stale_ticket_ids(snap.version, settle=settle)
    kept_total = new = 0
    known: dict[str, Any] = {}  # categories, companies and boards, read once for the run
    for start in range(0, len(ids), CHUNK):  # loaded a page at a time: the first page is current first
        kept: list[int] = []
        changed: list[tuple[Ticket, Any, Any]] = []
        for ticket in load_tickets(ids[start : start + CHUNK], light=True, known=known):
            facts = ticket_facts(ticket)
            previous: Decision | None = getattr(ticket, "decision", None)
            if _batch_pick_stands(previous, facts, table, policy):
                assert previous is not None
                kept.append(previous.pk)
                continue
            quick = advice(facts, table, policy)  # no reasons written: most decisions still hold
            if quick is not None and advice_matches(previous, quick):
                assert previous is not None
                kept.append(previous.pk)
                continue
            ranking = engine.rank(facts, snap.techs, policy, table=table)
            if same_advice(previous, ranking):
                assert previous is not None
                kept.append(previous.pk)
                continue
            changed.append((ticket, ranking, facts))
        if changed:
            with transaction.atomic():  # the chunk's new suggestions in bulk, failures one by one
                free = set(
                    Ticket.objects.select_for_update(of=("self",))
                    .filter(pk__in=[t.pk for t, _, _ in changed], assigned_to__isnull=True)
                    .order_by("pk")
                    .values_list("pk", flat=True)
                )  # assigned meanwhile: left alone
                items = [c for c in changed if c[0].pk in free]
                _stored, rest = suggestions_store(
                    items, techs=snap.techs, policy=policy, mode="suggest", initiated_by=initiated_by,
                    started_at=now, facts_version=snap.version,
                )  # fmt: skip
                for ticket, ranking, facts in rest:
                    decision_store(
                        ticket=ticket, ranking=ranking, facts=facts, techs=snap.techs, policy=policy, mode="suggest",
                        initiated_by=initiated_by, started_at=now, facts_version=snap.version,
                    )  # fmt: skip
            new += len(items)
        if kept:
            Decision.objects.filter(pk__in=kept).update(facts_version=snap.version)
        kept_total += len(kept)
        if progress is not None:
            progress(min(start + CHUNK, len(ids)), len(ids))
    return {"version": snap.version, "checked": len(ids), "kept": kept_total, "new": new}


def _batch_pick_stands(previous: Decision | None, facts: Any, table: Any, policy: Any) -> bool:
    """A suggestion the batch optimiser made is kept while its technician may still take the
    ticket: it is rarely the ticket's own best (the optimum serves the whole queue), so comparing
    it with a single ranking would undo the batch at the next change of facts, and the next cycle
    would redo it."""
    if previous is None or previous.status not in (DecisionStatus.SUGGESTED, DecisionStatus.SHADOW):
        return False
    if str(getattr(previous, "from_batch", "") or "").lower() not in ("true", "1") or previous.recommended is None:
        return False
    return bool(still_eligible(facts, table, policy, previous.recommended.external_id))


def rerank_run() -> dict[str, int] | None:
    """The task body: one run at a time; a run asked for meanwhile follows this one."""
    cache.delete(SCHEDULED_KEY)
    if not cache.add(RUNNING_KEY, 1, timeout=RUN_TIMEOUT):
        schedule_rerank(countdown=2.0)
        return None
    try:
        return queue_rerank()
    finally:
        cache.delete(RUNNING_KEY)


# ---------------------------------------------------------------- time moving


def availability_fingerprint(now: Any) -> str:
    """Who may work now (shift, time off, on call, business hours), as one hash."""
    from dispatch.snapshot import tech_facts

    snap = tech_facts(now)
    policy = load_policy(now=now)
    at = aware(now)
    closed = policy.business_hours_only and not in_business_hours(policy.business_hours, at)
    parts = [f"{tech.id}={work_status(tech, at, closed)[1]}" for tech in snap.techs]
    return hashlib.sha1("|".join(parts).encode()).hexdigest()


def risk_moved(now: Any) -> list[int]:
    """Decisions of open unassigned tickets whose SLA risk is no longer what their decision says."""
    tickets = attach_decisions(list(open_unassigned_tickets().annotate(latest_decision_id=current_decision_id())))
    moved = []
    for ticket in tickets:
        decision: Decision | None = getattr(ticket, "decision", None)
        if decision is None or decision.status not in KEEPABLE or decision.sla_risk == "":
            continue
        risk, _ = sla_risk(ticket_facts(ticket), aware(now))
        if risk != decision.sla_risk:
            moved.append(decision.pk)
    return moved


def clock_tick() -> dict[str, Any]:
    """Every minute: re-rank when availability changed with the clock, or an SLA risk moved."""
    from dispatch.snapshot import bump

    now = timezone.now()
    fingerprint = availability_fingerprint(now)
    before = cache.get(CLOCK_KEY)
    cache.set(CLOCK_KEY, fingerprint, timeout=3600)
    if before is not None and before != fingerprint:
        return {"bumped": bump("clock: availability changed"), "risk": 0}
    moved = risk_moved(now)
    if moved:
        Decision.objects.filter(pk__in=moved).update(facts_version=None)
        schedule_rerank()
    elif stale_tickets_exist():
        schedule_rerank()
    return {"bumped": 0, "risk": len(moved)}


def stale_tickets_exist() -> bool:
    from dispatch.snapshot import current_version

    return bool(stale_tickets(current_version(), limit=1))
