"""POST /api/v1/psa/{connection}/webhook: PSA callbacks. No bearer token: each delivery is
checked with its vendor's signature scheme instead (psa.webhooks)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from ninja import Router

from psa.webhooks import webhook_receive

router = Router(auth=None, tags=["psa"])


@router.post(
    "/{connection}/webhook", summary="A PSA webhook delivery (signature-checked)", include_in_schema=True
)
def psa_webhook(request: HttpRequest, connection: str) -> JsonResponse:
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
    return {401: "INVALID_SIGNATURE", 404: "UNKNOWN_CONNECTION"}.get(status, "INVALID_WEBHOOK")
