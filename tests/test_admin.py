"""Every admin page a manager maintains the desk with renders, on the example desk's data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.contrib import admin
from django.urls import reverse

from dispatch.workspace.importer import workspace_import
from tests.factories import UserFactory

EXAMPLE = Path(__file__).resolve().parents[1] / "dispatch" / "fixtures" / "example_workspace.json"
MODELS = [m for m in admin.site._registry]


@pytest.fixture(scope="module")
def example_doc() -> dict[str, Any]:
    doc = json.loads(EXAMPLE.read_text())
    doc["history"] = doc["history"][:50]
    return doc


@pytest.fixture
def admin_client(client: Any, example_doc: dict[str, Any]) -> Any:
    workspace_import(example_doc)
    client.force_login(UserFactory(username="root", role="admin", is_staff=True, is_superuser=True))
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=lambda m: f"{m._meta.app_label}.{m._meta.model_name}")
def test_changelist_search_and_change_pages_render(admin_client: Any, model: Any) -> None:
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    assert admin_client.get(reverse(f"{name}_changelist"), {"q": "a"}).status_code == 200
    obj = model._default_manager.first()
    if obj is not None:
        assert admin_client.get(reverse(f"{name}_change", args=[obj.pk])).status_code == 200


@pytest.mark.django_db
def test_a_manager_maintains_the_skills_matrix_in_the_admin_without_staff_flags(client: Any) -> None:
    client.force_login(UserFactory(username="morgan", role="manager"))
    assert client.get(reverse("admin:skills_technician_add")).status_code == 200
    response = client.post(reverse("admin:skills_skill_add"), {"name": "Intune", "group": "Endpoint"})
    assert response.status_code == 302
    assert client.get(reverse("admin:skills_skill_changelist"), {"q": "Intune"}).context["cl"].result_count == 1


@pytest.mark.django_db
def test_a_manager_cannot_edit_users_or_tokens(client: Any) -> None:
    client.force_login(UserFactory(username="morgan", role="manager"))
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403
    assert client.get(reverse("admin:accounts_apitoken_changelist")).status_code == 403


@pytest.mark.django_db
def test_a_dispatcher_cannot_open_the_admin(client: Any) -> None:
    client.force_login(UserFactory(username="dana", role="dispatcher"))
    response = client.get(reverse("admin:skills_technician_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
