"""Write paths of dispatch: run the engine for a ticket and store the decision, approve or
override it, and write the outbox row the PSA push worker picks up.

Every confirmed assignment goes through `_assign`, which claims the ticket with a
conditional UPDATE (`assigned_to IS NULL`), so two dispatchers, or a dispatcher and the
auto-assigner, can never both assign one ticket; the loser gets AssignmentConflict.
"""

from __future__ import annotations

import time as _time
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from dispatch import engine, notifications, sla
from dispatch.api_input import DispatchRequest, InvalidTicketData
from dispatch.documents import DocumentContext, build_document, candidate_row, iso, meets_skill_threshold
from dispatch.engine.types import GeoPoint, Ranking, TechFacts, TicketFacts
from dispatch.facts import active_model_version, attach_relations, load_policy, ticket_facts, ticket_queryset
from dispatch.models import (
    Assignment,
    Board,
    Company,
    Decision,
    DecisionStatus,
    OutboxState,
    Ticket,
    below_threshold_text,
)
from dispatch.snapshot import (
    facts_changed,
    model_version_for,
    policy_for,
    relations_for,
    table_for,
    tech_facts,
)
from skills.models import AutoAssign, Category, Technician


class AssignmentConflict(Exception):
    """The ticket was assigned by someone else first."""

    def __init__(self, ticket: Ticket, decision: Decision | None) -> None:
        who = ticket.assigned_to.name if ticket.assigned_to else "someone"
        by = f" by {decision.decided_by}" if decision and decision.decided_by else ""
        super().__init__(f"Ticket #{ticket.external_id} was already assigned to {who}{by}")
        self.ticket = ticket
        self.decision = decision


class ApprovalError(Exception):
    """An approval that cannot be carried out (bad technician, missing reason...)."""

    def __init__(self, message: str, code: str = "INVALID_APPROVAL") -> None:
        super().__init__(message)
        self.code = code


class TechnicianUnavailable(ApprovalError):
    """The technician chosen cannot work now (time off, off shift, outside business hours)."""

    status = 409

    def __init__(self, tech: Technician, why: str) -> None:
        super().__init__(
            f"technician_id: selected technician went offline before assignment: {why}. "
            "Choose another, or confirm 'assign anyway' with a reason.",
            code="TECHNICIAN_UNAVAILABLE",
        )
        self.technician = tech
        self.why = why


class SuggestionChanged(Exception):
    """The suggestion no longer stands on current facts; `new` is the decision now current."""

    code = "SUGGESTION_CHANGED"

    def __init__(self, old: Decision, new: Decision, why: str) -> None:
        now_name = new.recommended.name if new.recommended else None
        was = old.recommended.name if old.recommended else "the suggested technician"
        then = f"now suggested: {now_name}" if now_name else f"now: {new.error_code or 'no suggestion'}"
        super().__init__(f"The suggestion changed before approval ({why or was + ' no longer ranks first'}); {then}. Nothing was assigned.")
        self.old = old
        self.new = new


def algorithm_version(snap: Any = None) -> str:
    """The engine's version and the active model's; with `snap`, the model as read once for that
    facts snapshot."""
    model = model_version_for(snap) if snap is not None else active_model_version()
    return f"{engine.ENGINE_VERSION}+{model}" if model else engine.ENGINE_VERSION


# ---------------------------------------------------------------- tickets from API input


def ticket_upsert_from_request(req: DispatchRequest) -> Ticket:
    """Store (or update) a local ticket from a dispatch body. Raises InvalidTicketData for
    unknown references; the caller runs this inside the dispatch transaction."""
    problems: list[str] = []
    ticket = Ticket.objects.filter(external_id=req.ticket_id).order_by("connection_id").first()
    category = company = None
    if req.category is not None:
        category = Category.objects.filter(name__iexact=req.category).first()
        if category is None:
            problems.append(f"ticket_category: unknown category {req.category!r}")
    if req.company_id is not None:
        company = Company.objects.filter(external_id=req.company_id).first()
        if company is None:
            problems.append(f"company_id: unknown company {req.company_id!r}")
    if req.preferred_tech and not Technician.objects.filter(external_id=req.preferred_tech).exists():
        problems.append(f"customer_preferred_tech: unknown technician {req.preferred_tech!r}")
    if problems:
        raise InvalidTicketData(problems)
    if ticket is None:
        ticket = Ticket(external_id=req.ticket_id, created_at=timezone.now())
    before = {f: getattr(ticket, f) for f in REQUEST_FIELDS} if ticket.pk else None
    if category is not None:
        ticket.category = category
    if company is not None:
        ticket.company = company
    if req.board is not None:
        ticket.board, _ = Board.objects.get_or_create(name=req.board)
    if req.priority is not None:
        ticket.priority = req.priority
    for attr, value in (("subject", req.subject), ("description", req.description)):
        if value is not None:
            setattr(ticket, attr, value)
    if req.sla_due is not None or sla.follows_policy(ticket):
        # The body's deadline, else the policy's for the (possibly new) priority and company;
        # a deadline given before (by the PSA, an import or an earlier call) is kept.
        sla.apply_deadline(ticket, req.sla_due)
    if req.required_skills is not None:
        ticket.required_skills = req.required_skills
    if req.language is not None:
        ticket.language = req.language
    if req.location is not None:
        ticket.location_city = req.location.get("city", "")
        ticket.location_lat = req.location.get("lat")
        ticket.location_lon = req.location.get("lon")
        ticket.onsite = True
    if before is None or any(getattr(ticket, f) != value for f, value in before.items()):
        ticket.save()  # a call that only names a known ticket writes nothing
        ticket.switchboard_unchanged = False  # type: ignore[attr-defined]
    else:  # decision_create attaches its category, company and board from the snapshot's memo
        ticket.switchboard_unchanged = True  # type: ignore[attr-defined]
    return ticket


# What a dispatch body can change on a ticket (ticket_upsert_from_request).
REQUEST_FIELDS = (
    "category_id", "company_id", "board_id", "priority", "subject", "description", "sla_due", "sla_due_source",
    "sla_response_due", "sla_resolution_due", "required_skills", "language", "location_city", "location_lat",
    "location_lon", "onsite",
)  # fmt: skip


# ---------------------------------------------------------------- running the engine


def _classify_if_needed(ticket: Ticket) -> bool:
    """Fill the predicted category from the text model when the ticket has none (True: saved)."""
    if ticket.category_id or not (ticket.subject or ticket.description):
        return False
    from dispatch.learning.classifier import ModelNotTrained, classify

    try:
        prediction = classify(ticket.subject, ticket.description)
    except ModelNotTrained:
        return False
    category = Category.objects.filter(name=prediction.category).first()
    if category is None:
        return False
    ticket.predicted_category = category
    ticket.predicted_confidence = prediction.confidence
    ticket.save(update_fields=["predicted_category", "predicted_confidence", "updated_at"])
    return True


def _overrides(req: DispatchRequest | None) -> dict[str, Any]:
    if req is None:
        return {}
    out: dict[str, Any] = {}
    if req.exclude:
        out["exclude"] = tuple(req.exclude)
    if req.preferred_tech:
        out["preferred_tech"] = req.preferred_tech
    if req.location and "lat" in req.location:
        out["location"] = GeoPoint(req.location["lat"], req.location["lon"], req.location.get("city", ""))
        out["onsite"] = True
    return out


def ticket_rank(
    ticket: Ticket,
    *,
    at: datetime,
    strategy: str | None = None,
    techs: list[TechFacts] | None = None,
    policy_overrides: dict[str, Any] | None = None,
    fact_overrides: dict[str, Any] | None = None,
    table: Any = None,
    snap: Any = None,
) -> tuple[Ranking, TicketFacts, list[TechFacts], Any]:
    """Rank technicians for a ticket without storing anything (queue, what-if, API). Without
    `techs`, on the current facts snapshot with the vectorized engine; `snap`: the snapshot the
    caller took `techs` from (its policy is loaded once)."""
    if techs is None:
        snap = tech_facts(at)
        techs, table = snap.techs, table_for(snap)
    if snap is not None:
        policy = policy_for(snap, at, **(policy_overrides or {}))
    else:
        policy = load_policy(now=at, **(policy_overrides or {}))
    facts = ticket_facts(ticket, **(fact_overrides or {}))
    ranking = engine.rank(facts, techs, policy, strategy=strategy, table=table)
    return ranking, facts, techs, policy


def resolve_mode(requested: str | None, category: Category | None, ranking: Ranking) -> tuple[str, bool]:
    """(mode, shadow): explicit mode wins; otherwise the category's earned-trust setting."""
    if requested:
        return requested, False
    if category is None or category.auto_assign == AutoAssign.OFF:
        return "suggest", False
    if category.auto_assign == AutoAssign.SHADOW:
        return "suggest", True
    confident = ranking.confidence_value >= category.auto_assign_min_confidence
    return ("assign" if confident else "suggest"), False


def decision_create(
    *,
    ticket: Ticket,
    req: DispatchRequest | None = None,
    mode: str | None = None,
    initiated_by: str = "system_automation",
    techs: list[TechFacts] | None = None,
    savepoint: bool = True,
) -> Decision:
    """Run the engine for `ticket`, store the decision, and assign when the mode says so.
    `savepoint=False`: the caller's transaction fails whole on any error (the API's)."""
    started = timezone.now()
    t0 = _time.perf_counter()
    at = (req.as_of if req else None) or started
    policy_overrides: dict[str, Any] = {}
    if req is not None:
        policy_overrides = {"override_workload_limit": req.override_workload_limit}
        if req.force_assignment is not None:  # an explicit choice for this ticket beats the desk's scope
            policy_overrides |= {"force_assignment": req.force_assignment, "force_scope": "always"}
    version, table, snap = None, None, None
    if techs is None:
        snap = tech_facts(at)
        techs, version, table = snap.techs, snap.version, table_for(snap)
    if _classify_if_needed(ticket) or snap is None or not getattr(ticket, "switchboard_unchanged", False):
        ticket = ticket_queryset().get(pk=ticket.pk)
    else:  # a known ticket the call did not change: its related rows as read for this facts version
        attach_relations([ticket], relations_for(snap))
    ranking, facts, techs, policy = ticket_rank(
        ticket,
        at=at,
        strategy=req.strategy if req else None,
        techs=techs,
        policy_overrides=policy_overrides,
        fact_overrides=_overrides(req),
        table=table,
        snap=snap,
    )
    mode = mode or (req.mode if req else None)
    if req is not None and not req.dispatch_immediately:
        mode = "suggest"  # not now: the next batch cycle assigns it if its category is trusted
    with transaction.atomic(savepoint=savepoint):
        return decision_store(
            ticket=ticket, ranking=ranking, facts=facts, techs=techs, policy=policy, mode=mode,
            initiated_by=initiated_by, started_at=started, elapsed=_elapsed(t0), as_of=at,
            facts_version=version if at == started else None,
            algorithm=algorithm_version(snap) if snap is not None else None,
        )  # fmt: skip


def decision_store(
    *,
    ticket: Ticket,
    ranking: Ranking,
    facts: TicketFacts,
    techs: list[TechFacts],
    policy: Any,
    mode: str | None,
    initiated_by: str,
    started_at: datetime,
    elapsed: Any = None,
    as_of: datetime | None = None,
    facts_version: int | None = None,
    batch: bool = False,
    algorithm: str | None = None,
) -> Decision:
    """Store a ranking as the ticket's current decision and assign when the mode (or the
    category's earned trust) says so. Call inside a transaction. `batch`: the batch optimiser's
    pick (recorded in the inputs); `algorithm`: the algorithm version, when the caller has it."""
    mode, shadow = resolve_mode(mode, ticket.effective_category, ranking)
    finished = started_at + (elapsed if elapsed is not None else (timezone.now() - started_at))
    failed = ranking.selected is None or ranking.error_code is not None
    # The batch cycle re-dispatches a waiting ticket every few minutes: the manager hears about a
    # failure once, not at every cycle, until the reason changes or the ticket gets another decision.
    previous = latest_decision(ticket) if failed else None
    told_before = ((previous.notifications or {}).get("manager_notification") or {}) if previous else {}
    already_told = (
        previous if previous is not None and previous.status == DecisionStatus.FAILED
        and previous.error_code == (ranking.error_code or "")
        and (told_before.get("sent") or "notified_in" in told_before) else None
    )  # fmt: skip
    Decision.objects.filter(ticket=ticket, status__in=[DecisionStatus.SUGGESTED, DecisionStatus.SHADOW]).update(
        status=DecisionStatus.SUPERSEDED
    )
    recommended = Technician.objects.filter(external_id=ranking.selected).first() if ranking.selected else None
    fields = _decision_fields(ticket, ranking, facts, len(techs), policy, mode, shadow, recommended, initiated_by,
                              as_of or started_at, facts_version, version=algorithm, batch=batch)  # fmt: skip
    if not failed and mode != "assign" and connection.vendor == "postgresql":
        # A suggestion: its document needs nothing but its id, so take the id first and write the
        # row once (an UPDATE of the ~60 KB document less per decision).
        decision = Decision(pk=_next_decision_ids(1)[0], **fields)
        ctx = _document_context(ticket, decision, facts, techs, policy, mode, initiated_by, started_at, finished)
        ctx.notifications = awaiting_approval()
        decision.document = build_document(ranking, ctx)
        decision.notifications = ctx.notifications
        decision.save(force_insert=True)
        return decision
    decision = Decision.objects.create(**fields)
    ctx = _document_context(ticket, decision, facts, techs, policy, mode, initiated_by, started_at, finished)
    if failed and already_told is not None:
        told = (already_told.notifications or {}).get("manager_notification") or {}
        first = told.get("notified_in", already_told.pk)
        ctx.notifications = {
            "technician_notification": {"sent": False, "reason": "Not assigned"},
            "manager_notification": {
                "sent": False, "reason": f"Already notified of this failure (decision {first})", "notified_in": first,
            },
        }  # fmt: skip
    elif failed:
        ctx.notifications = notifications.notify_failure(decision, ranking, facts, policy.escalation_email)
    elif mode == "assign":
        tech = decision.recommended
        assert tech is not None
        _assign(
            ticket, decision, tech, status=DecisionStatus.AUTO_ASSIGNED, user=None, reason="",
            escalate_to=ranking.escalate_to or "",
        )  # fmt: skip
        ctx.assigned = True
        ctx.notifications = decision.notifications
        ctx.psa_sync = psa_sync_state(decision)
    else:
        ctx.notifications = awaiting_approval()
    decision.document = build_document(ranking, ctx)
    decision.notifications = ctx.notifications
    decision.save(update_fields=["document", "notifications"])
    return decision


def _next_decision_ids(n: int) -> list[int]:
    """`n` new decision ids from the table's sequence (PostgreSQL), so a row can be written once,
    with a document that names its own id."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [Decision._meta.db_table, n]
        )
        return [int(pk) for (pk,) in cursor.fetchall()]


def _decision_fields(
    ticket: Ticket,
    ranking: Ranking,
    facts: TicketFacts,
    evaluated: int,
    policy: Any,
    mode: str,
    shadow: bool,
    recommended: Technician | None,
    initiated_by: str,
    as_of: datetime,
    facts_version: int | None,
    version: str | None = None,
    batch: bool = False,
) -> dict[str, Any]:
    failed = ranking.selected is None or ranking.error_code is not None
    return {
        "ticket": ticket,
        "ticket_external_id": ticket.external_id,
        "status": DecisionStatus.FAILED if failed else (DecisionStatus.SHADOW if shadow else DecisionStatus.SUGGESTED),
        "mode": mode,
        "strategy": ranking.strategy,
        "initiated_by": initiated_by,
        "recommended": recommended,
        "confidence": ranking.confidence_value,
        "top_score": ranking.candidates[0].score if ranking.candidates else None,
        "error_code": ranking.error_code or "",
        "waiting": waiting_reason(ranking),
        "algorithm_version": algorithm_version() if version is None else version,
        "as_of": as_of,
        "inputs": _inputs_summary(facts, policy, evaluated, batch),
        "candidates": [candidate_row(c, policy.skill_match_threshold) for c in ranking.candidates],
        "facts_version": facts_version,
        "sla_risk": ranking.sla_risk or "",
        **_threshold_marks(ranking, policy.skill_match_threshold),
    }


def _document_context(
    ticket: Ticket,
    decision: Decision,
    facts: TicketFacts,
    techs: list[TechFacts] | dict[str, TechFacts],
    policy: Any,
    mode: str,
    initiated_by: str,
    started_at: datetime,
    finished: datetime,
) -> DocumentContext:
    return DocumentContext(
        ticket=facts,
        techs=techs if isinstance(techs, dict) else {t.id: t for t in techs},
        mode=mode,
        assigned=False,
        decision_id=decision.pk,
        started_at=started_at,
        finished_at=finished,
        algorithm_version=decision.algorithm_version,
        initiated_by=initiated_by,
        capacity_default=policy.max_tickets_per_technician,
        escalation_email=policy.escalation_email,
        sla_source=ticket.sla_due_source,
        sla_response_due=ticket.sla_response_due,
        sla_resolution_due=ticket.sla_resolution_due,
        skill_match_threshold=policy.skill_match_threshold,
    )


def awaiting_approval() -> dict[str, Any]:
    return {"technician_notification": {"sent": False, "reason": "Awaiting dispatcher approval"}}


def suggestions_store(
    items: list[tuple[Ticket, Ranking, TicketFacts]],
    *,
    techs: list[TechFacts],
    policy: Any,
    mode: str | None,
    initiated_by: str,
    started_at: datetime,
    facts_version: int | None = None,
    batch: bool = False,
) -> tuple[list[Decision], list[tuple[Ticket, Ranking, TicketFacts]]]:
    """decision_store for many tickets at once, in a fixed number of queries, for the rankings
    that only suggest (a selection, not assigned by the mode, so no notification and no PSA push):
    the batch and the background re-rank store most of a queue this way. Returns (the stored
    decisions, the items left for decision_store: failures and assignments). Call inside a
    transaction."""
    simple: list[tuple[Ticket, Ranking, TicketFacts, str, bool]] = []
    rest: list[tuple[Ticket, Ranking, TicketFacts]] = []
    for ticket, ranking, facts in items:
        resolved, shadow = resolve_mode(mode, ticket.effective_category, ranking)
        if ranking.selected is None or ranking.error_code is not None or resolved == "assign":
            rest.append((ticket, ranking, facts))
        else:
            simple.append((ticket, ranking, facts, resolved, shadow))
    if not simple:
        return [], rest
    Decision.objects.filter(
        ticket__in=[t for t, *_ in simple], status__in=[DecisionStatus.SUGGESTED, DecisionStatus.SHADOW]
    ).update(status=DecisionStatus.SUPERSEDED)
    people = {t.external_id: t for t in Technician.objects.filter(external_id__in={r.selected for _, r, *_ in simple})}
    version = algorithm_version()
    unsaved = [
        Decision(**_decision_fields(ticket, ranking, facts, len(techs), policy, resolved, shadow,
                                    people.get(ranking.selected or ""), initiated_by, started_at, facts_version,
                                    version, batch))
        for ticket, ranking, facts, resolved, shadow in simple
    ]  # fmt: skip
    postgres = connection.vendor == "postgresql"
    if postgres:  # ids first, so each row is written once, with its document
        for d, pk in zip(unsaved, _next_decision_ids(len(unsaved)), strict=True):
            d.pk = pk
        decisions = unsaved
    else:
        # The large JSON columns go in with the documents' UPDATE below (bulk_create returns ids).
        large = [(d.candidates, d.inputs) for d in unsaved]
        for d in unsaved:
            d.candidates, d.inputs = [], {}
        decisions = Decision.objects.bulk_create(unsaved)
        for d, (candidates, inputs) in zip(decisions, large, strict=True):
            d.candidates, d.inputs = candidates, inputs
    by_id = {t.id: t for t in techs}
    finished = timezone.now()
    for decision, (ticket, ranking, facts, resolved, _shadow) in zip(decisions, simple, strict=True):
        ctx = _document_context(ticket, decision, facts, by_id, policy, resolved, initiated_by, started_at, finished)
        ctx.notifications = awaiting_approval()
        decision.document = build_document(ranking, ctx)
        decision.notifications = ctx.notifications
    if postgres:
        _insert_each(decisions)
    else:
        Decision.objects.bulk_update(decisions, ["document", "notifications", "candidates", "inputs"], batch_size=100)
    return decisions, rest


def _insert_each(objs: list[Decision]) -> None:
    """INSERT rows whose ids are set, one statement sent many times in one pipeline (psycopg's
    executemany). Not bulk_create: on PostgreSQL it sends each column as one array (UNNEST), and
    psycopg escapes an array of JSON documents character by character (1.7 s of regex for 150
    decisions, docs/speed.md)."""
    if not objs:
        return
    meta = Decision._meta
    fields = list(meta.concrete_fields)
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(meta.db_table), ", ".join(quote(f.column) for f in fields), ", ".join(["%s"] * len(fields))
    )
    rows = [[f.get_db_prep_save(f.pre_save(o, True), connection) for f in fields] for o in objs]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    for o in objs:
        o._state.adding, o._state.db = False, connection.alias


def _threshold_marks(ranking: Ranking, threshold: float) -> dict[str, Any]:
    """Decision columns for a forced pick below the skill-match threshold (the queue's mark)."""
    chosen = next((c for c in ranking.candidates if c.tech_id == ranking.selected), None)
    if chosen is None or ranking.error_code:
        return {}
    return {
        "below_skill_threshold": meets_skill_threshold(chosen, threshold) is False,
        "recommended_skill_match": round(chosen.skill_match_pct, 1),
        "skill_match_threshold": round(threshold),
    }


def _elapsed(t0: float) -> Any:
    from datetime import timedelta

    return timedelta(seconds=_time.perf_counter() - t0)


def _inputs_summary(facts: TicketFacts, policy: Any, n_techs: int, batch: bool = False) -> dict[str, Any]:
    return {
        **({"batch": True} if batch else {}),  # the batch optimiser's pick (freshness keeps it while it stands)
        "ticket": {
            "id": facts.id,
            "category": facts.category,
            "priority": facts.priority,
            "board": facts.board,
            "company": facts.company_id,
            "required_skills": list(facts.category_required_skills + facts.required_skills),
            "sla_due": iso(facts.sla_due),
            "language": facts.language,
            "onsite": facts.onsite,
            "exclude": list(facts.exclude),
            "preferred_tech": facts.preferred_tech,
        },
        "policy": {
            "strategy": policy.strategy,
            "weights": dict(policy.weights),
            "skill_match_threshold": policy.skill_match_threshold,
            "max_tickets_per_technician": policy.max_tickets_per_technician,
            "force_assignment": policy.force_assignment,
            "force_scope": policy.force_scope,
            "override_workload_limit": policy.override_workload_limit,
            "rules": [r.name for r in policy.rules],
        },
        "technicians": n_techs,
    }


# ---------------------------------------------------------------- approving and assigning


def _assign(
    ticket: Ticket,
    decision: Decision,
    tech: Technician,
    *,
    status: str,
    user: Any,
    reason: str,
    escalate_to: str = "",
    replaces: Technician | None = None,
) -> Assignment:
    """Claim the ticket for `tech` and write the outbox row. Call inside a transaction.

    The claim is a conditional UPDATE: on an unassigned ticket (once, ever), or, for a
    reassignment, on the ticket while `replaces` still owns it."""
    owner = Q(assigned_to=replaces) if replaces is not None else Q(assigned_to__isnull=True)
    claimed = Ticket.objects.filter(owner, pk=ticket.pk).update(
        assigned_to=tech, status="Assigned", updated_at=timezone.now(), sla_due=sla.assigned_deadline()
    )
    if claimed != 1:
        ticket.refresh_from_db()
        winner = ticket.decisions.filter(
            status__in=[DecisionStatus.APPROVED, DecisionStatus.OVERRIDDEN, DecisionStatus.AUTO_ASSIGNED]
        ).first()
        raise AssignmentConflict(ticket, winner)
    facts_changed("assignment", people=False)  # a workload moved: other suggestions may change
    now = timezone.now()
    decision.status = status
    decision.assigned = tech
    decision.decided_by = user
    decision.decided_at = now
    decision.override_reason = reason
    decision.save(update_fields=["status", "assigned", "decided_by", "decided_at", "override_reason"])
    assignment = Assignment.objects.create(
        decision=decision,
        ticket=ticket,
        technician=tech,
        replaces=replaces,
        board=(decision.document.get("dispatching_results", {}) or {}).get("route_to_board", "") or "",
        note=assignment_note(decision, tech, replaces),
        state=OutboxState.PENDING if ticket.connection_id else OutboxState.SKIPPED,
    )
    decision.notifications = notifications.notify_assignment(ticket, tech, escalate_to, decision_id=decision.pk)
    decision.save(update_fields=["notifications"])
    if ticket.connection_id:
        from psa.outbox import schedule_push

        transaction.on_commit(lambda: schedule_push(assignment.pk))
    return assignment


def assignment_note(decision: Decision, tech: Technician, replaces: Technician | None = None) -> str:
    """The note pushed to the PSA with the assignment: who, how, and why."""
    how = decision.get_status_display().lower()
    lines = [
        f"Reassigned from {replaces.name} to {tech.name} by Switchboard ({how})."
        if replaces is not None
        else f"Assigned to {tech.name} by Switchboard ({how})."
    ]
    row = next((c for c in decision.candidates if c["technician_id"] == tech.external_id), None)
    if row and row.get("meets_skill_threshold") is False:
        threshold = (decision.inputs.get("policy") or {}).get("skill_match_threshold")
        lines.append(f"Warning: {tech.name} is {below_threshold_text(row['skill_match_percentage'], threshold).lower()}.")
    if row:
        lines.append(f"Score {row['score']}/100, skill match {row['skill_match_percentage']}%.")
        for part in row["score_breakdown"]:
            lines.append(f"- {part['factor']}: {part['points']} pts ({part['reason']})")
    if decision.override_reason:
        lines.append(f"{'Reason' if replaces is not None else 'Dispatcher override'}: {decision.override_reason}")
    if decision.decided_by:
        lines.append(f"Confirmed by {decision.decided_by}.")
    return "\n".join(lines)


def waiting_reason(ranking: Ranking) -> str:
    """Decision.waiting: why a ticket is held for a qualified technician (the engine's force_scope
    blocking factor), or "" when it is not held."""
    return next((b.details for b in ranking.blocking_factors if b.factor == "force_scope"), "")[:300]


def latest_decision(ticket: Ticket) -> Decision | None:
    return ticket.decisions.exclude(status=DecisionStatus.SUPERSEDED).order_by("-created_at", "-pk").first()


def _chosen_technician(technician_id: str) -> Technician:
    """The technician a dispatcher chose, or ApprovalError naming the field (unknown, inactive)."""
    tech = Technician.objects.filter(external_id=technician_id or "").first()
    if tech is None:
        raise ApprovalError(f"technician_id: unknown technician {technician_id!r}")
    if not tech.active:
        raise ApprovalError(f"technician_id: {tech.name} is inactive", code="TECHNICIAN_UNAVAILABLE")
    return tech


def _unavailability(tech: Technician, techs: list[TechFacts], policy: Any, now: datetime) -> str:
    """Why `tech` cannot work now, and when they are back ("" when they can): the engine's own
    availability (shifts, time off, on call, business hours) on the same facts and clock."""
    from dispatch.engine.availability import in_business_hours, work_status
    from dispatch.engine.explain import absence, lowered

    facts = next((t for t in techs if t.id == tech.external_id), None)
    if facts is None:
        return f"{tech.name} is not among the active technicians"
    closed = policy.business_hours_only and not in_business_hours(policy.business_hours, now)
    ok, status, back = work_status(facts, now, closed)
    if ok:
        return ""
    if status == "outside_business_hours":
        return f"{tech.name} is not on call and the desk is outside business hours"
    return f"{tech.name} is {lowered(absence(facts, status, back, now))}"


def _still_recommended(decision: Decision, fresh: Ranking, version: int) -> bool:
    """The stored suggestion still stands on current facts: the fresh ranking picks the same
    technician, or (a batch's choice, made on the current version) that technician is still
    eligible."""
    recommended = decision.recommended.external_id if decision.recommended else None
    if recommended is None or decision.status not in (DecisionStatus.SUGGESTED, DecisionStatus.SHADOW):
        return False
    if fresh.selected == recommended:
        return True
    cand = next((c for c in fresh.candidates if c.tech_id == recommended), None)
    return decision.facts_version == version and cand is not None and cand.eligible


def decision_approve(
    *, ticket: Ticket, user: Any, technician_id: str | None = None, reason: str = "", assign_anyway: bool = False
) -> Decision:
    """Confirm the suggestion, or override it with another technician and a reason.

    Re-checked on current facts inside the transaction that assigns: when the suggestion no
    longer stands (its technician went off shift, say), nothing is assigned, the new ranking is
    stored and SuggestionChanged names it; a technician chosen explicitly who cannot work now
    is refused with TechnicianUnavailable (why, and when back) unless `assign_anyway` with a
    reason."""
    reason = (reason or "").strip()
    changed: tuple[Decision, Decision, str] | None = None
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update(of=("self",)).select_related("assigned_to").get(pk=ticket.pk)
        decision = latest_decision(ticket)
        if ticket.assigned_to_id is not None:
            raise AssignmentConflict(ticket, decision)
        started = timezone.now()
        snap = tech_facts(started)
        fresh, facts, techs, policy = ticket_rank(
            ticket_queryset().get(pk=ticket.pk), at=started, techs=snap.techs, table=table_for(snap)
        )

        def store_fresh() -> Decision:
            return decision_store(
                ticket=ticket, ranking=fresh, facts=facts, techs=techs, policy=policy, mode="suggest",
                initiated_by=str(user), started_at=started, facts_version=snap.version,
            )  # fmt: skip

        if decision is None:
            decision = store_fresh()
        recommended_id = decision.recommended.external_id if decision.recommended else None
        # Approving the suggestion (from its button, or naming it) is re-checked as a suggestion;
        # "assign anyway" is an explicit choice of that technician.
        approving = (technician_id is None or technician_id == recommended_id) and not assign_anyway
        if approving and recommended_id and not _still_recommended(decision, fresh, snap.version):
            new = store_fresh()
            old_tech = decision.recommended
            assert old_tech is not None
            changed = (decision, new, _unavailability(old_tech, techs, policy, started))
        else:
            chosen_id = technician_id or recommended_id
            if not chosen_id:
                raise ApprovalError("technician_id: required, there is no suggestion to approve")
            tech = _chosen_technician(chosen_id)
            override = chosen_id != recommended_id
            if override and not reason:
                raise ApprovalError("reason: required when choosing a technician other than the suggestion")
            absent = _unavailability(tech, techs, policy, started)
            if absent and not assign_anyway:
                raise TechnicianUnavailable(tech, absent)
            if absent and not reason:
                raise ApprovalError(f"reason: required to assign {tech.name} while unavailable ({absent})")
            status = DecisionStatus.OVERRIDDEN if override or absent else DecisionStatus.APPROVED
            escalate_to = (decision.document.get("dispatching_results") or {}).get("escalated_to") or ""
            kept_reason = reason if (override or absent) else ""
            _assign(ticket, decision, tech, status=status, user=user, reason=kept_reason, escalate_to=escalate_to)
            decision.document = _document_after_assignment(decision, tech, ticket)
            decision.save(update_fields=["document"])
    if changed is not None:
        raise SuggestionChanged(*changed)
    return decision


def decision_reassign(
    *, ticket: Ticket, user: Any, technician_id: str, reason: str, expected_owner: str | None = None
) -> Decision:
    """Take an assigned ticket from its owner (away past the deadline, say) and give it to
    `technician_id`, with a reason. The engine ranks the ticket again without the owner and the
    decision records it (approved when the choice is the engine's first, overridden otherwise);
    the push replaces the PSA's owner only while the PSA still shows the old one.
    `expected_owner` (the owner the dispatcher saw) makes a ticket that changed hands meanwhile
    an AssignmentConflict instead of taking it from whoever has it now."""
    reason = (reason or "").strip()
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update(of=("self",)).select_related("assigned_to").get(pk=ticket.pk)
        previous = ticket.assigned_to
        if ticket.closed:
            raise ApprovalError("ticket: closed, nothing to reassign")
        if expected_owner is not None and (previous.external_id if previous else "") != expected_owner:
            raise AssignmentConflict(ticket, latest_decision(ticket))
        if previous is None:
            raise ApprovalError("ticket: not assigned; approve it from the queue instead")
        if not reason:
            raise ApprovalError("reason: required to take a ticket from its owner")
        tech = _chosen_technician(technician_id)
        if tech.pk == previous.pk:
            raise ApprovalError(f"technician_id: {tech.name} already owns this ticket")
        started = timezone.now()
        t0 = _time.perf_counter()
        ranking, facts, techs, policy = ticket_rank(
            ticket_queryset().get(pk=ticket.pk), at=started, fact_overrides={"exclude": (previous.external_id,)}
        )
        decision = decision_store(
            ticket=ticket, ranking=ranking, facts=facts, techs=techs, policy=policy, mode="suggest",
            initiated_by=str(user), started_at=started, elapsed=_elapsed(t0),
        )  # fmt: skip
        status = DecisionStatus.APPROVED if ranking.selected == tech.external_id else DecisionStatus.OVERRIDDEN
        _assign(ticket, decision, tech, status=status, user=user, reason=reason, replaces=previous)
        decision.document = _document_after_assignment(decision, tech, ticket)
        decision.save(update_fields=["document"])
    return decision


def _document_after_assignment(decision: Decision, tech: Technician, ticket: Ticket) -> dict[str, Any]:
    doc = dict(decision.document)
    results = dict(doc.get("dispatching_results", {}))
    contact = {
        "technician_id": tech.external_id,
        "name": tech.name,
        "email": tech.email,
        "phone": tech.phone,
        "specialization": (results.get("recommended_technician") or {}).get("specialization", ""),
    }
    results.update(
        assigned=True,
        assigned_technician=contact,
        assignment_timestamp=iso(decision.decided_at),
        status=decision.status,
    )
    if decision.status == DecisionStatus.OVERRIDDEN:
        results["override_reason"] = decision.override_reason
    results.pop("reason", None)
    doc["success"] = True
    doc["dispatching_results"] = results
    doc["notifications_sent"] = decision.notifications
    doc["psa_sync"] = psa_sync_state(decision)
    audit = dict(doc.get("audit_trail", {}))
    audit.update(decided_by=str(decision.decided_by) if decision.decided_by else None, decided_timestamp=iso(decision.decided_at))
    doc["audit_trail"] = audit
    return doc


# Only an assignment (services._assign) writes an outbox row, and it moves the decision to one of
# these statuses: a suggestion, a shadow, a failure or a superseded suggestion has none.
ASSIGNED_STATUSES = (DecisionStatus.APPROVED, DecisionStatus.OVERRIDDEN, DecisionStatus.AUTO_ASSIGNED)


def psa_sync_state(decision: Decision) -> dict[str, Any]:
    if decision.status not in ASSIGNED_STATUSES:
        return {"state": "none"}
    assignment = Assignment.objects.filter(decision=decision).first()
    if assignment is None:
        return {"state": "none"}
    state = {"state": assignment.state, "attempts": assignment.attempts}
    if assignment.state == OutboxState.FAILED:
        state["reason"] = assignment.last_error
        state["code"] = "PSA_UPDATE_FAILED"
    if assignment.pushed_at:
        state["pushed_at"] = iso(assignment.pushed_at)
    return state


def decision_document(decision: Decision) -> dict[str, Any]:
    """The stored document with the live PSA sync state."""
    doc = dict(decision.document)
    doc["status"] = decision.status
    doc["psa_sync"] = psa_sync_state(decision)
    return doc


def dispatch_from_request(req: DispatchRequest, *, initiated_by: str) -> Decision:
    """POST /api/v1/dispatch: store the ticket facts, then decide. Bad references change nothing."""
    with transaction.atomic():
        ticket = ticket_upsert_from_request(req)
        if (req.mode or "") == "assign" and ticket.assigned_to_id:
            raise AssignmentConflict(ticket, latest_decision(ticket))
        return decision_create(ticket=ticket, req=req, initiated_by=initiated_by, savepoint=False)
