import pytest

from psa.models import PsaConnection


@pytest.mark.django_db
def test_credentials_are_stored_encrypted():
    conn = PsaConnection(name="cw", vendor="connectwise", base_url="http://127.0.0.1:1")
    conn.set_credentials({"private_key": "s3cret-value"})
    conn.save()
    conn.refresh_from_db()
    assert "s3cret-value" not in conn.credentials_encrypted
    assert conn.get_credentials() == {"private_key": "s3cret-value"}


@pytest.mark.django_db
def test_credentials_can_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("CW_CREDS", '{"public_key": "pk"}')
    conn = PsaConnection.objects.create(name="cw2", vendor="connectwise", base_url="http://x", credentials_env="CW_CREDS")
    assert conn.get_credentials() == {"public_key": "pk"}
