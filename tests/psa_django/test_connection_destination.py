"""Where a PSA connection may send its credentials (issue 13): only to the URL they were
entered for, and in production only to the vendors' domains plus hosts allowed explicitly."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from psa import sync
from psa.backends.base import PsaError
from psa.models import PsaConnection, psa_host_allowed
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
CREDS = {"company_id": "acme", "public_key": "pub", "private_key": "priv", "client_id": "c"}


@pytest.fixture
def connection() -> PsaConnection:
    conn = PsaConnection(name="cw", vendor="connectwise", base_url="https://acme.myconnectwise.net")
    conn.set_credentials(CREDS)
    conn.save()
    return conn


def _login(client: Any, role: str) -> Any:
    client.force_login(UserFactory(username=role, role=role, is_staff=True, is_superuser=role == "admin"))
    return client


def _change(client: Any, connection: PsaConnection, **overrides: Any) -> Any:
    data = {
        "name": "cw", "vendor": "connectwise", "base_url": connection.base_url, "credentials_env": "",
        "boards": "[]", "enabled": "on", "webhook_secret": "", "credentials_json": "",
        "members-TOTAL_FORMS": "0", "members-INITIAL_FORMS": "0", **overrides,
    }  # fmt: skip
    return client.post(reverse("admin:psa_psaconnection_change", args=[connection.pk]), data)


def test_a_manager_cannot_point_stored_credentials_elsewhere(client: Any, connection: PsaConnection) -> None:
    response = _change(_login(client, "manager"), connection, base_url="http://169.254.169.254")
    assert response.status_code == 200 and b"enter the credentials again" in response.content
    connection.refresh_from_db()
    assert connection.base_url == "https://acme.myconnectwise.net"


def test_a_manager_may_move_a_connection_with_new_credentials(client: Any, connection: PsaConnection) -> None:
    new = json.dumps(CREDS | {"private_key": "new"})
    assert _change(_login(client, "manager"), connection, base_url="https://b.myconnectwise.net", credentials_json=new).status_code == 302
    connection.refresh_from_db()
    assert connection.get_credentials()["private_key"] == "new"


def test_an_admin_may_move_a_connection_and_its_credentials(client: Any, connection: PsaConnection) -> None:
    assert _change(_login(client, "admin"), connection, base_url="https://b.myconnectwise.net").status_code == 302
    connection.refresh_from_db()
    assert connection.base_url == "https://b.myconnectwise.net" and connection.get_credentials() == CREDS


def test_a_manager_cannot_switch_the_credentials_variable(client: Any, connection: PsaConnection) -> None:
    response = _change(_login(client, "manager"), connection, credentials_env="DJANGO_SECRET_KEY")
    assert response.status_code == 200
    connection.refresh_from_db()
    assert connection.credentials_env == ""


def test_credentials_are_not_handed_out_for_a_url_changed_behind_the_form(connection: PsaConnection) -> None:
    PsaConnection.objects.filter(pk=connection.pk).update(base_url="http://127.0.0.1:6379")
    connection.refresh_from_db()
    with pytest.raises(PsaError, match="enter them again"):
        connection.get_credentials()


def test_sync_now_sends_nothing_to_a_moved_url(client: Any, connection: PsaConnection, monkeypatch: Any) -> None:
    PsaConnection.objects.filter(pk=connection.pk).update(base_url="http://127.0.0.1:6379")
    sent: list[Any] = []
    monkeypatch.setattr("httpx.Client.request", lambda *a, **k: sent.append(a))
    with pytest.raises(PsaError):
        sync.connection_backend(PsaConnection.objects.get(pk=connection.pk))
    assert sent == []


def test_production_hosts_are_restricted(settings: Any) -> None:
    settings.PSA_ALLOWED_HOSTS = [".myconnectwise.net", "psa.internal.example"]
    assert psa_host_allowed("https://na.myconnectwise.net/v4_6_release")
    assert psa_host_allowed("https://psa.internal.example:8443")
    assert not psa_host_allowed("http://169.254.169.254/latest/meta-data")
    assert not psa_host_allowed("https://myconnectwise.net.evil.example")
    assert not psa_host_allowed("http://[::1")


def test_a_host_outside_the_allowance_is_refused_in_the_admin_and_at_use(client: Any, connection: PsaConnection, settings: Any) -> None:
    settings.PSA_ALLOWED_HOSTS = [".myconnectwise.net"]
    new = json.dumps(CREDS)
    response = _change(_login(client, "admin"), connection, base_url="http://10.0.0.5", credentials_json=new)
    assert response.status_code == 200 and b"PSA_ALLOWED_HOSTS" in response.content
    settings.PSA_ALLOWED_HOSTS = ["other.example"]
    with pytest.raises(PsaError, match="PSA_ALLOWED_HOSTS"):
        connection.get_credentials()


def test_the_production_default_names_the_vendors_domains() -> None:
    import subprocess
    import sys

    code = "from django.conf import settings; print(','.join(settings.PSA_ALLOWED_HOSTS))"
    env = {"DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "x" * 50,
           "PATH": "/usr/bin:/bin"}  # fmt: skip
    out = subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"], env=env, capture_output=True, text=True, check=True)
    assert ".myconnectwise.net" in out.stdout and ".autotask.net" in out.stdout and ".halopsa.com" in out.stdout


def test_psa_connect_refuses_a_host_outside_the_allowance(settings: Any) -> None:
    from django.core.management import CommandError, call_command

    settings.PSA_ALLOWED_HOSTS = [".myconnectwise.net"]
    with pytest.raises(CommandError, match="base_url: this host is not in PSA_ALLOWED_HOSTS"):
        call_command("psa_connect", "cw", vendor="connectwise", base_url="http://169.254.169.254", **CREDS)
    assert not PsaConnection.objects.exists()
