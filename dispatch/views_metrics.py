"""The metrics page: distribution, time to dispatch, override rate, SLA risk, fairness."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.views import HtmxHttpRequest, dispatcher_required
from dispatch.forms import PeriodForm
from dispatch.metrics import PERIODS, SMALL_N, chart_data, metrics_summary

DEFAULT_DAYS = 30


@dispatcher_required
@require_GET
def metrics(request: HtmxHttpRequest) -> HttpResponse:
    form = PeriodForm(request.GET or None)
    days = (form.cleaned_data.get("days") if form.is_valid() else None) or DEFAULT_DAYS
    summary = metrics_summary(days)
    context = {"summary": summary, "charts": chart_data(summary), "days": days, "periods": PERIODS, "small_n": SMALL_N}
    return render(request, "dispatch/metrics.html", context)
