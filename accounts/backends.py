"""Roles as admin permissions: a manager maintains the desk (skills, schedules, categories,
companies, rules, settings, PSA connections) in the admin without per-model grants; users and
API tokens stay with admins. Explicit Django permissions still work on top (ModelBackend)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

DESK_APPS = frozenset({"skills", "dispatch", "psa"})


class RoleBackend(ModelBackend):
    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if not user_obj.is_active:
            return False
        role = getattr(user_obj, "role", None)
        if role == "admin" or (role == "manager" and perm.split(".", 1)[0] in DESK_APPS):
            return True
        return super().has_perm(user_obj, perm, obj)

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        if not user_obj.is_active:
            return False
        role = getattr(user_obj, "role", None)
        if role == "admin" or (role == "manager" and app_label in DESK_APPS):
            return True
        return super().has_module_perms(user_obj, app_label)
