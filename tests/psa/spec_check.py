"""Validate a simulator's answers against the vendors' published API descriptions.

The specs live beside the checkout, in ../shared/psa/specs (read only). What each vendor's
document does not say, and what these helpers therefore supply, with the source:

- Autotask (Swagger 2.0): the document names each route's *model*, not the envelope the
  service wraps it in: `GET /{Entity}/{id}` answers `{"item": model | null}`, a query
  `{"items": [model], "pageDetails": {...}}`, a create, update or delete `{"itemId": n}`
  (api-reference.md 2.2 and 2.4, django-autotask's fixtures). Property names are PascalCase in
  the document and camelCase on the wire (the service binds them without regard to case), so
  names are compared case-insensitively. No property is marked nullable, yet the service sends
  null for an empty field, so null is accepted everywhere. Every object is strict: a field the
  model does not have is an error.
- HaloPSA (OpenAPI 3.0): responses carry no schema ("Success"), so a route's model is the
  entity the same path takes in its POST body (`POST /Tickets` takes `[Faults]`, so
  `GET /Tickets/{id}` answers a `Faults`); lists are `{"record_count", "<key>": [model]}` for
  Tickets, Actions and Client, bare arrays elsewhere (api-reference.md 3.3). The schemas are
  strict already (`additionalProperties: false`) and mark nullability themselves.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import FormatChecker
from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS30ReadValidator, oas30_format_checker

SPECS = Path(__file__).resolve().parents[2] / ".." / "shared" / "psa" / "specs"
AUTOTASK_SPEC = "autotask-rest-v1.json"
HALO_SPEC = "halopsa-swagger.json"

AT_PAGE_DETAILS = {  # field names folded to lower case, as every Autotask name is compared
    "type": "object",
    "required": ["count", "requestcount", "prevpageurl", "nextpageurl"],
    "properties": {
        "count": {"type": "integer"},
        "requestcount": {"type": "integer"},
        "prevpageurl": {"type": "string", "nullable": True},
        "nextpageurl": {"type": "string", "nullable": True},
    },
    "additionalProperties": False,
}
HALO_LIST_KEYS = {"/tickets": "tickets", "/actions": "actions", "/client": "clients"}
# RFC 6749 5.1 and 5.2: Halo's /auth/token is an OAuth 2.0 token endpoint, outside the API document.
OAUTH_TOKEN = {
    "type": "object",
    "required": ["access_token", "token_type", "expires_in"],
    "properties": {
        "access_token": {"type": "string"},
        "token_type": {"type": "string"},
        "expires_in": {"type": "integer"},
        "scope": {"type": "string"},
    },
}
OAUTH_ERROR = {
    "type": "object",
    "required": ["error", "error_description"],
    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
    "additionalProperties": False,
}


class SpecMissing(AssertionError):
    pass


@cache
def load_spec(name: str) -> dict[str, Any]:
    path = SPECS / name
    if not path.is_file():
        raise SpecMissing(f"the vendor API description {path.resolve()} is missing (../shared/psa/specs)")
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def _template(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(path)) + "/?$", re.IGNORECASE)


@cache
def _routes(name: str, prefix: str) -> list[tuple[re.Pattern[str], str]]:
    """Spec paths as case-insensitive patterns, literal paths first (`/Tickets/query` before `/Tickets/{id}`)."""
    paths = sorted(load_spec(name)["paths"], key=lambda p: (p.count("{"), p))
    return [(_template(prefix + p), p) for p in paths]


def spec_path(name: str, prefix: str, path: str) -> str | None:
    return next((p for pattern, p in _routes(name, prefix) if pattern.match(path)), None)


def _iso_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


# HaloPSA serialises .NET DateTime values as ISO 8601 without an offset (UTC): the document's
# "date-time" means that shape there, not RFC 3339. Every other format is checked as OAS 3.0 says.
HALO_FORMATS = FormatChecker()
HALO_FORMATS.checkers = {**oas30_format_checker.checkers}
HALO_FORMATS.checks("date-time")(_iso_datetime)


def errors(
    schema: dict[str, Any],
    components: dict[str, Any],
    instance: Any,
    formats: FormatChecker = oas30_format_checker,
) -> list[str]:
    validator = OAS30ReadValidator({**schema, "components": components}, format_checker=formats)
    found: list[ValidationError] = sorted(
        validator.iter_errors(instance), key=lambda e: list(e.absolute_path)
    )
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:200]}" for e in found]


# ---- Autotask --------------------------------------------------------------------------


def _at_schema(node: dict[str, Any]) -> dict[str, Any]:
    """A Swagger 2.0 schema as a strict OAS 3.0 one: names folded to lower case, null allowed."""
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return {} if name == "Object" else {"$ref": f"#/components/schemas/{name}"}
    out: dict[str, Any] = {k: node[k] for k in ("type", "format", "enum") if k in node}
    if "properties" in node:
        out["properties"] = {k.lower(): _at_schema(v) for k, v in node["properties"].items()}
        out["additionalProperties"] = False
    if "items" in node:
        out["items"] = _at_schema(node["items"])
    out["nullable"] = True
    return out


@cache
def autotask_components() -> dict[str, Any]:
    definitions = load_spec(AUTOTASK_SPEC)["definitions"]
    return {"schemas": {name: _at_schema(d) for name, d in definitions.items()}}


def fold_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k).lower(): fold_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [fold_keys(v) for v in value]
    return value


def autotask_response_schema(method: str, spec_route: str) -> dict[str, Any]:
    operation = load_spec(AUTOTASK_SPEC)["paths"][spec_route][method.lower()]
    kind = operation["operationId"].split("_", 1)[-1]
    model = _at_schema(operation["responses"]["200"]["schema"])
    if kind == "QueryItem":
        return _strict_object({"item": model})
    if kind in ("Query", "UrlParameterQuery"):
        return _strict_object({"items": {"type": "array", "items": model}, "pagedetails": AT_PAGE_DETAILS})
    if kind in ("CreateEntity", "UpdateEntity", "PatchEntity", "DeleteEntity"):
        return _at_schema({"$ref": "#/definitions/OperationResultModel"})
    return model


def _strict_object(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": list(properties),
        "properties": properties,
        "additionalProperties": False,
    }


# ---- HaloPSA ---------------------------------------------------------------------------


def halo_model(spec_route: str) -> dict[str, Any]:
    """The entity of a Halo path: the item schema of its collection's POST body."""
    collection = "/" + spec_route.strip("/").split("/", 1)[0]
    paths = load_spec(HALO_SPEC)["paths"]
    body = paths[collection]["post"]["requestBody"]["content"]["application/json"]["schema"]
    item: dict[str, Any] = body["items"]
    return item


def halo_response_schema(method: str, spec_route: str) -> dict[str, Any]:
    model = halo_model(spec_route)
    if method == "POST":
        return {"oneOf": [model, {"type": "array", "items": model}]}
    if "{" in spec_route:
        return model
    key = HALO_LIST_KEYS.get(spec_route.lower())
    if key is None:
        return {"type": "array", "items": model}
    return {
        "type": "object",
        "required": ["record_count", key],
        "properties": {
            "page_no": {"type": "integer"},
            "page_size": {"type": "integer"},
            "record_count": {"type": "integer"},
            key: {"type": "array", "items": model},
        },
        "additionalProperties": False,
    }
