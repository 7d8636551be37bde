"""The service-desk catalogue the simulator draws from: skills, ticket categories, priorities,
SLA policies, and the model's parameters.

Everything tunable lives in `Params` so a run states exactly what it assumed (the JSON output
includes it). The defaults are a mid-sized North-American MSP desk; docs/simulator.md explains
where each number comes from and how sensitive the results are to it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SKILLS: tuple[str, ...] = (
    "Exchange", "Office 365", "Active Directory", "Entra ID", "Networking", "Firewall", "VPN",
    "Windows", "macOS", "Printers", "VMware", "Windows Server", "Veeam", "Security", "Azure",
    "LOB Apps", "Telephony",
)  # fmt: skip


@dataclass(frozen=True)
class Category:
    name: str
    required_skills: tuple[str, ...]
    share: float  # of all tickets
    complexity: tuple[float, float, float]  # P(low), P(medium), P(high)
    priority: tuple[float, float, float, float]  # P(Low), P(Medium), P(High), P(Critical)
    onsite: float = 0.0  # share that need someone on site


# Shares sum to 1. Complexity and priority mixes follow what MSP boards typically show: password
# resets and printer jams are many and easy; server, security and backup work is rarer and harder.
CATEGORIES: tuple[Category, ...] = (
    Category("Email / Exchange", ("Exchange", "Office 365"), 0.14, (0.50, 0.40, 0.10), (0.30, 0.50, 0.17, 0.03)),
    Category("Identity / AD", ("Active Directory", "Entra ID"), 0.12, (0.70, 0.25, 0.05), (0.35, 0.45, 0.17, 0.03)),
    Category("Network / Firewall", ("Networking", "Firewall"), 0.07, (0.20, 0.50, 0.30), (0.20, 0.40, 0.30, 0.10), 0.10),
    Category("VPN / Remote access", ("VPN", "Networking"), 0.06, (0.40, 0.45, 0.15), (0.25, 0.45, 0.25, 0.05)),
    Category("Endpoint / Windows", ("Windows",), 0.16, (0.55, 0.35, 0.10), (0.40, 0.45, 0.13, 0.02), 0.05),
    Category("Endpoint / macOS", ("macOS",), 0.04, (0.55, 0.35, 0.10), (0.40, 0.45, 0.13, 0.02)),
    Category("Printers", ("Printers",), 0.07, (0.70, 0.25, 0.05), (0.50, 0.40, 0.09, 0.01), 0.15),
    Category("Server / VMware", ("VMware", "Windows Server"), 0.05, (0.15, 0.45, 0.40), (0.15, 0.40, 0.30, 0.15)),
    Category("Backup / Veeam", ("Veeam",), 0.04, (0.25, 0.50, 0.25), (0.25, 0.45, 0.25, 0.05)),
    Category("Security incident", ("Security", "Windows"), 0.03, (0.10, 0.40, 0.50), (0.05, 0.25, 0.45, 0.25)),
    Category("Cloud / Azure", ("Azure",), 0.05, (0.25, 0.45, 0.30), (0.25, 0.45, 0.25, 0.05)),
    Category("LOB applications", ("LOB Apps",), 0.06, (0.35, 0.45, 0.20), (0.35, 0.45, 0.17, 0.03)),
    Category("Telephony", ("Telephony",), 0.04, (0.35, 0.45, 0.20), (0.30, 0.45, 0.20, 0.05)),
    Category("Onboarding / offboarding", ("Active Directory", "Office 365"), 0.07, (0.40, 0.50, 0.10), (0.55, 0.40, 0.05, 0.00), 0.08),
)  # fmt: skip
CATEGORY_BY_NAME: dict[str, Category] = {c.name: c for c in CATEGORIES}

PRIORITIES: tuple[str, ...] = ("Low", "Medium", "High", "Critical")
PRIORITY_RANK: dict[str, int] = {p: i for i, p in enumerate(PRIORITIES)}
COMPLEXITIES: tuple[str, ...] = ("low", "medium", "high")

# SLA targets in hours: (response, resolution) per priority. Critical runs on a 24x7 clock, the
# rest on business hours (Mon-Fri 08:00-18:00 desk time), as most MSP contracts do. VIP companies
# have the premium contract.
SLA_POLICIES: dict[str, dict[str, tuple[float, float]]] = {
    "Standard": {"Critical": (1, 4), "High": (2, 8), "Medium": (4, 16), "Low": (8, 40)},
    "Premium": {"Critical": (0.5, 4), "High": (1, 6), "Medium": (2, 8), "Low": (4, 24)},
}

# Level 0 (missing) .. 3 (expert): the multiplier on hands-on time (the brief's skill-fit factor).
SKILL_TIME_FACTOR: dict[int, float] = {0: 2.5, 1: 1.5, 2: 1.0, 3: 0.7}
# The engine's credit per level, reused so "right skill" means the same thing here and there.
LEVEL_CREDIT: dict[int, float] = {0: 0.0, 1: 0.5, 2: 0.8, 3: 1.0}


@dataclass(frozen=True)
class Params:
    """The model's knobs (defaults are the calibrated baseline used in docs/simulator.md)."""

    days: int = 28  # measured days of arrivals
    warmup_days: int = 2  # simulated first, not measured (the desk starts empty)
    drain_days: int = 10  # after the last arrival, until every ticket is resolved (cap)
    techs: int = 20
    companies: int = 25
    weekday_tickets: float = 190.0  # expected tickets on a weekday
    weekend_factor: float = 0.15  # weekend daily volume relative to a weekday
    vip_share: float = 0.15  # of tickets from VIP (premium SLA) companies
    spanish_share: float = 0.04
    mislabel_share: float = 0.05  # tickets logged under the wrong category at intake
    # Hands-on minutes for an intermediate, unfamiliar technician: lognormal median and sigma.
    work_median_min: dict[str, float] = field(
        default_factory=lambda: {"low": 10.0, "medium": 25.0, "high": 65.0}
    )
    work_sigma: float = 0.6
    familiarity_factor: float = 0.85  # account technician or >= familiar_after tickets for the company
    familiar_after: int = 3
    skill_threshold: float = 60.0  # % match below which a technician "lacks the skills"
    bounce_probability: float = 0.6  # a technician lacking the skills gives the ticket back
    bounce_look_min: tuple[float, float] = (15.0, 45.0)
    engine_delay_s: tuple[float, float] = (2.0, 20.0)  # webhook -> decision -> PSA update
    batch_interval_min: float = 5.0
    # The manual-like dispatcher.
    manual_knows_skill: float = 0.56  # chooses deliberately by skill; otherwise grabs someone on shift
    manual_day_delay_min: tuple[float, float] = (10.0, 40.0)
    manual_night_delay_min: tuple[float, float] = (60.0, 240.0)
    manual_critical_delay_min: tuple[float, float] = (15.0, 45.0)  # phone escalation off hours
    manual_account_tech: float = 0.5  # picks the company's account tech when right-skilled and on shift
    max_tickets_per_technician: int = 10
    # The engine's policy: assign below the skill threshold when nobody qualifies. With it off, a
    # ticket still waiting for a qualified technician this close to its SLA deadline is escalated:
    # a person forces the best available (the engine's forced ranking).
    force_assignment: bool = True
    # Force only High/Critical tickets (the on-call-paged ones); Low/Medium wait for a qualified
    # technician and are escalated as above.
    force_urgent_only: bool = False
    escalate_before_due_min: float = 30.0
    # Hourly cost by seniority, drawn uniformly per technician: the example workspace's ranges
    # (dispatch/fixtures/example_workspace.json: seniors $92-110, mids $48-70, juniors $40-45).
    hourly_cost: dict[str, tuple[float, float]] = field(
        default_factory=lambda: {"senior": (92.0, 110.0), "mid": (48.0, 70.0), "junior": (40.0, 45.0)}
    )
    # The engine's factor weights for the weighted strategies (hybrid and its batch), and how far
    # SLA urgency shifts them; None: the engine's defaults (dispatch.engine.types DEFAULT_WEIGHTS,
    # Policy.sla_priority_weight). bench.simulate.fit searches these.
    weights: dict[str, float] | None = None
    sla_priority_weight: float | None = None
    desk_timezone: str = "America/New_York"
    start: str = "2026-04-06"  # a Monday, clear of daylight-saving changes for the whole run

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
