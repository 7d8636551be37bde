"""Backend plumbing that the contract tests do not pin down."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest

from psa.backends import get_backend
from psa.backends.base import (
    PsaError,
    RetryPolicy,
    normalise_priority,
    normalise_skill_level,
    parse_datetime,
    parse_retry_after,
)
from tests.psa.conftest import CREDENTIALS, WRONG_CREDENTIALS, Receiver, Sim, make_backend, start_sim


def test_an_unknown_vendor_is_not_retryable() -> None:
    with pytest.raises(PsaError) as error:
        get_backend("servicenow", "http://127.0.0.1:1", {})

    assert error.value.retryable is False


@pytest.mark.parametrize("vendor", ["connectwise", "autotask", "halopsa"])
def test_missing_credentials_are_named_not_shown(vendor: str) -> None:
    with pytest.raises(PsaError) as error:
        get_backend(vendor, "http://127.0.0.1:1", {})

    assert "lack" in str(error.value) and error.value.retryable is False


def test_an_unreachable_psa_is_retryable() -> None:
    backend = get_backend(
        "halopsa",
        "http://127.0.0.1:9",
        CREDENTIALS["halopsa"],
        httpx.Client(),
        retry=RetryPolicy(retries=1, base_delay=0.01),
    )

    with pytest.raises(PsaError) as error:
        backend.get_ticket("1")

    assert error.value.retryable is True


def test_credentials_never_reach_logs_or_errors(sim: Sim, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    sim.fault("500", count=2, path_contains="tickets")
    make_backend(sim).get_ticket("12345")
    with pytest.raises(PsaError) as error:
        make_backend(sim, WRONG_CREDENTIALS[sim.vendor]).get_ticket("12345")

    secrets = [
        v
        for k, v in {**CREDENTIALS[sim.vendor], **WRONG_CREDENTIALS[sim.vendor]}.items()
        if "key" in k or "secret" in k
    ]
    text = caplog.text + str(error.value) + repr(make_backend(sim))
    assert secrets and not [s for s in secrets if s in text]


def test_connectwise_fetches_signing_keys_only_from_its_own_hosts(
    workspace: dict[str, Any], receiver: Receiver
) -> None:
    sim = start_sim("connectwise", workspace, receiver)
    try:
        sim.create_ticket(subject="x", company="acme")
        delivery = receiver.wait(1)[0]
        payload = json.loads(delivery.body)
        payload["Metadata"]["key_url"] = "https://attacker.example/key"

        assert make_backend(sim).verify_webhook(delivery.headers, json.dumps(payload).encode()) is False
        assert sim.requests("callbackkey") == []
    finally:
        sim.server.stop()


@pytest.mark.parametrize(
    ("label", "level"),
    [
        ("Priority 1 - Emergency Response", "Critical"),
        ("Priority 2 - Quick Response", "High"),
        ("Priority 3 - Normal Response", "Medium"),
        ("Priority 4 - Schedule Maintenance", "Low"),
        ("Priority 3 - Medium", "Medium"),
        ("Critical", "Critical"),
        ("P2", "High"),
        (None, "Medium"),
    ],
)
def test_priorities_are_normalised(label: str | None, level: str) -> None:
    assert normalise_priority(label) == level


def test_skill_levels_are_normalised() -> None:
    assert [normalise_skill_level(x) for x in ("Beginner", "Intermediate", "Advanced", "Expert", None)] == [
        "beginner", "intermediate", "expert", "expert", "intermediate",
    ]  # fmt: skip


def test_vendor_dates_parse_to_aware_utc() -> None:
    assert (
        parse_datetime("2024-05-01T10:00:00Z")
        == parse_datetime("2024-05-01T10:00:00")
        == parse_datetime("2024-05-01T12:00:00+02:00")
    )
    assert parse_datetime("2019-06-20T15:24:33.36Z").microsecond == 360000  # type: ignore[union-attr]
    assert parse_datetime("not a date") is None


def test_retry_after_in_seconds_or_as_a_date() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert parse_retry_after(None) is None
