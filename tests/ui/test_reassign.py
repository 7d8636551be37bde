"""Reassigning an assigned ticket from the ticket page (dispatch.services.decision_reassign)."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dispatch.models import Assignment, Decision, DecisionStatus, OutboxState, Ticket
from dispatch.services import ApprovalError, decision_reassign
from skills.models import TimeOff
from tests.factories import TechnicianFactory


@pytest.fixture
def held(ticket: Any, bob: Any) -> Ticket:
    """The desk's Email ticket, owned by Bob, who is off sick past its deadline."""
    ticket.assigned_to, ticket.status = bob, "Assigned"
    ticket.save()
    now = timezone.now()
    TimeOff.objects.create(technician=bob, start=now - dt.timedelta(hours=1), end=now + dt.timedelta(days=2), reason="Sick")
    return ticket


def url(ticket: Ticket) -> str:
    return reverse("dispatch:reassign", args=[ticket.pk])


def test_reassigning_to_the_engines_first_choice_is_an_approval(held: Ticket, alice: Any, dispatcher: Any) -> None:
    decision = decision_reassign(ticket=held, user=dispatcher, technician_id=alice.external_id, reason="Bob is off sick")
    held.refresh_from_db()
    assert held.assigned_to == alice and held.status == "Assigned"
    assert (decision.status, decision.assigned, decision.override_reason) == (
        DecisionStatus.APPROVED, alice, "Bob is off sick",
    )  # fmt: skip
    assert decision.recommended == alice and "tech-bob" in decision.inputs["ticket"]["exclude"]
    row = Assignment.objects.get(decision=decision)
    assert row.replaces.external_id == "tech-bob" and row.state == OutboxState.SKIPPED  # not from a PSA
    assert row.note.startswith("Reassigned from Bob Beginner to Alice Expert by Switchboard")
    assert "Reason: Bob is off sick" in row.note
    assert decision.document["dispatching_results"]["assigned_technician"]["technician_id"] == alice.external_id


def test_reassigning_to_someone_else_is_an_override(held: Ticket, dispatcher: Any) -> None:
    carol = TechnicianFactory(external_id="tech-carol", name="Carol")
    decision = decision_reassign(ticket=held, user=dispatcher, technician_id="tech-carol", reason="Carol knows them")
    assert decision.status == DecisionStatus.OVERRIDDEN and decision.assigned == carol


@pytest.mark.parametrize(
    ("change", "tech", "reason", "message"),
    [
        (None, "tech-alice", "  ", "reason: required"),
        (None, "tech-bob", "r", "technician_id: Bob Beginner already owns this ticket"),
        (None, "tech-nobody", "r", "technician_id: unknown technician 'tech-nobody'"),
        ("inactive", "tech-alice", "r", "technician_id: Alice Expert is inactive"),
        ("closed", "tech-alice", "r", "ticket: closed"),
        ("unassigned", "tech-alice", "r", "ticket: not assigned"),
    ],
)
def test_bad_reassignments_name_the_field_and_change_nothing(
    held: Ticket, alice: Any, dispatcher: Any, change: str | None, tech: str, reason: str, message: str
) -> None:
    if change == "inactive":
        alice.active = False
        alice.save()
    elif change == "closed":
        held.closed = True
        held.save()
    elif change == "unassigned":
        Ticket.objects.filter(pk=held.pk).update(assigned_to=None)
    before = (Ticket.objects.values_list("assigned_to", "status", "closed").get(pk=held.pk), Decision.objects.count())
    with pytest.raises(ApprovalError, match=message):
        decision_reassign(ticket=held, user=dispatcher, technician_id=tech, reason=reason)
    after = (Ticket.objects.values_list("assigned_to", "status", "closed").get(pk=held.pk), Decision.objects.count())
    assert after == before and not Assignment.objects.exists()


def test_the_stranded_ticket_page_offers_the_engines_ranking_without_the_owner(
    dispatcher_client: Client, held: Ticket
) -> None:
    page = dispatcher_client.get(reverse("dispatch:ticket", args=[held.pk])).content.decode()
    start = page.rindex("<details", 0, page.index('id="reassign"'))
    form = html.unescape(page[start : page.index("</details>", start)])
    assert " open" in form.split(">")[0] and url(held) in form
    assert '<option value="tech-alice" selected>Alice Expert' in form and "(engine's choice)" in form
    assert '<option value="tech-bob"' not in form  # not back to the absent owner


def test_posting_the_form_reassigns_and_says_so(dispatcher_client: Client, held: Ticket, alice: Any) -> None:
    response = dispatcher_client.post(url(held), {"technician_id": "tech-alice", "reason": "Bob is off sick"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("dispatch:ticket", args=[held.pk])
    assert f"#{held.external_id} reassigned to Alice Expert (the engine's first choice)" in html.unescape(
        response.content.decode()
    )
    held.refresh_from_db()
    assert held.assigned_to == alice


def test_a_rejected_form_says_why_and_changes_nothing(dispatcher_client: Client, held: Ticket, bob: Any) -> None:
    response = dispatcher_client.post(url(held), {"technician_id": "tech-alice", "reason": ""}, follow=True)
    assert "reason: required to take a ticket from its owner" in response.content.decode()
    held.refresh_from_db()
    assert held.assigned_to == bob and not Assignment.objects.exists()


def test_reassign_is_post_only_and_for_dispatchers(dispatcher_client: Client, norole_client: Client, held: Ticket, bob: Any) -> None:
    assert dispatcher_client.get(url(held)).status_code == 405
    assert norole_client.post(url(held), {"technician_id": "tech-alice", "reason": "x"}).status_code == 403
    held.refresh_from_db()
    assert held.assigned_to == bob


def test_a_ticket_that_changed_hands_since_the_page_is_left_alone(
    dispatcher_client: Client, held: Ticket, alice: Any
) -> None:
    page = dispatcher_client.get(reverse("dispatch:ticket", args=[held.pk])).content.decode()
    assert 'name="owner" value="tech-bob"' in page
    carol = TechnicianFactory(external_id="tech-carol", name="Carol")
    Ticket.objects.filter(pk=held.pk).update(assigned_to=carol)  # another dispatcher, or a sync, first
    response = dispatcher_client.post(
        url(held), {"technician_id": "tech-alice", "reason": "Bob is off sick", "owner": "tech-bob"}, follow=True
    )
    assert f"#{held.external_id} changed hands meanwhile: now with Carol. Nothing was changed." in html.unescape(
        response.content.decode()
    )
    held.refresh_from_db()
    assert held.assigned_to == carol and not Assignment.objects.exists()


def test_the_form_says_why_the_engine_would_not_pick_someone(dispatcher_client: Client, held: Ticket) -> None:
    Ticket.objects.filter(pk=held.pk).update(language="Spanish")  # nobody on this desk speaks it
    page = html.unescape(dispatcher_client.get(reverse("dispatch:ticket", args=[held.pk])).content.decode())
    assert "Alice Expert — " in page and "(blocked: language)" in page
    assert "(engine's choice)" not in page  # the engine would pick nobody: the dispatcher chooses


def reassign_form(client: Client, ticket: Ticket) -> str:
    page = client.get(reverse("dispatch:ticket", args=[ticket.pk])).content.decode()
    start = page.rindex("<details", 0, page.index('id="reassign"'))
    return html.unescape(page[start : page.index("</details>", start)])


def test_a_ticket_whose_owner_is_at_work_offers_the_ranking_too_with_blocked_people_marked(
    dispatcher_client: Client, ticket: Ticket, bob: Any, skill: Any
) -> None:
    from tests.factories import RuleFactory

    ticket.assigned_to, ticket.status = bob, "Assigned"
    ticket.save()
    TechnicianFactory(external_id="tech-aaron", name="Aaron Junior", seniority="junior", skills={skill: "expert"})
    RuleFactory(name="No juniors", when={}, then={"min_seniority": "mid"})
    form = reassign_form(dispatcher_client, ticket)
    assert " open" not in form.split(">")[0]  # folded away: the owner is at work
    assert '<option value="tech-alice" selected>Alice Expert' in form and "(engine's choice)" in form
    assert "Aaron Junior — " in form and "(blocked: min seniority)" in form


def test_when_the_engine_would_pick_nobody_no_one_is_preselected(dispatcher_client: Client, held: Ticket) -> None:
    Ticket.objects.filter(pk=held.pk).update(language="Spanish")  # nobody on this desk speaks it
    form = reassign_form(dispatcher_client, held)
    assert " selected" not in form
    assert form.index('<option value="">Choose…</option>') < form.index('<option value="tech-alice"')
