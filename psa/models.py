"""PSA connections, member ↔ technician mapping, and received webhook events."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from typing import Any
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from psa.backends.base import PsaError


def _fernet() -> Fernet:
    key = settings.PSA_CREDENTIALS_KEY
    if not key:
        key = base64.urlsafe_b64encode(hashlib.sha256(settings.SECRET_KEY.encode()).digest()).decode()
    return Fernet(key)


def psa_host_allowed(url: str) -> bool:
    """Whether settings.PSA_ALLOWED_HOSTS lets credentials go to `url`'s host. An entry
    ".example.com" allows example.com and its subdomains; an empty setting allows any host
    (the embedded demo and development; production has the vendors' domains, config/settings.py)."""
    allowed = settings.PSA_ALLOWED_HOSTS
    if not allowed:
        return True
    try:
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return False
    return bool(host) and any(
        host == entry.lstrip(".") or (entry.startswith(".") and host.endswith(entry)) for entry in allowed
    )


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
    # The base_url (and credentials_env) the credentials were given for: they are sent nowhere
    # else, so pointing a connection elsewhere needs them entered again (psa/admin.py).
    credentials_url = models.CharField(max_length=200, blank=True, editable=False)
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

    def clean(self) -> None:
        if self.base_url and not psa_host_allowed(self.base_url):
            raise ValidationError(
                {"base_url": "this host is not in PSA_ALLOWED_HOSTS (the vendors' domains, plus any "
                             "simulator or on-premise host listed there explicitly)"}
            )  # fmt: skip

    def credentials_target(self) -> str:
        """Where the current credentials may go: the base URL, plus the environment variable."""
        return f"{self.base_url.rstrip('/')}|{self.credentials_env}"[:200]

    def bind_credentials(self) -> None:
        """The credentials now go to this base URL (they were entered or confirmed for it)."""
        self.credentials_url = self.credentials_target()

    def set_credentials(self, credentials: dict[str, Any]) -> None:
        self.credentials_encrypted = _fernet().encrypt(json.dumps(credentials).encode()).decode()
        self.bind_credentials()

    def get_credentials(self) -> dict[str, Any]:
        """The credentials, for the configured base URL only. Raises PsaError (not retryable)
        when the URL was changed since they were given, or its host is not allowed."""
        if not psa_host_allowed(self.base_url):
            raise PsaError(f"{self.name}: {self.base_url} is not in PSA_ALLOWED_HOSTS", retryable=False)
        if self.credentials_url and self.credentials_url != self.credentials_target():
            raise PsaError(
                f"{self.name}: the base URL or credentials variable changed since the credentials were "
                "entered; enter them again",
                retryable=False,
            )
        return self._credentials()

    def _credentials(self) -> dict[str, Any]:
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


class OwnerReconciliation(models.Model):
    """One comparison of the owners of a connection's open tickets with the PSA's
    (psa.reconcile.owners_reconcile): what was in step, pushed again, or mirrored."""

    connection = models.ForeignKey(PsaConnection, on_delete=models.CASCADE, related_name="reconciliations")
    ran_at = models.DateTimeField(db_index=True)
    trigger = models.CharField(max_length=20, default="schedule")  # start | schedule | manual
    checked = models.PositiveIntegerField(default=0)
    in_step = models.PositiveIntegerField(default=0)
    pushed = models.PositiveIntegerField(default=0)  # our assignment was not in the PSA: pushed again
    mirrored = models.PositiveIntegerField(default=0)  # the PSA's owner (or closing) taken over
    created = models.PositiveIntegerField(default=0)  # open in the PSA, unknown here: read in
    in_flight = models.PositiveIntegerField(default=0)  # our push is on its way: left alone
    error = models.TextField(blank=True)
    details = models.JSONField(default=list)  # [{"ticket", "action", "ours", "psa"}]

    class Meta:
        ordering = ["-ran_at"]

    def __str__(self) -> str:
        return f"{self.connection.name} at {self.ran_at:%Y-%m-%d %H:%M}: {self.pushed} pushed, {self.mirrored} mirrored"
