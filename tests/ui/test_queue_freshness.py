"""The queue on changing facts: stale rows marked, approval re-checked, Re-rank refreshing the row."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.urls import reverse
from django.utils import timezone

from dispatch.models import Assignment, Decision
from skills.models import TimeOff
from tests.ui.conftest import HX


def sick(tech: Any) -> None:
    now = timezone.now()
    TimeOff.objects.create(technician=tech, start=now - dt.timedelta(hours=1), end=now + dt.timedelta(days=1), reason="Sick")


def assign(client: Any, ticket: Any, **data: Any) -> Any:
    return client.post(reverse("dispatch:assign", args=[ticket.pk]), data, headers=HX)


def test_a_row_whose_facts_changed_is_marked_re_ranking(
    dispatcher_client: Any, decision: Any, alice: Any, django_capture_on_commit_callbacks: Any
) -> None:
    assert "re-ranking" not in dispatcher_client.get(reverse("dispatch:queue")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        sick(alice)
    assert "re-ranking…" in dispatcher_client.get(reverse("dispatch:queue")).content.decode()


def test_approve_after_the_suggested_tech_went_home_shows_the_new_suggestion(
    dispatcher_client: Any, decision: Any, alice: Any
) -> None:
    sick(alice)
    response = assign(dispatcher_client, decision.ticket, technician_id="tech-alice")
    body = response.content.decode()
    assert response.status_code == 409
    assert "The suggestion changed before approval (Alice Expert is on time off (Sick)" in body
    assert 'title="Assign #5001 to Bob Beginner (a)"' in body  # the row's Approve now offers Bob
    assert json.loads(response["HX-Trigger"])["ticketConflict"]["ticket"] == decision.ticket.pk
    assert not Assignment.objects.exists()


def test_override_to_an_absent_tech_offers_assign_anyway_and_keeps_the_form(
    dispatcher_client: Any, decision: Any, bob: Any
) -> None:
    sick(bob)
    response = assign(dispatcher_client, decision.ticket, technician_id="tech-bob", reason="Asked for Bob")
    body = response.content.decode()
    assert response.status_code == 422 and "TECHNICIAN_UNAVAILABLE" not in body
    assert "selected technician went offline before assignment: Bob Beginner is on time off (Sick)" in body
    assert 'name="assign_anyway"' in body
    assert '<option value="tech-bob" selected>' in body and ">Asked for Bob</textarea>" in body
    anyway = assign(dispatcher_client, decision.ticket, technician_id="tech-bob", reason="Asked for Bob", assign_anyway="1")
    assert anyway.status_code == 200
    assert Assignment.objects.get().technician == bob


def test_a_refused_override_keeps_the_chosen_technician(dispatcher_client: Any, decision: Any) -> None:
    response = assign(dispatcher_client, decision.ticket, technician_id="tech-bob")
    assert response.status_code == 422 and '<option value="tech-bob" selected>' in response.content.decode()


def test_re_rank_from_the_queue_returns_the_whole_row(dispatcher_client: Any, decision: Any, alice: Any) -> None:
    sick(alice)
    response = dispatcher_client.post(
        reverse("dispatch:rerank", args=[decision.ticket.pk]), headers={**HX, "HX-Target": f"t-{decision.ticket.pk}"}
    )
    body = response.content.decode()
    assert response.status_code == 200 and body.lstrip().startswith("<tbody")
    assert 'title="Assign #5001 to Bob Beginner (a)"' in body and 'class="cands' in body
    assert Decision.objects.filter(ticket=decision.ticket).count() == 2
