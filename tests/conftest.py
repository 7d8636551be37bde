from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from accounts.models import ApiToken, Role
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_WORKSPACE = ROOT / "dispatch" / "fixtures" / "example_workspace.json"


@pytest.fixture
def dispatcher(db: Any) -> Any:
    return UserFactory(username="dana", role=Role.DISPATCHER)


@pytest.fixture
def manager(db: Any) -> Any:
    return UserFactory(username="morgan", role=Role.MANAGER)


class ApiClient:
    """A Django test client that sends a bearer token and JSON."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str) -> Any:
        return self.client.get(path, headers=self.headers)

    def post(self, path: str, data: Any = None, raw: bytes | None = None) -> Any:
        import json

        body = raw if raw is not None else json.dumps(data if data is not None else {})
        return self.client.post(path, data=body, content_type="application/json", headers=self.headers)


@pytest.fixture
def api(dispatcher: Any) -> ApiClient:
    _, raw = ApiToken.issue(dispatcher)
    return ApiClient(raw)


@pytest.fixture
def manager_api(manager: Any) -> ApiClient:
    _, raw = ApiToken.issue(manager)
    return ApiClient(raw)


@pytest.fixture
def eager() -> Iterator[None]:
    """Celery tasks run in-process for this test, as in the demo (no worker)."""
    from config.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before
