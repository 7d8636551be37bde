"""The sync tasks, run eagerly (the worker path itself is tested under tests/integration)."""

from __future__ import annotations

from typing import Any

import pytest

from dispatch.models import Ticket
from psa import tasks
from psa.models import PsaConnection
from tests.psa.conftest import WRONG_CREDENTIALS
from tests.psa_django.conftest import Sim

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("vendor", ["connectwise"])
def test_sync_all_tickets_runs_one_sync_per_enabled_connection(
    connection: PsaConnection, eager: None
) -> None:
    PsaConnection.objects.create(name="off", vendor="halopsa", base_url="http://127.0.0.1:9", enabled=False)
    assert tasks.sync_all_tickets.apply().get() == 1
    assert Ticket.objects.filter(connection=connection).count() == 3


@pytest.mark.parametrize("vendor", ["autotask"])
def test_a_retryable_failure_is_retried_by_celery(connection: PsaConnection, sim: Sim, eager: None) -> None:
    sim.fault(mode="500", count=1000, path_contains="tickets")
    result = tasks.sync_tickets.apply(args=[connection.pk])
    attempts = len(sim.http.get("/_sim/requests", params={"path_contains": "tickets"}).json()["requests"])
    assert result.state == "FAILURE" and isinstance(result.result, tasks.RetryablePsaError)
    assert attempts == (tasks.RETRY["max_retries"] + 1) * 4  # each task run: 1 request + 3 backend retries


@pytest.mark.parametrize("vendor", ["halopsa"])
def test_bad_credentials_fail_once_and_are_recorded(connection: PsaConnection, sim: Sim, eager: Any) -> None:
    connection.set_credentials(WRONG_CREDENTIALS["halopsa"])
    connection.save()
    assert tasks.sync_people.apply(args=[connection.pk]).get().startswith("failed:")
    connection.refresh_from_db()
    assert "people sync" in connection.last_error and "401" in connection.last_error
