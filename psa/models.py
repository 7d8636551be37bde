"""PSA connections, member ↔ technician mapping, and received webhook events."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models


def _fernet() -> Fernet:
    key = settings.PSA_CREDENTIALS_KEY
    if not key:
        key = base64.urlsafe_b64encode(hashlib.sha256(settings.SECRET_KEY.encode()).digest()).decode()
    return Fernet(key)


class Vendor(models.TextChoices):
    CONNECTWISE = "connectwise", "ConnectWise Manage"
    AUTOTASK = "autotask", "Autotask"
    HALOPSA = "halopsa", "HaloPSA"


class PsaConnection(models.Model):
    """One PSA instance. Credentials come from the environment variable named in
    `credentials_env` (a JSON object) or are stored encrypted; they are never logged."""

    name = models.SlugField(max_length=50, unique=True, help_text="Used in the webhook URL")
    vendor = models.CharField(max_length=20, choices=Vendor.choices)
    base_url = models.URLField(help_text="Site / zone / instance URL")
    credentials_env = models.CharField(
        max_length=100, blank=True, help_text="Name of an environment variable holding the credentials as JSON"
    )
    credentials_encrypted = models.TextField(blank=True, editable=False)
    webhook_secret_encrypted = models.TextField(blank=True, editable=False)
    boards = models.JSONField(default=list, blank=True, help_text="Boards/queues to dispatch; empty: all")
    enabled = models.BooleanField(default=True)
    ticket_cursor = models.DateTimeField(null=True, blank=True)
    last_sync_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "PSA connection"

    def __str__(self) -> str:
        return f"{self.name} ({self.get_vendor_display()})"

    def set_credentials(self, credentials: dict[str, Any]) -> None:
        self.credentials_encrypted = _fernet().encrypt(json.dumps(credentials).encode()).decode()

    def get_credentials(self) -> dict[str, Any]:
        if self.credentials_env:
            raw = os.environ.get(self.credentials_env, "")
            return json.loads(raw) if raw else {}
        if not self.credentials_encrypted:
            return {}
        try:
            return json.loads(_fernet().decrypt(self.credentials_encrypted.encode()))
        except InvalidToken:
            return {}

    def set_webhook_secret(self, secret: str) -> None:
        self.webhook_secret_encrypted = _fernet().encrypt(secret.encode()).decode() if secret else ""

    def get_webhook_secret(self) -> str:
        if not self.webhook_secret_encrypted:
            return ""
        try:
            return _fernet().decrypt(self.webhook_secret_encrypted.encode()).decode()
        except InvalidToken:
            return ""


class MemberMapping(models.Model):
    connection = models.ForeignKey(PsaConnection, on_delete=models.CASCADE, related_name="members")
    technician = models.ForeignKey("skills.Technician", on_delete=models.CASCADE, related_name="psa_members")
    external_id = models.CharField(max_length=100, help_text="The PSA's member / resource / agent id")
    identifier = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "external_id"], name="uniq_member_per_connection"),
            models.UniqueConstraint(fields=["connection", "technician"], name="uniq_tech_per_connection"),
        ]

    def __str__(self) -> str:
        return f"{self.connection.name}:{self.external_id} ↔ {self.technician}"


class WebhookEvent(models.Model):
    """A received delivery; the unique key makes duplicates harmless."""

    connection = models.ForeignKey(PsaConnection, on_delete=models.CASCADE, related_name="events")
    dedupe_key = models.CharField(max_length=200)
    ticket_external_id = models.CharField(max_length=100, blank=True)
    action = models.CharField(max_length=30, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    payload = models.JSONField(default=dict)

    class Meta:
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(fields=["connection", "dedupe_key"], name="uniq_webhook_event")]

    def __str__(self) -> str:
        return f"{self.connection_id}:{self.dedupe_key}"
