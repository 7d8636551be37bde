"""The dispatcher's pages: the live queue, a ticket's ranked candidates, approve/override,
what-if, PSA retry, and the decision audit pages.

htmx requests get partials of the same templates ("dispatch/queue.html#ticket"); plain
requests get whole pages and redirects, so everything also works without JavaScript.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event
from django_tables2 import RequestConfig

from accounts.views import HtmxHttpRequest, dispatcher_required, manager_required
from dispatch import bulk, freshness, selectors, services
from dispatch.board import technician_board
from dispatch.filters import TicketFilter
from dispatch.forms import AssignForm, WhatIfForm
from dispatch.models import Assignment, Decision, DecisionStatus, DispatchSettings, Ticket
from dispatch.services import ApprovalError, AssignmentConflict, SuggestionChanged, TechnicianUnavailable
from dispatch.stranded import stranded, stranded_tickets
from dispatch.tables import QueueTable
from dispatch.views_common import (
    BREACH_RULE,
    LEGEND,
    candidate_views,
    escalation_as_done,
    failure_details,
    in_viewer_zone,
    order_note,
)
from dispatch.whatif import WhatIf, whatif_rank
from skills.models import Technician

QUEUE_TEMPLATE = "dispatch/queue.html"
ENGINE_NO_ADDRESS = "the service manager"  # what the engine's breach escalation names without an address
BOARD_TEMPLATE = "dispatch/queue_board.html"


@dispatcher_required
def home(request: HtmxHttpRequest) -> HttpResponse:
    return redirect("dispatch:queue")


# ---------------------------------------------------------------- the queue


def _queue_context(request: HtmxHttpRequest) -> dict[str, Any]:
    """What the queue's live part shows, and `state`: a digest of it. The 5-second poll sends back
    the digest it has (the hidden #queue-state field), and an unchanged one is answered 204 before
    any row is rendered (`unchanged` in the context)."""
    now = timezone.now()
    filterset = TicketFilter(request.GET or None, queryset=selectors.queue_tickets())
    table = QueueTable(filterset.qs)
    RequestConfig(request, paginate={"per_page": selectors.QUEUE_LIMIT, "page": 1}).configure(table)
    rows = table.page.object_list
    records = selectors.attach_decisions([row.record for row in rows])
    stale = selectors.mark_stale(records)
    if stale:
        freshness.rerank_pending()
    context = {
        "filter": filterset,
        "table": table,
        "records": records,
        "total": table.paginator.count,
        "failures": selectors.failed_assignments(),
        "stranded": stranded_tickets(now),
        "board": technician_board(now, request.GET.get("board_q", "")),
        "now": now,
        "preserve": True,
    }
    context["state"] = _live_state(request, records, context)
    if request.GET.get("state") == context["state"]:
        return {**context, "unchanged": True}
    context["colspan"] = table.prepare_rows(records, csrf_input=_csrf_input(request), preserve=True)
    return context


def _live_state(request: HtmxHttpRequest, records: list[Ticket], context: dict[str, Any]) -> str:
    """A digest of everything the live part renders (rows and their decisions, re-ranking marks,
    PSA failures, stranded tickets, the board), the filters, and the minute (ages and the board's
    availability move with the clock; the SLA countdowns run in the browser)."""
    parts: list[Any] = [
        # the filters given (an empty field is no filter: the page is asked for with none, the poll
        # sends every field of the form)
        sorted((k, [x for x in v if x]) for k, v in request.GET.lists() if k != "state" and any(v)),
        context["now"].replace(second=0, microsecond=0).isoformat(),
        context["total"],
    ]
    for t in records:
        d: Decision | None = getattr(t, "decision", None)
        parts.append((t.pk, t.updated_at.isoformat(), t.assigned_to_id, t.status, t.priority, t.sla_due and t.sla_due.isoformat(),
                      getattr(t, "stale", False), d and (d.pk, d.status, d.recommended_id, d.confidence, d.error_code,
                                                         d.waiting, getattr(d, "top_qualified", None))))  # fmt: skip
    parts.append([(a.pk, a.attempts, a.state, a.last_error) for a in context["failures"]])
    parts.append([(s.ticket.pk, s.technician.pk, s.status, s.back_at, s.overdue, s.ticket.actual_hours) for s in context["stranded"]])
    board = context["board"]
    parts.append((board.on_shift, board.total, board.more, [
        (r.id, r.status, r.active, r.capacity, r.back_at, r.working_on and (r.working_on.pk, r.working_on.sla_due))
        for r in board.rows
    ]))  # fmt: skip
    return hashlib.sha1(repr(parts).encode(), usedforsecurity=False).hexdigest()[:20]


@dispatcher_required
@require_GET
def queue(request: HtmxHttpRequest) -> HttpResponse:
    context = _queue_context(request)
    if request.htmx and not request.htmx.history_restore_request:
        if context.get("unchanged"):
            return HttpResponse(status=204)  # nothing moved since the poll's last answer: htmx keeps the page
        return render(request, f"{QUEUE_TEMPLATE}#live", {**context, "board_oob": True})
    return render(request, QUEUE_TEMPLATE, context)


@dispatcher_required
@require_GET
def board(request: HtmxHttpRequest) -> HttpResponse:
    """The technician board (the queue's side panel) alone: its filter box asks for it."""
    context = {"board": technician_board(timezone.now(), request.GET.get("board_q", ""))}
    if request.htmx:
        return render(request, BOARD_TEMPLATE, context)
    return render(request, "dispatch/queue_board_page.html", context)


def _csrf_input(request: HtmxHttpRequest) -> str:
    """The hidden CSRF field the rows' plain forms carry (once per page, not a tag per row)."""
    return str(format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)))


def _row_context(ticket_id: int, request: HtmxHttpRequest, **extra: Any) -> dict[str, Any]:
    ticket = selectors.attach_decisions([selectors.queue_row_ticket(ticket_id)])[0]
    selectors.mark_stale([ticket])
    table = QueueTable([ticket], orderable=False)
    colspan = table.prepare_rows([ticket], csrf_input=_csrf_input(request), preserve=False, detail=bool(extra.get("detail")))
    return {"table": table, "row": table.rows[0], "colspan": colspan, **extra}


def _detail_context(ticket: Ticket, decision: Decision | None, **extra: Any) -> dict[str, Any]:
    recommended_id = decision.recommended.external_id if decision and decision.recommended else None
    cands = candidate_views(decision.candidates, recommended_id, decision.as_of) if decision else []
    return {
        "ticket": ticket,
        "decision": decision,
        "cands": cands,
        "legend": LEGEND,
        "recommended_id": recommended_id,
        "failure": failure_details(decision.document, decision.as_of) if decision else None,
        "rules": (
            escalation_as_done(
                decision.document, decision.notifications or {}, assigned=bool(decision.assigned_id),
                as_of=decision.as_of,
            )[0]  # fmt: skip
            if decision
            else []
        ),
        "confidence_label": (
            (decision.document.get("evaluation_summary") or {}).get("assignment_confidence")
            if decision
            else None
        ),
        "sla": (decision.document.get("sla_tracking") or {}) if decision else {},
        "choices": [c for c in cands if not c.recommended],
        "stale": selectors.decision_stale(decision),
        "order_note": order_note(cands, decision.strategy if decision else ""),
        "below_skill": selectors.below_threshold(decision),
        **extra,
    }


def _ticket_decision(ticket: Ticket, user: Any) -> Decision:
    """The ticket's current decision; the first look at a ticket runs the engine."""
    decision = services.latest_decision(ticket)
    if decision is None:
        decision = services.decision_create(ticket=ticket, mode="suggest", initiated_by=str(user))
    return decision


@dispatcher_required
@require_GET
def ticket(request: HtmxHttpRequest, ticket_id: int) -> HttpResponse:
    """A ticket's ranked candidates: the queue's expanded row, or a page of its own."""
    obj = get_object_or_404(selectors.ticket_queryset_for_page(), pk=ticket_id)
    decision = (
        _ticket_decision(obj, request.user) if obj.assigned_to_id is None else services.latest_decision(obj)
    )
    if request.htmx:
        return render(request, f"{QUEUE_TEMPLATE}#detail", _detail_context(obj, decision))
    found = stranded(obj, timezone.now())
    choices = _reassign_choices(obj)
    context = _detail_context(
        obj, decision, stranded=found, reassign=choices, reassign_choice=any(c["first"] for c in choices)
    )
    return render(request, "dispatch/ticket.html", context)


def _choice_label(row: dict[str, Any]) -> str:
    """"Carol Middle — 71", with why the engine would not pick them itself when it would not."""
    notes = []
    if row["blocked_by"]:
        notes.append("blocked: " + ", ".join(b.replace("_", " ") for b in row["blocked_by"]))
    elif not row["qualified"]:
        notes.append("below the skill threshold")
    return f"{row['name']} — {row['score']:.0f}" + (f" ({'; '.join(notes)})" if notes else "")


def _reassign_choices(ticket: Ticket) -> list[dict[str, Any]]:
    """Who an assigned ticket could go to instead of its owner: the engine's ranking without the
    owner, in its order, each with why the engine would not pick them itself; its first choice
    preselected (none when it would pick nobody: the form then starts at "Choose…")."""
    if ticket.assigned_to_id is None or ticket.closed:
        return []
    owner = ticket.assigned_to
    assert owner is not None
    result = whatif_rank(ticket, WhatIf(exclude=(owner.external_id,)))
    rows = [r for r in result.rows if r["technician_id"] != owner.external_id]  # the engine's order
    return [{"id": r["technician_id"], "label": _choice_label(r), "first": r["technician_id"] == result.selected}
            for r in rows]  # fmt: skip


@dispatcher_required
@require_POST
def ticket_rerank(request: HtmxHttpRequest, ticket_id: int) -> HttpResponse:
    """Run the engine again now; supersedes the old suggestion. From the queue, htmx gets the
    whole row back (its suggestion and Approve button as well as the candidates)."""
    obj = get_object_or_404(selectors.ticket_queryset_for_page(), pk=ticket_id)
    if obj.assigned_to_id is None:
        services.decision_create(ticket=obj, mode="suggest", initiated_by=str(request.user))
    if request.htmx and request.htmx.target == f"t-{obj.pk}":
        return render(request, f"{QUEUE_TEMPLATE}#ticket", _open_row_context(obj.pk, request))
    if request.htmx:
        return render(
            request, f"{QUEUE_TEMPLATE}#detail", _detail_context(obj, services.latest_decision(obj))
        )
    return redirect("dispatch:ticket", ticket_id=ticket_id)


def _open_row_context(ticket_id: int, request: HtmxHttpRequest, **extra: Any) -> dict[str, Any]:
    """A queue row re-rendered with its candidates open."""
    fresh = selectors.ticket_queryset_for_page().get(pk=ticket_id)
    context = _detail_context(fresh, services.latest_decision(fresh), **extra)
    return _row_context(ticket_id, request, **context, detail=True)


@dispatcher_required
@require_POST
def ticket_assign(request: HtmxHttpRequest, ticket_id: int) -> HttpResponse:
    """Approve the suggestion (no technician, or the suggested one) or override it (another
    technician and a reason). htmx gets the updated row; a plain POST a redirect. Approval is
    re-checked on current facts: a suggestion that no longer stands is replaced and shown, and a
    technician who cannot work now needs "assign anyway" with a reason."""
    obj = get_object_or_404(Ticket, pk=ticket_id)
    form = AssignForm(request.POST)
    form.is_valid()
    tech_id, reason = form.cleaned_data.get("technician_id") or None, form.cleaned_data.get("reason", "")
    try:
        decision = services.decision_approve(
            ticket=obj, user=request.user, technician_id=tech_id, reason=reason,
            assign_anyway=bool(form.cleaned_data.get("assign_anyway")),
        )  # fmt: skip
    except AssignmentConflict as exc:
        return _assign_failed(request, obj, selectors.winner_text(exc.ticket, exc.decision), status=409)
    except SuggestionChanged as exc:  # why, with when the technician is back: in the viewer's zone
        message = in_viewer_zone(str(exc), timezone.now(), plain=True)
        return _assign_failed(request, obj, message, status=409, reason_code="SUGGESTION_CHANGED")
    except TechnicianUnavailable as exc:
        message = in_viewer_zone(str(exc), timezone.now(), plain=True)
        return _assign_failed(
            request, obj, message, status=422, chosen=tech_id or "", reason_text=reason, unavailable=True
        )
    except ApprovalError as exc:
        return _assign_failed(request, obj, str(exc), status=422, chosen=tech_id or "", reason_text=reason)
    assert decision.assigned is not None
    overridden = decision.status == DecisionStatus.OVERRIDDEN
    text = f"#{obj.external_id} assigned to {decision.assigned.name}" + (" (override)" if overridden else "")
    if not request.htmx:
        messages.success(request, text)
        return redirect("dispatch:queue")
    response = render(request, f"{QUEUE_TEMPLATE}#ticket", _row_context(obj.pk, request, row_notice=text))
    return trigger_client_event(
        response,
        "ticketAssigned",
        {"ticket": obj.pk, "technician": decision.assigned.name, "message": text, "override": overridden},
    )


@dispatcher_required
@require_POST
def ticket_reassign(request: HtmxHttpRequest, ticket_id: int) -> HttpResponse:
    """Take an assigned ticket from its owner and give it to another technician, with a reason
    (the stranded ticket's page). A plain form: redirect back to the ticket with a message."""
    obj = get_object_or_404(Ticket, pk=ticket_id)
    form = AssignForm(request.POST)
    form.is_valid()
    tech_id, reason = form.cleaned_data.get("technician_id") or "", form.cleaned_data.get("reason", "")
    try:
        decision = services.decision_reassign(
            ticket=obj, user=request.user, technician_id=tech_id, reason=reason,
            expected_owner=request.POST.get("owner"),
        )  # fmt: skip
    except ApprovalError as exc:
        messages.error(request, str(exc))
        return redirect("dispatch:ticket", ticket_id=obj.pk)
    except AssignmentConflict:  # the owner changed between the page and the click (a sync, another dispatcher)
        obj.refresh_from_db()
        who = obj.assigned_to.name if obj.assigned_to else "nobody"
        messages.error(request, f"#{obj.external_id} changed hands meanwhile: now with {who}. Nothing was changed.")
        return redirect("dispatch:ticket", ticket_id=obj.pk)
    assert decision.assigned is not None
    messages.success(
        request,
        f"#{obj.external_id} reassigned to {decision.assigned.name}"
        + (" (the engine's first choice)" if decision.status == DecisionStatus.APPROVED else "")
        + ("; the PSA is updated in the background" if obj.connection_id else ""),
    )
    return redirect("dispatch:ticket", ticket_id=obj.pk)


def _assign_failed(
    request: HtmxHttpRequest,
    obj: Ticket,
    message: str,
    *,
    status: int,
    reason_code: str = "",
    chosen: str = "",
    reason_text: str = "",
    unavailable: bool = False,
) -> HttpResponse:
    """The row again with what went wrong. A changed suggestion shows the new one; a refused
    override keeps the candidates open with the dispatcher's choice and reason filled in."""
    if not request.htmx:
        messages.error(request, message)
        if status == 409 and not reason_code:
            return redirect("dispatch:queue")
        return redirect("dispatch:ticket", ticket_id=obj.pk)
    extra: dict[str, Any] = {"row_error": message}
    if status == 422 or reason_code:
        extra = _open_row_context(
            obj.pk, request, form_error=message, chosen=chosen, reason_text=reason_text, unavailable=unavailable, row_error=message
        )
    else:
        extra = _row_context(obj.pk, request, **extra)
    response = render(request, f"{QUEUE_TEMPLATE}#ticket", extra, status=status)
    return trigger_client_event(
        response,
        "ticketConflict" if status == 409 else "assignRejected",
        {"ticket": obj.pk, "message": message},
    )


# ---------------------------------------------------------------- what-if


@dispatcher_required
@require_GET
def ticket_whatif(request: HtmxHttpRequest, ticket_id: int) -> HttpResponse:
    """Re-rank with other weights, exclusions, time or strategy. Nothing is stored."""
    obj = get_object_or_404(selectors.ticket_queryset_for_page(), pk=ticket_id)
    settings = DispatchSettings.load()
    technicians = list(
        Technician.objects.filter(active=True).order_by("name").values_list("external_id", "name")
    )
    form = WhatIfForm(
        request.GET if "run" in request.GET else None, technicians=technicians, weights=settings.weights
    )
    params = form.to_whatif() if form.is_bound and form.is_valid() else None
    result = whatif_rank(obj, params or WhatIf())
    decision = services.latest_decision(obj)
    stored_id = decision.recommended.external_id if decision and decision.recommended else None
    context = {
        "ticket": obj,
        "form": form,
        "result": result,
        "cands": candidate_views(result.rows, result.selected),
        "legend": LEGEND,
        "stored_id": stored_id,
        "stored_name": decision.recommended.name if decision and decision.recommended else None,
        "changed": result.selected != stored_id,
        # What the engine did beyond the sliders (an SLA boost moves weight; rules add or block): said
        # with the ranking, its times in the viewer's zone, a breach's escalation as it would be.
        "rules": _whatif_rules(result.rules_applied, result.as_of),
    }
    if request.htmx:
        partial = "whatif-results" if request.htmx.target == f"wr-{obj.pk}" else "whatif"
        return render(request, f"{QUEUE_TEMPLATE}#{partial}", context)
    return render(request, "dispatch/ticket.html", {**_detail_context(obj, decision), "whatif": context})


def _whatif_rules(rules: list[dict[str, Any]], as_of: datetime) -> list[dict[str, Any]]:
    """A what-if ranking's rules applied as the pages say them. Nothing is assigned or sent: the
    engine's "assigned and escalated to …" for a breached ticket reads as what would happen (to the
    address its text names once assigned, or nobody when none is configured)."""
    breach = next((r for r in rules if r.get("rule") == BREACH_RULE and r.get("applied")), None)
    target = str(breach["impact"]).rpartition(" escalated to ")[2] if breach else ""
    document = {
        "dispatching_rules_applied": rules,
        "dispatching_results": {"escalated_to": "" if target == ENGINE_NO_ADDRESS else target},
    }
    return escalation_as_done(document, {}, assigned=False, as_of=as_of)[0]


# ---------------------------------------------------------------- PSA retry


@dispatcher_required
@require_POST
def assignment_retry(request: HtmxHttpRequest, assignment_id: int) -> HttpResponse:
    """PSA_UPDATE_FAILED: put the outbox row back in line for the push worker."""
    from psa.outbox import assignment_retry as outbox_retry  # psa imports its backends; keep page loads light

    assignment = get_object_or_404(
        Assignment.objects.select_related("ticket", "technician"), pk=assignment_id
    )
    retried = outbox_retry(assignment.pk)
    text = (
        f"Retrying the PSA update of #{assignment.ticket.external_id} → {assignment.technician.name}"
        if retried
        else f"#{assignment.ticket.external_id} is not waiting for a retry"
    )
    if request.htmx:
        response = render(request, f"{QUEUE_TEMPLATE}#failures", {"failures": selectors.failed_assignments()})
        return trigger_client_event(
            response, "assignmentRetried", {"assignment": assignment.pk, "message": text}
        )
    (messages.success if retried else messages.info)(request, text)
    return HttpResponseRedirect(_safe_next(request, reverse("dispatch:queue")))


def _safe_next(request: HtmxHttpRequest, default: str) -> str:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


# ---------------------------------------------------------------- bulk approval and the batch

BULK_TEMPLATE = "dispatch/queue_bulk.html"


def _bulk_render(request: HtmxHttpRequest, partial: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    if request.htmx:
        return render(request, f"{BULK_TEMPLATE}#{partial}", context, status=status)
    return render(request, BULK_TEMPLATE, {**context, "partial": partial}, status=status)


@dispatcher_required
@require_GET
def bulk_preview(request: HtmxHttpRequest) -> HttpResponse:
    """What approving several would assign (ticket → technician), to confirm: every current
    suggestion at or above `min_confidence` (percent), or the ticked rows (`tickets`). Nothing
    changes here."""
    by = request.GET.get("by", "confidence")
    try:
        if by == "confidence":
            threshold = bulk.parse_confidence(request.GET.get("min_confidence", "70"))
            found = bulk.preview(min_confidence=threshold)
            title = f"Every suggestion with confidence {round(threshold * 100)}% or more"
        elif by == "selected":
            found = bulk.preview(ticket_ids=bulk.parse_ids(request.GET.getlist("tickets")))
            title = "The selected rows"
        else:
            raise bulk.BulkInputError("by: 'confidence' or 'selected'")
    except bulk.BulkInputError as exc:
        return _bulk_render(request, "error", {"error": str(exc)}, status=400)
    return _bulk_render(request, "preview", {"preview": found, "title": title})


@dispatcher_required
@require_POST
def bulk_approve(request: HtmxHttpRequest) -> HttpResponse:
    """Approve the previewed suggestions (`pick` = "<ticket id>:<technician id>", the technician
    the preview showed), each through decision_approve: per ticket assigned, changed or refused."""
    try:
        picks = bulk.parse_picks(request.POST.getlist("pick"))
    except bulk.BulkInputError as exc:
        return _bulk_render(request, "error", {"error": str(exc)}, status=400)
    results = bulk.approve(picks, request.user)
    counts = bulk.summary(results)
    response = _bulk_render(request, "results", {"results": results, "counts": counts})
    text = f"{counts['assigned']} assigned, {counts['changed']} changed, {counts['refused']} refused"
    return trigger_client_event(response, "bulkApproved", {"message": text, **counts}, after="settle")


@manager_required
@require_POST
def batch_run(request: HtmxHttpRequest) -> HttpResponse:
    """Dispatch the whole unassigned queue with the batch optimiser (what the 5-minute cycle
    does): as a background task when a worker queue is configured, else here and now with the
    counts."""
    from config.celery import app

    if not app.conf.task_always_eager:
        try:
            app.send_task("dispatch.tasks.batch_cycle")
        except Exception as exc:  # noqa: BLE001 - the broker's errors are many; say so, never a 500
            return _bulk_render(request, "error", {"error": f"The batch could not be queued: {exc}"}, status=503)
        return _bulk_render(request, "batch", {"queued": True})
    from dispatch.batch import batch_dispatch

    results = batch_dispatch(mode=None, optimise=True, initiated_by=f"batch:{request.user}")
    return _bulk_render(request, "batch", {"queued": False, "batch": bulk.batch_summary(results)})
