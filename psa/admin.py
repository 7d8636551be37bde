from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.admin_site import SafeJSONField
from psa import reconcile, sync
from psa.backends.base import PsaError
from psa.models import MemberMapping, OwnerReconciliation, PsaConnection, WebhookEvent


class PsaConnectionForm(forms.ModelForm):
    """Credentials and the webhook secret are write-only: stored encrypted, never shown back."""

    credentials_json = SafeJSONField(
        required=False,
        label="Credentials",
        help_text="A JSON object, stored encrypted and never displayed; leave empty to keep the current credentials",
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off"}),
    )
    webhook_secret = forms.CharField(
        required=False, widget=forms.PasswordInput(render_value=False), help_text="Leave empty to keep"
    )

    class Meta:
        model = PsaConnection
        fields = ("name", "vendor", "base_url", "credentials_env", "boards", "enabled")

    user: Any = None  # set by PsaConnectionAdmin.get_form

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial["credentials_json"] = None  # never echo stored credentials into the form

    def clean(self) -> dict[str, Any]:
        """Credentials go only where they were entered for: pointing a connection that has them
        at another URL (or another credentials variable) needs them entered again, unless an
        admin confirms the move."""
        data = super().clean() or {}
        instance = self.instance
        moved = instance.pk and {"base_url", "credentials_env"} & set(self.changed_data)
        has_credentials = bool(instance.credentials_encrypted or instance.credentials_env)
        is_admin = bool(self.user and (self.user.is_superuser or getattr(self.user, "role", "") == "admin"))
        if moved and has_credentials and not data.get("credentials_json") and not is_admin:
            self.add_error(
                "credentials_json",
                "The URL or credentials variable changed: enter the credentials again for the new "
                "destination (or ask an admin to confirm the move).",
            )
        return data

    def clean_credentials_json(self) -> Any:
        value = self.cleaned_data.get("credentials_json")
        if value not in (None, "", {}) and not isinstance(value, dict):
            raise forms.ValidationError(
                'must be a JSON object, e.g. {"client_id": "…", "client_secret": "…"}'
            )
        return value

    def save(self, commit: bool = True) -> PsaConnection:
        obj = super().save(commit=False)
        if self.cleaned_data.get("credentials_json"):
            obj.set_credentials(self.cleaned_data["credentials_json"])
        elif not obj.pk or {"base_url", "credentials_env"} & set(self.changed_data):
            obj.bind_credentials()  # new, or moved by an admin (clean() refused anyone else)
        if self.cleaned_data.get("webhook_secret"):
            obj.set_webhook_secret(self.cleaned_data["webhook_secret"])
        if commit:
            obj.save()
        return obj


class MemberMappingInline(admin.TabularInline):
    model = MemberMapping
    extra = 0
    autocomplete_fields = ("technician",)


@admin.register(PsaConnection)
class PsaConnectionAdmin(admin.ModelAdmin):
    form = PsaConnectionForm
    list_display = ("name", "vendor", "base_url", "enabled", "ticket_cursor", "last_sync_at", "has_error")
    list_filter = ("vendor", "enabled")
    readonly_fields = ("credentials_stored", "webhook_url", "ticket_cursor", "last_sync_at", "last_error")
    inlines = [MemberMappingInline]
    actions = ["sync_now", "reconcile_now"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        form.user = request.user  # type: ignore[attr-defined]  # PsaConnectionForm.user
        return form

    @admin.display(description="credentials stored", boolean=True)
    def credentials_stored(self, obj: PsaConnection) -> bool:
        return bool(obj.credentials_encrypted or obj.credentials_env)

    @admin.display(description="webhook URL (give it to the PSA)")
    def webhook_url(self, obj: PsaConnection) -> str:
        return (
            f"{settings.SWITCHBOARD_PUBLIC_URL.rstrip('/')}/api/v1/psa/{obj.name}/webhook"
            if obj.name
            else "—"
        )

    @admin.display(description="error", boolean=True)
    def has_error(self, obj: PsaConnection) -> bool:
        return bool(obj.last_error)

    @admin.action(description="Sync people and tickets now")
    def sync_now(self, request: HttpRequest, queryset: QuerySet[PsaConnection]) -> None:
        for connection in queryset:
            try:
                people = sync.people_sync(connection_id=connection.pk)
                tickets = sync.tickets_sync(connection_id=connection.pk)
            except PsaError as exc:
                self.message_user(request, f"{connection.name}: {exc.message}", messages.ERROR)
                continue
            self.message_user(
                request, f"{connection.name}: {people.members} members, {tickets.stored} tickets read"
            )


    @admin.action(description="Compare owners with the PSA now (reconcile)")
    def reconcile_now(self, request: HttpRequest, queryset: QuerySet[PsaConnection]) -> None:
        for connection in queryset:
            try:
                run = reconcile.owners_reconcile(connection_id=connection.pk, trigger="manual")
            except PsaError as exc:
                self.message_user(request, f"{connection.name}: {exc.message}", messages.ERROR)
                continue
            self.message_user(
                request,
                f"{connection.name}: {run.checked} open tickets, {run.in_step} in step, {run.pushed} pushed again, "
                f"{run.mirrored} mirrored, {run.created} new",
            )


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ("connection", "ticket_external_id", "action", "received_at", "processed_at")
    list_filter = ("connection", "action")
    readonly_fields = (
        "connection",
        "dedupe_key",
        "ticket_external_id",
        "action",
        "received_at",
        "processed_at",
        "payload",
    )


@admin.register(OwnerReconciliation)
class OwnerReconciliationAdmin(admin.ModelAdmin):
    """Read-only: each comparison of open tickets' owners with the PSA (psa/reconcile.py)."""

    list_display = ("connection", "ran_at", "trigger", "checked", "in_step", "pushed", "mirrored", "created",
                    "in_flight", "error")  # fmt: skip
    list_filter = ("connection", "trigger")
    readonly_fields = [f.name for f in OwnerReconciliation._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
