"""The decisions list (search and filters: text, technician, dates, status; tickets as links)
and a decision's audit page."""

from __future__ import annotations

from datetime import date
from typing import Any

import django_filters
import django_tables2 as tables
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET
from django_tables2 import RequestConfig

from accounts.templatetags.times import when
from accounts.views import HtmxHttpRequest, dispatcher_required
from dispatch import selectors, services
from dispatch.models import Assignment, Decision, DecisionStatus
from dispatch.tables import DecisionTable
from dispatch.views_common import LEGEND, candidate_views, escalation_as_done, failure_details, order_note
from skills.models import Technician

PER_PAGE = 50


class DecisionFilter(django_filters.FilterSet):
    """GET parameters of the decisions list. Dates are days in the viewer's zone (inclusive)."""

    q = django_filters.CharFilter(method="search", label="Search")
    technician = django_filters.ModelChoiceFilter(
        queryset=Technician.objects.order_by("name"), method="by_technician", empty_label="All technicians",
        label="Technician",
    )
    status = django_filters.ChoiceFilter(choices=DecisionStatus.choices, empty_label="All statuses", label="Status")
    since = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label="From")
    until = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label="To")

    class Meta:
        model = Decision
        fields = ["q", "technician", "status", "since", "until"]

    def search(self, queryset: QuerySet[Decision], name: str, value: str) -> QuerySet[Decision]:
        """A ticket number (with or without #), words of its subject, or of an override reason."""
        value = value.strip()
        if not value:
            return queryset
        number = value.lstrip("#")
        return queryset.filter(
            Q(ticket_external_id__iexact=number)
            | Q(ticket__subject__icontains=value)
            | Q(override_reason__icontains=value)
        )

    def by_technician(self, queryset: QuerySet[Decision], name: str, value: Technician) -> QuerySet[Decision]:
        """Suggested or assigned: the decisions that concern the technician."""
        return queryset.filter(Q(recommended=value) | Q(assigned=value))

    def is_valid(self) -> bool:
        valid = super().is_valid()
        since: date | None = self.form.cleaned_data.get("since") if valid else None
        until: date | None = self.form.cleaned_data.get("until") if valid else None
        if since and until and until < since:
            self.form.add_error("until", "Must not be before the start date.")
            return False
        return valid


class DecisionListTable(DecisionTable):
    """The decisions table with the ticket as a link (its page while open) and times in the
    viewer's zone."""

    ticket_external_id = tables.Column(verbose_name="Ticket")

    class Meta(DecisionTable.Meta):
        attrs = {"class": "grid decisions-grid"}

    def render_created_at(self, value: Any) -> SafeString:
        return SafeString(when(value))

    def render_ticket_external_id(self, record: Decision) -> SafeString:
        ticket = record.ticket
        if ticket is None:
            return format_html("#{} <span class=\"muted\">(no longer here)</span>", record.ticket_external_id)
        return format_html(
            '<a href="{}">#{}</a> <span class="subject">{}</span>',
            reverse("dispatch:ticket", args=[ticket.pk]), record.ticket_external_id, ticket.subject,
        )  # fmt: skip


@dispatcher_required
@require_GET
def decision_list(request: HtmxHttpRequest) -> HttpResponse:
    """Recent decisions, filtered. A bad filter (an unknown technician or status, a date that is
    not one, an end before the start) answers 400 with the form naming the field."""
    filters = DecisionFilter(request.GET or None, queryset=selectors.decisions_recent())
    valid = filters.is_valid() if request.GET else True
    rows = filters.qs if valid else Decision.objects.none()
    table = DecisionListTable(rows)
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    context = {"table": table, "filters": filters, "filtered": bool(request.GET) and valid}
    return render(request, "dispatch/decisions.html", context, status=200 if valid else 400)


@dispatcher_required
@require_GET
def decision_detail(request: HtmxHttpRequest, decision_id: int) -> HttpResponse:
    """The audit page: who/what/when, candidates and breakdowns, rules, notifications, PSA sync."""
    decision = get_object_or_404(selectors.decision_queryset(), pk=decision_id)
    document = services.decision_document(decision)
    assignment = Assignment.objects.filter(decision=decision).first()
    recommended_id = decision.recommended.external_id if decision.recommended else None
    sla = dict(document.get("sla_tracking") or {})
    sla["deadline"] = parse_datetime(sla["sla_deadline"]) if sla.get("sla_deadline") else None
    rules, notifications = escalation_as_done(
        document, document.get("notifications_sent") or decision.notifications or {},
        assigned=bool(decision.assigned_id), as_of=decision.as_of,
    )  # fmt: skip
    context = {
        "decision": decision,
        "document": document,
        "cands": (cands := candidate_views(decision.candidates, recommended_id, decision.as_of)),
        "order_note": order_note(cands, decision.strategy),
        "legend": LEGEND,
        "failure": failure_details(decision.document, decision.as_of),
        "rules": rules,
        "notifications": notifications,
        "audit": document.get("audit_trail") or {},
        "summary": document.get("evaluation_summary") or {},
        "sla": sla,
        "psa": document.get("psa_sync") or {},
        "assignment": assignment,
        "history": Decision.objects.filter(ticket_id=decision.ticket_id)
        .exclude(pk=decision.pk)
        .select_related("assigned", "recommended")[:20]
        if decision.ticket_id
        else [],
    }
    return render(request, "dispatch/decision_detail.html", context)
