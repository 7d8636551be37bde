"""The engine's reasons with their times in the viewer's zone.

The engine writes a moment in the zone it belongs to ("Off shift until Wed 08:00 CST": the
technician's own; "business hours resume Mon 08:00 EST": the desk's), and the stored text stays
as written (it is what the API returns). Pages show it in the viewer's zone, with the zone it was
written in labelled when that shows another wall-clock time, as `when_local` does elsewhere:
"Off shift until <time>Wed 25 Nov 15:00 CET</time> (08:00 CST local)".

Where a moment comes from:
- a candidate row's `times` (`explain.candidate_times`: text, ISO UTC instant and zone as the
  engine wrote them), on every candidate stored or shown since they were recorded;
- otherwise (candidates stored before, the failure's blocking factors and recommended actions,
  the waiting reason, whose stored shapes are fixed by the API contract) the text is read back:
  a time in `format_local`'s form is tried in the zones that could have written it (the
  technician's, the desk's) at the decision's time, and used only when writing that instant in
  that zone gives back exactly the same text, and only one instant does. Anything else is shown
  as written."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.core.cache import cache
from django.utils.dateparse import parse_datetime
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from accounts.templatetags.times import local_text, when, when_text
from accounts.timezones import desk_zone_name, zone_or_none
from dispatch.engine.availability import format_local

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# format_local: "Wed 08:00 EST", or "Wed 02 Dec 08:00 EST" more than six days ahead; zones
# without an abbreviation write their offset ("+03", "+0530").
WRITTEN = re.compile(
    r"\b(?P<day>Mon|Tue|Wed|Thu|Fri|Sat|Sun)(?: (?P<dom>\d{2}) (?P<month>[A-Z][a-z]{2}))?"
    r" (?P<hh>\d{2}):(?P<mm>\d{2}) (?P<abbr>[A-Z][A-Za-z]{1,5}|[+-]\d{2}(?:\d{2})?)(?![\w:])"
)
ZONES_KEY = "technician-zones"
ZONES_SECONDS = 60
SLACK = timedelta(minutes=5)  # the decision's recorded time may follow the engine's clock a little


@dataclass(frozen=True)
class Moment:
    text: str  # as written in the reason
    at: datetime  # UTC
    zone: str  # the zone it was written in
    label: str = "local"  # how the written zone's time is named: "local" (a technician's), "desk time"


def stored(row: dict[str, Any]) -> list[Moment]:
    """The moments a candidate row records (`times`), skipping anything malformed."""
    out = []
    for item in row.get("times") or ():
        if not isinstance(item, dict):
            continue
        at = parse_datetime(str(item.get("at") or ""))
        text, zone = str(item.get("text") or ""), str(item.get("zone") or "")
        if text and at is not None and zone_or_none(zone) is not None:
            out.append(Moment(text, at if at.tzinfo else at.replace(tzinfo=UTC), zone))
    return out


def _instants(m: re.Match[str], zone_name: str, as_of: datetime) -> set[datetime]:
    """The instants at or after `as_of` that `format_local` writes as this text in this zone."""
    zone = zone_or_none(zone_name)
    if zone is None:
        return set()
    local_now = as_of.astimezone(zone)
    clock = time(int(m["hh"]), int(m["mm"]))
    if m["dom"]:
        month = MONTHS.index(m["month"]) + 1
        dates = []
        for year in (local_now.year, local_now.year + 1):
            try:
                dates.append(local_now.date().replace(year=year, month=month, day=int(m["dom"])))
            except ValueError:
                continue
    else:
        dates = [local_now.date() + timedelta(days=k) for k in range(8)]
        dates = [d for d in dates if d.weekday() == DAYS.index(m["day"])]
    found = set()
    for day in dates:
        for fold in (0, 1):
            at = datetime.combine(day, clock, tzinfo=zone).replace(fold=fold).astimezone(UTC)
            if at >= as_of - SLACK and format_local(at, zone_name, as_of) == m[0]:
                found.add(at)
    return found


def read_back(text: str, zones: Iterable[str], as_of: datetime | None, label: str = "local") -> list[Moment]:
    """The moments in `text` that exactly one instant, written in one of `zones` at `as_of`, explains."""
    if as_of is None or not text:
        return []
    zones = list(dict.fromkeys(z for z in zones if z))
    out = []
    for m in WRITTEN.finditer(text):
        found = {(at, z) for z in zones for at in _instants(m, z, as_of)}
        if len({at for at, _ in found}) == 1:
            at, zone = min(found, key=lambda f: zones.index(f[1]))
            out.append(Moment(m[0], at, zone, label))
    return out


def technician_zones() -> dict[str, str]:
    """Every technician's zone by id, cached for a minute (reading back texts stored without times)."""
    zones = cache.get(ZONES_KEY)
    if zones is None:
        from skills.models import Technician

        zones = dict(Technician.objects.values_list("external_id", "timezone"))
        cache.set(ZONES_KEY, zones, ZONES_SECONDS)
    return dict(zones)


def desk_read_back(text: str, as_of: datetime | None) -> list[Moment]:
    """Moments in a decision-level text (blocking factors, actions, the waiting reason): written in
    the desk's zone (business hours, who is next) or a technician's own (who is back when)."""
    if as_of is None or not WRITTEN.search(text or ""):
        return []
    desk = desk_zone_name()
    moments = read_back(text, [desk], as_of, "desk time")
    done = {m.text for m in moments}
    if all(m[0] in done for m in WRITTEN.finditer(text)):
        return moments
    others = [z for z in technician_zones().values() if z != desk]
    return moments + [m for m in read_back(text, others, as_of) if m.text not in done]


def _pattern(moments: list[Moment]) -> re.Pattern[str] | None:
    texts = sorted({m.text for m in moments}, key=len, reverse=True)
    return re.compile("|".join(re.escape(t) for t in texts)) if texts else None


def html(text: str, moments: list[Moment]) -> str:
    """`text` escaped, each moment in it as the viewer's time with the written zone's labelled."""
    pattern = _pattern(moments)
    if pattern is None:
        return text
    by_text = {m.text: m for m in moments}
    out, last = [], 0
    for m in pattern.finditer(text):
        out += [conditional_escape(text[last : m.start()]), _moment_html(by_text[m[0]])]
        last = m.end()
    out.append(conditional_escape(text[last:]))
    return mark_safe("".join(str(part) for part in out))  # noqa: S308 - every part escaped or format_html


def plain(text: str, moments: list[Moment]) -> str:
    """The same for an attribute (a title): plain text."""
    pattern = _pattern(moments)
    if pattern is None:
        return text
    by_text = {m.text: m for m in moments}
    return pattern.sub(lambda m: _moment_text(by_text[m[0]]), text)


def _theirs(m: Moment) -> str:
    """The written zone's time, "" when it reads the same as the viewer's."""
    from django.utils import timezone

    zone = zone_or_none(m.zone)
    if zone is None:
        return ""
    theirs, mine = m.at.astimezone(zone), timezone.localtime(m.at)
    if theirs.utcoffset() == mine.utcoffset() and theirs.tzname() == mine.tzname():
        return ""
    return f"{local_text(m.at, m.zone)} {m.label}"


def _moment_html(m: Moment) -> str:
    theirs = _theirs(m)
    if not theirs:
        return when(m.at)
    return format_html('{} <span class="local-time">({})</span>', when(m.at), theirs)


def _moment_text(m: Moment) -> str:
    theirs = _theirs(m)
    return f"{when_text(m.at)} ({theirs})" if theirs else when_text(m.at)
