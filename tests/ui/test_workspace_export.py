from __future__ import annotations

import json
from typing import Any

from django.urls import reverse

URL = reverse("dispatch:workspace_export")


def test_export_downloads_the_workspace_as_json(manager_client: Any, alice: Any) -> None:
    response = manager_client.get(URL)
    assert response["Content-Disposition"].startswith('attachment; filename="workspace-')
    doc = json.loads(response.content)
    assert [t["id"] for t in doc["technicians"]] == ["tech-alice"]


def test_export_is_for_managers_only(dispatcher_client: Any) -> None:
    assert dispatcher_client.get(URL).status_code == 403


def test_export_anonymous_goes_to_login(client: Any, db: Any) -> None:
    assert client.get(URL).status_code == 302
