"""Fixtures for the page tests: signed-in clients per role and a tiny desk where the
engine has a clear favourite (Alice, the expert) for the ticket."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from dispatch.models import Decision
from dispatch.services import decision_create
from tests.factories import CategoryFactory, SkillFactory, TechnicianFactory, TicketFactory, UserFactory

HX = {"HX-Request": "true"}


@pytest.fixture
def client_for(db: Any) -> Any:
    def make(user: Any) -> Client:
        c = Client()
        c.force_login(user)
        return c

    return make


@pytest.fixture
def dispatcher_client(dispatcher: Any, client_for: Any) -> Client:
    return client_for(dispatcher)


@pytest.fixture
def manager_client(manager: Any, client_for: Any) -> Client:
    return client_for(manager)


@pytest.fixture
def norole_client(db: Any, client_for: Any) -> Client:
    """Signed in, but with no dispatch role (e.g. an API-only account)."""
    return client_for(UserFactory(username="robot", role=""))


@pytest.fixture
def skill(db: Any) -> Any:
    return SkillFactory(name="Exchange")


@pytest.fixture
def category(skill: Any) -> Any:
    return CategoryFactory(name="Email", skills=[skill])


@pytest.fixture
def alice(skill: Any) -> Any:
    return TechnicianFactory(external_id="tech-alice", name="Alice Expert", skills={skill: "expert"})


@pytest.fixture
def bob(skill: Any) -> Any:
    return TechnicianFactory(external_id="tech-bob", name="Bob Beginner", skills={skill: "beginner"})


@pytest.fixture
def ticket(category: Any, alice: Any, bob: Any) -> Any:
    return TicketFactory(external_id="5001", subject="Mailbox full", category=category)


@pytest.fixture
def decision(ticket: Any) -> Decision:
    return decision_create(ticket=ticket, mode="suggest", initiated_by="test")
