"""Notifications on assignment and on failure, through Django's e-mail backend (console in
the demo). Each returns the `notifications_sent` object of the decision document.

Messages are sent only once the assignment's transaction has committed: never for an
assignment that rolled back, and a slow mail server never holds the ticket's row lock. The
record says what was handed over for delivery; a delivery that then fails is written back to
the decision (`sent: false` with the reason), and never undoes the assignment."""

from __future__ import annotations

import logging
from typing import Any

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from dispatch.documents import iso
from dispatch.engine.types import Ranking, TicketFacts

log = logging.getLogger(__name__)

# notification key -> (subject, body, recipient)
Pending = dict[str, tuple[str, str, str]]


def _queue(pending: Pending, key: str, subject: str, body: str, recipient: str) -> dict[str, Any]:
    if not recipient:
        return {"sent": False, "reason": "No recipient address configured"}
    pending[key] = (subject, body, recipient)
    return {"sent": True, "recipient": recipient, "channels": ["email"], "timestamp": iso(timezone.now())}


def _send_on_commit(decision_id: int, pending: Pending) -> None:
    if pending:
        transaction.on_commit(lambda: notifications_deliver(decision_id=decision_id, pending=pending))


def notifications_deliver(*, decision_id: int, pending: Pending) -> None:
    """Send the queued messages; record the ones the mail server refused on the decision."""
    from dispatch.models import Decision

    failures: dict[str, dict[str, Any]] = {}
    for key, (subject, body, recipient) in pending.items():
        try:
            send_mail(subject, body, None, [recipient], fail_silently=False)
        except Exception as exc:  # an SMTP failure must never undo an assignment
            log.warning("notification to %s failed: %s", recipient, exc)
            failures[key] = {"sent": False, "recipient": recipient, "reason": f"Delivery failed: {exc}"}
    if not failures:
        return
    with transaction.atomic():
        decision = Decision.objects.select_for_update().filter(pk=decision_id).first()
        if decision is None:
            return
        for key, failure in failures.items():
            decision.notifications[key] = {**decision.notifications.get(key, {}), **failure}
        decision.document["notifications_sent"] = decision.notifications
        decision.save(update_fields=["notifications", "document"])


def notify_assignment(ticket: Any, tech: Any, escalate_to: str = "", *, decision_id: int) -> dict[str, Any]:
    from dispatch.models import DispatchSettings

    pending: Pending = {}
    settings = DispatchSettings.load()
    subject = f"[Switchboard] Ticket #{ticket.external_id} assigned to you: {ticket.subject}"
    body = (
        f"Ticket #{ticket.external_id} ({ticket.priority}) for "
        f"{ticket.company.name if ticket.company else 'no company'} is now yours.\n\n{ticket.subject}\n\n"
        f"SLA due: {iso(ticket.sla_due) or 'none'}\n"
    )
    out: dict[str, Any] = {"technician_notification": _queue(pending, "technician_notification", subject, body, tech.email)}
    contact = ticket.company.contact_email if ticket.company else ""
    if settings.notify_customers and contact:
        message = f"Your ticket has been assigned to {tech.name}"
        customer = _queue(pending, "customer_notification", f"Ticket #{ticket.external_id}: {message}", message + ".", contact)
        customer["message"] = message
        out["customer_notification"] = customer
    else:
        out["customer_notification"] = {"sent": False, "reason": "Customer notifications are off" if contact else "No customer contact"}
    if escalate_to:
        out["manager_notification"] = _queue(
            pending,
            "manager_notification",
            f"[Switchboard] Escalation: ticket #{ticket.external_id}", f"Ticket #{ticket.external_id} was escalated: {ticket.subject}", escalate_to
        )
    else:
        out["manager_notification"] = {"sent": False, "reason": "No escalation required"}
    _send_on_commit(decision_id, pending)
    return out


def notify_failure(decision: Any, ranking: Ranking, facts: TicketFacts, escalation_email: str) -> dict[str, Any]:
    recipient = ranking.escalate_to or escalation_email
    body = (
        f"Switchboard could not dispatch ticket #{facts.id} ({facts.priority}, {facts.company_name}): "
        f"{ranking.error_code}.\n\n{facts.subject}\n\n"
        + "\n".join(f"- {b.factor}: {b.details}" for b in ranking.blocking_factors)
        + "\n\nRecommended:\n"
        + "\n".join(f"- {a}" for a in ranking.recommended_actions)
    )
    pending: Pending = {}
    subject = f"[Switchboard] Dispatch failed for #{facts.id}: {ranking.error_code}"
    out = {
        "technician_notification": {"sent": False, "reason": "Not assigned"},
        "manager_notification": _queue(pending, "manager_notification", subject, body, recipient),
    }
    _send_on_commit(decision.pk, pending)
    return out
