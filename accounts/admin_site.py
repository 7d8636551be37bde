"""The admin site opens to managers and admins by role (no is_staff bookkeeping)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


class SwitchboardAdminSite(admin.AdminSite):
    site_header = "Switchboard administration"
    site_title = "Switchboard"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and (user.is_staff or getattr(user, "is_manager", False)))


class SwitchboardAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.SwitchboardAdminSite"
