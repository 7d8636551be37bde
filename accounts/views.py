"""Role checks for every page: anonymous users go to the login page, a signed-in user
without the role gets 403. Views are plain functions wrapped in one of these, placed above
`require_GET`/`require_POST` so that the role is checked before the method: a wrong role gets
403 (and an anonymous user the login page) whatever the method, and only a user allowed on
the view learns which methods it accepts (405)."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from accounts.models import User

View = Callable[..., HttpResponse]


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _role_required(check: Callable[[Any], bool]) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                htmx = getattr(request, "htmx", None)
                if htmx:
                    # A poll or partial after the session expired: send the whole page to the
                    # login form (and back to that page afterwards) instead of swapping the
                    # login form into a fragment of it.
                    back = htmx.current_url_abs_path or request.get_full_path()
                    return HttpResponseClientRedirect(redirect_to_login(back)["Location"])
                return redirect_to_login(request.get_full_path())
            if not check(request.user):
                raise PermissionDenied("Your role cannot use this page.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _is_dispatcher(user: Any) -> bool:
    return bool(user.is_dispatcher)


def _is_manager(user: Any) -> bool:
    return bool(user.is_manager)


# Dispatchers and managers: the queue, decisions, metrics.
dispatcher_required = _role_required(_is_dispatcher)
# Managers (and admins): skills, schedules, rules, settings, auto-assign, workspace files.
manager_required = _role_required(_is_manager)


# ---------------------------------------------------------------- preferences


class PreferencesForm(forms.Form):
    time_zone = forms.ChoiceField(
        required=False,
        label="Show times in",
        help_text="Empty: this browser's time zone (else the desk's).",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zones = sorted(zoneinfo.available_timezones())
        cast(forms.ChoiceField, self.fields["time_zone"]).choices = [("", "This browser's time zone")] + [
            (z, z) for z in zones
        ]


@dispatcher_required
@require_http_methods(["GET", "POST"])
def preferences(request: HtmxHttpRequest) -> HttpResponse:
    """The signed-in user's display time zone (accounts.timezones); a bad value is a 422 naming it."""
    user = cast(User, request.user)
    form = PreferencesForm(request.POST or None, initial={"time_zone": user.time_zone})
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "accounts/preferences.html", {"form": form}, status=422)
        user.time_zone = form.cleaned_data["time_zone"]
        user.save(update_fields=["time_zone"])
        messages.success(request, f"Times are shown in {user.time_zone or 'this browser’s time zone'}.")
        return redirect("accounts:preferences")
    return render(request, "accounts/preferences.html", {"form": form})
