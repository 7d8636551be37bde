"""Notifications on assignment and on failure, through Django's e-mail backend (console in
the demo). Each returns the `notifications_sent` object of the decision document."""

from __future__ import annotations

import logging
from typing import Any

from django.core.mail import send_mail
from django.utils import timezone

from dispatch.documents import iso
from dispatch.engine.types import Ranking, TicketFacts

log = logging.getLogger(__name__)


def _send(subject: str, body: str, recipient: str) -> dict[str, Any]:
    if not recipient:
        return {"sent": False, "reason": "No recipient address configured"}
    try:
        send_mail(subject, body, None, [recipient], fail_silently=False)
    except Exception as exc:  # an SMTP failure must never undo an assignment
        log.warning("notification to %s failed: %s", recipient, exc)
        return {"sent": False, "recipient": recipient, "reason": f"Delivery failed: {exc}"}
    return {"sent": True, "recipient": recipient, "channels": ["email"], "timestamp": iso(timezone.now())}


def notify_assignment(ticket: Any, tech: Any, escalate_to: str = "") -> dict[str, Any]:
    from dispatch.models import DispatchSettings

    settings = DispatchSettings.load()
    subject = f"[Switchboard] Ticket #{ticket.external_id} assigned to you: {ticket.subject}"
    body = (
        f"Ticket #{ticket.external_id} ({ticket.priority}) for "
        f"{ticket.company.name if ticket.company else 'no company'} is now yours.\n\n{ticket.subject}\n\n"
        f"SLA due: {iso(ticket.sla_due) or 'none'}\n"
    )
    out: dict[str, Any] = {"technician_notification": _send(subject, body, tech.email)}
    contact = ticket.company.contact_email if ticket.company else ""
    if settings.notify_customers and contact:
        message = f"Your ticket has been assigned to {tech.name}"
        customer = _send(f"Ticket #{ticket.external_id}: {message}", message + ".", contact)
        customer["message"] = message
        out["customer_notification"] = customer
    else:
        out["customer_notification"] = {"sent": False, "reason": "Customer notifications are off" if contact else "No customer contact"}
    if escalate_to:
        out["manager_notification"] = _send(
            f"[Switchboard] Escalation: ticket #{ticket.external_id}", f"Ticket #{ticket.external_id} was escalated: {ticket.subject}", escalate_to
        )
    else:
        out["manager_notification"] = {"sent": False, "reason": "No escalation required"}
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
    return {
        "technician_notification": {"sent": False, "reason": "Not assigned"},
        "manager_notification": _send(f"[Switchboard] Dispatch failed for #{facts.id}: {ranking.error_code}", body, recipient),
    }
