"""The queue's filters (django-filter): board, priority, company, category, status, search."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from dispatch.models import PRIORITY_CHOICES, Board, Company, Ticket
from skills.models import Category


def _status_choices() -> list[tuple[str, str]]:
    statuses = Ticket.objects.filter(closed=False, assigned_to__isnull=True).values_list("status", flat=True)
    return [(s, s) for s in sorted(set(statuses))]


class TicketFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    board = django_filters.ModelChoiceFilter(queryset=Board.objects.all(), empty_label="All boards")
    priority = django_filters.ChoiceFilter(choices=PRIORITY_CHOICES[::-1], empty_label="All priorities")
    company = django_filters.ModelChoiceFilter(queryset=Company.objects.all(), empty_label="All companies")
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(), method="by_category", empty_label="All categories"
    )
    status = django_filters.ChoiceFilter(choices=_status_choices, empty_label="All statuses")

    class Meta:
        model = Ticket
        fields = ["q", "board", "priority", "company", "category", "status"]

    def search(self, queryset: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        value = value.strip().lstrip("#")
        if not value:
            return queryset
        return queryset.filter(
            Q(subject__icontains=value)
            | Q(external_id__iexact=value)
            | Q(company__name__icontains=value)
            | Q(description__icontains=value)
        )

    def by_category(self, queryset: QuerySet[Ticket], name: str, value: Any) -> QuerySet[Ticket]:
        # The predicted category counts when the PSA gave none, as it does for dispatch.
        return queryset.filter(Q(category=value) | Q(category__isnull=True, predicted_category=value))
