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
from dispatch.learning.weightreview import apply_weight_fit, set_auto_apply, weight_proposal
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
    return render(request, "dispatch/learned.html", _page())


def _page(**extra: Any) -> dict[str, Any]:
    rows = work_pattern_rows()
    return {
        "rows": rows,
        "default": rows[0].default if rows else None,
        "proposal": weight_proposal(),
        **extra,
    }


WEIGHT_ACTIONS = {
    "apply": "fitted weights applied",
    "auto_on": "fitted weights will be applied after each training",
    "auto_off": "fitted weights will wait for you after each training",
}


@manager_required
@require_POST
def learned_weights(request: HtmxHttpRequest) -> HttpResponse:
    """Apply the active model version's fitted weights, or opt in or out of applying them after
    each training. 400 naming the field (action, version) on bad input."""
    action = request.POST.get("action", "")
    try:
        if action == "apply":
            apply_weight_fit(version=request.POST.get("version"))
        elif action in ("auto_on", "auto_off"):
            set_auto_apply(action == "auto_on")
        else:
            raise ReviewError("action", f"unknown action {action!r}: apply, auto_on or auto_off")
    except ReviewError as exc:
        return render(
            request, "dispatch/learned.html", _page(weights_refused=f"{exc.field}: {exc.message}"), status=400
        )
    messages.success(request, f"{WEIGHT_ACTIONS[action].capitalize()}.")
    return redirect("dispatch:learned")


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
        return render(
            request, "dispatch/learned.html", _page(refused=refused, refused_for=tech.pk), status=400
        )
    (row,) = work_pattern_rows(tech.pk)
    context = {"row": row, "saved": saved, "refused": refused, "refused_for": tech.pk}
    return render(request, "dispatch/learned.html#row", context, status=400 if refused else 200)
