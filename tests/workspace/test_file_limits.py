"""Workspace files that once hung the importer, gave tracebacks or were silently merged
(issue 13): each is refused with a message naming the file or the path, and nothing changes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from dispatch.workspace.schema import MAX_DEPTH, WorkspaceError, load_workspace, validate_workspace
from skills.models import Skill

BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def _problems(path: Path, **options: Any) -> str:
    with pytest.raises(WorkspaceError) as exc:
        load_workspace(path, **options)
    return str(exc.value)


def test_yaml_aliases_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "laughs.yaml"
    path.write_text(BILLION_LAUGHS)
    assert "aliases (*a) are not allowed" in _problems(path)


def test_a_duplicate_json_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "dup.json"
    path.write_text('{"skills": [{"name": "Exchange", "name": "VPN"}]}')
    assert 'duplicate key "name"' in _problems(path)


def test_a_duplicate_yaml_key_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text("settings:\n  skill_match_threshold: 50\n  skill_match_threshold: 90\n")
    problems = _problems(path)
    assert "duplicate key 'skill_match_threshold'" in problems and "line 3" in problems


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"skills": [{"name": f"s{i}"} for i in range(2000)]}))
    assert "larger than the 1000 allowed" in _problems(path, max_bytes=1000)


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_deep_nesting_is_refused_naming_the_file(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"deep{suffix}"
    path.write_text('{"skills": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert "nested deeper than" in _problems(path)


def test_nesting_past_the_limit_names_the_path() -> None:
    deep: Any = "x"
    for _ in range(MAX_DEPTH + 5):
        deep = [deep]
    with pytest.raises(WorkspaceError) as exc:
        validate_workspace({"skills": deep})
    assert str(exc.value).startswith("skills[0]") and "nested deeper" in str(exc.value)


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "9999-12-31T23:00:00Z"])
def test_dates_at_the_edges_of_the_range_name_their_path(value: str) -> None:
    doc = {"technicians": [{"id": "t1", "name": "T", "time_off": [{"start": value, "end": value}]}]}
    with pytest.raises(WorkspaceError) as exc:
        validate_workspace(doc)
    assert "technicians[0].time_off[0].start" in str(exc.value) and "outside the years" in str(exc.value)


@pytest.mark.parametrize(
    ("doc", "path"),
    [({"skills": [{"name": "s" * 101}]}, "skills[0].name"),
     ({"technicians": [{"id": "t" * 101, "name": "T"}]}, "technicians[0].id"),
     ({"technicians": [{"id": "t1", "name": "T" * 201}]}, "technicians[0].name"),
     ({"tickets": [{"id": "1", "subject": "s" * 501}]}, "tickets[0].subject"),
     ({"tickets": [{"id": "1", "board": "b" * 101}]}, "tickets[0].board"),
     ({"technicians": [{"id": "t1", "name": "T", "skills": {"k" * 101: "expert"}}]}, "technicians[0].skills")],
)  # fmt: skip
def test_over_long_names_are_refused_naming_the_path(doc: dict[str, Any], path: str) -> None:
    with pytest.raises(WorkspaceError) as exc:
        validate_workspace(doc)
    assert str(exc.value).startswith(path)


@pytest.mark.parametrize(
    ("doc", "path"),
    [({"skills": [{"name": "Ex\x00change"}]}, "skills[0].name"),
     ({"technicians": [{"id": "t\x001", "name": "T"}]}, "technicians[0].id"),
     ({"tickets": [{"id": "1", "description": "a\x00"}]}, "tickets[0].description"),
     ({"rules": [{"name": "r", "when": {"keywords": "vpn\x00"}, "then": {"board": "B"}}]}, "rules[0].when.keywords")],
)  # fmt: skip
def test_nul_characters_are_refused_naming_the_path(doc: dict[str, Any], path: str) -> None:
    with pytest.raises(WorkspaceError) as exc:
        validate_workspace(doc)
    assert str(exc.value).startswith(path) and "NUL" in str(exc.value)


@pytest.mark.django_db
def test_import_workspace_refuses_a_bad_file_and_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "laughs.yaml"
    path.write_text("skills:\n  - {name: Exchange}\n" + BILLION_LAUGHS.replace("a: &a", "x: &a"))
    with pytest.raises(CommandError, match="aliases"):
        call_command("import_workspace", str(path), "--no-train")
    assert not Skill.objects.exists()


@pytest.mark.django_db
def test_import_workspace_applies_the_size_limit(tmp_path: Path, settings: Any) -> None:
    settings.WORKSPACE_MAX_BYTES = 100
    path = tmp_path / "ws.json"
    path.write_text(json.dumps({"skills": [{"name": f"skill {i}"} for i in range(20)]}))
    with pytest.raises(CommandError, match="larger than the 100 allowed"):
        call_command("import_workspace", str(path), "--no-train")
    call_command("import_workspace", str(path), "--no-train", "--max-bytes", "0")
    assert Skill.objects.count() == 20


@pytest.mark.django_db
def test_a_long_name_imports_nothing_on_the_database(tmp_path: Path) -> None:
    path = tmp_path / "ws.json"
    path.write_text(json.dumps({"skills": [{"name": "ok"}, {"name": "x" * 150}]}))
    with pytest.raises(CommandError, match=r"skills\[1\]\.name"):
        call_command("import_workspace", str(path), "--no-train")
    assert not Skill.objects.exists()


@pytest.fixture
def manager_client(db: Any) -> Any:
    from django.test import Client

    from tests.factories import UserFactory

    client = Client()
    client.force_login(UserFactory(username="morgan", role="manager"))
    return client


def _upload(manager_client: Any, body: bytes, name: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    upload = SimpleUploadedFile(name, body, content_type="application/octet-stream")
    return manager_client.post(reverse("dispatch:workspace_import"), {"file": upload}, headers={"HX-Request": "true"})


def test_the_upload_page_refuses_a_billion_laughs_file(manager_client: Any) -> None:
    response = _upload(manager_client, ("skills:\n  - {name: Exchange}\n" + BILLION_LAUGHS).encode(), "laughs.yaml")
    assert response.status_code == 400 and b"aliases (*a) are not allowed" in response.content
    assert not Skill.objects.exists()


def test_the_upload_page_refuses_a_file_over_the_limit(manager_client: Any, settings: Any) -> None:
    settings.WORKSPACE_MAX_BYTES = 50
    response = _upload(manager_client, json.dumps({"skills": [{"name": "Exchange"}] * 5}).encode(), "desk.json")
    assert response.status_code == 400 and b"larger than the 50 allowed" in response.content
    assert not Skill.objects.exists()


def test_too_many_records_in_a_section_are_refused_at_once() -> None:
    with pytest.raises(WorkspaceError) as exc:
        validate_workspace({"skills": [{"name": f"s{i}"} for i in range(10_001)]})
    assert str(exc.value) == "skills: 10001 records, at most 10000 allowed"
