from __future__ import annotations

import json
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from skills.models import Skill, Technician
from tests.ui.conftest import HX

URL = reverse("dispatch:workspace_import")
GOOD = {
    "skills": [{"name": "Exchange", "group": "Email"}],
    "technicians": [{"id": "tech-zoe", "name": "Zoe", "skills": {"Exchange": "expert"}}],
}


def upload(doc: Any, name: str = "desk.json") -> SimpleUploadedFile:
    body = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    return SimpleUploadedFile(name, body, content_type="application/json")


def test_import_upserts_and_redirects_with_counts(manager_client: Any) -> None:
    response = manager_client.post(URL, {"file": upload(GOOD)}, follow=True)
    assert Technician.objects.get(external_id="tech-zoe").name == "Zoe"
    assert b"Imported desk.json" in response.content


def test_import_counts_one_of_a_kind_in_the_singular(manager_client: Any) -> None:
    two = {**GOOD, "technicians": [*GOOD["technicians"], {"id": "tech-yan", "name": "Yan"}]}
    response = manager_client.post(URL, {"file": upload(two)}, follow=True)
    assert "Imported desk.json: 1 skill, 2 technicians." in response.content.decode()


def test_import_yaml_file(manager_client: Any) -> None:
    manager_client.post(URL, {"file": upload(b"skills:\n  - name: Teams\n    group: Voice\n", "desk.yaml")})
    assert Skill.objects.filter(name="Teams").exists()


def test_bad_file_lists_problems_by_path_and_changes_nothing(manager_client: Any) -> None:
    bad = {
        "skills": [{"name": "Exchange"}],
        "technicians": [{"id": "tech-zoe", "name": "Zoe", "skills": {"Exchange": "guru"}}],
    }
    response = manager_client.post(URL, {"file": upload(bad)}, headers=HX)
    assert response.status_code == 400
    assert b"technicians[0].skills.Exchange" in response.content
    assert not Technician.objects.exists() and not Skill.objects.exists()


def test_unparseable_file_names_the_upload(manager_client: Any) -> None:
    response = manager_client.post(URL, {"file": upload(b"{nope", "broken.json")})
    assert (
        response.status_code == 400
        and b"broken.json" in response.content
        and b"not valid JSON" in response.content
    )


def test_import_is_for_managers_only(dispatcher_client: Any) -> None:
    assert dispatcher_client.post(URL, {"file": upload(GOOD)}).status_code == 403
    assert not Technician.objects.exists()


def test_import_anonymous_goes_to_login(client: Any, db: Any) -> None:
    assert client.post(URL, {"file": upload(GOOD)}).status_code == 302
