"""The 5-second poll sends only what changed: it returns the digest of what it last received, and
the server answers 204 (htmx keeps the page) while nothing the live part shows has moved."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dispatch.services import decision_approve
from skills.models import TimeOff
from tests.factories import TicketFactory
from tests.ui.conftest import HX

URL = reverse("dispatch:queue")


def state_of(html: str) -> str:
    found = re.search(r'id="queue-state" name="state" value="([0-9a-f]+)"', html)
    assert found, "the live part carries its digest"
    return found.group(1)


def poll(client: Client, state: str, **params: str) -> Any:
    return client.get(URL, {"state": state, **params}, headers=HX)


def test_an_unchanged_queue_answers_204_with_nothing(dispatcher_client: Client, decision: Any) -> None:
    state = state_of(dispatcher_client.get(URL).content.decode())  # the page carries it too
    response = poll(dispatcher_client, state)
    if response.status_code == 200:  # the minute turned between the two requests
        state = state_of(response.content.decode())
        response = poll(dispatcher_client, state)
    assert response.status_code == 204 and response.content == b""
    assert dispatcher_client.get(URL, {"state": "0" * 20}, headers=HX).status_code == 200  # an old digest
    assert dispatcher_client.get(URL, {"state": state}).status_code == 200  # the page is always whole


def test_a_new_ticket_a_sick_day_an_approval_or_other_filters_send_the_part_again(
    dispatcher_client: Client, decision: Any, alice: Any, dispatcher: Any, django_capture_on_commit_callbacks: Any
) -> None:
    def fresh() -> str:
        return state_of(dispatcher_client.get(URL, headers=HX).content.decode())

    state = fresh()
    new = TicketFactory(external_id="5999", subject="Fresh one")
    response = poll(dispatcher_client, state)
    assert response.status_code == 200 and f'id="t-{new.pk}"' in response.content.decode()

    state = fresh()
    assert poll(dispatcher_client, state, priority="High").status_code == 200

    state = fresh()
    with django_capture_on_commit_callbacks(execute=True):
        now = timezone.now()
        TimeOff.objects.create(technician=alice, start=now - dt.timedelta(hours=1), end=now + dt.timedelta(days=1), reason="Sick")
    response = poll(dispatcher_client, state)
    assert response.status_code == 200 and "re-ranking…" in response.content.decode()

    state = fresh()
    decision_approve(ticket=new, user=dispatcher, technician_id="tech-bob", reason="Bob knows them", assign_anyway=False)
    response = poll(dispatcher_client, state)
    assert response.status_code == 200 and f'id="t-{new.pk}"' not in response.content.decode()


def test_the_browsers_first_poll_after_the_page_answers_204(dispatcher_client: Client, decision: Any) -> None:
    """The page is asked for without filters; the browser's poll sends every field of the filter form,
    empty ones included, and the board's filter box: the same filters, so nothing is sent again (the
    first poll after every page load resent the whole part, ~97 KB on the demo desk)."""
    import time_machine

    empty = {name: "" for name in ("q", "board", "priority", "company", "category", "status", "sort", "board_q")}
    with time_machine.travel(timezone.now(), tick=False):  # the same minute for both
        state = state_of(dispatcher_client.get(URL).content.decode())
        assert poll(dispatcher_client, state, **empty).status_code == 204
        assert poll(dispatcher_client, state, **{**empty, "q": "mailbox"}).status_code == 200  # a filter given
