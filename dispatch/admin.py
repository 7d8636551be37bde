from typing import Any

from django.contrib import admin

from dispatch.models import (
    Assignment,
    Board,
    Company,
    Decision,
    DispatchSettings,
    HistoryTicket,
    ModelVersion,
    Rule,
    SLAPolicy,
    TechnicianExperience,
    Ticket,
)


@admin.register(SLAPolicy)
class SLAPolicyAdmin(admin.ModelAdmin):
    list_display = ("name", "response_hours", "resolution_hours", "business_hours")
    search_fields = ("name",)


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "external_id", "tier", "sla_policy", "preferred_technician", "city")
    list_filter = ("tier", "sla_policy")
    search_fields = ("name", "external_id", "city", "contact_email")
    autocomplete_fields = ("preferred_technician",)
    filter_horizontal = ("account_technicians",)


@admin.register(Board)
class BoardAdmin(admin.ModelAdmin):
    list_display = ("name", "dispatch_enabled")
    list_editable = ("dispatch_enabled",)
    search_fields = ("name",)


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ("external_id", "subject", "priority", "company", "category", "status", "assigned_to", "sla_due", "closed")
    list_filter = ("closed", "priority", "status", "board", "category", "company__tier")
    search_fields = ("external_id", "subject", "description", "company__name")
    autocomplete_fields = ("assigned_to", "company")
    date_hierarchy = "created_at"
    readonly_fields = ("sla_due_source", "sla_response_due", "sla_resolution_due")

    def save_model(self, request: Any, obj: Ticket, form: Any, change: bool) -> None:
        """A deadline typed here is given; otherwise a policy deadline follows the edited
        priority, company, creation time or owner (dispatch.sla)."""
        from dispatch import sla

        if "sla_due" in form.changed_data and obj.sla_due is not None:
            sla.apply_deadline(obj, obj.sla_due)
        elif sla.follows_policy(obj) and (
            "sla_due" in form.changed_data
            or {"priority", "company", "created_at", "assigned_to"} & set(form.changed_data)
        ):
            sla.apply_deadline(obj, None)
        super().save_model(request, obj, form, change)


@admin.register(HistoryTicket)
class HistoryTicketAdmin(admin.ModelAdmin):
    list_display = ("external_id", "subject", "category", "priority", "company", "resolved_by", "opened_at", "resolved_at", "csat")
    list_filter = ("priority", "category", "reopened", "met_sla")
    search_fields = ("external_id", "subject", "resolved_by__name", "company__name")
    date_hierarchy = "opened_at"


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = ("name", "enabled", "order", "when", "then", "unless_unavailable")
    list_editable = ("enabled", "order")
    list_filter = ("enabled",)
    search_fields = ("name",)


@admin.register(DispatchSettings)
class DispatchSettingsAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return not DispatchSettings.objects.exists()


class AssignmentInline(admin.StackedInline):
    model = Assignment
    extra = 0
    readonly_fields = ("technician", "state", "attempts", "pushed_at", "last_error", "note")
    can_delete = False


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ("pk", "ticket_external_id", "status", "strategy", "recommended", "assigned", "decided_by", "confidence", "created_at")
    list_filter = ("status", "strategy", "mode")
    search_fields = ("ticket_external_id", "override_reason")
    readonly_fields = [f.name for f in Decision._meta.fields]
    inlines = [AssignmentInline]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ("pk", "ticket", "technician", "state", "attempts", "pushed_at", "created_at")
    list_filter = ("state",)
    search_fields = ("ticket__external_id", "technician__name")


@admin.register(TechnicianExperience)
class TechnicianExperienceAdmin(admin.ModelAdmin):
    list_display = ("technician", "scope", "key", "resolved", "avg_resolution_hours", "csat", "on_time_rate", "model_version")
    list_filter = ("scope",)
    search_fields = ("technician__name", "key")


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ("version", "created_at", "history_count", "active")
