"""Who hears about a decision (Django's e-mail backend; locmem in tests), and that the
decision's notifications_sent says so: the technician on assignment (approve, override,
auto-assign), the customer when configured, the manager on escalation or a failed dispatch."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from dispatch.models import Decision, DecisionStatus, DispatchSettings
from dispatch.services import decision_create
from skills.models import AutoAssign, Technician
from tests.factories import RuleFactory, TicketFactory
from tests.ui.conftest import HX

# Real commits: messages leave only once the assignment's transaction has committed.
pytestmark = pytest.mark.django_db(transaction=True)

BOSS = "boss@msp.example.com"


def approve(c: Client, ticket: Any, **data: str) -> Decision:
    response = c.post(reverse("dispatch:assign", args=[ticket.pk]), data, headers=HX)
    assert response.status_code == 200, response.content[:300]
    return Decision.objects.exclude(status=DecisionStatus.SUPERSEDED).get(ticket=ticket)


def sent_to(address: str) -> list[Any]:
    return [m for m in mail.outbox if address in m.to]


def test_approving_emails_the_technician(dispatcher_client: Client, decision: Any) -> None:
    done = approve(dispatcher_client, decision.ticket)
    assert [m.subject for m in sent_to("tech-alice@msp.example.com")] == [
        "[Switchboard] Ticket #5001 assigned to you: Mailbox full"
    ]
    note = done.notifications["technician_notification"]
    assert note["sent"] is True and note["recipient"] == "tech-alice@msp.example.com"
    assert done.document["notifications_sent"] == done.notifications


def test_an_override_emails_the_chosen_technician_only(dispatcher_client: Client, decision: Any) -> None:
    approve(dispatcher_client, decision.ticket, technician_id="tech-bob", reason="Knows the site")
    assert len(sent_to("tech-bob@msp.example.com")) == 1
    assert sent_to("tech-alice@msp.example.com") == []


def test_customer_is_emailed_only_when_configured(dispatcher_client: Client, decision: Any) -> None:
    company = decision.ticket.company
    company.contact_email = "it@customer.example.com"
    company.save()
    first = approve(dispatcher_client, decision.ticket)
    assert sent_to("it@customer.example.com") == []
    assert first.notifications["customer_notification"] == {
        "sent": False,
        "reason": "Customer notifications are off",
    }
    DispatchSettings.objects.filter(pk=DispatchSettings.load().pk).update(notify_customers=True)
    other = TicketFactory(external_id="5003", company=company, category=decision.ticket.category)
    second = approve(dispatcher_client, other)
    assert len(sent_to("it@customer.example.com")) == 1
    assert second.notifications["customer_notification"]["sent"] is True


def test_escalation_rule_emails_the_manager_on_approval(dispatcher_client: Client, ticket: Any) -> None:
    RuleFactory(name="VIP escalation", when={}, then={"escalate_to": BOSS})
    done = approve(dispatcher_client, ticket)
    assert [m.subject for m in sent_to(BOSS)] == ["[Switchboard] Escalation: ticket #5001"]
    assert done.notifications["manager_notification"]["sent"] is True


def test_failed_dispatch_emails_the_escalation_address(dispatcher_client: Client, ticket: Any) -> None:
    DispatchSettings.objects.filter(pk=DispatchSettings.load().pk).update(escalation_email=BOSS)
    for tech in Technician.objects.all():  # as the admin and the PSA people sync do: one save each
        tech.active = False
        tech.save(update_fields=["active"])
    dispatcher_client.get(reverse("dispatch:ticket", args=[ticket.pk]), headers=HX)
    failed = Decision.objects.get(ticket=ticket)
    assert failed.status == DecisionStatus.FAILED
    assert len(sent_to(BOSS)) == 1 and failed.error_code in sent_to(BOSS)[0].subject
    assert failed.document["notifications_sent"]["manager_notification"]["sent"] is True


def test_auto_assign_emails_the_technician_and_shadow_emails_nobody(ticket: Any, category: Any) -> None:
    category.auto_assign, category.auto_assign_min_confidence = AutoAssign.SHADOW, 0
    category.save()
    shadow = decision_create(ticket=ticket)
    assert shadow.status == DecisionStatus.SHADOW and mail.outbox == []
    category.auto_assign = AutoAssign.ON
    category.save()
    auto = decision_create(ticket=ticket)
    assert auto.status == DecisionStatus.AUTO_ASSIGNED
    assert len(sent_to(auto.assigned.email)) == 1
    assert auto.document["notifications_sent"]["technician_notification"]["sent"] is True


@override_settings(
    EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1", EMAIL_PORT=9
)
def test_a_mail_server_that_is_down_does_not_undo_the_assignment(
    dispatcher_client: Client, decision: Any
) -> None:
    done = approve(dispatcher_client, decision.ticket)
    assert done.status == DecisionStatus.APPROVED and done.ticket.assigned_to_id is not None
    note = done.notifications["technician_notification"]
    assert note["sent"] is False and note["reason"].startswith("Delivery failed")
    assert done.document["notifications_sent"]["technician_notification"] == note


def test_nothing_is_sent_for_an_assignment_that_rolls_back(ticket: Any) -> None:
    from django.db import transaction

    class Abort(Exception):
        pass

    try:
        with transaction.atomic():
            decision = decision_create(ticket=ticket, mode="assign")
            assert decision.status == DecisionStatus.AUTO_ASSIGNED
            raise Abort
    except Abort:
        pass
    assert mail.outbox == [] and not Decision.objects.filter(ticket=ticket).exists()


def test_a_ticket_held_by_the_batch_cycle_is_reported_once_then_forced_near_its_deadline(
    category: Any, skill: Any, bob: Any
) -> None:
    """Desk setting below_threshold=urgent: a Low ticket only a beginner could take waits; the
    5-minute cycle re-decides it each time but e-mails the manager once; 30 minutes before its
    deadline the cycle forces it to the beginner."""
    from datetime import timedelta

    from django.utils import timezone

    from dispatch.batch import batch_dispatch
    from dispatch.models import Assignment, Ticket

    DispatchSettings.objects.filter(pk=DispatchSettings.load().pk).update(below_threshold="urgent", escalation_email=BOSS)
    ticket = TicketFactory(
        external_id="5002", category=category, priority="Low", sla_due=timezone.now() + timedelta(hours=20)
    )
    cycles = [batch_dispatch(mode="assign") for _ in range(3)]
    assert [[r["reason"] for r in c] for c in cycles] == [["SKILL_MATCH_BELOW_THRESHOLD"]] * 3
    [failed] = Decision.objects.filter(ticket=ticket)  # the later cycles keep it: nothing changed
    assert [c[0].get("unchanged", False) for c in cycles] == [False, True, True]
    assert {c[0]["decision_id"] for c in cycles} == {failed.pk}
    assert failed.status == DecisionStatus.FAILED and failed.notifications["manager_notification"]["sent"] is True
    assert len(sent_to(BOSS)) == 1 and "SKILL_MATCH_BELOW_THRESHOLD" in sent_to(BOSS)[0].subject
    again = decision_create(ticket=ticket, mode="assign")  # e.g. a PSA update re-dispatches it
    assert again.notifications["manager_notification"]["reason"] == (
        f"Already notified of this failure (decision {failed.pk})"
    )
    third = decision_create(ticket=ticket, mode="assign")
    assert third.notifications["manager_notification"]["notified_in"] == failed.pk
    assert len(sent_to(BOSS)) == 1
    Ticket.objects.filter(pk=ticket.pk).update(sla_due=timezone.now() + timedelta(minutes=20))
    [result] = batch_dispatch(mode="assign")
    assert result["success"] is True and result["technician_id"] == "tech-bob"
    assert Assignment.objects.filter(ticket=ticket, technician=bob).count() == 1
    assert sent_to(bob.email) and len(sent_to(BOSS)) == 1


def test_a_new_reason_for_failing_is_reported_again(category: Any, bob: Any) -> None:
    from dispatch.batch import batch_dispatch

    DispatchSettings.objects.filter(pk=DispatchSettings.load().pk).update(below_threshold="never", escalation_email=BOSS)
    ticket = TicketFactory(external_id="5003", category=category, priority="Low")
    assert [r["reason"] for r in batch_dispatch(mode="assign")] == ["SKILL_MATCH_BELOW_THRESHOLD"]
    for tech in Technician.objects.all():  # as the admin and the PSA people sync do: one save each
        tech.active = False
        tech.save(update_fields=["active"])
    assert [r["reason"] for r in batch_dispatch(mode="assign")] == ["NO_QUALIFIED_TECHNICIANS_AVAILABLE"]
    assert len(sent_to(BOSS)) == 2 and Decision.objects.filter(ticket=ticket).count() == 2


def test_a_failure_nobody_was_told_about_is_reported_once_there_is_an_address(category: Any, bob: Any) -> None:
    DispatchSettings.objects.filter(pk=DispatchSettings.load().pk).update(below_threshold="never", escalation_email="")
    ticket = TicketFactory(external_id="5004", category=category, priority="Low")
    first = decision_create(ticket=ticket, mode="assign")
    assert first.notifications["manager_notification"] == {"sent": False, "reason": "No recipient address configured"}
    DispatchSettings.objects.filter(pk=DispatchSettings.load().pk).update(escalation_email=BOSS)
    second = decision_create(ticket=ticket, mode="assign")
    assert second.notifications["manager_notification"]["sent"] is True and len(sent_to(BOSS)) == 1
