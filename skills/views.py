"""Managers' pages for people: the skills matrix (levels edited per cell) and the week
calendar of shifts, time off and on-call."""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.views import HtmxHttpRequest, manager_required
from dispatch.forms import WorkspaceUploadForm
from skills.forms import LevelForm, OnCallForm, TimeOffForm
from skills.models import OnCall, Shift, Skill, Technician, TechnicianSkill, TimeOff

# ---------------------------------------------------------------- skills matrix


LEVEL_CHOICES = cast(list[tuple[str, str]], cast(forms.ChoiceField, LevelForm.base_fields["level"]).choices)
CELL = re.compile(r"^c-(\d+)-(\d+)$")  # one cell's field: c-<technician pk>-<skill pk>


def matrix_context(group: str | None = None) -> dict[str, Any]:
    """Technicians × skills (of one skill group, or all) with each cell's level; four queries.
    One form for the whole table: a cell is a bare <select name="c-<tech>-<skill>">, saved on
    change by static/js/matrix.js through `level_set`, or all at once without JavaScript."""
    all_groups = sorted({g for g in Skill.objects.values_list("group", flat=True)})
    skills_qs = Skill.objects.order_by("group", "name")
    if group is not None:
        skills_qs = skills_qs.filter(group=group)
    skills = list(skills_qs)
    techs = list(Technician.objects.filter(active=True).order_by("name"))
    levels = {
        (tech_id, skill_id): level
        for tech_id, skill_id, level in TechnicianSkill.objects.filter(skill__in=skills).values_list(
            "technician_id", "skill_id", "level"
        )
    }
    groups: list[tuple[str, int]] = []
    for skill in skills:
        if groups and groups[-1][0] == skill.group:
            groups[-1] = (skill.group, groups[-1][1] + 1)
        else:
            groups.append((skill.group, 1))
    grid = [(tech, [(skill, levels.get((tech.pk, skill.pk), "")) for skill in skills]) for tech in techs]
    rows = [(tech, mark_safe("".join(_cell(tech.pk, skill.pk, level) for skill, level in cells))) for tech, cells in grid]
    return {
        "skills": skills,
        "groups": groups,
        "rows": rows,
        "all_groups": all_groups,
        "group": group,
        "level_choices": LEVEL_CHOICES,
        "upload_form": WorkspaceUploadForm(),
    }


_OPTIONS = {
    level: "".join(
        f'<option value="{value}"{" selected" if value == level else ""}>{label[:1] if value else "·"}</option>'
        for value, label in LEVEL_CHOICES
    )
    for level, _ in LEVEL_CHOICES
}


def _cell(tech_pk: int, skill_pk: int, level: str, saved: bool = False) -> str:
    """One cell's markup (the matrix.html#cell partial renders the same): built here, as 690 of
    them through the template language take most of the page's time. Only integers and the
    fixed level values go in."""
    return (
        f'<td class="cell lvl-{level or "none"}{" is-saved" if saved else ""}" id="cell-{tech_pk}-{skill_pk}">'
        f'<select name="c-{tech_pk}-{skill_pk}" aria-labelledby="t{tech_pk} s{skill_pk}">{_OPTIONS[level]}</select></td>'
    )


@manager_required
@require_http_methods(["GET", "POST"])
def matrix(request: HtmxHttpRequest) -> HttpResponse:
    """GET the table (`?group=` one skill group); POST the whole form (without JavaScript): the
    cells whose level changed are saved, in one transaction; an unknown level is a 400 naming the
    cell, and nothing changes."""
    raw = request.GET.get("group") or None  # empty: all groups; "-": skills without a group
    group = "" if raw == "-" else raw
    if request.method == "POST":
        return _matrix_save(request)
    return render(request, "skills/matrix.html", matrix_context(group))


def _matrix_save(request: HtmxHttpRequest) -> HttpResponse:
    wanted: dict[tuple[int, int], str] = {}
    valid = {value for value, _ in LEVEL_CHOICES}
    for key in request.POST:
        value = request.POST.get(key, "")
        match = CELL.match(key)
        if not match:
            continue
        if value not in valid:
            return HttpResponse(f"{key}: unknown level {value!r}", status=400, content_type="text/plain")
        wanted[(int(match[1]), int(match[2]))] = value
    techs = set(Technician.objects.filter(pk__in={t for t, _ in wanted}).values_list("pk", flat=True))
    skills = set(Skill.objects.filter(pk__in={s for _, s in wanted}).values_list("pk", flat=True))
    unknown = next((f"c-{t}-{s}" for t, s in wanted if t not in techs or s not in skills), None)
    if unknown:
        return HttpResponse(f"{unknown}: no such technician or skill", status=400, content_type="text/plain")
    current = {
        (t, s): level
        for t, s, level in TechnicianSkill.objects.filter(technician__in=techs, skill__in=skills).values_list(
            "technician_id", "skill_id", "level"
        )
    }
    changed = 0
    with transaction.atomic():
        for (t, s), level in wanted.items():
            if current.get((t, s), "") == level:
                continue
            changed += 1
            if level:
                TechnicianSkill.objects.update_or_create(technician_id=t, skill_id=s, defaults={"level": level})
            else:
                TechnicianSkill.objects.filter(technician_id=t, skill_id=s).delete()
    messages.success(request, f"{changed} cell{'s' if changed != 1 else ''} saved.")
    back = reverse("skills:matrix")
    group = request.POST.get("group") or ""
    return redirect(f"{back}?{urlencode({'group': group})}" if group else back)


@manager_required
@require_POST
def level_set(request: HtmxHttpRequest, technician_id: int, skill_id: int) -> HttpResponse:
    """Set one cell: a level creates or updates the TechnicianSkill, empty deletes it."""
    tech = get_object_or_404(Technician, pk=technician_id)
    skill = get_object_or_404(Skill, pk=skill_id)
    form = LevelForm(request.POST)
    if not form.is_valid():
        return HttpResponse("Unknown level", status=400)
    level = form.cleaned_data["level"]
    if level:
        TechnicianSkill.objects.update_or_create(technician=tech, skill=skill, defaults={"level": level})
    else:
        TechnicianSkill.objects.filter(technician=tech, skill=skill).delete()
    if not request.htmx:
        messages.success(request, f"{tech.name}: {skill.name} {level or 'removed'}")
        return redirect("skills:matrix")
    context = {"tech": tech, "skill": skill, "level": level, "level_choices": LEVEL_CHOICES, "saved": True}
    return render(request, "skills/matrix.html#cell", context)


# ---------------------------------------------------------------- schedules


@dataclass
class Block:
    kind: str  # shift | timeoff | oncall
    start: float  # percent of the day
    width: float
    label: str
    title: str
    pk: int | None = None


@dataclass
class DayCell:
    day: date
    blocks: list[Block] = field(default_factory=list)

    @property
    def off(self) -> bool:
        return any(b.kind == "timeoff" and b.width >= 99.9 for b in self.blocks)


def _pct(t: time) -> float:
    return round((t.hour * 60 + t.minute) / 14.4, 2)


def week_start(raw: str | None, today: date) -> date:
    try:
        day = date.fromisoformat(raw) if raw else today
    except ValueError:
        day = today
    return day - timedelta(days=day.weekday())


def _shift_blocks(shifts: list[Shift], day: date) -> list[Block]:
    blocks = []
    for s in shifts:
        label = f"{s.start:%H:%M}–{s.end:%H:%M}"
        if s.weekday == day.weekday():
            end = 100.0 if s.crosses_midnight else _pct(s.end)
            blocks.append(
                Block("shift", _pct(s.start), round(end - _pct(s.start), 2), label, f"Shift {label}")
            )
        if s.crosses_midnight and s.weekday == (day.weekday() - 1) % 7:
            # the part of yesterday's overnight shift that runs into today
            blocks.append(
                Block("shift", 0.0, _pct(s.end), f"…{s.end:%H:%M}", f"Shift {label} (from the day before)")
            )
    return blocks


def _interval_blocks(kind: str, items: list[Any], day: date, tz: zoneinfo.ZoneInfo) -> list[Block]:
    day_start = datetime.combine(day, time.min, tzinfo=tz)
    day_end = day_start + timedelta(days=1)
    blocks = []
    for item in items:
        start, end = max(item.start, day_start), min(item.end, day_end)
        if end <= start:
            continue
        left = (start - day_start).total_seconds() / 864
        width = (end - start).total_seconds() / 864
        local = f"{item.start.astimezone(tz):%a %d %b %H:%M} → {item.end.astimezone(tz):%a %d %b %H:%M}"
        reason = getattr(item, "reason", "") or ""
        label = "Time off" if kind == "timeoff" else "On call"
        blocks.append(
            Block(
                kind,
                round(left, 2),
                round(width, 2),
                f"{label}{': ' + reason if reason else ''}",
                f"{label} {local} {reason}".strip(),
                item.pk,
            )
        )
    return blocks


def week_grid(monday: date) -> list[tuple[Technician, list[DayCell]]]:
    """Every active technician's week in their own time zone; four queries."""
    sunday_end = monday + timedelta(days=8)  # one day of slack for time zones
    window_start = datetime.combine(monday - timedelta(days=1), time.min, tzinfo=zoneinfo.ZoneInfo("UTC"))
    window_end = datetime.combine(sunday_end, time.min, tzinfo=zoneinfo.ZoneInfo("UTC"))
    techs = (
        Technician.objects.filter(active=True)
        .order_by("name")
        .prefetch_related(
            "shifts",
            Prefetch("time_off", queryset=TimeOff.objects.filter(end__gt=window_start, start__lt=window_end)),
            Prefetch("on_call", queryset=OnCall.objects.filter(end__gt=window_start, start__lt=window_end)),
        )
    )
    rows = []
    for tech in techs:
        tz = zoneinfo.ZoneInfo(tech.timezone)
        shifts, off, on_call = list(tech.shifts.all()), list(tech.time_off.all()), list(tech.on_call.all())
        cells = []
        for i in range(7):
            day = monday + timedelta(days=i)
            blocks = (
                _shift_blocks(shifts, day)
                + _interval_blocks("oncall", on_call, day, tz)
                + _interval_blocks("timeoff", off, day, tz)
            )
            cells.append(DayCell(day, blocks))
        rows.append((tech, cells))
    return rows


def _schedule_context(monday: date, **extra: Any) -> dict[str, Any]:
    window_start = datetime.combine(monday, time.min, tzinfo=zoneinfo.ZoneInfo("UTC")) - timedelta(days=1)
    window_end = window_start + timedelta(days=9)
    period = {"end__gt": window_start, "start__lt": window_end}
    return {
        "monday": monday,
        "days": [monday + timedelta(days=i) for i in range(7)],
        "prev_week": monday - timedelta(days=7),
        "next_week": monday + timedelta(days=7),
        "this_week": week_start(None, timezone.localdate()),
        "today": timezone.localdate(),
        "grid": week_grid(monday),
        "time_off": TimeOff.objects.filter(**period).select_related("technician"),
        "on_call": OnCall.objects.filter(**period).select_related("technician"),
        "timeoff_form": extra.pop("timeoff_form", None) or TimeOffForm(prefix="to"),
        "oncall_form": extra.pop("oncall_form", None) or OnCallForm(prefix="oc"),
        **extra,
    }


@manager_required
@require_GET
def schedules(request: HtmxHttpRequest) -> HttpResponse:
    monday = week_start(request.GET.get("week"), timezone.localdate())
    return render(request, "skills/schedules.html", _schedule_context(monday))


def _back_to_week(request: HtmxHttpRequest) -> HttpResponse:
    monday = week_start(request.POST.get("week"), timezone.localdate())
    return redirect(f"{reverse('skills:schedules')}?week={monday.isoformat()}")


def _create_period(request: HtmxHttpRequest, form_class: type, prefix: str, what: str) -> HttpResponse:
    form = form_class(request.POST, prefix=prefix)
    if form.is_valid():
        item = form.save()
        messages.success(request, f"{what} added for {item.technician.name}.")
        return _back_to_week(request)
    monday = week_start(request.POST.get("week"), timezone.localdate())
    key = "timeoff_form" if prefix == "to" else "oncall_form"
    return render(request, "skills/schedules.html", _schedule_context(monday, **{key: form}), status=422)


@manager_required
@require_POST
def timeoff_create(request: HtmxHttpRequest) -> HttpResponse:
    return _create_period(request, TimeOffForm, "to", "Time off")


@manager_required
@require_POST
def oncall_create(request: HtmxHttpRequest) -> HttpResponse:
    return _create_period(request, OnCallForm, "oc", "On-call period")


@manager_required
@require_POST
def timeoff_delete(request: HtmxHttpRequest, timeoff_id: int) -> HttpResponse:
    item = get_object_or_404(TimeOff.objects.select_related("technician"), pk=timeoff_id)
    item.delete()
    messages.success(request, f"Time off of {item.technician.name} deleted.")
    return _back_to_week(request)


@manager_required
@require_POST
def oncall_delete(request: HtmxHttpRequest, oncall_id: int) -> HttpResponse:
    item = get_object_or_404(OnCall.objects.select_related("technician"), pk=oncall_id)
    item.delete()
    messages.success(request, f"On-call period of {item.technician.name} deleted.")
    return _back_to_week(request)
