"""The dispatch JSON API (contracts/dispatch-api.md), version 1.

Bodies are parsed by dispatch.api_input rather than by ninja's schema validation so that
malformed input answers the contract's 400 INVALID_TICKET_DATA naming each bad field;
the pydantic models below document the shapes in the published OpenAPI schema.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from ninja import Field, NinjaAPI, Schema
from ninja.security import HttpBearer

from accounts.models import ApiToken, hash_token
from dispatch import services
from dispatch.api_input import InvalidTicketData, parse_dispatch_body
from dispatch.documents import iso
from dispatch.models import Decision, DecisionStatus, Ticket


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        row = ApiToken.objects.select_related("user").filter(token_hash=hash_token(token), revoked=False).first()
        if row is None or not row.user.is_active:
            return None
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
        request.user = row.user
        return row.user


api = NinjaAPI(
    title="Switchboard dispatch API",
    version="1",
    description="Ranked, explained technician assignment for MSP tickets (contracts/dispatch-api.md).",
    auth=BearerToken(),
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
)


def error(status: int, code: str, message: str, **extra: Any) -> JsonResponse:
    body = {"success": False, "error_details": {"type": "REQUEST_FAILED", "code": code, "message": message, **extra}}
    return JsonResponse(body, status=status)


@api.exception_handler(InvalidTicketData)
def invalid_ticket_data(request: HttpRequest, exc: InvalidTicketData) -> HttpResponse:
    return JsonResponse(
        {
            "success": False,
            "error_details": {
                "type": "INVALID_REQUEST",
                "code": "INVALID_TICKET_DATA",
                "message": "; ".join(exc.problems),
                "fields": exc.problems,
                "timestamp": iso(timezone.now()),
            },
        },
        status=400,
    )


@api.exception_handler(services.AssignmentConflict)
def assignment_conflict(request: HttpRequest, exc: services.AssignmentConflict) -> HttpResponse:
    ticket = exc.ticket
    return error(
        409,
        "ALREADY_ASSIGNED",
        str(exc),
        assigned_technician=ticket.assigned_to.external_id if ticket.assigned_to else None,
        decided_by=str(exc.decision.decided_by) if exc.decision and exc.decision.decided_by else None,
        decision_id=exc.decision.pk if exc.decision else None,
    )


@api.exception_handler(services.ApprovalError)
def approval_error(request: HttpRequest, exc: services.ApprovalError) -> HttpResponse:
    return error(400, exc.code, str(exc))


def _role_check(request: HttpRequest) -> JsonResponse | None:
    user = request.user
    if not getattr(user, "is_dispatcher", False):
        return error(403, "FORBIDDEN", "This call needs the dispatcher or manager role")
    return None


def _json_body(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidTicketData([f"body: not valid JSON ({exc})"]) from exc


def _ticket(external_id: str) -> Ticket | None:
    return Ticket.objects.filter(external_id=external_id).order_by("connection_id").first()


class DispatchIn(Schema):
    ticket_id: str
    ticket_category: str | None = None
    ticket_priority: str | None = None
    ticket_board: str | None = None
    company_id: str | None = None
    subject: str | None = None
    description: str | None = None
    required_skills: list[str] | None = None
    sla_due_date: str | None = None
    customer_preferred_tech: str | None = None
    geographic_location: str | dict[str, Any] | None = None
    language_requirement: str | None = None
    exclude_technicians: list[str] | None = None
    force_assignment: bool | None = Field(
        None, description="Omitted: the desk's below-threshold setting (out of the box: always, i.e. true)"
    )
    override_workload_limit: bool = False
    dispatch_immediately: bool = True
    mode: str | None = None
    dispatching_mode: str | None = None
    as_of: str | None = None


class ApproveIn(Schema):
    technician_id: str | None = None
    reason: str | None = None


class ClassifyIn(Schema):
    subject: str | None = None
    description: str | None = None


class BatchIn(Schema):
    mode: str | None = None
    optimise: bool = True


def _body_doc(schema: type[Schema]) -> dict[str, Any]:
    return {"requestBody": {"content": {"application/json": {"schema": schema.model_json_schema()}}, "required": True}}


@api.post("/dispatch", openapi_extra=_body_doc(DispatchIn), summary="Dispatch one ticket")
def dispatch_ticket(request: HttpRequest) -> Any:
    if (denied := _role_check(request)) is not None:
        return denied
    body = _json_body(request)
    known = isinstance(body, dict) and isinstance(body.get("ticket_id"), str | int) and _ticket(str(body["ticket_id"])) is not None
    req = parse_dispatch_body(body, ticket_known=known)
    decision = services.dispatch_from_request(req, initiated_by=f"api:{request.user}")
    return services.decision_document(decision)


@api.get("/tickets/{ticket_id}/candidates", summary="Ranked candidates, as the queue shows them")
def ticket_candidates(request: HttpRequest, ticket_id: str) -> Any:
    if (denied := _role_check(request)) is not None:
        return denied
    ticket = _ticket(ticket_id)
    if ticket is None:
        return error(404, "NOT_FOUND", f"ticket_id: no ticket {ticket_id!r}")
    decision = services.latest_decision(ticket)
    if decision is None or decision.status == DecisionStatus.SUPERSEDED:
        decision = services.decision_create(ticket=ticket, mode="suggest", initiated_by=f"api:{request.user}")
    return {
        "ticket_id": ticket.external_id,
        "decision_id": decision.pk,
        "status": decision.status,
        "recommended_technician": decision.recommended.external_id if decision.recommended else None,
        "assigned_technician": ticket.assigned_to.external_id if ticket.assigned_to else None,
        "confidence": decision.document.get("evaluation_summary", {}).get("assignment_confidence"),
        "rules_applied": decision.document.get("dispatching_rules_applied", []),
        "candidates": decision.candidates,
    }


@api.post("/tickets/{ticket_id}/approve", openapi_extra=_body_doc(ApproveIn), summary="Approve or override")
def ticket_approve(request: HttpRequest, ticket_id: str) -> Any:
    if (denied := _role_check(request)) is not None:
        return denied
    body = _json_body(request)
    if not isinstance(body, dict):
        raise InvalidTicketData(["body: must be a JSON object"])
    problems = [f"{k}: unknown field" for k in body if k not in ("technician_id", "reason")]
    problems += [f"{k}: must be a string" for k in ("technician_id", "reason") if body.get(k) is not None and not isinstance(body[k], str)]
    if problems:
        raise InvalidTicketData(problems)
    ticket = _ticket(ticket_id)
    if ticket is None:
        return error(404, "NOT_FOUND", f"ticket_id: no ticket {ticket_id!r}")
    decision = services.decision_approve(
        ticket=ticket, user=request.user, technician_id=body.get("technician_id"), reason=body.get("reason") or ""
    )
    return services.decision_document(decision)


@api.post("/dispatch/batch", openapi_extra=_body_doc(BatchIn), summary="Dispatch the whole unassigned queue")
def dispatch_batch(request: HttpRequest) -> Any:
    if (denied := _role_check(request)) is not None:
        return denied
    body = _json_body(request) if request.body else {}
    if not isinstance(body, dict):
        raise InvalidTicketData(["body: must be a JSON object"])
    mode = body.get("mode")
    if mode is not None and mode not in ("suggest", "assign"):
        raise InvalidTicketData([f"mode: {mode!r} is not one of suggest, assign"])
    optimise = body.get("optimise", True)
    if not isinstance(optimise, bool):
        raise InvalidTicketData(["optimise: must be true or false"])
    from dispatch.batch import batch_dispatch

    results = batch_dispatch(mode=mode, optimise=optimise, initiated_by=f"api:{request.user}")
    return {"success": True, "count": len(results), "results": results}


@api.get("/decisions/{decision_id}", summary="A stored decision with its audit trail")
def decision_detail(request: HttpRequest, decision_id: int) -> Any:
    if (denied := _role_check(request)) is not None:
        return denied
    decision = Decision.objects.select_related("decided_by").filter(pk=decision_id).first()
    if decision is None:
        return error(404, "NOT_FOUND", f"decision_id: no decision {decision_id}")
    return services.decision_document(decision)


@api.post("/classify", openapi_extra=_body_doc(ClassifyIn), summary="Predict a ticket's category from its text")
def classify(request: HttpRequest) -> Any:
    if (denied := _role_check(request)) is not None:
        return denied
    body = _json_body(request)
    if not isinstance(body, dict):
        raise InvalidTicketData(["body: must be a JSON object"])
    subject, description = body.get("subject") or "", body.get("description") or ""
    if not isinstance(subject, str) or not isinstance(description, str):
        raise InvalidTicketData(["subject, description: must be strings"])
    if not subject.strip() and not description.strip():
        raise InvalidTicketData(["subject, description: both are empty"])
    from dispatch.learning.classifier import ModelNotTrained
    from dispatch.learning.classifier import classify as classify_text

    try:
        prediction = classify_text(subject, description)
    except ModelNotTrained:
        return error(409, "MODEL_NOT_TRAINED", "No category model yet: run `python manage.py train_models`")
    return {
        "category": prediction.category,
        "confidence": round(prediction.confidence, 4),
        "alternatives": [{"category": c, "confidence": round(p, 4)} for c, p in prediction.alternatives],
    }


# PSA webhooks live with the PSA app; they are signature-checked instead of token-checked.
api.add_router("/psa", "psa.api.router")
