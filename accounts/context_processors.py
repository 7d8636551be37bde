from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def roles(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    authenticated = bool(user and user.is_authenticated)
    return {
        "is_manager": authenticated and user.is_manager,  # type: ignore[union-attr]
        "is_dispatcher": authenticated and user.is_dispatcher,  # type: ignore[union-attr]
    }
