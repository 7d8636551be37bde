"""The queue's stranded panel (the rules are tested in tests/dispatch/test_stranded.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from skills.models import TimeOff
from tests.factories import TechnicianFactory, TicketFactory
from tests.ui.conftest import HX

UTC = dt.UTC


def test_the_queue_shows_stranded_tickets_with_owner_and_deadline(dispatcher_client: Any) -> None:
    bob = TechnicianFactory(name="Bob Absent")
    now = dt.datetime.now(UTC)
    ticket = TicketFactory(
        assigned_to=bob, status="Assigned", sla_due=now + dt.timedelta(hours=4), subject="Printer on fire"
    )
    TimeOff.objects.create(technician=bob, start=now - dt.timedelta(hours=1), end=now + dt.timedelta(days=2), reason="Sick")
    url = reverse("dispatch:queue")
    for headers in ({}, HX):  # the page and the 5-second poll
        page = dispatcher_client.get(url, headers=headers).content.decode()
        section = page[page.index('id="stranded"') : page.index("</section>", page.index('id="stranded"'))]
        assert "is-empty" not in section.split(">")[0]
        assert f"#{ticket.external_id}" in section and "Printer on fire" in section
        assert "Bob Absent</strong>, on time off" in section and "SLA due" in section
        assert reverse("dispatch:ticket", args=[ticket.pk]) in section and "not started" in section


def test_the_queue_hides_the_panel_when_nothing_is_stranded(dispatcher_client: Any) -> None:
    page = dispatcher_client.get(reverse("dispatch:queue")).content.decode()
    assert 'class="stranded is-empty"' in page


def test_the_ticket_page_says_why_a_ticket_is_stranded_and_what_to_do(dispatcher_client: Any) -> None:
    bob = TechnicianFactory(name="Bob Absent")
    TechnicianFactory(name="Dora Present")
    now = dt.datetime.now(UTC)
    ticket = TicketFactory(assigned_to=bob, status="Assigned", sla_due=now + dt.timedelta(hours=4))
    url = reverse("dispatch:ticket", args=[ticket.pk])
    assert 'id="stranded-notice"' not in dispatcher_client.get(url).content.decode()  # Bob is at work
    TimeOff.objects.create(technician=bob, start=now - dt.timedelta(hours=1), end=now + dt.timedelta(days=2))
    page = dispatcher_client.get(url).content.decode()
    assert 'id="stranded-notice"' in page
    assert "Bob Absent is on time off until" in page and "remove the owner in the PSA" in page
    assert "Reassign from Bob Absent" in page and "Dora Present" in page


def test_who_could_take_a_stranded_ticket_is_a_what_if_without_its_owner(dispatcher_client: Any) -> None:
    from tests.factories import CategoryFactory, SkillFactory

    skill = SkillFactory(name="Exchange")
    category = CategoryFactory(name="Email", skills=[skill])
    alice = TechnicianFactory(external_id="tech-alice", name="Alice Expert", skills={skill: "expert"})
    TechnicianFactory(external_id="tech-carol", name="Carol Middle", skills={skill: "intermediate"})
    now = dt.datetime.now(UTC)
    ticket = TicketFactory(assigned_to=alice, status="Assigned", category=category, sla_due=now + dt.timedelta(hours=4))
    TimeOff.objects.create(technician=alice, start=now - dt.timedelta(hours=1), end=now + dt.timedelta(days=2))
    page = dispatcher_client.get(reverse("dispatch:ticket", args=[ticket.pk])).content.decode()
    start = page.index('id="stranded-whatif"')
    href = page[page.rindex('href="', 0, start) + 6 : page.index('"', page.rindex('href="', 0, start) + 6)]
    assert "exclude=tech-alice" in href
    result = dispatcher_client.get(href.replace("&amp;", "&")).content.decode()
    top = result.index('data-tech="tech-carol"')
    assert 'data-tech="tech-alice"' not in result[:top]  # Carol ranks first
    plain = dispatcher_client.get(reverse("dispatch:whatif", args=[ticket.pk]) + "?run=1").content.decode()
    assert "Blocked by excluded, availability." in alice_row(result)  # excluded, not just away
    assert "Blocked by availability." in alice_row(plain)


def alice_row(page: str) -> str:
    start = page.index('data-tech="tech-alice"')
    return page[start : page.index("</tr>", start)]
