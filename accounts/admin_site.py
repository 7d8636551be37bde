"""The admin site opens to managers and admins by role (no is_staff bookkeeping)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.fields import InvalidJSONInput
from django.http import HttpRequest


class SafeJSONField(forms.JSONField):
    """forms.JSONField that refuses duplicate keys and nesting past the workspace limit with a
    field error; Django's own raises RecursionError (a 500) on deeply nested input."""

    def _problem(self, value: Any) -> str:
        from dispatch.workspace.schema import WorkspaceError, loads_json

        if not isinstance(value, str) or value in self.empty_values or self.disabled:
            return ""
        try:
            loads_json(value)
        except WorkspaceError as exc:
            return str(exc).lstrip(": ")
        return ""

    def to_python(self, value: Any) -> Any:
        if problem := self._problem(value):
            raise ValidationError(problem)
        return super().to_python(value)

    def bound_data(self, data: Any, initial: Any) -> Any:
        if self._problem(data):
            return InvalidJSONInput(data)
        return super().bound_data(data, initial)


class SwitchboardAdminSite(admin.AdminSite):
    site_header = "Switchboard administration"
    site_title = "Switchboard"

    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        super().register(model_or_iterable, admin_class, **options)
        models_ = [model_or_iterable] if isinstance(model_or_iterable, type) else model_or_iterable
        for model in models_:
            model_admin = self._registry.get(model)  # a swapped-out model (auth.User) is not registered
            if model_admin is not None:  # ModelAdmin.__init__ made its overrides a dict of its own
                overrides = cast(dict[Any, Any], model_admin.formfield_overrides)
                overrides.setdefault(models.JSONField, {"form_class": SafeJSONField})

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and (user.is_staff or getattr(user, "is_manager", False)))


class SwitchboardAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.SwitchboardAdminSite"
