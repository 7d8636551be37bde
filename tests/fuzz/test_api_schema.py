"""A bounded, schema-driven property run of every API call (schemathesis, issue 13): requests
generated from the live OpenAPI document, valid and invalid, against the app over WSGI with
a small desk. Fails on any 5xx, an undocumented status code, or a response that does not
match its documented schema. Bounded to a few dozen examples per call, derandomized, so it
takes well under a minute and gives the same cases on every run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import ApiToken, Role
from dispatch import services
from tests.factories import (
    CategoryFactory,
    CompanyFactory,
    SkillFactory,
    TechnicianFactory,
    TicketFactory,
    UserFactory,
)

MAX_EXAMPLES = 60
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def desk(db: Any) -> str:
    """A ticket with a suggestion, and a dispatcher's token."""
    exchange = SkillFactory(name="Exchange")
    category = CategoryFactory(name="Email Support", skills=[exchange])
    TechnicianFactory(external_id="tech-sarah", skills={exchange: "expert"})
    TechnicianFactory(external_id="tech-mike", skills={exchange: "intermediate"})
    ticket = TicketFactory(external_id="12345", category=category, company=CompanyFactory(external_id="acme"))
    services.decision_create(ticket=ticket, mode="suggest")
    return ApiToken.issue(UserFactory(username="fuzz", role=Role.DISPATCHER))[1]


@pytest.fixture(autouse=True)
def connection_kept_open() -> Iterator[None]:
    """Requests go through the WSGI app, which closes the database connection when a request
    finishes: as Django's test client does, keep it open, or the test's transaction goes too."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _live_schema() -> Any:
    """The OpenAPI document as the app serves it (no database needed to read it)."""
    from config.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


schema = _live_schema()


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_every_call_answers_as_documented(case: Any, desk: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {desk}"}, checks=CHECKS)
