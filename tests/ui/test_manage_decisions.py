"""The decisions list: search, technician, date range and status filters; tickets as links."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.urls import reverse

from dispatch.models import Decision, DecisionStatus
from dispatch.services import decision_create
from tests.factories import TicketFactory

URL = reverse("dispatch:decisions")


@pytest.fixture
def two(decision: Decision, category: Any, bob: Any) -> tuple[Decision, Decision]:
    other = decision_create(
        ticket=TicketFactory(external_id="6002", subject="Printer jam on floor 3", category=category),
        mode="suggest", initiated_by="test",
    )  # fmt: skip
    Decision.objects.filter(pk=decision.pk).update(created_at=datetime(2026, 3, 2, 15, tzinfo=UTC))
    Decision.objects.filter(pk=other.pk).update(
        created_at=datetime(2026, 3, 5, 15, tzinfo=UTC), recommended=bob, status=DecisionStatus.OVERRIDDEN,
        override_reason="customer asked for Bob",
    )  # fmt: skip
    return decision, other


def _ids(client: Any, **params: Any) -> set[int]:
    page = client.get(URL, params).content.decode()
    return {d.pk for d in Decision.objects.all() if reverse("dispatch:decision", args=[d.pk]) in page}


def test_tickets_are_links_to_their_page(dispatcher_client: Any, two: Any) -> None:
    first, _ = two
    page = dispatcher_client.get(URL).content.decode()
    assert f'<a href="{reverse("dispatch:ticket", args=[first.ticket_id])}">#5001</a>' in page
    assert "Mailbox full" in page


def test_search_by_ticket_number_subject_or_override_reason(dispatcher_client: Any, two: Any) -> None:
    first, second = two
    assert _ids(dispatcher_client, q="#5001") == {first.pk}
    assert _ids(dispatcher_client, q="printer") == {second.pk}
    assert _ids(dispatcher_client, q="asked for bob") == {second.pk}


def test_filter_by_technician_status_and_dates(dispatcher_client: Any, two: Any, alice: Any, bob: Any) -> None:
    first, second = two
    assert _ids(dispatcher_client, technician=bob.pk) == {second.pk}
    assert _ids(dispatcher_client, status="overridden") == {second.pk}
    assert _ids(dispatcher_client, since="2026-03-03") == {second.pk}
    assert _ids(dispatcher_client, until="2026-03-03") == {first.pk}
    assert _ids(dispatcher_client, since="2026-03-01", until="2026-03-31", technician=alice.pk) == {first.pk}


def test_bad_filters_answer_400_naming_the_field(dispatcher_client: Any, two: Any) -> None:
    response = dispatcher_client.get(URL, {"since": "2026-03-09", "until": "2026-03-01"})
    assert response.status_code == 400 and "To: Must not be before the start date." in response.content.decode()
    response = dispatcher_client.get(URL, {"technician": "999999"})
    assert response.status_code == 400 and "Technician:" in response.content.decode()
    assert dispatcher_client.get(URL, {"since": "yesterday"}).status_code == 400


def test_decisions_page_is_for_dispatchers(norole_client: Any) -> None:
    assert norole_client.get(URL).status_code == 403
