"""The one zone pages show times in: the viewer's. Their preference (`User.time_zone`) when
set, else the browser's zone (the `tz` cookie static/js/app.js sets), else the desk's
(business hours' zone in the settings), else UTC. The middleware activates it for the request,
so `{{ value|when }}` and Django's date formatting use it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

COOKIE = "tz"
DESK_ZONE_KEY = "desk-zone"
DESK_ZONE_SECONDS = 60  # a settings change reaches the pages within a minute


def zone_or_none(name: str | None) -> ZoneInfo | None:
    if not name or len(name) > 64:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def desk_zone_name() -> str:
    """The desk's zone (the business hours' zone in the settings), cached for a minute."""
    name = cache.get(DESK_ZONE_KEY)
    if name is None:
        from dispatch.models import DispatchSettings

        name = str((DispatchSettings.load().business_hours or {}).get("timezone") or "UTC")
        cache.set(DESK_ZONE_KEY, name, DESK_ZONE_SECONDS)
    return str(name)


def viewer_zone(request: HttpRequest) -> tzinfo:
    user = getattr(request, "user", None)
    preferred = getattr(user, "time_zone", "") if user is not None and user.is_authenticated else ""
    return (
        zone_or_none(preferred)
        or zone_or_none(request.COOKIES.get(COOKIE))
        or zone_or_none(desk_zone_name())
        or UTC
    )


class ViewerTimeZoneMiddleware:
    """Activates the viewer's zone for the request (after AuthenticationMiddleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):  # JSON with ISO UTC times: no zone to look up
            return self.get_response(request)
        timezone.activate(viewer_zone(request))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
