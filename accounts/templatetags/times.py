"""Times on pages, one format in the viewer's zone (accounts.timezones):

    {{ value|when }}              <time datetime="…" title="… UTC">Mon 23 Nov 09:08 EST</time>
    {{ value|when_text }}         the same text without the element
    {{ value|when_local:tz }}     the viewer's time, and the technician's own where it differs:
                                  "Wed 25 Nov 08:00 EST (06:00 MST local)"

`value` is an aware datetime or an ISO 8601 string; anything else renders as given. The year is
shown only when it is not the current one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django import template
from django.utils import dateformat, timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html

from accounts.timezones import zone_or_none

register = template.Library()


def _moment(value: Any) -> datetime | None:
    if isinstance(value, str):
        value = parse_datetime(value)
    if not isinstance(value, datetime):
        return None
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)


def when_text(value: Any) -> str:
    """The text of `when`: "Mon 23 Nov 09:08 EST" in the active (viewer's) zone."""
    moment = _moment(value)
    if moment is None:
        return "" if value is None else str(value)
    local = timezone.localtime(moment)
    year = "" if local.year == timezone.localtime().year else " Y"
    return dateformat.format(local, f"D j M{year} H:i T")


def local_text(value: Any, tz: str) -> str:
    """The moment in zone `tz`, "06:00 MST", with the day when it differs from the viewer's."""
    moment, zone = _moment(value), zone_or_none(tz)
    if moment is None or zone is None:
        return ""
    theirs, mine = moment.astimezone(zone), timezone.localtime(moment)
    return dateformat.format(theirs, "H:i T" if theirs.date() == mine.date() else "D H:i T")


@register.filter
def when(value: Any) -> str:
    moment = _moment(value)
    if moment is None:
        return "" if value is None else str(value)
    utc = moment.astimezone(UTC)
    return format_html(
        '<time datetime="{}" title="{} UTC">{}</time>', utc.isoformat(), utc.strftime("%Y-%m-%d %H:%M"), when_text(moment)
    )


register.filter("when_text", when_text)


@register.filter
def when_local(value: Any, tz: str) -> str:
    """`when`, followed by the time in zone `tz` when that zone shows another wall-clock time."""
    moment = _moment(value)
    if moment is None:
        return when(value)
    zone = zone_or_none(tz)
    theirs = moment.astimezone(zone) if zone else None
    mine = timezone.localtime(moment)
    if theirs is None or (theirs.utcoffset() == mine.utcoffset() and theirs.tzname() == mine.tzname()):
        return when(moment)
    return format_html('{} <span class="local-time">({} local)</span>', when(moment), local_text(moment, tz))
