"""Managers' review of the learned capacity and working hours (dispatch.models.LearnedWorkPattern):
the page's rows (a selector) and confirm / override / set aside (one service)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count
from django.utils import timezone

from dispatch.models import DispatchSettings, LearnedWorkPattern
from dispatch.snapshot import facts_changed
from skills.models import Technician

from .workpattern import LearnedHours, effective_capacity, fallback_hours

ACTIONS = (
    "confirm_capacity",
    "set_capacity",
    "clear_capacity",
    "confirm_hours",
    "ignore_hours",
    "reset_hours",
)
MAX_CAPACITY = 500
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class ReviewError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def days_label(days: tuple[int, ...] | list[int]) -> str:
    """ "Mon–Fri", "Mon–Wed, Sat", "every day"."""
    days = sorted(set(days))
    if len(days) == 7:
        return "every day"
    runs: list[list[int]] = []
    for d in days:
        if runs and d == runs[-1][-1] + 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    return ", ".join(
        DAY_NAMES[r[0]] if len(r) == 1 else f"{DAY_NAMES[r[0]]}–{DAY_NAMES[r[-1]]}" for r in runs
    )


def hours_label(hours: LearnedHours | None) -> str:
    if hours is None:
        return ""
    return f"{days_label(hours.days)} {hours.start:%H:%M}–{hours.end:%H:%M}"


@dataclass
class PatternRow:
    technician: Technician
    pattern: LearnedWorkPattern | None
    has_schedule: bool
    default: int

    @property
    def stated(self) -> int | None:
        return self.technician.max_active_tickets

    @property
    def learned_hours(self) -> LearnedHours | None:
        return LearnedHours.from_json(self.pattern.hours) if self.pattern else None

    @property
    def learned_hours_label(self) -> str:
        return hours_label(self.learned_hours)

    @property
    def confirmed_hours(self) -> LearnedHours | None:
        return LearnedHours.from_json(self.pattern.hours_confirmed) if self.pattern else None

    @property
    def capacity_in_use(self) -> int:
        p = self.pattern
        chosen = effective_capacity(
            self.stated, p.capacity_confirmed if p else None, p.capacity if p else None, self.default
        )
        return chosen or self.default

    @property
    def capacity_source(self) -> str:
        p = self.pattern
        if self.stated:
            return "stated"
        if p and p.capacity_confirmed:
            return "confirmed" if p.capacity_confirmed == p.capacity else "set by a manager"
        if p and p.capacity is not None and p.capacity > self.default:
            return "learned"
        return "desk default"

    @property
    def hours_in_use(self) -> str:
        """What the ranking uses for the technician's working hours, in words."""
        if self.has_schedule:
            return "their schedule"
        p = self.pattern
        hours = fallback_hours(p.hours, p.hours_confirmed, p.hours_ignored) if p else None
        if hours is None:
            return "all hours (no schedule)"
        return f"{hours_label(hours)} (confirmed)"


def work_pattern_rows(technician_id: int | None = None) -> list[PatternRow]:
    """Every active technician (or the one asked for) with their learned values; two queries."""
    techs = Technician.objects.select_related("work_pattern").annotate(shift_count=Count("shifts"))
    techs = techs.filter(pk=technician_id) if technician_id is not None else techs.filter(active=True)
    default = DispatchSettings.load().max_tickets_per_technician
    return [
        PatternRow(t, getattr(t, "work_pattern", None), bool(t.shift_count), default)  # type: ignore[attr-defined]
        for t in techs.order_by("name")
    ]


def work_pattern_review(
    *, technician: Technician, user: Any, action: str, capacity: str | None = None
) -> LearnedWorkPattern:
    """Apply a manager's decision on a technician's learned values. Raises ReviewError naming the
    field (action or capacity) on bad input; announces the change of facts."""
    if action not in ACTIONS:
        raise ReviewError("action", f"unknown action {action!r}")
    pattern, _ = LearnedWorkPattern.objects.get_or_create(technician=technician)
    if action == "confirm_capacity":
        if pattern.capacity is None:
            raise ReviewError("action", "nothing learned to confirm: too little history")
        pattern.capacity_confirmed = pattern.capacity
    elif action == "set_capacity":
        pattern.capacity_confirmed = _capacity(capacity)
    elif action == "clear_capacity":
        pattern.capacity_confirmed = None
    elif action == "confirm_hours":
        if not pattern.hours:
            raise ReviewError("action", "no working hours learned to confirm")
        pattern.hours_confirmed, pattern.hours_ignored = pattern.hours, False
    elif action == "ignore_hours":
        pattern.hours_confirmed, pattern.hours_ignored = None, True
    else:
        pattern.hours_confirmed, pattern.hours_ignored = None, False
    pattern.reviewed_by = user if getattr(user, "pk", None) else None
    pattern.reviewed_at = timezone.now()
    pattern.save()
    facts_changed("learned capacity or hours reviewed", people=True, technicians=(technician.pk,))
    return pattern


def _capacity(raw: str | None) -> int:
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        raise ReviewError("capacity", "capacity must be a whole number of tickets") from None
    if not 1 <= value <= MAX_CAPACITY:
        raise ReviewError("capacity", f"capacity must be between 1 and {MAX_CAPACITY}")
    return value
