"""Bad input the API once answered with a 500 or accepted silently (issue 13): each answers a 4xx
with the contract's error document naming the field, and stores nothing."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from dispatch.models import Decision, Ticket
from tests.dispatch import test_api

FULL = {"ticket_id": "9001", "ticket_category": "Email Support", "ticket_priority": "High",
        "ticket_board": "Service Desk", "company_id": "acme"}  # fmt: skip


desk = test_api.desk


def _refused(response: Any, field: str, status: int = 400) -> bool:
    error = response.json()["error_details"]
    return (
        response.status_code == status
        and error["code"] == "INVALID_TICKET_DATA"
        and any(f.startswith(f"{field}:") for f in error["fields"])
    )


def _nothing_stored() -> bool:
    return not Ticket.objects.filter(external_id="9001").exists() and not Decision.objects.exists()


@pytest.mark.parametrize("field", ["as_of", "sla_due_date"])
@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "9999-12-31T23:59:59Z"])
def test_dates_at_the_edges_of_the_range_are_400(api: Any, desk: Any, field: str, value: str) -> None:
    assert _refused(api.post("/api/v1/dispatch", FULL | {field: value}), field)
    assert _nothing_stored()


@pytest.mark.parametrize(
    ("field", "value"),
    [("ticket_id", "x" * 101), ("ticket_board", "b" * 5000), ("company_id", "c" * 101), ("subject", "s" * 501),
     ("ticket_category", "c" * 101), ("language_requirement", "l" * 51)],
)  # fmt: skip
def test_strings_longer_than_their_column_are_400(api: Any, desk: Any, field: str, value: str) -> None:
    response = api.post("/api/v1/dispatch", FULL | {field: value})
    assert _refused(response, field) and "at most" in response.json()["error_details"]["message"]
    assert _nothing_stored()


@pytest.mark.parametrize("field", ["ticket_id", "ticket_category", "ticket_board", "company_id", "subject",
                                   "description", "customer_preferred_tech", "language_requirement"])  # fmt: skip
def test_a_nul_character_in_any_string_is_400(api: Any, desk: Any, field: str) -> None:
    response = api.post("/api/v1/dispatch", FULL | {field: "a\x00b"})
    assert _refused(response, field) and "NUL" in response.json()["error_details"]["message"]
    assert _nothing_stored()


def test_a_nul_character_in_a_list_is_400(api: Any, desk: Any) -> None:
    assert _refused(api.post("/api/v1/dispatch", FULL | {"exclude_technicians": ["a\x00"]}), "exclude_technicians")


def test_a_nul_character_in_the_candidates_url_is_400(api: Any, desk: Any) -> None:
    assert _refused(api.get("/api/v1/tickets/a%00b/candidates"), "ticket_id")


def test_a_ticket_id_too_long_for_the_url_is_400(api: Any, desk: Any) -> None:
    assert _refused(api.post(f"/api/v1/tickets/{'x' * 101}/approve", {}), "ticket_id")


def test_a_decision_id_past_bigint_is_400(api: Any, desk: Any) -> None:
    assert _refused(api.get("/api/v1/decisions/99999999999999999999999"), "decision_id")


@pytest.mark.parametrize("path", ["/api/v1/dispatch", "/api/v1/classify", "/api/v1/tickets/12345/approve"])
def test_deeply_nested_json_is_400(api: Any, desk: Any, path: str) -> None:
    response = api.post(path, raw=b"[" * 100_000 + b"]" * 100_000)
    assert _refused(response, "body")


def test_a_body_over_the_upload_limit_is_413_in_the_error_shape(api: Any, desk: Any, settings: Any) -> None:
    settings.DEBUG = True  # it was a 500 traceback with DEBUG on
    response = api.post("/api/v1/dispatch", raw=b'{"ticket_id": "' + b"a" * 2_700_000 + b'"}')
    assert _refused(response, "body", status=413)


def test_a_null_ticket_id_is_400_and_stores_no_ticket(api: Any, desk: Any) -> None:
    response = api.post("/api/v1/dispatch", {"ticket_id": None})
    assert _refused(response, "ticket_id") and "ticket_id: must be a string" in response.json()["error_details"]["fields"]
    assert Ticket.objects.count() == 1 and not Decision.objects.exists()


@pytest.mark.parametrize("value", [123, 12.5, True, ["12345"], {"id": "12345"}])
def test_a_ticket_id_that_is_not_a_string_is_400(api: Any, desk: Any, value: Any) -> None:
    assert _refused(api.post("/api/v1/dispatch", {"ticket_id": value}), "ticket_id")
    assert not Decision.objects.exists()


@pytest.mark.parametrize("field", ["ticket_priority", "ticket_board", "mode", "subject"])
def test_numbers_are_not_taken_for_strings(api: Any, desk: Any, field: str) -> None:
    assert _refused(api.post("/api/v1/dispatch", FULL | {field: 7}), field)


def test_strings_are_not_taken_for_booleans(api: Any, desk: Any) -> None:
    assert _refused(api.post("/api/v1/dispatch", FULL | {"dispatch_immediately": "false"}), "dispatch_immediately")


def test_an_empty_ticket_id_is_400_and_the_schema_says_so(api: Any, desk: Any) -> None:
    assert _refused(api.post("/api/v1/dispatch", {"ticket_id": ""}), "ticket_id")
    schema = api.get("/api/v1/openapi.json").json()["components"]["schemas"]["DispatchIn"]
    assert schema["properties"]["ticket_id"]["minLength"] == 1 and schema["required"] == ["ticket_id"]


def test_classify_without_text_is_400_and_the_schema_requires_text(api: Any, desk: Any) -> None:
    assert _refused(api.post("/api/v1/classify", {}), "subject, description")
    schema = api.get("/api/v1/openapi.json").json()["components"]["schemas"]["ClassifyIn"]
    assert {tuple(alt["required"]) for alt in schema["anyOf"]} == {("subject",), ("description",)}


def test_batch_takes_no_body_and_the_schema_says_it_is_optional(api: Any, desk: Any) -> None:
    response = api.client.post("/api/v1/dispatch/batch", data=b"", content_type="application/json", headers=api.headers)
    assert response.status_code == 200 and response.json()["count"] == 1
    operation = api.get("/api/v1/openapi.json").json()["paths"]["/api/v1/dispatch/batch"]["post"]
    assert operation["requestBody"]["required"] is False


def test_batch_with_unknown_fields_is_400(api: Any, desk: Any) -> None:
    assert _refused(api.post("/api/v1/dispatch/batch", {"optimize": True}), "optimize")
    assert not Decision.objects.exists()


def test_approve_with_a_number_for_the_technician_is_400(api: Any, desk: Any) -> None:
    assert _refused(api.post("/api/v1/tickets/12345/approve", {"technician_id": 5}), "technician_id")


def test_a_missing_token_answers_the_error_shape(desk: Any, client: Any) -> None:
    response = client.get("/api/v1/decisions/1")
    assert response.status_code == 401 and response.json()["error_details"]["code"] == "UNAUTHORIZED"


def test_openapi_documents_every_error_code_with_the_error_shape(api: Any) -> None:
    paths = api.get("/api/v1/openapi.json").json()["paths"]
    for path, operations in paths.items():
        if "/psa/" in path:
            continue
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"200", "400", "401", "403"} <= codes, (method, path)
            for code in codes - {"200"}:
                ref = operation["responses"][code]["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/ErrorOut"), (method, path, code)


def test_the_docs_page_loads_swagger_from_this_server(api: Any) -> None:
    html = api.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html and "cdn" not in html.lower()


def test_a_token_with_another_scheme_is_not_logged(desk: Any, client: Any, settings: Any, caplog: Any) -> None:
    settings.DEBUG = True
    with caplog.at_level(logging.DEBUG):
        response = client.get("/api/v1/decisions/1", headers={"Authorization": "Token sb_secret-value-123"})
    assert response.status_code == 401 and "sb_secret-value-123" not in caplog.text


def test_a_non_ascii_token_is_401(desk: Any, client: Any) -> None:
    response = client.get("/api/v1/decisions/1", headers={"Authorization": "Bearer tökén"})
    assert response.status_code == 401


def test_pages_carry_a_content_security_policy(client: Any, db: Any) -> None:
    policy = client.get("/accounts/login/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy


def test_an_unknown_api_path_answers_the_error_shape(api: Any) -> None:
    response = api.get("/api/v1/tickets")
    assert response.status_code == 404 and response.json()["error_details"]["code"] == "NOT_FOUND"
