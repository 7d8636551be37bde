"""The managers' page of learned capacity and working hours: shown, confirmed, overridden."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from dispatch.models import LearnedWorkPattern
from tests.ui.conftest import HX

HOURS = {"days": [0, 1, 2, 3, 4], "start": "08:00", "end": "17:00", "share": 0.93, "events": 120}


@pytest.fixture
def learned(alice: Any) -> LearnedWorkPattern:
    return LearnedWorkPattern.objects.create(
        technician=alice, capacity=14, capacity_samples=60, capacity_median=9.0, hours=HOURS
    )


def review(client: Client, tech: Any, **data: str) -> Any:
    return client.post(reverse("dispatch:learned_review", args=[tech.pk]), data, headers=HX)


def test_the_page_shows_what_was_learned_and_what_ranking_uses(manager_client: Client, learned: Any) -> None:
    page = manager_client.get(reverse("dispatch:learned")).content.decode()
    assert "learned <strong>14</strong>" in page and "median 9, 60 tickets" in page
    assert "Mon–Fri 08:00–17:00" in page and "93% of 120 actions" in page
    assert '<strong>14</strong> <span class="muted small">learned</span>' in page


def test_confirming_keeps_the_learned_capacity(manager_client: Client, learned: Any, alice: Any) -> None:
    response = review(manager_client, alice, action="confirm_capacity")
    assert response.status_code == 200 and "learned capacity confirmed" in response.content.decode()
    assert LearnedWorkPattern.objects.get(pk=learned.pk).capacity_confirmed == 14


def test_a_manager_can_set_a_capacity_of_their_own(manager_client: Client, learned: Any, alice: Any) -> None:
    response = review(manager_client, alice, action="set_capacity", capacity="6")
    assert "set by a manager" in response.content.decode()
    assert LearnedWorkPattern.objects.get(pk=learned.pk).capacity_confirmed == 6


def test_a_bad_capacity_is_refused_naming_the_field(manager_client: Client, learned: Any, alice: Any) -> None:
    response = review(manager_client, alice, action="set_capacity", capacity="lots")
    assert (
        response.status_code == 400
        and "capacity: capacity must be a whole number" in response.content.decode()
    )
    assert LearnedWorkPattern.objects.get(pk=learned.pk).capacity_confirmed is None


def test_a_plain_post_with_a_bad_capacity_answers_400_on_the_page(
    manager_client: Client, learned: Any, alice: Any
) -> None:
    response = manager_client.post(
        reverse("dispatch:learned_review", args=[alice.pk]), {"action": "set_capacity", "capacity": "0"}
    )
    assert response.status_code == 400 and "capacity must be between 1 and 500" in response.content.decode()


def test_learned_hours_are_used_once_confirmed(manager_client: Client, learned: Any, alice: Any) -> None:
    assert "all hours (no schedule)" in manager_client.get(reverse("dispatch:learned")).content.decode()
    response = review(manager_client, alice, action="confirm_hours")
    assert "Mon–Fri 08:00–17:00 (confirmed)" in response.content.decode()
    response = review(manager_client, alice, action="reset_hours")
    assert "all hours (no schedule)" in response.content.decode()


def test_an_unknown_action_is_refused(manager_client: Client, learned: Any, alice: Any) -> None:
    assert review(manager_client, alice, action="delete").status_code == 400


def test_dispatchers_cannot_review(dispatcher_client: Client, learned: Any, alice: Any) -> None:
    assert review(dispatcher_client, alice, action="confirm_capacity").status_code == 403
