"""The PSA connection admin: credentials go in encrypted and never come back out."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from psa.models import PsaConnection
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
SECRET = "priv-key-do-not-show"


@pytest.fixture
def root(client: Any) -> Any:
    client.force_login(UserFactory(username="root", role="admin", is_staff=True, is_superuser=True))
    return client


def _post(client: Any, url: str, **overrides: Any) -> Any:
    data = {
        "name": "cw", "vendor": "connectwise", "base_url": "http://127.0.0.1:8101", "credentials_env": "",
        "boards": "[]", "enabled": "on", "webhook_secret": "hook-secret",
        "credentials_json": json.dumps({"company_id": "acme", "public_key": "pub", "private_key": SECRET, "client_id": "c"}),
        "members-TOTAL_FORMS": "0", "members-INITIAL_FORMS": "0", **overrides,
    }  # fmt: skip
    return client.post(url, data)


def test_credentials_are_stored_encrypted_and_never_shown(root: Any) -> None:
    assert _post(root, reverse("admin:psa_psaconnection_add")).status_code == 302
    connection = PsaConnection.objects.get(name="cw")
    assert (
        connection.get_credentials()["private_key"] == SECRET
        and SECRET not in connection.credentials_encrypted
    )
    page = root.get(reverse("admin:psa_psaconnection_change", args=[connection.pk])).content.decode()
    assert SECRET not in page and "hook-secret" not in page and "/api/v1/psa/cw/webhook" in page


def test_saving_without_credentials_keeps_the_stored_ones(root: Any) -> None:
    _post(root, reverse("admin:psa_psaconnection_add"))
    connection = PsaConnection.objects.get(name="cw")
    _post(
        root,
        reverse("admin:psa_psaconnection_change", args=[connection.pk]),
        credentials_json="",
        webhook_secret="",
    )
    connection.refresh_from_db()
    assert (
        connection.get_credentials()["private_key"] == SECRET
        and connection.get_webhook_secret() == "hook-secret"
    )


def test_credentials_that_are_not_an_object_are_refused(root: Any) -> None:
    response = _post(root, reverse("admin:psa_psaconnection_add"), credentials_json="[1, 2]")
    assert response.status_code == 200 and "must be a JSON object" in response.content.decode()
    assert not PsaConnection.objects.exists()
