"""What announces a change of facts (dispatch.snapshot.facts_changed): saves and deletes of
every model a ranking reads. Bulk writes that send no signals (queryset.update, bulk_create)
call facts_changed themselves (services._assign, psa.sync, the importer); train_models is
announced by the ModelVersion it saves."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save

from dispatch.snapshot import facts_changed

# model label -> does it feed the expensive (people) part of the snapshot
WATCHED: dict[str, bool] = {
    "skills.Technician": True,
    "skills.TechnicianSkill": True,
    "skills.Skill": True,
    "skills.Certification": True,
    "skills.Shift": True,
    "skills.TimeOff": True,
    "skills.OnCall": True,
    "skills.Category": False,
    "dispatch.Company": False,
    "dispatch.SLAPolicy": False,
    "dispatch.Board": False,
    "dispatch.Rule": False,
    "dispatch.DispatchSettings": True,  # its capacity default decides which learned capacities apply
    "dispatch.ModelVersion": True,
}


# people changes that touch availability only (shifts, time off, on-call), not skills or history
ROTA = frozenset({"skills.Shift", "skills.TimeOff", "skills.OnCall"})


def _label(sender: Any) -> str:
    return f"{sender._meta.app_label}.{sender._meta.object_name}"


def _changed(sender: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return  # loaddata
    if kwargs.get("created") and _label(sender) == "dispatch.DispatchSettings":
        return  # DispatchSettings.load() creating the defaults every reading already assumed
    instance = kwargs.get("instance")
    label = _label(sender)
    tech_id = getattr(instance, "pk" if label == "skills.Technician" else "technician_id", None)
    facts_changed(
        f"{sender._meta.verbose_name} changed",
        people=WATCHED[label],
        technicians=(tech_id,) if tech_id is not None else None,  # None: anyone's facts may have changed
        rota=label in ROTA,
    )


def _m2m(sender: Any, action: str, instance: Any = None, **kwargs: Any) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        from skills.models import Technician

        # A technician's certifications are technician facts; a category's skills and a company's
        # account technicians are read with the ticket.
        if sender is not Technician.certifications.through:
            facts_changed("membership changed")
        elif isinstance(instance, Technician):
            facts_changed("certifications changed", people=True, technicians=(instance.pk,))
        else:
            facts_changed("certifications changed", people=True)


def _ticket_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """A ticket that moves a workload (assigned, closed, re-estimated...) can change every other
    ranking; any other change (a new subject, a new priority on an unassigned ticket) only its own,
    which is marked for the re-rank. A new unassigned ticket is ranked by whoever created it (the
    PSA intake, the API); one nobody ranked is picked up by the next re-rank or clock tick. (The
    desk's typical ticket size, read with the policy, is not versioned.)"""
    if kwargs.get("raw"):
        return
    if instance.moves_workload():
        facts_changed("workload changed")
    elif created:
        pass  # whoever creates a ticket ranks it (PSA intake, the API); the re-rank catches any other
    else:
        from dispatch.freshness import KEEPABLE
        from dispatch.models import Decision

        Decision.objects.filter(ticket=instance, status__in=KEEPABLE).update(facts_version=None)
    instance._loaded_workload = instance.workload_state()
    if not created and instance.assigned_to_id is None and not instance.closed:
        from django.db import transaction

        from dispatch.freshness import schedule_rerank

        transaction.on_commit(schedule_rerank)


def _ticket_deleted(sender: Any, **kwargs: Any) -> None:
    facts_changed("ticket deleted")


def connect() -> None:
    from django.apps import apps

    for label in WATCHED:
        model = apps.get_model(label)
        post_save.connect(_changed, sender=model, dispatch_uid=f"facts-save-{label}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"facts-delete-{label}")
    for through in (
        apps.get_model("skills.Technician").certifications.through,
        apps.get_model("skills.Category").required_skills.through,
        apps.get_model("dispatch.Company").account_technicians.through,
    ):
        m2m_changed.connect(_m2m, sender=through, dispatch_uid=f"facts-m2m-{through._meta.label}")
    ticket = apps.get_model("dispatch.Ticket")
    post_save.connect(_ticket_saved, sender=ticket, dispatch_uid="facts-ticket-save")
    post_delete.connect(_ticket_deleted, sender=ticket, dispatch_uid="facts-ticket-delete")
    from dispatch import sla

    sla.connect()  # policy, company and business-hours changes move computed SLA deadlines
