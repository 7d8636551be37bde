"""The database side of learning: history and replay inputs out of the ORM, in a constant
number of queries whatever the size of the history or the roster."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch

from dispatch.engine.types import Policy, TechFacts, Workload
from dispatch.facts import _geo, _tech_facts, load_policy
from dispatch.models import Company, HistoryTicket
from skills.models import Category, OnCall, Technician, TimeOff
from skills.models import Shift as ShiftModel

from .experience import HistoryRecord
from .replay import CategoryInfo, CompanyInfo

HISTORY_FIELDS = (
    "external_id",
    "subject",
    "description",
    "category__name",
    "priority",
    "company__external_id",
    "board__name",
    "resolved_by__external_id",
    "opened_at",
    "first_response_at",
    "resolved_at",
    "csat",
    "reopened",
    "met_sla",
)


def history_records(
    progress: Callable[[int], None] | None = None, *, text: bool = True
) -> list[HistoryRecord]:
    """Every HistoryTicket as a record, ordered by opened_at: one query, streamed."""
    fields = (
        HISTORY_FIELDS if text else tuple(f for f in HISTORY_FIELDS if f not in ("subject", "description"))
    )
    rows = HistoryTicket.objects.order_by("opened_at", "id").values_list(*fields).iterator(chunk_size=2000)
    out: list[HistoryRecord] = []
    for row in rows:
        v = dict(zip(fields, row, strict=True))
        out.append(
            HistoryRecord(
                tech=v["resolved_by__external_id"],
                opened_at=v["opened_at"],
                resolved_at=v["resolved_at"],
                category=v["category__name"],
                board=v["board__name"],
                company=v["company__external_id"],
                first_response_at=v["first_response_at"],
                csat=v["csat"],
                reopened=v["reopened"],
                met_sla=v["met_sla"],
                priority=v["priority"],
                ticket_id=v["external_id"],
                subject=v.get("subject") or "",
                description=v.get("description") or "",
            )
        )
        if progress is not None and len(out) % 1000 == 0:
            progress(len(out))
    return out


def roster_facts() -> list[TechFacts]:
    """Every technician (active or not) with skills, schedule and ALL their time off and
    on-call periods, without workload or experience (the replay supplies those per instant)."""
    techs = Technician.objects.prefetch_related(
        "skill_levels__skill",
        "certifications",
        Prefetch("shifts", queryset=ShiftModel.objects.all()),
        Prefetch("time_off", queryset=TimeOff.objects.order_by("start")),
        Prefetch("on_call", queryset=OnCall.objects.order_by("start")),
    ).order_by("external_id")
    return [_tech_facts(t, Workload(), {}, {}, None) for t in techs]


@dataclass
class ReplayInputs:
    records: list[HistoryRecord]
    techs: list[TechFacts]
    policy: Policy
    categories: dict[str, CategoryInfo]
    companies: dict[str, CompanyInfo]


def replay_inputs(
    now: datetime,
    progress: Callable[[int], None] | None = None,
    records: list[HistoryRecord] | None = None,
) -> ReplayInputs:
    """History, roster, policy, categories and companies as the replay and the weight fit read
    them (`records`: the history when the caller has loaded it already)."""
    categories = {
        c.name: CategoryInfo(
            required_skills=tuple(s.name for s in c.required_skills.all()), complexity=c.complexity
        )
        for c in Category.objects.prefetch_related("required_skills")
    }
    companies: dict[str, CompanyInfo] = {}
    for c in Company.objects.select_related("sla_policy", "preferred_technician").prefetch_related(
        "account_technicians"
    ):
        companies[c.external_id] = CompanyInfo(
            name=c.name,
            tier=c.tier,
            sla_policy=c.sla_policy.name if c.sla_policy else "",
            response_hours=dict(c.sla_policy.response_hours or {}) if c.sla_policy else {},
            preferred_tech=c.preferred_technician.external_id if c.preferred_technician else None,
            account_techs=tuple(t.external_id for t in c.account_technicians.all()),
            location=_geo(c.lat, c.lon, c.city),
        )
    return ReplayInputs(
        records=records if records is not None else history_records(progress),
        techs=roster_facts(),
        policy=load_policy(now=now),
        categories=categories,
        companies=companies,
    )
