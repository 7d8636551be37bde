"""Workspace file ↔ database (contracts/workspace.md).

`workspace_import` upserts by id inside one transaction, so the same file twice gives the
same state and a bad file changes nothing; `workspace_export` writes the database back in
the same shape, so that import(export(x)) == x.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import time
from typing import Any

from django.db import models, transaction

from dispatch import sla
from dispatch.engine.types import BusinessHours, GeoPoint, Interval, Shift
from dispatch.engine.types import Rule as RuleFacts
from dispatch.models import (
    Assignment,
    Board,
    Company,
    Decision,
    DispatchSettings,
    HistoryTicket,
    ModelVersion,
    Rule,
    SLAPolicy,
    TechnicianExperience,
    Ticket,
)
from dispatch.snapshot import facts_changed
from dispatch.workspace import schema as ws
from skills.models import Category, Certification, OnCall, Skill, Technician, TechnicianSkill, TimeOff
from skills.models import Shift as ShiftModel

Progress = Callable[[str, int, int], None]


def _noop(section: str, done: int, total: int) -> None:
    return None


def workspace_validate_for_db(doc: dict[str, Any], *, create_missing_technicians: bool = False, replace: bool = False) -> ws.Workspace:
    """Validate against the file plus what the database already holds (unless replacing)."""
    known_techs: Iterable[str] = () if replace else Technician.objects.values_list("external_id", flat=True)
    known_slas: Iterable[str] = () if replace else SLAPolicy.objects.values_list("name", flat=True)
    return ws.validate_workspace(
        doc,
        known_technician_ids=set(known_techs),
        known_sla_policies=set(known_slas),
        create_missing_technicians=create_missing_technicians,
    )


def workspace_wipe() -> None:
    model: type[models.Model]
    for model in (Assignment, Decision, Ticket, HistoryTicket, TechnicianExperience, ModelVersion, Rule, Company, SLAPolicy):
        model.objects.all().delete()
    for model in (Technician, Category, Skill, Certification, Board, DispatchSettings):
        model.objects.all().delete()


@transaction.atomic
def workspace_import(doc: dict[str, Any], *, replace: bool = False, create_missing_technicians: bool = False,
                     progress: Progress = _noop) -> dict[str, int]:
    """Validate `doc` and upsert it. Raises WorkspaceError (nothing changed) on bad input."""
    workspace = workspace_validate_for_db(doc, create_missing_technicians=create_missing_technicians, replace=replace)
    if replace:
        workspace_wipe()
    _import_settings(workspace.settings)
    skills = _import_skills(workspace)
    categories = _import_categories(workspace, skills)
    techs = _import_technicians(workspace, skills, progress)
    slas = _import_sla_policies(workspace)
    companies = _import_companies(workspace, techs, slas)
    _import_rules(workspace)
    boards = {name: Board.objects.get_or_create(name=name)[0] for name in workspace.boards if name}
    refs = _Refs(categories, companies, techs, boards)
    _import_tickets(workspace, refs, progress)
    _import_history(workspace, refs, progress)
    return workspace.counts()


class _Refs:
    def __init__(self, categories: dict[str, Category], companies: dict[str, Company], techs: dict[str, Technician],
                 boards: dict[str, Board]) -> None:
        self.categories, self.companies, self.techs, self.boards = categories, companies, techs, boards

    def category(self, name: str | None) -> Category | None:
        if not name:
            return None
        if name not in self.categories:
            self.categories[name] = Category.objects.get_or_create(name=name)[0]
        return self.categories[name]

    def company(self, external_id: str | None) -> Company | None:
        if not external_id:
            return None
        if external_id not in self.companies:
            self.companies[external_id] = Company.objects.get_or_create(external_id=external_id, defaults={"name": external_id})[0]
        return self.companies[external_id]

    def tech(self, external_id: str | None) -> Technician | None:
        if not external_id:
            return None
        if external_id not in self.techs:
            self.techs[external_id] = Technician.objects.get_or_create(external_id=external_id, defaults={"name": external_id})[0]
        return self.techs[external_id]

    def board(self, name: str | None) -> Board | None:
        if not name:
            return None
        if name not in self.boards:
            self.boards[name] = Board.objects.get_or_create(name=name)[0]
        return self.boards[name]


def _import_settings(values: dict[str, Any] | Any) -> None:
    if not values:
        return
    settings = DispatchSettings.load()
    for key, value in values.items():
        if isinstance(value, BusinessHours):
            value = {"timezone": value.timezone, "days": list(value.days), "start": f"{value.start:%H:%M}", "end": f"{value.end:%H:%M}"}
        elif key == "workload_excluded_statuses":
            value = list(value)
        elif key == "weights":
            value = dict(value)
        setattr(settings, "dispatching_mode" if key == "dispatching_mode" else key, value)
    settings.full_clean()
    settings.save()


def _import_skills(workspace: ws.Workspace) -> dict[str, Skill]:
    skills = {s.name: s for s in Skill.objects.all()}
    for item in workspace.skills:
        skill = skills.get(item.name)
        if skill is None:
            skills[item.name] = Skill.objects.create(name=item.name, group=item.group)
        elif skill.group != item.group:
            skill.group = item.group
            skill.save(update_fields=["group"])
    for name in workspace.implied_skills:
        if name not in skills:
            skills[name] = Skill.objects.create(name=name)
    return skills


def _import_categories(workspace: ws.Workspace, skills: dict[str, Skill]) -> dict[str, Category]:
    categories = {c.name: c for c in Category.objects.all()}
    for item in workspace.categories:
        category, _ = Category.objects.update_or_create(
            name=item.name, defaults={"complexity": item.complexity, "auto_assign": item.auto_assign}
        )
        category.required_skills.set([skills[s] for s in item.required_skills])
        categories[item.name] = category
    for name in workspace.implied_categories:
        if name not in categories:
            categories[name] = Category.objects.create(name=name)
    return categories


def _import_technicians(workspace: ws.Workspace, skills: dict[str, Skill], progress: Progress) -> dict[str, Technician]:
    techs = {t.external_id: t for t in Technician.objects.all()}
    certs = {c.name: c for c in Certification.objects.all()}
    total = len(workspace.technicians)
    for i, item in enumerate(workspace.technicians, 1):
        loc = item.location
        tech, _ = Technician.objects.update_or_create(
            external_id=item.id,
            defaults={
                "name": item.name, "email": item.email, "phone": item.phone, "seniority": item.seniority,
                "hourly_cost": item.hourly_cost, "timezone": item.timezone, "city": loc.city if loc else "",
                "lat": loc.lat if loc else None, "lon": loc.lon if loc else None, "onsite_capable": item.onsite_capable,
                "languages": list(item.languages), "max_active_tickets": item.max_active_tickets, "active": item.active,
            },
        )  # fmt: skip
        techs[item.id] = tech
        TechnicianSkill.objects.filter(technician=tech).delete()
        TechnicianSkill.objects.bulk_create(
            TechnicianSkill(technician=tech, skill=skills[name], level=level) for name, level in item.skills.items()
        )
        for name in item.certifications:
            if name not in certs:
                certs[name] = Certification.objects.create(name=name)
        tech.certifications.set([certs[n] for n in item.certifications])
        ShiftModel.objects.filter(technician=tech).delete()
        ShiftModel.objects.bulk_create(
            ShiftModel(technician=tech, weekday=day, start=s.start, end=s.end) for s in item.schedule for day in s.days
        )
        TimeOff.objects.filter(technician=tech).delete()
        TimeOff.objects.bulk_create(TimeOff(technician=tech, start=o.start, end=o.end, reason=o.reason) for o in item.time_off)
        OnCall.objects.filter(technician=tech).delete()
        OnCall.objects.bulk_create(OnCall(technician=tech, start=o.start, end=o.end) for o in item.on_call)
        if i % 50 == 0 or i == total:
            progress("technicians", i, total)
    for external_id in workspace.implied_technicians:
        if external_id not in techs:
            techs[external_id] = Technician.objects.create(external_id=external_id, name=external_id)
    return techs


def _import_sla_policies(workspace: ws.Workspace) -> dict[str, SLAPolicy]:
    slas = {p.name: p for p in SLAPolicy.objects.all()}
    for item in workspace.sla_policies:
        slas[item.name], _ = SLAPolicy.objects.update_or_create(
            name=item.name,
            defaults={"response_hours": dict(item.response_hours), "resolution_hours": dict(item.resolution_hours)},
        )
    return slas


def _import_companies(workspace: ws.Workspace, techs: dict[str, Technician], slas: dict[str, SLAPolicy]) -> dict[str, Company]:
    companies = {c.external_id: c for c in Company.objects.all()}
    for item in workspace.companies:
        loc = item.location
        company, _ = Company.objects.update_or_create(
            external_id=item.id,
            defaults={
                "name": item.name, "tier": item.tier, "sla_policy": slas.get(item.sla_policy or ""),
                "preferred_technician": techs.get(item.preferred_technician or ""), "city": loc.city if loc else "",
                "lat": loc.lat if loc else None, "lon": loc.lon if loc else None, "contact_email": item.contact_email,
            },
        )  # fmt: skip
        company.account_technicians.set([techs[t] for t in item.account_technicians])
        companies[item.id] = company
    for external_id in workspace.implied_companies:
        if external_id not in companies:
            companies[external_id] = Company.objects.create(external_id=external_id, name=external_id)
    return companies


def _plain(value: Any) -> Any:
    if isinstance(value, dict) or hasattr(value, "items"):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _import_rules(workspace: ws.Workspace) -> None:
    for order, item in enumerate(workspace.rules):
        Rule.objects.update_or_create(
            name=item.name,
            defaults={"when": _plain(item.when), "then": _plain(item.then), "unless_unavailable": item.unless_unavailable,
                      "enabled": item.enabled, "order": order},
        )  # fmt: skip


TICKET_FIELDS = [
    "subject", "description", "category", "priority", "status", "board", "company", "assigned_to", "created_at",
    "sla_due", "estimated_hours", "required_skills", "language", "location_city", "location_lat", "location_lon",
    "onsite", "closed", "sla_due_source", "sla_response_due", "sla_resolution_due",
]  # fmt: skip


def _import_tickets(workspace: ws.Workspace, refs: _Refs, progress: Progress, chunk: int = 2000) -> None:
    """Bulk: existing tickets updated and new ones created in chunks (no per-row signals), then
    one announcement that the facts changed (workloads, the queue)."""
    from django.utils import timezone

    existing = {t.external_id: t for t in Ticket.objects.filter(connection__isnull=True)}
    total = len(workspace.tickets)
    now = timezone.now()
    new: list[Ticket] = []
    changed: list[Ticket] = []
    desk_hours = sla.desk_business_hours() if workspace.tickets else {}
    for item in workspace.tickets:
        ticket = existing.get(item.id)
        (changed if ticket is not None else new).append(ticket := ticket or Ticket(external_id=item.id))
        loc = item.location
        ticket.subject, ticket.description = item.subject, item.description
        ticket.category = refs.category(item.category)
        ticket.priority, ticket.status = item.priority, item.status
        ticket.board, ticket.company = refs.board(item.board), refs.company(item.company)
        ticket.assigned_to = refs.tech(item.assigned_to)
        if item.created_at is not None:
            ticket.created_at = item.created_at
        elif ticket.created_at is None:
            ticket.created_at = now
        ticket.estimated_hours = item.estimated_hours
        sla.apply_deadline(ticket, item.sla_due, business_hours=desk_hours)  # the file's, else the policy's
        ticket.required_skills, ticket.language = list(item.required_skills), item.language or ""
        ticket.location_city = loc.city if loc else ""
        ticket.location_lat, ticket.location_lon = (loc.lat, loc.lon) if loc else (None, None)
        ticket.onsite, ticket.closed = item.onsite, False
        ticket.updated_at = now
    done = 0
    for start in range(0, len(changed), chunk):
        Ticket.objects.bulk_update(changed[start : start + chunk], [*TICKET_FIELDS, "updated_at"])
        done += len(changed[start : start + chunk])
        progress("tickets", done, total)
    for start in range(0, len(new), chunk):
        Ticket.objects.bulk_create(new[start : start + chunk])
        done += len(new[start : start + chunk])
        progress("tickets", done, total)
    if total:
        facts_changed("workspace import")


HISTORY_FIELDS = [
    "subject", "description", "category", "priority", "company", "board", "resolved_by", "opened_at",
    "first_response_at", "resolved_at", "csat", "reopened", "reassignments", "met_sla",
]  # fmt: skip


def _import_history(workspace: ws.Workspace, refs: _Refs, progress: Progress, chunk: int = 2000) -> None:
    total = len(workspace.history)
    for start in range(0, total, chunk):
        rows = [
            HistoryTicket(
                external_id=h.ticket_id, subject=h.subject, description=h.description, category=refs.category(h.category),
                priority=h.priority, company=refs.company(h.company), board=refs.board(h.board),
                resolved_by=refs.tech(h.resolved_by), opened_at=h.opened_at, first_response_at=h.first_response_at,
                resolved_at=h.resolved_at, csat=h.csat, reopened=h.reopened, reassignments=h.reassignments, met_sla=h.met_sla,
            )  # fmt: skip
            for h in workspace.history[start : start + chunk]
        ]
        HistoryTicket.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["external_id"], update_fields=HISTORY_FIELDS
        )
        progress("history", min(start + chunk, total), total)
    if total:
        facts_changed("history imported")  # the desk's history (typical hours, affinity) moved


# ------------------------------------------------------------------------------- export


def _geo(lat: float | None, lon: float | None, city: str) -> GeoPoint | None:
    return GeoPoint(lat=lat, lon=lon, city=city) if lat is not None and lon is not None else None


def _settings_dict() -> dict[str, Any]:
    s = DispatchSettings.load()
    bh = s.business_hours
    return {
        "dispatching_enabled": s.dispatching_enabled,
        "dispatching_mode": s.dispatching_mode,
        "max_tickets_per_technician": s.max_tickets_per_technician,
        "workload_calculation_method": s.workload_calculation_method,
        "workload_excluded_statuses": tuple(s.workload_excluded_statuses),
        "sla_priority_weight": s.sla_priority_weight,
        "skill_match_threshold": s.skill_match_threshold,
        "allow_overflow_assignment": s.allow_overflow_assignment,
        "business_hours_only": s.business_hours_only,
        "preferred_tech_priority": s.preferred_tech_priority,
        "weights": dict(s.weights),
        "business_hours": BusinessHours(
            timezone=bh["timezone"], days=tuple(bh["days"]), start=time.fromisoformat(bh["start"]), end=time.fromisoformat(bh["end"])
        ),
    }


def _schedule(shifts: Iterable[ShiftModel]) -> tuple[Shift, ...]:
    by_time: dict[tuple[time, time], list[int]] = defaultdict(list)
    for shift in shifts:
        by_time[(shift.start, shift.end)].append(shift.weekday)
    return tuple(Shift(days=tuple(sorted(days)), start=s, end=e) for (s, e), days in sorted(by_time.items()))


def _export_technicians() -> tuple[ws.Technician, ...]:
    techs = Technician.objects.prefetch_related("skill_levels__skill", "certifications", "shifts", "time_off", "on_call")
    return tuple(
        ws.Technician(
            id=t.external_id, name=t.name, email=t.email, phone=t.phone, seniority=t.seniority,
            hourly_cost=float(t.hourly_cost) if t.hourly_cost is not None else None, timezone=t.timezone,
            location=_geo(t.lat, t.lon, t.city), onsite_capable=t.onsite_capable, languages=tuple(t.languages),
            skills={ts.skill.name: ts.level for ts in t.skill_levels.all()},
            certifications=tuple(sorted(c.name for c in t.certifications.all())), max_active_tickets=t.max_active_tickets,
            schedule=_schedule(t.shifts.all()), time_off=tuple(Interval(o.start, o.end, o.reason) for o in t.time_off.all()),
            on_call=tuple(Interval(o.start, o.end) for o in t.on_call.all()), active=t.active,
        )  # fmt: skip
        for t in techs.order_by("external_id")
    )


def _export_companies() -> tuple[ws.Company, ...]:
    companies = Company.objects.select_related("sla_policy", "preferred_technician").prefetch_related("account_technicians")
    return tuple(
        ws.Company(
            id=c.external_id, name=c.name, tier=c.tier, sla_policy=c.sla_policy.name if c.sla_policy else None,
            preferred_technician=c.preferred_technician.external_id if c.preferred_technician else None,
            account_technicians=tuple(sorted(t.external_id for t in c.account_technicians.all())),
            location=_geo(c.lat, c.lon, c.city), contact_email=c.contact_email,
        )  # fmt: skip
        for c in companies.order_by("external_id")
    )


def _name(obj: Any) -> Any:
    return obj.name if obj is not None else None


def _export_tickets() -> tuple[ws.Ticket, ...]:
    tickets = Ticket.objects.filter(closed=False).select_related("category", "board", "company", "assigned_to")
    return tuple(
        ws.Ticket(
            id=t.external_id, subject=t.subject, description=t.description, category=_name(t.category), priority=t.priority,
            board=t.board.name if t.board else "", company=t.company.external_id if t.company else None, status=t.status,
            assigned_to=t.assigned_to.external_id if t.assigned_to else None, created_at=t.created_at,
            sla_due=t.sla_due if t.sla_due_source != sla.POLICY else None,  # a computed one is not the file's
            estimated_hours=t.estimated_hours, required_skills=tuple(t.required_skills), language=t.language or None,
            location=_geo(t.location_lat, t.location_lon, t.location_city), onsite=t.onsite,
        )  # fmt: skip
        for t in tickets.order_by("created_at", "external_id")
    )


def _export_history() -> tuple[ws.HistoryTicket, ...]:
    rows = HistoryTicket.objects.select_related("category", "board", "company", "resolved_by").order_by("opened_at", "external_id")
    return tuple(
        ws.HistoryTicket(
            ticket_id=h.external_id, resolved_by=h.resolved_by.external_id if h.resolved_by else "", opened_at=h.opened_at,
            resolved_at=h.resolved_at, subject=h.subject, description=h.description, category=_name(h.category),
            priority=h.priority, company=h.company.external_id if h.company else None, board=h.board.name if h.board else "",
            first_response_at=h.first_response_at, csat=h.csat, reopened=h.reopened, reassignments=h.reassignments,
            met_sla=h.met_sla,
        )  # fmt: skip
        for h in rows.iterator(chunk_size=2000)
    )


def workspace_export() -> dict[str, Any]:
    """The whole database as a workspace document."""
    workspace = ws.Workspace(
        settings=_settings_dict(),
        skills=tuple(ws.Skill(name=s.name, group=s.group) for s in Skill.objects.order_by("name")),
        categories=tuple(
            ws.Category(name=c.name, required_skills=tuple(sorted(s.name for s in c.required_skills.all())),
                        complexity=c.complexity, auto_assign=c.auto_assign)
            for c in Category.objects.prefetch_related("required_skills").order_by("name")
        ),  # fmt: skip
        technicians=_export_technicians(),
        sla_policies=tuple(
            ws.SlaPolicy(name=p.name, response_hours=p.response_hours, resolution_hours=p.resolution_hours)
            for p in SLAPolicy.objects.order_by("name")
        ),
        companies=_export_companies(),
        rules=tuple(
            RuleFacts(name=r.name, when=r.when, then=r.then, unless_unavailable=r.unless_unavailable, enabled=r.enabled)
            for r in Rule.objects.order_by("order", "name")
        ),
        tickets=_export_tickets(),
        history=_export_history(),
        sections=frozenset(ws.SECTIONS),
    )
    return ws.to_document(workspace)
