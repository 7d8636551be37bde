"""POST /api/v1/psa/{connection}/webhook: PSA callbacks. No bearer token: each delivery is
checked with its vendor's signature scheme instead (psa.webhooks)."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest, JsonResponse
from ninja import Path, Router, Schema

from psa.webhooks import webhook_receive

router = Router(auth=None, tags=["psa"])


class WebhookOut(Schema):
    success: bool
    received: bool
    duplicate: bool
    event_id: int | None


def _errors() -> dict[int, Any]:
    from dispatch.api import ErrorOut

    return {code: ErrorOut for code in (400, 401, 404, 413, 503)}


ConnectionName = Annotated[str, Path(min_length=1, max_length=50, pattern=r"^[-a-zA-Z0-9_]+$")]


@router.post(
    "/{connection}/webhook",
    summary="A PSA webhook delivery (signature-checked; the body is the vendor's callback JSON)",
    response={200: WebhookOut, **_errors()},
    include_in_schema=True,
)
def psa_webhook(request: HttpRequest, connection: ConnectionName) -> JsonResponse:
    receipt = webhook_receive(connection_name=connection, headers=request.headers, body=request.body)
    if receipt.status >= 400:
        body = {
            "success": False,
            "error_details": {
                "type": "REQUEST_FAILED",
                "code": _code(receipt.status),
                "message": receipt.message,
            },
        }
        return JsonResponse(body, status=receipt.status)
    return JsonResponse(
        {"success": True, "received": True, "duplicate": receipt.duplicate, "event_id": receipt.event_id},
        status=receipt.status,
    )


def _code(status: int) -> str:
    return {401: "INVALID_SIGNATURE", 404: "UNKNOWN_CONNECTION", 503: "CONNECTION_UNUSABLE"}.get(
        status, "INVALID_WEBHOOK"
    )
