from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    DISPATCHER = "dispatcher", "Dispatcher"
    MANAGER = "manager", "Manager"
    ADMIN = "admin", "Admin"


class User(AbstractUser):
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.DISPATCHER)
    time_zone = models.CharField(
        max_length=64, blank=True, default="",
        help_text="IANA zone the pages show times in; empty: the browser's zone (else the desk's)",
    )  # fmt: skip

    @property
    def is_manager(self) -> bool:
        return self.is_superuser or self.role in (Role.MANAGER, Role.ADMIN)

    @property
    def is_dispatcher(self) -> bool:
        return self.is_manager or self.role == Role.DISPATCHER


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only its SHA-256 is stored; the raw value is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12, help_text="First characters, to recognise a token in lists")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @classmethod
    def issue(cls, user: User, name: str = "") -> tuple[ApiToken, str]:
        raw = "sb_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, prefix=raw[:10], token_hash=hash_token(raw))
        return token, raw
