import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import ApiToken, User, hash_token


@pytest.mark.django_db
def test_token_is_stored_hashed():
    user = User.objects.create(username="x")
    token, raw = ApiToken.issue(user)
    assert token.token_hash == hash_token(raw) and raw not in token.token_hash


@pytest.mark.django_db
def test_create_api_token_creates_user_with_role():
    out = StringIO()
    call_command("create_api_token", "ops-bot", "--role", "manager", stdout=out)
    raw = out.getvalue().strip()
    assert User.objects.get(username="ops-bot").role == "manager"
    assert ApiToken.objects.get(token_hash=hash_token(raw)).user.username == "ops-bot"


@pytest.mark.django_db
def test_api_rejects_missing_token(client):
    assert client.post("/api/v1/dispatch", data="{}", content_type="application/json").status_code == 401


@pytest.mark.django_db
def test_api_rejects_wrong_token(client):
    response = client.get("/api/v1/decisions/1", headers={"Authorization": "Bearer sb_nope"})
    assert response.status_code == 401


@pytest.mark.django_db
def test_revoked_token_is_rejected(client, dispatcher):
    token, raw = ApiToken.issue(dispatcher)
    ApiToken.objects.filter(pk=token.pk).update(revoked=True)
    assert client.get("/api/v1/decisions/1", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


@pytest.mark.django_db
def test_user_without_dispatch_role_gets_403(client):
    user = User.objects.create(username="viewer", role="viewer")
    _, raw = ApiToken.issue(user)
    assert client.get("/api/v1/decisions/1", headers={"Authorization": f"Bearer {raw}"}).status_code == 403


def test_a_tokens_last_use_is_recorded_to_the_minute_not_on_every_call(api: Any, time_machine: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    start = timezone.now()
    time_machine.move_to(start, tick=False)
    api.get("/api/v1/decisions/1")
    assert ApiToken.objects.get().last_used_at == start
    time_machine.move_to(start + dt.timedelta(seconds=30), tick=False)
    with CaptureQueriesContext(connection) as queries:
        api.get("/api/v1/decisions/1")
    assert not any("accounts_apitoken" in q["sql"] and q["sql"].startswith("UPDATE") for q in queries.captured_queries)
    time_machine.move_to(start + dt.timedelta(minutes=2), tick=False)
    api.get("/api/v1/decisions/1")
    assert ApiToken.objects.get().last_used_at == start + dt.timedelta(minutes=2)
