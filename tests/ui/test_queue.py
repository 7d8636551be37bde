from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone

from tests.factories import BoardFactory, TechnicianFactory, TicketFactory
from tests.ui.conftest import HX

URL = reverse("dispatch:queue")


def test_queue_lists_unassigned_tickets_most_urgent_first(dispatcher_client: Any, db: Any) -> None:
    TicketFactory(external_id="later", sla_due=timezone.now() + timedelta(hours=9))
    TicketFactory(external_id="sooner", sla_due=timezone.now() + timedelta(hours=1))
    page = dispatcher_client.get(URL).content.decode()
    assert page.index("#sooner") < page.index("#later")


def test_queue_hides_assigned_tickets(dispatcher_client: Any, db: Any) -> None:
    taken = TicketFactory(external_id="taken", assigned_to=TechnicianFactory())
    page = dispatcher_client.get(URL).content.decode()
    assert f'id="t-{taken.pk}"' not in page  # no queue row (the technician board names it as their work)


def test_queue_marks_vip_and_predicted_category(dispatcher_client: Any, ticket: Any, category: Any) -> None:
    ticket.company.tier = "vip"
    ticket.company.save()
    TicketFactory(
        external_id="guess",
        category=None,
        predicted_category=category,
        predicted_confidence=0.82,
        company=ticket.company,
    )
    page = dispatcher_client.get(URL).content.decode()
    assert "badge-vip" in page
    assert "predicted 82%" in page


def test_queue_shows_breached_sla_countdown(dispatcher_client: Any, db: Any) -> None:
    TicketFactory(sla_due=timezone.now() - timedelta(minutes=30))
    page = dispatcher_client.get(URL).content.decode()
    assert 'class="sla sla-breached"' in page and "data-due=" in page


def test_queue_filters_by_priority_and_search(dispatcher_client: Any, db: Any) -> None:
    TicketFactory(external_id="crit", priority="Critical", subject="Server down")
    TicketFactory(external_id="low", priority="Low", subject="Mouse broken")
    page = dispatcher_client.get(URL, {"priority": "Critical", "q": "server"}).content.decode()
    assert "#crit" in page and "#low" not in page


def test_queue_filters_by_board(dispatcher_client: Any, db: Any) -> None:
    TicketFactory(external_id="projects", board=BoardFactory(name="Projects"))
    TicketFactory(external_id="desk")
    board = BoardFactory(name="Projects")
    page = dispatcher_client.get(URL, {"board": board.pk}).content.decode()
    assert "#projects" in page and "#desk" not in page


def test_queue_shows_the_top_suggestion_and_approve_button(dispatcher_client: Any, decision: Any) -> None:
    page = dispatcher_client.get(URL).content.decode()
    assert "Alice Expert" in page
    assert 'data-action="approve"' in page


def test_queue_htmx_poll_returns_only_the_live_part(dispatcher_client: Any, ticket: Any) -> None:
    response = dispatcher_client.get(URL, headers=HX)
    assert b"<html" not in response.content
    assert b'id="queue-table"' in response.content
    assert b'hx-preserve="true"' in response.content


def test_queue_page_polls_every_5s_with_the_filters(dispatcher_client: Any, db: Any) -> None:
    page = dispatcher_client.get(URL).content.decode()
    assert 'hx-trigger="every 5s' in page and 'hx-include="#queue-filters, #board-q, #queue-state"' in page


def test_queue_runs_a_constant_number_of_queries(
    dispatcher_client: Any, django_assert_max_num_queries: Any, decision: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # As in production, the facts are committed (the snapshot is shared, not rebuilt per request).
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(15):
            TicketFactory(external_id=f"bulk{i}")
    dispatcher_client.get(URL, headers=HX)  # the snapshot built once
    with django_assert_max_num_queries(20):
        dispatcher_client.get(URL, headers=HX)
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(40):
            TicketFactory(external_id=f"more{i}")
    dispatcher_client.get(URL, headers=HX)
    with django_assert_max_num_queries(20):  # the same whatever the size of the queue
        dispatcher_client.get(URL, headers=HX)


def test_queue_anonymous_goes_to_login(client: Any, db: Any) -> None:
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_queue_wrong_role_is_forbidden(norole_client: Any) -> None:
    assert norole_client.get(URL).status_code == 403


def test_queue_is_open_to_managers(manager_client: Any) -> None:
    assert manager_client.get(URL).status_code == 200


def test_queue_filters_by_company(dispatcher_client: Any, db: Any) -> None:
    acme = TicketFactory(external_id="acme").company
    TicketFactory(external_id="other")
    page = dispatcher_client.get(URL, {"company": acme.pk}).content.decode()
    assert "#acme" in page and "#other" not in page


def test_queue_category_filter_counts_the_predicted_category(dispatcher_client: Any, category: Any) -> None:
    TicketFactory(external_id="given", category=category)
    TicketFactory(external_id="guessed", category=None, predicted_category=category, predicted_confidence=0.7)
    TicketFactory(external_id="unrelated")
    page = dispatcher_client.get(URL, {"category": category.pk}).content.decode()
    assert "#given" in page and "#guessed" in page and "#unrelated" not in page


def test_queue_filters_by_status(dispatcher_client: Any, db: Any) -> None:
    TicketFactory(external_id="waiting", status="Waiting for Customer")
    TicketFactory(external_id="fresh", status="New")
    page = dispatcher_client.get(URL, {"status": "Waiting for Customer"}).content.decode()
    assert "#waiting" in page and "#fresh" not in page


def test_queue_search_finds_a_ticket_number(dispatcher_client: Any, db: Any) -> None:
    TicketFactory(external_id="48213", subject="Printer")
    TicketFactory(external_id="48214", subject="Printer too")
    page = dispatcher_client.get(URL, {"q": "#48213"}).content.decode()
    assert "#48213" in page and "#48214" not in page


def test_a_ticket_held_for_a_qualified_technician_says_so_and_who_is_next(
    dispatcher_client: Any, category: Any, bob: Any, skill: Any
) -> None:
    """Below-threshold assignment 'urgent only': only beginner Bob is on shift; Alice, the expert,
    starts later, so the Low ticket waits (amber, not a red failure) and the tooltip names her."""
    from dispatch.models import DispatchSettings
    from dispatch.services import decision_create
    from skills.models import Shift

    DispatchSettings.objects.filter(pk=DispatchSettings.load().pk).update(below_threshold="urgent")
    alice = TechnicianFactory(external_id="tech-alice", name="Alice Expert", skills={skill: "expert"})
    now = timezone.localtime(timezone.now(), timezone.get_fixed_timezone(0))
    start = (now + timedelta(hours=3)).time().replace(second=0, microsecond=0, minute=0)
    end = (now + timedelta(hours=4)).time().replace(second=0, microsecond=0, minute=0)
    Shift.objects.bulk_create(Shift(technician=alice, weekday=d, start=start, end=end) for d in range(7))
    ticket = TicketFactory(external_id="6001", category=category, priority="Low", sla_due=timezone.now() + timedelta(hours=20))
    decision = decision_create(ticket=ticket, mode="assign")
    # The qualified one is off shift: the blocker reported is availability (issue 12 item 3).
    assert decision.error_code == "NO_QUALIFIED_TECHNICIANS_AVAILABLE" and "next: Alice Expert" in decision.waiting
    page = dispatcher_client.get(URL).content.decode()
    assert "badge-wait" in page and "Waiting for a qualified tech" in page and "next: Alice Expert" in page
    assert "Skill match too low" not in page
