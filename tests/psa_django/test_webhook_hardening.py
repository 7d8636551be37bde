"""Webhook deliveries from someone who is not the PSA (issue 13): bad bodies and headers are
4xx before anything is fetched or stored, and forged ConnectWise deliveries can make the
server fetch its signing key only within fixed bounds."""

from __future__ import annotations

import base64
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.test import Client

from psa.backends import connectwise
from psa.backends.connectwise import ConnectWiseBackend
from psa.models import PsaConnection, WebhookEvent
from tests.psa.conftest import CREDENTIALS, WEBHOOK_SECRET

pytestmark = pytest.mark.django_db
SITE = "http://127.0.0.1:9"
FAKE_SIGNATURE = base64.b64encode(b"\x01" * 32).decode()


@pytest.fixture(autouse=True)
def fetches(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every signing-key fetch, answered with a key that signs nothing the tests send."""
    seen: list[str] = []

    def fetch(self: ConnectWiseBackend, url: str) -> str:
        seen.append(url)
        return "not-the-key"

    connectwise._SIGNING_KEYS.clear()
    monkeypatch.setattr(ConnectWiseBackend, "_fetch_signing_key", fetch)
    yield seen
    connectwise._SIGNING_KEYS.clear()


def _connection(vendor: str) -> PsaConnection:
    conn = PsaConnection(name=f"h-{vendor}", vendor=vendor, base_url=SITE)
    conn.set_credentials(CREDENTIALS[vendor])
    conn.set_webhook_secret(WEBHOOK_SECRET)
    conn.save()
    return conn


def _post(vendor: str, body: bytes, **headers: str) -> Any:
    return Client().post(f"/api/v1/psa/h-{vendor}/webhook", data=body, content_type="application/json", headers=headers)


def _cw_body(key_url: str = f"{SITE}/v4_6_release/apis/3.0/system/callbackkey?id=1", message: str = "m1") -> bytes:
    return json.dumps({"MessageId": message, "Type": "ticket", "Action": "added", "ID": 5,
                       "Metadata": {"key_url": key_url}}).encode()  # fmt: skip


@pytest.mark.parametrize("vendor", ["connectwise", "autotask", "halopsa"])
def test_deeply_nested_json_is_400_before_the_signature_check(vendor: str, fetches: list[str]) -> None:
    _connection(vendor)
    response = _post(vendor, b'{"Metadata": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", x_content_signature=FAKE_SIGNATURE)
    assert response.status_code == 400 and response.json()["error_details"]["message"].startswith("body:")
    assert fetches == [] and not WebhookEvent.objects.exists()


@pytest.mark.parametrize("vendor", ["connectwise", "autotask", "halopsa"])
def test_json_nested_past_the_limit_is_400(vendor: str) -> None:
    _connection(vendor)
    response = _post(vendor, b"[" * 40 + b"]" * 40)
    assert response.status_code == 400 and "nested" in response.json()["error_details"]["message"]


@pytest.mark.parametrize(
    ("vendor", "header"),
    [("connectwise", "x-content-signature"), ("autotask", "X-Hook-Signature"), ("halopsa", "X-Halo-Signature")],
)
def test_a_non_ascii_signature_header_is_401(vendor: str, header: str) -> None:
    _connection(vendor)
    response = _post(vendor, _cw_body(), **{header: "sha1=ÿÿÿÿ" + "é" * 38})
    assert response.status_code == 401 and not WebhookEvent.objects.exists()


def test_a_non_ascii_halopsa_password_is_401() -> None:
    _connection("halopsa")
    token = base64.b64encode("halo:pässwörd".encode()).decode()
    response = _post("halopsa", b'{"id": 5, "event": "new"}', Authorization=f"Basic {token}")
    assert response.status_code == 401 and not WebhookEvent.objects.exists()


def test_a_malformed_key_url_is_401_and_fetches_nothing(fetches: list[str]) -> None:
    _connection("connectwise")
    response = _post("connectwise", _cw_body(key_url="http://[::1"), x_content_signature=FAKE_SIGNATURE)
    assert response.status_code == 401 and fetches == []


def test_without_a_well_formed_signature_nothing_is_fetched(fetches: list[str]) -> None:
    _connection("connectwise")
    for signature in ("", "abc", "x" * 44, base64.b64encode(b"short").decode()):
        assert _post("connectwise", _cw_body(), x_content_signature=signature).status_code == 401
    assert fetches == []


def test_twenty_forged_deliveries_fetch_the_key_once(fetches: list[str]) -> None:
    _connection("connectwise")
    for i in range(20):
        assert _post("connectwise", _cw_body(message=f"m{i}"), x_content_signature=FAKE_SIGNATURE).status_code == 401
    assert len(fetches) == 1 and not WebhookEvent.objects.exists()


def test_forged_key_urls_are_fetched_within_a_budget_and_the_cache_stays_bounded(fetches: list[str]) -> None:
    _connection("connectwise")
    for i in range(60):
        _post("connectwise", _cw_body(key_url=f"{SITE}/key?id={i}"), x_content_signature=FAKE_SIGNATURE)
    assert len(fetches) == connectwise.KEY_FETCHES_PER_MINUTE
    assert len(connectwise._SIGNING_KEYS) <= connectwise.KEY_CACHE_SIZE


def test_the_cache_keeps_at_most_its_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connectwise, "KEY_FETCHES_PER_MINUTE", 1000)
    keys = connectwise.SigningKeys()
    for i in range(100):
        keys.get(f"https://x.myconnectwise.net/{i}", refresh=False, fetch=lambda: "k")
    assert len(keys) == connectwise.KEY_CACHE_SIZE


REAL_FETCH = ConnectWiseBackend._fetch_signing_key  # taken before the fixture replaces it


def test_a_slow_key_url_is_abandoned_within_the_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    class Slow(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            for _ in range(40):
                time.sleep(0.1)
                yield b" "

    monkeypatch.setattr(connectwise, "KEY_FETCH_SECONDS", 0.5)
    client = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(200, stream=Slow())))
    backend = ConnectWiseBackend(SITE, CREDENTIALS["connectwise"], client)
    started = time.monotonic()
    assert REAL_FETCH(backend, f"{SITE}/key") is None
    assert time.monotonic() - started < 1.5


def test_a_key_larger_than_the_limit_is_refused() -> None:
    big = json.dumps({"signing_key": "k" * 50_000}).encode()
    client = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(200, content=big)))
    assert REAL_FETCH(ConnectWiseBackend(SITE, CREDENTIALS["connectwise"], client), f"{SITE}/key") is None


def test_a_nul_in_the_connection_name_is_400() -> None:
    response = Client().post("/api/v1/psa/a%00b/webhook", data=b"{}", content_type="application/json")
    assert response.status_code == 400 and "connection" in response.json()["error_details"]["message"]


def test_a_ticket_id_with_nul_is_refused() -> None:
    from psa.webhooks import webhook_receive

    _connection("autotask")
    body = json.dumps({"EntityType": "Ticket", "Action": "Create", "Id": "5\x00", "Guid": "g", "SequenceNumber": 1}).encode()
    digest = hmac.new(WEBHOOK_SECRET.encode(), body, "sha1").digest()
    headers = {"X-Hook-Signature": "sha1=" + base64.b64encode(digest).decode()}
    receipt = webhook_receive(connection_name="h-autotask", headers=headers, body=body)
    assert receipt.status == 400 and not WebhookEvent.objects.exists()


def test_a_body_over_the_upload_limit_is_413_in_the_error_shape(settings: Any) -> None:
    settings.DEBUG = False  # it was Django's HTML 400 without DEBUG (and a 500 with it)
    _connection("autotask")
    response = _post("autotask", b'{"Id": "' + b"1" * 2_700_000 + b'"}')
    assert response.status_code == 413 and response.json()["error_details"]["message"].startswith("body:")
    assert not WebhookEvent.objects.exists()
