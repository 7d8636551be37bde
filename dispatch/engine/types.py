"""Plain, frozen inputs and outputs of the dispatch engine.

The engine never touches the database: `dispatch.facts` (the ORM bridge), the history
replay and the service-desk simulator all build these dataclasses and call
`dispatch.engine.rank`. Nothing here may import Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

PRIORITIES: tuple[str, ...] = ("Low", "Medium", "High", "Critical")
SKILL_LEVELS: dict[str, int] = {"beginner": 1, "intermediate": 2, "expert": 3}
SENIORITIES: dict[str, int] = {"junior": 1, "mid": 2, "senior": 3}
STRATEGIES: tuple[str, ...] = (
    "skills_based",
    "round_robin",
    "least_busy",
    "hybrid",
    "sla_driven",
    "customer_preference",
)
WORKLOAD_METHODS: tuple[str, ...] = ("ticket_count", "estimated_hours", "weighted")
# The assignment rules' vocabulary (contracts/workspace.md, "rules"): `when` conditions, `then` actions.
RULE_WHEN_KEYS: tuple[str, ...] = ("company", "tier", "category", "priority", "board", "keywords")
RULE_ACTIONS: tuple[str, ...] = (
    "assign_to",
    "prefer",
    "min_seniority",
    "require_skills",
    "exclude",
    "allow_overflow",
    "board",
    "escalate_to",
)
FACTORS: tuple[str, ...] = ("skill", "availability", "workload", "performance", "customer_preference")
DEFAULT_WEIGHTS: dict[str, float] = {
    "skill": 0.30,
    "availability": 0.25,
    "workload": 0.20,
    "performance": 0.15,
    "customer_preference": 0.10,
}
# When force_assignment may place a ticket below the skill threshold: "always" (the contract's
# default), or "urgent": only High/Critical tickets and tickets within `force_window_minutes` of
# their SLA deadline; the others wait for a qualified technician (the batch cycle retries them).
FORCE_SCOPES: tuple[str, ...] = ("always", "urgent")
URGENT_PRIORITIES: tuple[str, ...] = ("High", "Critical")
# The desk setting that sets both force_assignment and force_scope (DispatchSettings.below_threshold).
BELOW_THRESHOLD_CHOICES: dict[str, tuple[bool, str]] = {
    "always": (True, "always"),
    "urgent": (True, "urgent"),
    "never": (False, "always"),
}
# Priority weights for the "weighted" workload method (hours x weight).
PRIORITY_WORKLOAD_WEIGHT: dict[str, float] = {"Low": 0.5, "Medium": 1.0, "High": 1.5, "Critical": 2.0}

ERROR_CODES: tuple[str, ...] = (
    "NO_QUALIFIED_TECHNICIANS_AVAILABLE",
    "ALL_TECHNICIANS_AT_CAPACITY",
    "BUSINESS_HOURS_RESTRICTION",
    "SKILL_MATCH_BELOW_THRESHOLD",
    "SLA_ALREADY_BREACHED",
    "TECHNICIAN_UNAVAILABLE",
    "PSA_UPDATE_FAILED",
    "DISPATCHING_DISABLED",
)


@dataclass(frozen=True)
class GeoPoint:
    lat: float
    lon: float
    city: str = ""


@dataclass(frozen=True)
class Shift:
    """A weekly shift in the technician's local time; end <= start means it crosses midnight."""

    days: tuple[int, ...]  # 0 = Monday
    start: time
    end: time


@dataclass(frozen=True)
class Interval:
    """A timezone-aware half-open interval [start, end)."""

    start: datetime
    end: datetime
    reason: str = ""


@dataclass(frozen=True)
class Experience:
    """What history shows of a technician on some slice of work (already smoothed).

    `resolved` is a recency-decayed count; rates are 0..1; csat is 1..5 or None.
    """

    resolved: float = 0.0
    avg_resolution_hours: float | None = None
    reopen_rate: float | None = None
    csat: float | None = None
    on_time_rate: float | None = None
    resolved_this_week: int = 0
    # `resolved` over the most any technician resolved on the same slice (both decayed): 1 for
    # the desk's main resolver of this kind of work. None when not known (then `resolved` speaks
    # alone). Built outside the engine so that each technician's facts stay self-contained.
    relative: float | None = None
    # The team's typical resolution hours on the same slice: what counts as average speed here.
    typical_hours: float | None = None


@dataclass(frozen=True)
class CompanyHistory:
    tickets: int = 0
    csat: float | None = None


@dataclass(frozen=True)
class Workload:
    active_tickets: int = 0
    estimated_hours: float = 0.0
    weighted_hours: float = 0.0


@dataclass(frozen=True)
class TechFacts:
    id: str
    name: str
    email: str = ""
    phone: str = ""
    seniority: str = "mid"  # junior | mid | senior
    timezone: str = "UTC"
    location: GeoPoint | None = None
    onsite_capable: bool = False
    languages: frozenset[str] = frozenset({"English"})
    skills: Mapping[str, int] = field(default_factory=dict)  # skill name -> 1..3
    certifications: frozenset[str] = frozenset()
    max_active_tickets: int | None = None  # None: the org default
    schedule: tuple[Shift, ...] = ()  # empty: available at all hours
    time_off: tuple[Interval, ...] = ()
    on_call: tuple[Interval, ...] = ()
    active: bool = True
    hourly_cost: float | None = None
    workload: Workload = field(default_factory=Workload)
    # category name -> experience; "*" holds the technician's overall record.
    experience: Mapping[str, Experience] = field(default_factory=dict)
    company_history: Mapping[str, CompanyHistory] = field(default_factory=dict)
    # board name -> experience on that board (the queue the ticket arrived in)
    board_experience: Mapping[str, Experience] = field(default_factory=dict)
    last_assigned_at: datetime | None = None  # for round robin
    specialization: str = ""


@dataclass(frozen=True)
class TicketFacts:
    id: str
    subject: str = ""
    description: str = ""
    category: str | None = None
    priority: str = "Medium"
    board: str = ""
    company_id: str | None = None
    company_name: str = ""
    company_tier: str = "standard"  # vip | standard
    category_required_skills: tuple[str, ...] = ()
    required_skills: tuple[str, ...] = ()  # beyond the category's
    complexity: str = "medium"  # low | medium | high
    created_at: datetime | None = None
    sla_due: datetime | None = None
    sla_policy: str = ""
    response_hours: float | None = None  # from the SLA policy for this priority
    preferred_tech: str | None = None
    account_techs: tuple[str, ...] = ()
    company_location: GeoPoint | None = None
    language: str | None = None
    location: GeoPoint | None = None
    onsite: bool = False
    estimated_hours: float = 1.0
    exclude: tuple[str, ...] = ()
    status: str = "New"


@dataclass(frozen=True)
class BusinessHours:
    timezone: str = "UTC"
    days: tuple[int, ...] = (0, 1, 2, 3, 4)
    start: time = time(8, 0)
    end: time = time(18, 0)


@dataclass(frozen=True)
class Rule:
    """An assignment rule per contracts/workspace.md: all `when` keys must hold; one `then` action."""

    name: str
    when: Mapping[str, Any]
    then: Mapping[str, Any]
    unless_unavailable: bool = True
    enabled: bool = True


@dataclass(frozen=True)
class Policy:
    """The organisational variables plus per-call options."""

    now: datetime
    dispatching_enabled: bool = True
    strategy: str = "hybrid"
    max_tickets_per_technician: int = 10
    workload_calculation_method: str = "weighted"
    sla_priority_weight: float = 0.5
    # Seniority and cost (docs/engine.md "Seniority and cost"): on low-complexity work, while a
    # junior or mid qualifies, the desk's dearest rate loses this share of its skill and track
    # record values (the cheapest none); Critical work for a VIP customer pulls a qualified, available senior off
    # other work (workload counted free, capacity not holding them back).
    easy_work_cost_penalty: float = 0.5
    senior_pull: bool = True
    skill_match_threshold: int = 60
    allow_overflow_assignment: bool = False
    business_hours_only: bool = False
    preferred_tech_priority: bool = True
    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    business_hours: BusinessHours = field(default_factory=BusinessHours)
    rules: tuple[Rule, ...] = ()
    force_assignment: bool = True
    force_scope: str = "always"  # FORCE_SCOPES; only matters when force_assignment is on
    force_window_minutes: int = 30
    # The desk's typical ticket in hours (dispatch.facts.typical_ticket_hours): for the hours-based
    # workload methods, capacity in hours = capacity in tickets x this.
    hours_per_ticket: float = 2.0
    override_workload_limit: bool = False
    escalation_email: str = ""
    # Fitted history-affinity weights (dispatch.engine.affinity.AFFINITY_FEATURES order), from the
    # active model version; empty: the skill factor uses the skills matrix and experience alone.
    affinity_weights: tuple[float, ...] = ()
    # Share of the skill factor given to history affinity when it is known (0..1): the desk's
    # setting, fitted from its own history by train_models (dispatch.learning.weightfit).
    affinity_blend: float = 0.5
    # How many ranked candidates a Ranking carries with their breakdowns and reasons (the selected
    # one first); None: all. `counts` always covers every technician evaluated.
    candidates_shown: int | None = None
    # For round robin: the technician ids in rotation order (most recently assigned last).
    # When empty, round robin orders by TechFacts.last_assigned_at.


@dataclass(frozen=True)
class FactorScore:
    factor: str  # one of FACTORS, or "rules" for rule adjustments
    value: float  # raw 0..1
    weight: float
    points: float  # value * weight * 100 (rules: signed bonus points)
    reason: str


@dataclass(frozen=True)
class TimeNote:
    """A moment a reason names, as written: the text (`availability.format_local`'s "Wed 08:00 EST"),
    the instant and the zone it was written in, so that pages can show it in the viewer's zone."""

    text: str
    at: datetime
    zone: str


@dataclass(frozen=True)
class Candidate:
    tech_id: str
    name: str
    score: float  # 0..100, equals the sum of breakdown points (clamped at 0..100)
    breakdown: tuple[FactorScore, ...]
    skill_match_pct: float
    matched_skills: tuple[str, ...]
    missing_skills: tuple[str, ...]
    available: bool
    availability_status: str  # available | on_call | off_shift | time_off | inactive | outside_business_hours
    qualified: bool  # passes every hard filter and the skill threshold
    at_capacity: bool
    capacity_pct: float
    eligible: bool  # may be assigned under this policy
    blocked_by: tuple[str, ...] = ()  # why not eligible: hard filter names
    reason_not_selected: str = ""
    times: tuple[TimeNote, ...] = ()  # the moments its reasons name (explain.candidate_times)


@dataclass(frozen=True)
class RuleApplied:
    rule: str
    applied: bool
    impact: str


@dataclass(frozen=True)
class BlockingFactor:
    factor: str
    details: str


@dataclass(frozen=True)
class Ranking:
    """What the engine decided for one ticket."""

    ticket_id: str
    strategy: str
    candidates: tuple[Candidate, ...]  # best first; ineligible ones after the eligible ones
    selected: str | None  # tech id, None when the ticket cannot be placed
    confidence: str  # high | medium | low
    confidence_value: float  # 0..1
    rules_applied: tuple[RuleApplied, ...]
    error_code: str | None = None
    error_message: str = ""
    blocking_factors: tuple[BlockingFactor, ...] = ()
    recommended_actions: tuple[str, ...] = ()
    escalate_to: str | None = None
    route_to_board: str | None = None
    sla_risk: str = "low"  # low | medium | high | breached
    sla_hours_remaining: float | None = None
    counts: Mapping[str, int] = field(default_factory=dict)  # evaluated / available / qualified
