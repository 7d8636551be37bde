"""The queue table (django-tables2): columns, cell rendering and SLA-first ordering. The
template (dispatch/queue.html#table) renders one <tbody> per ticket so that a row and its
expanded candidates travel together."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import django_tables2 as tables
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from dispatch.models import Decision, DecisionStatus, Ticket
from dispatch.selectors import below_threshold
from dispatch.views_common import FAILURE_SHORT, in_viewer_zone


def fmt_duration(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    if seconds < 3600:
        return f"{max(seconds, 0) // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"
    return f"{seconds // 86400}d {seconds % 86400 // 3600}h"


def short_age(since: datetime, now: datetime | None = None) -> str:
    return fmt_duration(((now or timezone.now()) - since).total_seconds())


def sla_cell(ticket: Ticket) -> SafeString:
    """A countdown the browser keeps live (static/js/queue.js); the server's text is the fallback."""
    if ticket.sla_due is None:
        return mark_safe('<span class="muted">no SLA</span>')
    now = timezone.now()
    remaining = (ticket.sla_due - now).total_seconds()
    window = max((ticket.sla_due - ticket.created_at).total_seconds(), 1)
    state = "breached" if remaining < 0 else ("risk" if remaining < max(1800, window * 0.25) else "ok")
    text = f"−{fmt_duration(-remaining)}" if remaining < 0 else fmt_duration(remaining)
    return format_html(
        '<time class="sla sla-{}" datetime="{}" data-due="{}" data-created="{}">{}</time>',
        state,
        ticket.sla_due.isoformat(),
        ticket.sla_due.isoformat(),
        ticket.created_at.isoformat(),
        text,
    )


ROW_COLUMNS = ("ticket", "priority", "company", "category", "age", "sla", "suggestion")


def _url_maker(name: str) -> Any:
    """A fast `reverse(name, args=[pk])` for one row per ticket: reversed once, then formatted."""
    pattern = reverse(name, args=[987654321]).replace("987654321", "{}")
    return pattern.format


class QueueTable(tables.Table):
    ticket = tables.Column(accessor="external_id", verbose_name="Ticket", order_by=("external_id",))
    priority = tables.Column(order_by=("-priority_rank", "sla_due"))
    company = tables.Column(order_by=("company__name",))
    category = tables.Column(empty_values=(), orderable=False)
    age = tables.Column(accessor="created_at", verbose_name="Age", order_by=("created_at",))
    sla = tables.Column(accessor="sla_due", verbose_name="SLA", empty_values=())
    suggestion = tables.Column(empty_values=(), orderable=False, verbose_name="Top suggestion")

    class Meta:
        model = Ticket
        fields = ("ticket", "priority", "company", "category", "age", "sla", "suggestion")
        orderable = True
        order_by = ("sla",)
        attrs = {"class": "queue"}

    def prepare_rows(self, records: list[Ticket], *, csrf_input: str, preserve: bool, detail: bool = False) -> int:
        """Render each record's row (`record.row_html`: its <tr>, the cells, the select box and the
        Approve form; `record.tbody_html`: the row with its empty expansion, as the live part lists
        it) in Python, and `record.detail_url`: 200 rows through the template engine and
        django-tables2's per-cell dispatch cost most of the page. Returns the colspan of the row's
        full-width lines."""
        ticket_url, assign_url = _url_maker("dispatch:ticket"), _url_maker("dispatch:assign")
        expanded = "true" if detail else "false"
        keep = ' hx-preserve="true"' if preserve else ""
        for t in records:
            d: Decision | None = getattr(t, "decision", None)
            approvable = t.assigned_to_id is None and d is not None and d.recommended is not None and not d.error_code
            t.detail_url = ticket_url(t.pk)  # type: ignore[attr-defined]
            cells = (
                self.render_ticket(t, url=t.detail_url),  # type: ignore[attr-defined]
                self.render_priority(t.priority) if t.priority else "—",
                self.render_company(t),
                self.render_category(t),
                self.render_age(t.created_at),
                self.render_sla(t),
                self.render_suggestion(t),
            )
            select = approve = ""
            if approvable:
                assert d is not None and d.recommended is not None
                select = format_html(
                    '<input type="checkbox" name="tickets" value="{}" form="bulk-form" id="sel-{}" class="row-select"{} '
                    'aria-label="Select #{} for bulk approval (x)">',
                    t.pk, t.pk, mark_safe(keep), t.external_id,
                )  # fmt: skip
                url = assign_url(t.pk)
                approve = format_html(
                    '<form method="post" action="{}" hx-post="{}" hx-target="#t-{}" hx-swap="outerHTML" class="inline approve-form">'
                    '{}<input type="hidden" name="technician_id" value="{}">'
                    '<button type="submit" class="btn btn-sm btn-primary" data-action="approve" title="Assign #{} to {} (a)">Approve</button></form>',
                    url, url, t.pk, mark_safe(csrf_input), d.recommended.external_id, t.external_id, d.recommended.name,
                )  # fmt: skip
            t.row_html = format_html(  # type: ignore[attr-defined]
                '<tr class="row"><td class="c-select">{}</td><td class="c-toggle"><button type="button" class="toggle" '
                'data-action="toggle" aria-expanded="{}" aria-controls="d-{}" title="Show candidates (Enter)">'
                '<span aria-hidden="true">▸</span><span class="visually-hidden">Show candidates for #{}</span></button></td>'
                '{}<td class="c-actions">{}</td></tr>',
                select, expanded, t.pk, t.external_id,
                mark_safe("".join(f'<td class="c-{n}">{c}</td>' for n, c in zip(ROW_COLUMNS, cells, strict=True))),
                approve,
            )  # fmt: skip
            t.tbody_html = format_html(  # type: ignore[attr-defined]
                '<tbody id="t-{}" class="ticket{}" data-ticket="{}" data-detail-url="{}">{}'
                '<tr class="detail-row"><td colspan="{}"><div id="d-{}" class="detail"{}></div></td></tr></tbody>',
                t.pk, " is-assigned" if t.assigned_to_id else "", t.pk, t.detail_url, t.row_html,  # type: ignore[attr-defined]
                len(ROW_COLUMNS) + 3, t.pk, mark_safe(keep),
            )  # fmt: skip
        return len(ROW_COLUMNS) + 3

    def order_sla(self, queryset: QuerySet[Ticket], is_descending: bool) -> tuple[QuerySet[Ticket], bool]:
        due = F("sla_due").desc(nulls_last=True) if is_descending else F("sla_due").asc(nulls_last=True)
        return queryset.order_by(due, "-priority_rank", "created_at"), True

    def render_ticket(self, record: Ticket, url: str | None = None) -> SafeString:
        return format_html(
            '<a class="ticket-link" href="{}">#{}</a> {}<span class="subject" title="{}">{}</span>',
            url or reverse("dispatch:ticket", args=[record.pk]),
            record.external_id,
            format_html('<span class="status-tag" title="Status">{}</span>', record.status)
            if record.status != "New"
            else "",
            record.subject,
            record.subject,
        )

    def render_priority(self, value: str) -> SafeString:
        return format_html('<span class="prio prio-{}">{}</span>', value.lower(), value)

    def render_company(self, record: Ticket) -> SafeString:
        company = record.company
        if company is None:
            return mark_safe('<span class="muted">—</span>')
        vip = (
            mark_safe('<span class="badge badge-vip" title="VIP customer">VIP</span> ')
            if company.tier == "vip"
            else ""
        )
        return format_html('{}<span class="co-name" title="{}">{}</span>', vip, company.name, company.name)

    def render_category(self, record: Ticket) -> SafeString:
        if record.category:
            return format_html(
                '<span class="cat-name" title="{}">{}</span>', record.category.name, record.category.name
            )
        if record.predicted_category:
            pct = round(100 * (record.predicted_confidence or 0))
            return format_html(
                '<span class="predicted" title="Predicted from the ticket text ({}% confidence)"><span class="cat-name">{}</span> '
                '<span class="badge badge-predicted">predicted {}%</span></span>',
                pct,
                record.predicted_category.name,
                pct,
            )
        return mark_safe('<span class="muted">uncategorised</span>')

    def render_age(self, value: datetime) -> SafeString:
        return format_html(
            '<time class="age" datetime="{}" title="Created {}">{}</time>',
            value.isoformat(),
            value,
            short_age(value),
        )

    def render_sla(self, record: Ticket) -> SafeString:
        return sla_cell(record)

    def render_suggestion(self, record: Ticket) -> SafeString:
        decision: Decision | None = getattr(record, "decision", None)
        assigned = record.assigned_to  # None without a query when assigned_to_id is unset
        if assigned is not None:
            return format_html('<span class="badge badge-ok">Assigned to {}</span>', assigned.name)
        if decision is None:
            return mark_safe('<span class="badge badge-stale" title="A ranking is on its way">ranking…</span>')
        cell = self._suggestion(decision)
        if getattr(record, "stale", False):
            return format_html(
                '{} <span class="badge badge-stale" title="Facts changed since this suggestion (time off, a shift, '
                'workload, settings): a new ranking is on its way, and Approve re-checks it first">re-ranking…</span>',
                cell,
            )
        return cell

    def _suggestion(self, decision: Decision) -> SafeString:
        if decision.waiting:
            waiting = in_viewer_zone(decision.waiting, decision.as_of, plain=True)
            return format_html(
                '<span class="badge badge-wait" title="{}">Waiting for a qualified tech</span>', waiting
            )
        if decision.status == DecisionStatus.FAILED or decision.error_code:
            code = decision.error_code or "FAILED"
            return format_html(
                '<span class="badge badge-error" title="Dispatch failed: {}">{}</span>',
                code,
                FAILURE_SHORT.get(code, code),
            )
        conf = round(100 * (decision.confidence or 0))
        name = decision.recommended.name if decision.recommended else "—"
        skill = below_threshold(decision)
        return format_html(
            '<span class="conf conf-{}" title="The engine\'s confidence in this suggestion">confidence {}%</span>{} '
            '<span class="sugg-name" title="{}">{}</span>{}',
            "high" if conf >= 70 else ("medium" if conf >= 40 else "low"),
            conf,
            format_html(
                ' <span class="badge badge-unqualified" title="Skill match {}%: below the skill-match threshold. '
                'Nobody available reaches it, so the best available was suggested anyway">unqualified · skill {}%</span>',
                skill,
                skill,
            )
            if skill is not None
            else "",
            name,
            name,
            mark_safe(' <span class="badge">shadow</span>') if decision.status == DecisionStatus.SHADOW else "",
        )


class DecisionTable(tables.Table):
    id = tables.Column(
        verbose_name="Decision", linkify=("dispatch:decision", {"decision_id": tables.A("pk")})
    )
    created_at = tables.DateTimeColumn(verbose_name="When", format="Y-m-d H:i")
    ticket_external_id = tables.Column(verbose_name="Ticket")
    status = tables.Column()
    recommended = tables.Column(verbose_name="Suggested", accessor="recommended__name", default="—")
    assigned = tables.Column(verbose_name="Assigned", accessor="assigned__name", default="—")
    confidence = tables.Column()
    decided_by = tables.Column(verbose_name="By", default="—")
    override_reason = tables.Column(verbose_name="Override reason", default="", orderable=False)

    class Meta:
        model = Decision
        fields = (
            "id",
            "created_at",
            "ticket_external_id",
            "status",
            "recommended",
            "assigned",
            "confidence",
            "decided_by",
            "override_reason",
        )
        attrs = {"class": "grid"}
        order_by = ("-created_at",)

    def render_id(self, value: int) -> str:
        return f"#{value}"

    def render_status(self, record: Decision) -> SafeString:
        label = record.get_status_display()
        if record.error_code:
            label = f"{label}: {record.error_code}"
        return format_html('<span class="status status-{}">{}</span>', record.status, label)

    def render_confidence(self, value: float) -> str:
        return f"{round(100 * value)}%"
