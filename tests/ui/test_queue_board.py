"""The technician board beside the queue: who is working now, their load against capacity, what
they work on, when those who are off are back; its cost does not grow with the team."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dispatch.board import BOARD_LIMIT
from skills.models import TimeOff
from tests.factories import SkillFactory, TechnicianFactory, TicketFactory
from tests.ui.conftest import HX

BOARD = reverse("dispatch:board")
QUEUE = reverse("dispatch:queue")


def board_of(html: str) -> str:
    start = html.index('id="board-list"')
    return html[start : html.index("</ul>", start)]


def test_board_shows_who_works_now_their_load_and_their_most_urgent_ticket(
    dispatcher_client: Client, alice: Any, bob: Any
) -> None:
    now = timezone.now()
    TicketFactory(external_id="later-1", assigned_to=alice, status="In Progress", sla_due=now + dt.timedelta(hours=9))
    urgent = TicketFactory(external_id="soon-1", subject="Server down", assigned_to=alice, sla_due=now + dt.timedelta(minutes=40))
    TimeOff.objects.create(technician=bob, start=now - dt.timedelta(hours=1), end=now + dt.timedelta(days=1), reason="Sick")
    html = board_of(dispatcher_client.get(QUEUE).content.decode())
    alice_at, bob_at = html.index('data-tech="tech-alice"'), html.index('data-tech="tech-bob"')
    assert alice_at < bob_at  # on shift first
    alice_row, bob_row = html[alice_at:bob_at], html[bob_at:]
    assert "on shift" in alice_row and "2/10" in alice_row and "2 open tickets of a capacity of 10" in alice_row
    assert f'href="{reverse("dispatch:ticket", args=[urgent.pk])}">#soon-1</a>' in alice_row  # the most urgent of the two
    assert "time off" in bob_row and "back <time" in bob_row
    assert "1</strong> of 2 technicians is working now" in html


def test_board_lists_the_first_ones_and_counts_the_rest_and_the_filter_finds_anyone(dispatcher_client: Client) -> None:
    for i in range(BOARD_LIMIT + 5):
        TechnicianFactory(external_id=f"t-{i:03d}", name=f"Tech {i:03d}")
    TechnicianFactory(external_id="t-zed", name="Zed Far")
    html = dispatcher_client.get(BOARD, headers=HX).content.decode()
    assert html.count('class="tech ') == BOARD_LIMIT and "and 6 more" in html
    found = dispatcher_client.get(BOARD, {"board_q": "zed"}, headers=HX).content.decode()
    assert found.count('class="tech ') == 1 and "Zed Far" in found and "matching “zed”" in found
    none = dispatcher_client.get(BOARD, {"board_q": "nobody"}, headers=HX).content.decode()
    assert "No technician matches" in none
    page = dispatcher_client.get(BOARD, {"board_q": "zed"})  # without JavaScript: a page of its own
    assert page.status_code == 200 and "<html" in page.content.decode() and "Zed Far" in page.content.decode()


def test_the_poll_refreshes_the_board_out_of_band_with_its_filter(dispatcher_client: Client, alice: Any, bob: Any) -> None:
    html = dispatcher_client.get(QUEUE, {"board_q": "bob"}, headers=HX).content.decode()
    assert re.search(r'id="board-list" class="board-list" hx-swap-oob="true"', html)
    assert "Bob Beginner" in html and "Alice Expert" not in board_of(html)


def _count(client: Client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(BOARD, headers=HX).status_code == 200
    return len(ctx.captured_queries)


def test_board_query_count_does_not_grow_with_the_team(dispatcher_client: Client) -> None:
    skill = SkillFactory(name="Networking")
    for _ in range(3):
        tech = TechnicianFactory(skills={skill: "expert"})
        TicketFactory(assigned_to=tech)
    _count(dispatcher_client)  # the first request also creates the settings row and the facts state
    small = _count(dispatcher_client)
    for _ in range(60):
        tech = TechnicianFactory(skills={skill: "intermediate"})
        TicketFactory(assigned_to=tech)
        TicketFactory(assigned_to=tech, sla_due=None)
    assert _count(dispatcher_client) == small
    html = dispatcher_client.get(BOARD, headers=HX).content.decode()
    assert html.count('class="tech ') == BOARD_LIMIT and "and 38 more" in html


def test_board_needs_the_dispatcher_role(norole_client: Client, client: Client) -> None:
    assert norole_client.get(BOARD).status_code == 403
    assert client.get(BOARD).status_code == 302


def test_the_queue_shows_its_times_in_the_viewers_zone_in_one_format(
    dispatcher: Any, dispatcher_client: Client, alice: Any, bob: Any
) -> None:
    """The board and the stranded panel print their times as the candidates do (server-side, in the
    viewer's zone, "Wed 4 Mar 16:00 CET"), the technician's own time labelled where it differs: not
    UTC text rewritten by the browser into its own zone and format (which ignored a preference)."""
    dispatcher.time_zone = "Europe/Berlin"
    dispatcher.save(update_fields=["time_zone"])
    bob.timezone = "America/Denver"
    bob.save(update_fields=["timezone"])
    now = timezone.now()
    back = (now + dt.timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    TimeOff.objects.create(technician=bob, start=now - dt.timedelta(hours=1), end=back, reason="Sick")
    due = now + dt.timedelta(hours=5)
    TicketFactory(
        external_id="away-1", subject="Printer on fire", assigned_to=bob, status="Assigned", sla_due=due
    )
    TicketFactory(external_id="soon-1", assigned_to=alice, sla_due=due)
    berlin, denver = ZoneInfo("Europe/Berlin"), ZoneInfo("America/Denver")
    ours = back.astimezone(berlin).strftime("%a %-d %b %H:%M %Z")
    theirs = back.astimezone(denver).strftime(
        "%H:%M %Z" if back.astimezone(denver).date() == back.astimezone(berlin).date() else "%a %H:%M %Z"
    )
    for headers in ({}, HX):  # the page and the poll
        page = dispatcher_client.get(QUEUE, headers=headers).content.decode()
        board = board_of(page)
        bob_row = board[board.index('data-tech="tech-bob"') :]
        assert f'{ours}</time> <span class="local-time">({theirs} local)</span>' in bob_row
        assert due.astimezone(berlin).strftime("%a %-d %b %H:%M %Z") in board  # what Alice works on
        start = page.index('id="stranded"')
        stranded = page[start : page.index("</section>", start)]
        assert (
            "until <time" in stranded
            and f'{ours}</time> <span class="local-time">({theirs} local)</span>' in stranded
        )
        assert due.astimezone(berlin).strftime("%a %-d %b %H:%M %Z") in stranded
        for part in (board, stranded):
            assert "data-local" not in part and " UTC</time>" not in part
