"""Managers' page of what history taught about each technician: learned capacity and working
hours, each confirmed, overridden or set aside (dispatch/learning/review.py)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.views import HtmxHttpRequest, manager_required
from dispatch.learning.review import ReviewError, work_pattern_review, work_pattern_rows
from skills.models import Technician

SAVED = {
    "confirm_capacity": "learned capacity confirmed",
    "set_capacity": "capacity set",
    "clear_capacity": "capacity back to the learned value or the desk default",
    "confirm_hours": "learned working hours confirmed",
    "ignore_hours": "learned working hours set aside",
    "reset_hours": "working hours back to the learned ones",
}


@manager_required
@require_GET
def learned(request: HtmxHttpRequest) -> HttpResponse:
    rows = work_pattern_rows()
    return render(
        request, "dispatch/learned.html", {"rows": rows, "default": rows[0].default if rows else None}
    )


@manager_required
@require_POST
def learned_review(request: HtmxHttpRequest, technician_id: int) -> HttpResponse:
    tech = get_object_or_404(Technician, pk=technician_id)
    action = request.POST.get("action", "")
    try:
        work_pattern_review(
            technician=tech, user=request.user, action=action, capacity=request.POST.get("capacity")
        )
    except ReviewError as exc:
        refused, saved = f"{exc.field}: {exc.message}", ""
    else:
        refused, saved = "", SAVED[action]
    if not request.htmx:
        if not refused:
            messages.success(request, f"{tech.name}: {saved}.")
            return redirect("dispatch:learned")
        rows = work_pattern_rows()
        context: dict[str, Any] = {
            "rows": rows,
            "default": rows[0].default if rows else None,
            "refused": refused,
            "refused_for": tech.pk,
        }
        return render(request, "dispatch/learned.html", context, status=400)
    (row,) = work_pattern_rows(tech.pk)
    context = {"row": row, "saved": saved, "refused": refused, "refused_for": tech.pk}
    return render(request, "dispatch/learned.html#row", context, status=400 if refused else 200)
