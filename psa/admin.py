from django import forms
from django.contrib import admin

from psa.models import MemberMapping, PsaConnection, WebhookEvent


class PsaConnectionForm(forms.ModelForm):
    credentials_json = forms.JSONField(
        required=False, help_text="Stored encrypted; leave empty to keep the current credentials", widget=forms.Textarea
    )
    webhook_secret = forms.CharField(required=False, widget=forms.PasswordInput, help_text="Leave empty to keep")

    class Meta:
        model = PsaConnection
        fields = ("name", "vendor", "base_url", "credentials_env", "boards", "enabled")

    def save(self, commit: bool = True) -> PsaConnection:
        obj = super().save(commit=False)
        if self.cleaned_data.get("credentials_json"):
            obj.set_credentials(self.cleaned_data["credentials_json"])
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
    list_display = ("name", "vendor", "base_url", "enabled", "ticket_cursor", "last_sync_at")
    list_filter = ("vendor", "enabled")
    readonly_fields = ("ticket_cursor", "last_sync_at", "last_error")
    inlines = [MemberMappingInline]


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ("connection", "ticket_external_id", "action", "received_at", "processed_at")
    list_filter = ("connection", "action")
