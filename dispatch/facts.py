"""The bridge from the ORM to the engine: querysets in, frozen engine dataclasses out.

Every function here runs a constant number of queries, whatever the number of
technicians, tickets or categories (tests/dispatch/test_facts.py asserts the counts).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, time, timedelta
from typing import Any

from django.db.models import Avg, Count, F, FloatField, Max, Prefetch, Q, Subquery, Sum
from django.db.models.functions import Coalesce, Greatest

from dispatch.engine.affinity import AFFINITY_FEATURES
from dispatch.engine.factors import typical_ticket
from dispatch.engine.types import (
    BELOW_THRESHOLD_CHOICES,
    PRIORITY_WORKLOAD_WEIGHT,
    SKILL_LEVELS,
    BusinessHours,
    CompanyHistory,
    Experience,
    GeoPoint,
    Interval,
    Policy,
    Rule,
    Shift,
    TechFacts,
    TicketFacts,
    Workload,
)
from dispatch.learning.workpattern import effective_capacity, fallback_hours
from dispatch.models import (
    Assignment,
    Board,
    Company,
    DispatchSettings,
    LearnedWorkPattern,
    ModelVersion,
    TechnicianExperience,
    Ticket,
)
from dispatch.models import Rule as RuleModel
from skills.models import OnCall, Technician, TimeOff
from skills.models import Shift as ShiftModel

# How far ahead availability data is loaded: enough for "next available" explanations.
LOOKAHEAD = timedelta(days=14)
# Candidates a decision stores with breakdowns and reasons (the queue, the document); the counts
# cover everyone evaluated.
CANDIDATES_SHOWN = 25
# ... and what the queue's own background work stores (the batch cycle, the re-rank after a change
# of facts): it refreshes hundreds of rows at once, so it explains the top ten of each.
QUEUE_CANDIDATES_SHOWN = 10


def policy_from_settings(
    settings: DispatchSettings, rules: Iterable[RuleModel], *, now: datetime, **overrides: Any
) -> Policy:
    bh = settings.business_hours or {}
    business_hours = BusinessHours(
        timezone=bh.get("timezone", "UTC"),
        days=tuple(bh.get("days", (0, 1, 2, 3, 4))),
        start=time.fromisoformat(bh.get("start", "08:00")),
        end=time.fromisoformat(bh.get("end", "18:00")),
    )
    policy = Policy(
        now=now,
        dispatching_enabled=settings.dispatching_enabled,
        strategy=settings.dispatching_mode,
        max_tickets_per_technician=settings.max_tickets_per_technician,
        workload_calculation_method=settings.workload_calculation_method,
        sla_priority_weight=settings.sla_priority_weight,
        skill_match_threshold=settings.skill_match_threshold,
        allow_overflow_assignment=settings.allow_overflow_assignment,
        business_hours_only=settings.business_hours_only,
        preferred_tech_priority=settings.preferred_tech_priority,
        easy_work_cost_penalty=settings.easy_work_cost_penalty,
        senior_pull=settings.senior_pull,
        weights=dict(settings.weights),
        affinity_blend=settings.affinity_blend,
        business_hours=business_hours,
        rules=tuple(
            Rule(name=r.name, when=r.when, then=r.then, unless_unavailable=r.unless_unavailable, enabled=r.enabled)
            for r in rules
            if r.enabled
        ),
        escalation_email=settings.escalation_email,
        force_assignment=BELOW_THRESHOLD_CHOICES[settings.below_threshold][0],
        force_scope=BELOW_THRESHOLD_CHOICES[settings.below_threshold][1],
    )
    return replace(policy, **overrides) if overrides else policy


def active_affinity_weights() -> tuple[float, ...]:
    """One query: the history-affinity weights `train_models` fitted for the active model
    version; empty when there is none, or when it was fitted on other features."""
    metrics = ModelVersion.objects.filter(active=True).values_list("metrics", flat=True).first() or {}
    fitted = metrics.get("affinity") or {}
    if tuple(fitted.get("features") or ()) != AFFINITY_FEATURES:
        return ()
    return tuple(float(w) for w in fitted.get("weights") or ())


def active_model_version() -> str | None:
    """One query: the active model version's name (None before the first training)."""
    return ModelVersion.objects.filter(active=True).order_by("-created_at").values_list("version", flat=True).first()


def typical_ticket_hours() -> float:
    """One query: the mean estimate of the open tickets (what "a ticket" means for capacity in
    hours), within 0.25..8 h; the engine's 2 h when no open ticket has an estimate."""
    return typical_ticket(
        Ticket.objects.filter(closed=False, estimated_hours__gt=0).aggregate(h=Avg("estimated_hours"))["h"]
    )


def load_policy(*, now: datetime, **overrides: Any) -> Policy:
    """Four queries: the settings row, the enabled rules, the active model's affinity weights and
    the desk's typical ticket size."""
    if "affinity_weights" not in overrides:  # (not setdefault: its default would be queried anyway)
        overrides["affinity_weights"] = active_affinity_weights()
    if "hours_per_ticket" not in overrides:
        overrides["hours_per_ticket"] = typical_ticket_hours()
    overrides.setdefault("candidates_shown", CANDIDATES_SHOWN)
    return policy_from_settings(DispatchSettings.load(), RuleModel.objects.filter(enabled=True), now=now, **overrides)


def _geo(lat: float | None, lon: float | None, city: str = "") -> GeoPoint | None:
    if lat is None or lon is None:
        return None
    return GeoPoint(lat=lat, lon=lon, city=city)


def _experience(
    row: TechnicianExperience, relative: float | None = None, typical_hours: float | None = None
) -> Experience:
    return Experience(
        resolved=row.resolved,
        avg_resolution_hours=row.avg_resolution_hours,
        reopen_rate=row.reopen_rate,
        csat=row.csat,
        on_time_rate=row.on_time_rate,
        resolved_this_week=row.resolved_this_week,
        relative=relative,
        typical_hours=typical_hours,
    )


def _workloads(excluded_statuses: list[str]) -> dict[str, Workload]:
    """One query: open assigned tickets per technician and priority; hours are what remains
    of each ticket's estimate after the time already logged against it."""
    rows = (
        Ticket.objects.filter(closed=False, assigned_to__isnull=False)
        .exclude(status__in=excluded_statuses)
        .values("assigned_to__external_id", "priority")
        .annotate(n=Count("id"), hours=Coalesce(Sum(Greatest(F("estimated_hours") - F("actual_hours"), 0.0)), 0.0,
                                                output_field=FloatField()))
    )
    acc: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    for row in rows:
        entry = acc[row["assigned_to__external_id"]]
        entry[0] += row["n"]
        entry[1] += row["hours"]
        entry[2] += row["hours"] * PRIORITY_WORKLOAD_WEIGHT.get(row["priority"], 1.0)
    return {tid: Workload(int(n), round(h, 2), round(w, 2)) for tid, (n, h, w) in acc.items()}


def build_tech_facts(*, now: datetime, excluded_statuses: list[str] | None = None) -> list[TechFacts]:
    """All active technicians as engine inputs, in a constant number of queries (10). Uncached:
    pages and the API read the versioned snapshot (dispatch.snapshot.tech_facts) instead."""
    if excluded_statuses is None:
        excluded_statuses = list(DispatchSettings.load().workload_excluded_statuses)
    return with_loads(build_people_facts(now=now), *current_loads(excluded_statuses))


def current_loads(excluded_statuses: list[str]) -> tuple[dict[str, Workload], dict[str, datetime]]:
    """Two queries: open work per technician (by external id) and when each was last assigned."""
    last = (
        Assignment.objects.values("technician__external_id")
        .annotate(at=Max("created_at"))
        .values_list("technician__external_id", "at")
    )
    return _workloads(excluded_statuses), dict(last)


def with_loads(
    people: list[TechFacts], workloads: dict[str, Workload], last_assigned: dict[str, datetime]
) -> list[TechFacts]:
    """The people facts with the current workload and last-assignment time filled in."""
    empty = Workload()
    return [
        replace(t, workload=workloads.get(t.id, empty), last_assigned_at=last_assigned.get(t.id)) for t in people
    ]


def build_people_facts(*, now: datetime) -> list[TechFacts]:
    """All active technicians with their skills, rota around `now`, experience and familiarity,
    without workload (empty) or last assignment (None): the part of the facts that changes
    rarely and costs most to build. Seven queries."""
    techs = list(
        Technician.objects.filter(active=True)
        .select_related("work_pattern")
        .annotate(desk_capacity=_desk_capacity())
        .prefetch_related("skill_levels__skill", "certifications", *rota_prefetches(now))
        .order_by("external_id")
    )
    experience: dict[int, dict[str, Experience]] = defaultdict(dict)
    board_experience: dict[int, dict[str, Experience]] = defaultdict(dict)
    company_history: dict[int, dict[str, CompanyHistory]] = defaultdict(dict)
    rows = list(TechnicianExperience.objects.filter(scope__in=("all", "category", "board", "company")))
    # Each technician's standing against the slice's leader and the team's typical resolution
    # time there (inactive technicians included), computed as the replay's learner does. Decayed
    # counts all decay alike, so the ratio does not depend on when train_models ran.
    leaders: dict[tuple[str, str], float] = defaultdict(float)
    log_hours: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for row in rows:
        slice_ = (row.scope, row.key)
        leaders[slice_] = max(leaders[slice_], row.resolved)
        if row.avg_resolution_hours is not None:
            log_hours[slice_][0] += row.resolved_raw * math.log1p(row.avg_resolution_hours)
            log_hours[slice_][1] += row.resolved_raw
    typical = {k: math.expm1(total / n) for k, (total, n) in log_hours.items() if n}
    for row in rows:
        slice_ = (row.scope, row.key)
        top = leaders[slice_]
        relative = min(1.0, row.resolved / top) if top > 0 and row.scope != "all" else None
        if row.scope == "company":
            company_history[row.technician_id][row.key] = CompanyHistory(tickets=row.resolved_raw, csat=row.csat)
        elif row.scope == "board":
            board_experience[row.technician_id][row.key] = _experience(row, relative, typical.get(slice_))
        else:
            experience[row.technician_id]["*" if row.scope == "all" else row.key] = _experience(
                row, relative, typical.get(slice_)
            )
    return [
        _tech_facts(
            t, Workload(), experience[t.pk], company_history[t.pk], None, board_experience[t.pk],
            capacity_default=_capacity_default(t),
        )  # fmt: skip
        for t in techs
    ]


def rebuild_people_facts(previous: list[TechFacts], technicians: set[int], *, now: datetime) -> list[TechFacts]:
    """`previous` with the given technicians (primary keys) built again: skills, rota and
    attributes from the database (a constant number of queries), history (experience, familiarity: only
    train_models changes it, and that rebuilds everyone) carried over. Inactive or deleted ones
    drop out; the order stays by external id."""
    fresh = list(
        Technician.objects.filter(pk__in=technicians)
        .select_related("work_pattern")
        .annotate(desk_capacity=_desk_capacity())
        .prefetch_related("skill_levels__skill", "certifications", *rota_prefetches(now))
        .order_by("external_id")
    )
    old = {t.id: t for t in previous}
    known = _ids_still_known(previous)
    gone = {t.external_id for t in fresh} | {t.id for t in previous if t.id not in known}
    out = {t.id: t for t in previous if t.id not in gone}
    for tech in fresh:
        if not tech.active:
            continue
        before = old.get(tech.external_id)
        out[tech.external_id] = _tech_facts(
            tech, Workload(),
            dict(before.experience) if before else {},
            dict(before.company_history) if before else {},
            None,
            dict(before.board_experience) if before else {},
            capacity_default=_capacity_default(tech),
        )  # fmt: skip
    return [out[k] for k in sorted(out)]


def _ids_still_known(previous: list[TechFacts]) -> set[str]:
    """External ids of `previous` that still name a technician (one query): a technician deleted
    since, or whose id changed, drops out."""
    return set(Technician.objects.filter(external_id__in=[t.id for t in previous]).values_list("external_id", flat=True))


def rota_prefetches(now: datetime) -> tuple[Prefetch, ...]:
    """Shifts, and time off and on-call around `now` (a day back, LOOKAHEAD ahead): what
    `rota` reads."""
    horizon_start, horizon_end = now - timedelta(days=1), now + LOOKAHEAD
    return (
        Prefetch("shifts", queryset=ShiftModel.objects.all()),
        Prefetch("time_off", queryset=TimeOff.objects.filter(end__gt=horizon_start, start__lt=horizon_end)),
        Prefetch("on_call", queryset=OnCall.objects.filter(end__gt=horizon_start, start__lt=horizon_end)),
    )


def rota(tech: Technician) -> dict[str, Any]:
    """A technician's availability as TechFacts fields (schedule, time off, on call, time zone,
    active), from the `rota_prefetches` rows."""
    shifts_by_time: dict[tuple[time, time], list[int]] = defaultdict(list)
    for shift in tech.shifts.all():
        shifts_by_time[(shift.start, shift.end)].append(shift.weekday)
    return {
        "timezone": tech.timezone,
        "schedule": tuple(
            Shift(days=tuple(sorted(d)), start=s, end=e) for (s, e), d in sorted(shifts_by_time.items())
        ),
        "time_off": tuple(Interval(o.start, o.end, o.reason) for o in tech.time_off.all()),
        "on_call": tuple(Interval(o.start, o.end, "on-call") for o in tech.on_call.all()),
        "active": tech.active,
    }


def _tech_facts(
    tech: Technician,
    workload: Workload,
    experience: dict[str, Experience],
    company_history: dict[str, CompanyHistory],
    last_assigned_at: datetime | None,
    board_experience: dict[str, Experience] | None = None,
    *,
    capacity_default: int | None = None,
) -> TechFacts:
    """`capacity_default` given: the technician's learned capacity and hours apply where nothing
    is stated (`_learned`); None: only what is stated (the replay learns its own)."""
    skills = {ts.skill.name: SKILL_LEVELS[ts.level] for ts in tech.skill_levels.all()}
    top_skills = sorted(tech.skill_levels.all(), key=lambda ts: -SKILL_LEVELS[ts.level])[:2]
    return TechFacts(
        id=tech.external_id,
        name=tech.name,
        email=tech.email,
        phone=tech.phone,
        seniority=tech.seniority,
        location=_geo(tech.lat, tech.lon, tech.city),
        onsite_capable=tech.onsite_capable,
        languages=frozenset(tech.languages or ["English"]),
        skills=skills,
        certifications=frozenset(c.name for c in tech.certifications.all()),
        hourly_cost=float(tech.hourly_cost) if tech.hourly_cost is not None else None,
        workload=workload,
        experience=experience,
        company_history=company_history,
        board_experience=board_experience or {},
        last_assigned_at=last_assigned_at,
        specialization=" & ".join(ts.skill.name for ts in top_skills),
        **{**rota(tech), "max_active_tickets": tech.max_active_tickets, **_learned(tech, capacity_default)},
    )


def _desk_capacity() -> Subquery:
    """The desk's default capacity, read with the technicians (no query of its own)."""
    return Subquery(DispatchSettings.objects.filter(pk=1).values("max_tickets_per_technician")[:1])


def _capacity_default(tech: Technician) -> int:
    stored = getattr(tech, "desk_capacity", None)
    return int(stored) if stored else int(DispatchSettings._meta.get_field("max_tickets_per_technician").default)


def _learned(tech: Technician, capacity_default: int | None) -> dict[str, Any]:
    """The capacity to rank with (stated, else confirmed, else learned above the default) and,
    for a technician with no schedule at all, the confirmed or learned working hours
    (dispatch/learning/workpattern.py); from the `work_pattern` the query selected."""
    if capacity_default is None:
        return {}
    try:
        pattern = tech.work_pattern  # type: ignore[attr-defined]
    except LearnedWorkPattern.DoesNotExist:
        return {}
    out: dict[str, Any] = {
        "max_active_tickets": effective_capacity(
            tech.max_active_tickets, pattern.capacity_confirmed, pattern.capacity, capacity_default
        )
    }
    hours = fallback_hours(pattern.hours, pattern.hours_confirmed, pattern.hours_ignored)
    if hours is not None and hours.days and not any(True for _ in tech.shifts.all()):
        out["schedule"] = (Shift(days=hours.days, start=hours.start, end=hours.end),)
    return out


def ticket_queryset() -> Any:
    """Tickets with what ticket_facts reads (attach_relations does the same for plain rows)."""
    return Ticket.objects.select_related(
        "category", "predicted_category", "company__sla_policy", "company__preferred_technician", "board"
    ).prefetch_related(
        "category__required_skills", "predicted_category__required_skills", "company__account_technicians"
    )


def attach_relations(tickets: list[Ticket], known: dict[str, dict[int, Any]] | None = None) -> list[Ticket]:
    """Plain ticket rows made ready for ticket_facts with no further queries, as ticket_queryset()
    would, but each category, company and board is read once for all of them (a queue holds
    thousands of tickets of a few dozen kinds): at most 6 queries whatever the number of tickets.
    `known`: rows read by an earlier call (a run that loads the queue page by page), kept in it."""
    from skills.models import Category

    known = {} if known is None else known
    loaders = {
        "category": Category.objects.prefetch_related("required_skills"),
        "company": Company.objects.select_related("sla_policy", "preferred_technician").prefetch_related(
            "account_technicians"
        ),
        "board": Board.objects.all(),
    }
    sources = {"category": ("category_id", "predicted_category_id"), "company": ("company_id",), "board": ("board_id",)}
    for kind, attrs in sources.items():
        have = known.setdefault(kind, {})
        missing = {pk for t in tickets for a in attrs if (pk := getattr(t, a)) is not None and pk not in have}
        if missing:
            have.update(loaders[kind].in_bulk(missing))
    links = (("category", "category_id", "category"), ("predicted_category", "predicted_category_id", "category"),
             ("company", "company_id", "company"), ("board", "board_id", "board"))  # fmt: skip
    fields = {name: Ticket._meta.get_field(name) for name, _, _ in links}
    for t in tickets:
        for name, attr, kind in links:
            pk = getattr(t, attr)
            fields[name].set_cached_value(t, known[kind].get(pk) if pk is not None else None)  # type: ignore[union-attr]
    return tickets


def ticket_facts(ticket: Ticket, **overrides: Any) -> TicketFacts:
    """The ticket's facts; `ticket` should come from ticket_queryset() (no further queries)."""
    category = ticket.effective_category
    company: Company | None = ticket.company
    response_hours = None
    sla_name = ""
    if company and company.sla_policy:
        sla_name = company.sla_policy.name
        response_hours = (company.sla_policy.response_hours or {}).get(ticket.priority)
    account_techs: tuple[str, ...] = ()
    preferred = None
    if company:
        account_techs = tuple(t.external_id for t in company.account_technicians.all())
        preferred = company.preferred_technician.external_id if company.preferred_technician else None
    facts = TicketFacts(
        id=ticket.external_id,
        subject=ticket.subject,
        description=ticket.description,
        category=category.name if category else None,
        priority=ticket.priority,
        board=ticket.board.name if ticket.board else "",
        company_id=company.external_id if company else None,
        company_name=company.name if company else "",
        company_tier=company.tier if company else "standard",
        category_required_skills=tuple(s.name for s in category.required_skills.all()) if category else (),
        required_skills=tuple(ticket.required_skills or ()),
        complexity=category.complexity if category else "medium",
        created_at=ticket.created_at,
        sla_due=ticket.sla_due,
        sla_policy=sla_name,
        response_hours=float(response_hours) if response_hours is not None else None,
        preferred_tech=preferred,
        account_techs=account_techs,
        company_location=_geo(company.lat, company.lon, company.city) if company else None,
        language=ticket.language or None,
        location=_geo(ticket.location_lat, ticket.location_lon, ticket.location_city),
        onsite=ticket.onsite,
        estimated_hours=ticket.estimated_hours,
        status=ticket.status,
    )
    return replace(facts, **overrides) if overrides else facts


def on_dispatched_board() -> Q:
    """Tickets Switchboard dispatches: on no board, or on a board with dispatching enabled."""
    return Q(board__isnull=True) | Q(board__dispatch_enabled=True)


def open_unassigned_tickets() -> Any:
    return (
        ticket_queryset()
        .filter(closed=False, assigned_to__isnull=True)
        .filter(on_dispatched_board())
        .order_by(F("sla_due").asc(nulls_last=True), "created_at")
    )
