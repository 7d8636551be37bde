"""The dispatch JSON API (contracts/dispatch-api.md), version 1.

django-ninja validates every body and path parameter against the schemas of
dispatch.api_input; one set of exception handlers below answers every 4xx with the contract's
error document (`{"success": false, "error_details": {...}}`; INVALID_TICKET_DATA naming each
bad field for malformed input). Every response code and its schema is in the OpenAPI document.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from ninja import Body, Field, NinjaAPI, Path, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer
from pydantic import BaseModel, ConfigDict

from accounts.models import ApiToken, hash_token
from dispatch import selectors, services
from dispatch.api_input import (
    ApproveIn,
    BatchIn,
    ClassifyIn,
    DispatchIn,
    InvalidTicketData,
    TicketId,
    problems,
)
from dispatch.documents import iso
from dispatch.models import Decision, DecisionStatus, Ticket

TOKEN_USE_RESOLUTION = timedelta(minutes=1)  # how precisely a token's last use is recorded


class BearerToken(HttpBearer):
    def __call__(self, request: HttpRequest) -> Any:
        # ninja's own __call__ logs a header with another scheme in full when DEBUG is on.
        scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        if len(token) > 200 or not token.isascii() or "\x00" in token:
            return None
        row = ApiToken.objects.select_related("user").filter(token_hash=hash_token(token), revoked=False).first()
        if row is None or not row.user.is_active:
            return None
        now = timezone.now()
        if row.last_used_at is None or now - row.last_used_at > TOKEN_USE_RESOLUTION:  # not a write per call
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        return row.user


api = NinjaAPI(
    title="Switchboard dispatch API",
    version="1",
    description=(
        "Ranked, explained technician assignment for MSP tickets (contracts/dispatch-api.md). "
        "Every error answers `{success: false, error_details: {type, code, message}}`; malformed "
        "input is 400 INVALID_TICKET_DATA with `error_details.fields` naming each bad field."
    ),
    auth=BearerToken(),
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
)


# ---------------------------------------------------------------- the error document


class ErrorDetails(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    code: str = Field(..., examples=["INVALID_TICKET_DATA"])
    message: str
    fields: list[str] | None = Field(None, description="INVALID_TICKET_DATA: one `field: problem` per bad field")
    timestamp: str | None = None


class ErrorOut(Schema):
    success: bool = False
    error_details: ErrorDetails


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


def error(status: int, code: str, message: str, **extra: Any) -> JsonResponse:
    body = {
        "success": False,
        "error_details": {"type": "REQUEST_FAILED", "code": code, "message": message,
                          "timestamp": iso(timezone.now()), **extra},
    }  # fmt: skip
    return JsonResponse(body, status=status)


def invalid(found: list[str], status: int = 400) -> JsonResponse:
    response = error(status, "INVALID_TICKET_DATA", "; ".join(found), fields=found)
    return response


@api.exception_handler(InvalidTicketData)
def invalid_ticket_data(request: HttpRequest, exc: InvalidTicketData) -> HttpResponse:
    return invalid(exc.problems)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """ninja's 422 list -> the contract's 400 naming each field. ninja prefixes each location with
    where the value came from (body, path) and, for a body, the view's parameter name."""
    errors = []
    for e in exc.errors:
        loc = tuple(e.get("loc") or ())
        if loc[:1] == ("body",):
            loc = loc[2:]
        elif loc[:1] in (("path",), ("query",)):
            loc = loc[1:]
        errors.append({**e, "loc": loc})
    return invalid(problems(errors))


@api.exception_handler(ApiError)
def api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return error(exc.status, exc.code, exc.message, **exc.extra)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, AuthenticationError):
        return error(401, "UNAUTHORIZED", "Authorization: a valid `Bearer <token>` header is required")
    if exc.status_code == 400:  # ninja could not parse the body (not JSON, nested too deep)
        return invalid(["body: not valid JSON"])
    return error(exc.status_code, "REQUEST_FAILED", str(exc))


@api.exception_handler(RequestDataTooBig)
def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return invalid([f"body: larger than the {limit} bytes allowed"], status=413)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error(404, "NOT_FOUND", "path: no such API call")


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


@api.exception_handler(services.SuggestionChanged)
def suggestion_changed(request: HttpRequest, exc: services.SuggestionChanged) -> HttpResponse:
    new = exc.new
    return error(
        409,
        "SUGGESTION_CHANGED",
        str(exc),
        decision_id=new.pk,
        recommended_technician=new.recommended.external_id if new.recommended else None,
    )


@api.exception_handler(services.ApprovalError)
def approval_error(request: HttpRequest, exc: services.ApprovalError) -> HttpResponse:
    return error(409 if getattr(exc, "status", 400) == 409 else 400, exc.code, str(exc))


def _role_check(request: HttpRequest) -> None:
    if not getattr(request.user, "is_dispatcher", False):
        raise ApiError(403, "FORBIDDEN", "This call needs the dispatcher or manager role")


def _ticket(external_id: str) -> Ticket | None:
    return Ticket.objects.filter(external_id=external_id).order_by("connection_id").first()


# ---------------------------------------------------------------- documented responses


class DocumentOut(BaseModel):  # not ninja's Schema: its getter would drop the undeclared keys
    """The decision document (contracts/dispatch-api.md "Success"); every key is kept."""

    model_config = ConfigDict(extra="allow")
    success: bool
    ticket_id: str | None = None
    dispatching_results: dict[str, Any] | None = None
    audit_trail: dict[str, Any] | None = None


class CandidatesOut(Schema):
    ticket_id: str
    decision_id: int
    status: str
    recommended_technician: str | None
    assigned_technician: str | None
    confidence: Any = None
    rules_applied: list[Any]
    candidates: list[dict[str, Any]]


class BatchOut(Schema):
    success: bool
    count: int
    results: list[dict[str, Any]]


class ClassifyAlternative(Schema):
    category: str
    confidence: float


class ClassifyOut(Schema):
    category: str
    confidence: float
    alternatives: list[ClassifyAlternative]


ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 413: ErrorOut}
TicketPath = Annotated[TicketId, Path(description="The PSA ticket id", examples=["12345"])]  # type: ignore[valid-type]
DecisionPath = Annotated[int, Path(ge=1, le=2**63 - 1)]


# ---------------------------------------------------------------- calls


@api.post("/dispatch", response={200: DocumentOut, 409: ErrorOut, **ERRORS}, summary="Dispatch one ticket")
def dispatch_ticket(request: HttpRequest, body: DispatchIn) -> Any:
    _role_check(request)
    decision = services.dispatch_from_request(body.to_request(), initiated_by=f"api:{request.user}")
    return services.decision_document(decision)


@api.get(
    "/tickets/{ticket_id}/candidates",
    response={200: CandidatesOut, 404: ErrorOut, **ERRORS},
    summary="Ranked candidates, as the queue shows them",
)
def ticket_candidates(request: HttpRequest, ticket_id: TicketPath) -> Any:
    _role_check(request)
    ticket = _ticket(ticket_id)
    if ticket is None:
        raise ApiError(404, "NOT_FOUND", f"ticket_id: no ticket {ticket_id!r}")
    decision = services.latest_decision(ticket)
    stale = ticket.assigned_to_id is None and selectors.decision_stale(decision)
    if decision is None or decision.status == DecisionStatus.SUPERSEDED or stale:
        # facts changed since (time off, a shift, workload): never answer with a stale suggestion
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


@api.post(
    "/tickets/{ticket_id}/approve",
    response={200: DocumentOut, 404: ErrorOut, 409: ErrorOut, **ERRORS},
    summary="Approve or override",
)
def ticket_approve(request: HttpRequest, ticket_id: TicketPath, body: ApproveIn) -> Any:
    _role_check(request)
    ticket = _ticket(ticket_id)
    if ticket is None:
        raise ApiError(404, "NOT_FOUND", f"ticket_id: no ticket {ticket_id!r}")
    decision = services.decision_approve(
        ticket=ticket, user=request.user, technician_id=body.technician_id, reason=body.reason or "",
        assign_anyway=body.assign_anyway,
    )  # fmt: skip
    return services.decision_document(decision)


@api.post(
    "/dispatch/batch",
    response={200: BatchOut, **ERRORS},
    summary="Dispatch the whole unassigned queue (the body is optional)",
)
def dispatch_batch(request: HttpRequest, body: Annotated[BatchIn | None, Body()] = None) -> Any:
    _role_check(request)
    from dispatch.batch import batch_dispatch

    options = body or BatchIn()
    results = batch_dispatch(mode=options.mode, optimise=options.optimise, initiated_by=f"api:{request.user}")
    return {"success": True, "count": len(results), "results": results}


@api.get(
    "/decisions/{decision_id}",
    response={200: DocumentOut, 404: ErrorOut, **ERRORS},
    summary="A stored decision with its audit trail",
)
def decision_detail(request: HttpRequest, decision_id: DecisionPath) -> Any:
    _role_check(request)
    decision = Decision.objects.select_related("decided_by").filter(pk=decision_id).first()
    if decision is None:
        raise ApiError(404, "NOT_FOUND", f"decision_id: no decision {decision_id}")
    return services.decision_document(decision)


@api.post(
    "/classify",
    response={200: ClassifyOut, 409: ErrorOut, **ERRORS},
    summary="Predict a ticket's category from its text",
)
def classify(request: HttpRequest, body: ClassifyIn) -> Any:
    _role_check(request)
    from dispatch.learning.classifier import ModelNotTrained
    from dispatch.learning.classifier import classify as classify_text

    try:
        prediction = classify_text(body.subject or "", body.description or "")
    except ModelNotTrained:
        raise ApiError(409, "MODEL_NOT_TRAINED", "No category model yet: run `python manage.py train_models`") from None
    return {
        "category": prediction.category,
        "confidence": round(prediction.confidence, 4),
        "alternatives": [{"category": c, "confidence": round(p, 4)} for c, p in prediction.alternatives],
    }


def api_not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other path under /api/v1/ (config/urls.py): the error document, not an HTML page."""
    return error(404, "NOT_FOUND", f"path: no API call at /api/v1/{rest[:100]}")


# PSA webhooks live with the PSA app; they are signature-checked instead of token-checked.
api.add_router("/psa", "psa.api.router")
