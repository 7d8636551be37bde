"""The simulated desk for one seed: companies, technicians (skills, shifts, time off, on-call)
and the ticket stream. Everything is drawn up front from the seed, so every strategy faces the
same desk and the very same tickets (common random numbers: differences between strategies
are not sampling noise in the arrivals).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .catalogue import (
    CATEGORIES,
    CATEGORY_BY_NAME,
    COMPLEXITIES,
    LEVEL_CREDIT,
    PRIORITIES,
    SKILL_TIME_FACTOR,
    SKILLS,
    SLA_POLICIES,
    Params,
)
from .clock import Clock, Span, SpanIndex, merge, subtract

# Relative arrival intensity by local hour on a weekday (business-hours peak, quiet nights).
WEEKDAY_PROFILE: tuple[float, ...] = (
    0.10, 0.06, 0.05, 0.05, 0.06, 0.10, 0.25, 0.70,  # 00-07
    1.60, 2.00, 1.90, 1.70, 1.20, 1.50, 1.70, 1.50,  # 08-15
    1.20, 0.80, 0.45, 0.30, 0.25, 0.20, 0.15, 0.12,  # 16-23
)  # fmt: skip
WEEKEND_SHAPE: tuple[float, ...] = tuple(0.4 + 0.6 * math.sin(math.pi * h / 24) ** 2 for h in range(24))

# Team: core skills. Levels depend on seniority; a few extra skills are sprinkled on top.
TEAMS: dict[str, tuple[str, ...]] = {
    "Service desk": ("Windows", "Office 365", "Active Directory", "Entra ID", "Printers", "Exchange"),
    "Messaging & identity": ("Exchange", "Office 365", "Active Directory", "Entra ID", "Azure"),
    "Network": ("Networking", "Firewall", "VPN", "Telephony"),
    "Infrastructure": ("VMware", "Windows Server", "Veeam", "Azure", "Active Directory"),
    "Endpoint": ("Windows", "macOS", "Printers", "LOB Apps", "Office 365"),
    "Security": ("Security", "Firewall", "Windows", "Entra ID", "VPN"),
}
# Shift patterns: (timezone, days, start, end) in local wall-clock time.
SHIFTS: dict[str, tuple[str, tuple[int, ...], time, time]] = {
    "day": ("America/New_York", (0, 1, 2, 3, 4), time(8, 0), time(16, 30)),
    "late": ("America/New_York", (0, 1, 2, 3, 4), time(9, 30), time(18, 0)),
    "early": ("Europe/Madrid", (0, 1, 2, 3, 4), time(13, 0), time(21, 30)),  # 07:00-15:30 New York
    "central": ("America/Chicago", (0, 1, 2, 3, 4), time(7, 0), time(15, 30)),
    "evening": ("America/Los_Angeles", (0, 1, 2, 3, 4), time(13, 0), time(21, 30)),  # 16:00-00:30 NY
    "weekend_a": ("America/New_York", (2, 3, 4, 5, 6), time(8, 0), time(16, 30)),
    "weekend_b": ("America/New_York", (5, 6, 0, 1, 2), time(10, 0), time(18, 30)),
}
# The roster template: (team, seniority, shift). Cycled for desks larger than 20.
ROSTER: tuple[tuple[str, str, str], ...] = (
    ("Service desk", "junior", "day"),
    ("Messaging & identity", "senior", "day"),
    ("Network", "senior", "day"),
    ("Endpoint", "mid", "late"),
    ("Infrastructure", "senior", "day"),
    ("Service desk", "mid", "late"),
    ("Security", "senior", "day"),
    ("Service desk", "junior", "evening"),
    ("Messaging & identity", "junior", "early"),
    ("Infrastructure", "mid", "weekend_b"),
    ("Service desk", "mid", "weekend_a"),
    ("Network", "mid", "late"),
    ("Endpoint", "junior", "day"),
    ("Messaging & identity", "mid", "late"),
    ("Endpoint", "senior", "central"),
    ("Infrastructure", "mid", "late"),
    ("Network", "junior", "evening"),
    ("Service desk", "junior", "late"),
    ("Security", "mid", "late"),
    ("Service desk", "mid", "evening"),
)
FIRST = ("Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery", "Quinn",
         "Drew", "Robin", "Kai", "Reese", "Skyler", "Parker", "Rowan", "Emerson", "Harper", "Sage")  # fmt: skip
LAST = ("Nguyen", "Garcia", "Smith", "Patel", "Kim", "Okafor", "Rossi", "Silva", "Cohen", "Walsh",
        "Lopez", "Murphy", "Chen", "Novak", "Haddad", "Brooks", "Ortiz", "Fischer", "Reyes", "Moreau")  # fmt: skip
CITIES: dict[str, tuple[float, float]] = {
    "Boston": (42.36, -71.06), "New York": (40.71, -74.01), "Hartford": (41.76, -72.67),
    "Providence": (41.82, -71.41), "Worcester": (42.26, -71.80), "Newark": (40.74, -74.17),
    "Stamford": (41.05, -73.54), "Albany": (42.65, -73.75), "Miami": (25.76, -80.19),
    "Chicago": (41.88, -87.63),
}  # fmt: skip
COMPANY_NAMES = (
    "Acme Corp", "Brightline Dental", "Cobalt Logistics", "Dunmore Law", "Evergreen Clinic", "Fenwick Realty",
    "Granite Insurance", "Harbor Freight Co", "Ionic Labs", "Juniper Schools", "Kestrel Capital", "Lumen Media",
    "Maple Accounting", "Northwind Traders", "Oakridge Health", "Pinnacle Builders", "Quarry Foods", "Redwood Partners",
    "Summit Architects", "Tidewater Marine", "Union Pharmacy", "Vantage Hotels", "Westfield Auto", "Xeno Robotics",
    "Yardley Nonprofit", "Zephyr Travel", "Atlas Freight", "Beacon Charity", "Crescent Vets", "Delta Printing",
)  # fmt: skip
ONSITE_CITIES = ("Boston", "New York", "Hartford", "Providence", "Worcester", "Stamford")


@dataclass
class Company:
    id: str
    name: str
    weight: float
    tier: str  # vip | standard
    city: str
    lat: float
    lon: float
    spanish: float  # share of its tickets written in Spanish
    account_techs: tuple[str, ...] = ()
    preferred_tech: str | None = None

    @property
    def sla_policy(self) -> str:
        return "Premium" if self.tier == "vip" else "Standard"


@dataclass
class TechProfile:
    idx: int
    id: str
    name: str
    team: str
    seniority: str
    shift: str
    timezone: str
    days: tuple[int, ...]
    start: time
    end: time
    skills: dict[str, int]
    languages: frozenset[str]
    city: str
    lat: float
    lon: float
    onsite_capable: bool
    duty: list[Span]  # on shift and not on time off, absolute minutes
    on_call: list[Span]  # on call, outside shift and time off
    time_off: list[Span]
    on_call_raw: list[Span]  # the rota as published (the engine subtracts shift/time off itself)
    hourly_cost: float = 0.0  # dollars per hour worked, drawn by seniority (Params.hourly_cost)


@dataclass
class Ticket:
    """One ticket: drawn attributes (identical for every strategy) plus the per-run state."""

    idx: int
    id: str
    created: float
    company: Company
    category: str  # as logged at intake (what dispatch sees)
    true_category: str  # what the problem really is (a look at it reveals this)
    priority: str
    complexity: str
    language: str | None
    onsite: bool
    work_base: float  # hands-on minutes for an intermediate, unfamiliar technician
    response_due: float
    resolution_due: float
    response_hours: float
    estimated_hours: float
    u: tuple[float, ...]  # uniforms for bounce decisions, one per assignment
    look: tuple[float, ...]  # minutes spent before a bounce, one per assignment
    # run state
    holder: int | None = None
    assigned_at: float | None = None
    first_assigned: float | None = None
    first_right: bool | None = None
    first_response: float | None = None
    resolved: float | None = None
    remaining: float | None = None  # minutes of work left for the current holder
    started: bool = False  # the current holder has touched it
    logged: float = 0.0  # minutes the current holder has logged on it (as a PSA time entry would show)
    bouncing: bool = False
    forced: bool = False  # everyone able to take it bounced it; the next holder keeps it
    handoffs: int = 0
    assignments: int = 0
    worked: float = 0.0  # minutes anyone worked on it (bounce looks included)
    cost: float = 0.0  # dollars: each holder's minutes worked x their hourly cost
    touched_by: list[int] = field(default_factory=list)
    excluded: tuple[str, ...] = ()

    def reset(self) -> None:
        self.holder = self.assigned_at = self.first_assigned = self.first_right = None
        self.first_response = self.resolved = self.remaining = None
        self.started = self.bouncing = self.forced = False
        self.logged = self.worked = self.cost = 0.0
        self.handoffs = self.assignments = 0
        self.touched_by = []
        self.excluded = ()
        self.category = self._logged

    _logged: str = ""


def skill_match(skills: dict[str, int], required: tuple[str, ...]) -> float:
    """0..100, the engine's credit scale without certifications or history."""
    if not required:
        return 50.0
    return 100.0 * sum(LEVEL_CREDIT[skills.get(s, 0)] for s in required) / len(required)


def time_factor(skills: dict[str, int], required: tuple[str, ...]) -> float:
    """Mean skill-fit multiplier over the required skills (expert 0.7 ... missing 2.5)."""
    if not required:
        return 1.0
    return sum(SKILL_TIME_FACTOR[skills.get(s, 0)] for s in required) / len(required)


@dataclass
class Desk:
    seed: int
    params: Params
    clock: Clock
    horizon_days: int
    companies: list[Company]
    techs: list[TechProfile]
    tickets: list[Ticket]
    business: SpanIndex  # desk business hours (Mon-Fri 08:00-18:00 desk time)
    measure_from: float
    measure_to: float

    def measured(self, t: Ticket) -> bool:
        return self.measure_from <= t.created < self.measure_to


def _levels(rng: random.Random, seniority: str) -> int:
    r = rng.random()
    if seniority == "senior":
        return 3 if r < 0.8 else 2
    if seniority == "mid":
        return 3 if r < 0.25 else 2 if r < 0.9 else 1
    return 2 if r < 0.4 else 1


def _techs(rng: random.Random, params: Params, clock: Clock, horizon: int) -> list[TechProfile]:
    out: list[TechProfile] = []
    combos = [(f, ln) for f in FIRST for ln in LAST]
    names = rng.sample(combos, min(len(combos), params.techs))
    names += [
        (combos[k % len(combos)][0], f"{combos[k % len(combos)][1]}-{k // len(combos) + 2}")
        for k in range(params.techs - len(names))
    ]
    # Besides the early shift (Madrid), two or three more Spanish speakers, one in the evening.
    day = [i for i in range(params.techs) if ROSTER[i % len(ROSTER)][2] in ("day", "late", "central")]
    evening = [i for i in range(params.techs) if ROSTER[i % len(ROSTER)][2] == "evening"]
    spanish = set(rng.sample(day, min(len(day), rng.choice((1, 2))))) | set(
        evening[:1] and rng.sample(evening, 1)
    )
    for i in range(params.techs):
        team, seniority, shift = ROSTER[i % len(ROSTER)]
        tz, days, start, end = SHIFTS[shift]
        skills = {s: _levels(rng, seniority) for s in TEAMS[team]}
        # one or two skills from outside the team, at a lower level
        for s in rng.sample([s for s in SKILLS if s not in skills], rng.choice((1, 2))):
            skills[s] = 1 if seniority == "junior" or rng.random() < 0.6 else 2
        languages = {"English"}
        if shift == "early" or i in spanish:
            languages.add("Spanish")
        city = "Miami" if shift == "early" else "Chicago" if shift == "central" else rng.choice(ONSITE_CITIES)
        lat, lon = CITIES[city]
        duty = clock.local_windows(tz, days, start, end, horizon)
        out.append(
            TechProfile(
                idx=i, id=f"tech-{i + 1:03d}", name=f"{names[i][0]} {names[i][1]}", team=team,
                seniority=seniority, shift=shift, timezone=tz, days=days, start=start, end=end,
                skills=skills, languages=frozenset(languages), city=city, lat=lat, lon=lon,
                onsite_capable=city in ONSITE_CITIES and shift in ("day", "late", "weekend_a", "weekend_b")
                and rng.random() < 0.7,
                duty=duty, on_call=[], time_off=[], on_call_raw=[],
            )
        )  # fmt: skip
    _time_off(rng, out, clock, horizon)
    _on_call(out, clock, horizon)
    return out


def _hourly_costs(seed: int, params: Params, techs: list[TechProfile]) -> None:
    """Each technician's hourly cost, uniform in their seniority's range. A stream of its own, so
    the rest of the desk is drawn exactly as before costs existed."""
    rng = random.Random(f"switchboard-cost-{seed}")
    for t in techs:
        lo, hi = params.hourly_cost.get(t.seniority, (0.0, 0.0))
        t.hourly_cost = round(rng.uniform(lo, hi), 2)


def _time_off(rng: random.Random, techs: list[TechProfile], clock: Clock, horizon: int) -> None:
    """A few days off each: sometimes a block of a week's vacation, usually scattered days."""
    for t in techs:
        zi = ZoneInfo(t.timezone)
        off_days: set[date] = set()
        if rng.random() < 0.25:
            first = rng.randrange(0, max(1, horizon - 7))
            off_days.update(clock.start_date + timedelta(days=first + k) for k in range(rng.randint(3, 5)))
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
            off_days.add(clock.start_date + timedelta(days=rng.randrange(0, horizon)))
        spans = []
        for d in sorted(off_days):
            a = datetime.combine(d, time(0), tzinfo=zi)
            b = datetime.combine(d + timedelta(days=1), time(0), tzinfo=zi)
            spans.append((clock.minutes(a), clock.minutes(b)))
        t.time_off = merge(spans)
        t.duty = subtract(t.duty, t.time_off)


def _on_call(techs: list[TechProfile], clock: Clock, horizon: int) -> None:
    """A weekly rota among day-shift mids and seniors: weeknights 18:00-08:00 and weekends (desk time).

    Someone on time off is skipped for that week. On call means paged for High/Critical tickets.
    """
    rota = [t for t in techs if t.seniority != "junior" and t.shift in ("day", "late", "central")]
    if not rota:
        return
    nights = clock.local_windows(clock.tz.key, (0, 1, 2, 3, 4, 5, 6), time(18, 0), time(8, 0), horizon)
    for week in range(horizon // 7 + 2):
        w0, w1 = week * 7 * 1440.0, (week + 1) * 7 * 1440.0
        week_spans = [(max(a, w0), min(b, w1)) for a, b in nights if b > w0 and a < w1]
        # weekend daytime too: Sat/Sun 08:00-18:00
        week_spans += clock.local_windows(clock.tz.key, (5, 6), time(8, 0), time(18, 0), horizon)
        week_spans = merge([(max(a, w0), min(b, w1)) for a, b in week_spans if b > w0 and a < w1])
        for k in range(len(rota)):
            tech = rota[(week + k) % len(rota)]
            if not any(a < w1 and b > w0 for a, b in tech.time_off):
                break
        tech.on_call_raw = merge(tech.on_call_raw + week_spans)
    for t in techs:
        t.on_call = subtract(subtract(t.on_call_raw, t.duty), t.time_off)


def _companies(rng: random.Random, params: Params, techs: list[TechProfile]) -> list[Company]:
    n = params.companies
    names = list(COMPANY_NAMES[:n]) + [f"Client {i}" for i in range(len(COMPANY_NAMES), n)]
    weights = [1.0 / (i + 1) ** 0.8 * rng.uniform(0.7, 1.3) for i in range(n)]
    total = sum(weights)
    weights = [w / total for w in weights]
    order = list(range(n))
    rng.shuffle(order)
    vip: set[int] = set()
    share = 0.0
    for i in order:  # VIP companies until their tickets make ~vip_share
        if share + weights[i] <= params.vip_share * 1.15:
            vip.add(i)
            share += weights[i]
        if share >= params.vip_share * 0.9:
            break
    cities = [c for c in CITIES if c not in ("Miami", "Chicago")]
    spanish_cos = [i for i in order if i not in vip][:2]
    spanish_weight = sum(weights[i] for i in spanish_cos)
    day_techs = [t for t in techs if t.shift in ("day", "late", "central")]
    out: list[Company] = []
    for i in range(n):
        city = "Miami" if i in spanish_cos else "Chicago" if i == order[-1] else rng.choice(cities)
        lat, lon = CITIES[city]
        co = Company(
            id=f"co-{i + 1:02d}", name=names[i], weight=weights[i], tier="vip" if i in vip else "standard",
            city=city, lat=lat + rng.uniform(-0.05, 0.05), lon=lon + rng.uniform(-0.05, 0.05),
            spanish=min(0.9, params.spanish_share / spanish_weight) if i in spanish_cos else 0.0,
        )  # fmt: skip
        # Account technicians: VIPs and about half of the rest have one or two.
        if day_techs and (i in vip or rng.random() < 0.5):
            pool = [
                t
                for t in day_techs
                if t.seniority != "junior" and t.team in ("Service desk", "Messaging & identity", "Endpoint")
            ]
            pool = pool or day_techs
            acc = rng.sample(pool, min(len(pool), rng.choice((1, 2))))
            co.account_techs = tuple(t.id for t in acc)
            if i in vip:
                co.preferred_tech = acc[0].id
        out.append(co)
    return out


def _profile_rates(params: Params, clock: Clock, total_days: int) -> list[float]:
    """Expected arrivals in each simulated hour (desk local time drives the shape)."""
    weekday_sum = sum(WEEKDAY_PROFILE)
    weekend_sum = sum(WEEKEND_SHAPE)
    rates = []
    for h in range(total_days * 24):
        local = clock.dt(h * 60 + 30).astimezone(clock.tz)
        if local.weekday() < 5:
            rates.append(params.weekday_tickets * WEEKDAY_PROFILE[local.hour] / weekday_sum)
        else:
            rates.append(
                params.weekday_tickets * params.weekend_factor * WEEKEND_SHAPE[local.hour] / weekend_sum
            )
    return rates


def _poisson(rng: random.Random, lam: float) -> int:
    # Knuth's method is fine for the small hourly means used here.
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _pick(rng: random.Random, weights: tuple[float, ...] | list[float]) -> int:
    r = rng.random() * sum(weights)
    acc = 0.0
    for i, w in enumerate(weights):
        acc += w
        if r < acc:
            return i
    return len(weights) - 1


def _tickets(
    rng: random.Random, params: Params, clock: Clock, companies: list[Company], business: SpanIndex, seed: int
) -> list[Ticket]:
    total_days = params.warmup_days + params.days
    rates = _profile_rates(params, clock, total_days)
    times: list[float] = []
    for h, lam in enumerate(rates):
        times.extend(h * 60 + rng.random() * 60 for _ in range(_poisson(rng, lam)))
    times.sort()
    co_w = [c.weight for c in companies]
    cat_w = [c.share for c in CATEGORIES]
    out: list[Ticket] = []
    for n, created in enumerate(times):
        co = companies[_pick(rng, co_w)]
        cat = CATEGORIES[_pick(rng, cat_w)]
        true_cat = cat
        if rng.random() < params.mislabel_share:  # logged as something else
            cat = CATEGORIES[_pick(rng, [c.share if c is not true_cat else 0.0 for c in CATEGORIES])]
        complexity = COMPLEXITIES[_pick(rng, true_cat.complexity)]
        priority = PRIORITIES[_pick(rng, true_cat.priority)]
        response_h, resolution_h = SLA_POLICIES[co.sla_policy][priority]
        if priority == "Critical":  # 24x7 clock
            response_due, resolution_due = created + response_h * 60, created + resolution_h * 60
        else:  # business-hours clock
            response_due, resolution_due = (
                business.add(created, response_h * 60),
                business.add(created, resolution_h * 60),
            )
        median = params.work_median_min[complexity]
        work = median * math.exp(params.work_sigma * rng.gauss(0.0, 1.0))
        mean_est = median * math.exp(params.work_sigma**2 / 2) / 60
        t = Ticket(
            idx=n, id=f"S{seed}-{n + 1:05d}", created=created, company=co, category=cat.name,
            true_category=true_cat.name, priority=priority, complexity=complexity,
            language="Spanish" if rng.random() < co.spanish else None,
            onsite=co.city in ONSITE_CITIES and rng.random() < true_cat.onsite,
            work_base=work, response_due=response_due, resolution_due=resolution_due,
            response_hours=float(response_h), estimated_hours=round(mean_est, 2),
            u=tuple(rng.random() for _ in range(12)),
            look=tuple(rng.uniform(*params.bounce_look_min) for _ in range(12)),
        )  # fmt: skip
        t._logged = cat.name
        out.append(t)
    return out


def build_desk(seed: int, params: Params) -> Desk:
    """Draw the whole scenario for a seed (deterministic)."""
    rng = random.Random(f"switchboard-desk-{seed}")
    clock = Clock(date.fromisoformat(params.start), params.desk_timezone)
    horizon = params.warmup_days + params.days + params.drain_days + 2
    techs = _techs(rng, params, clock, horizon)
    companies = _companies(rng, params, techs)
    _hourly_costs(seed, params, techs)
    business = SpanIndex(
        clock.local_windows(params.desk_timezone, (0, 1, 2, 3, 4), time(8), time(18), horizon + 30)
    )
    tickets = _tickets(random.Random(f"switchboard-tickets-{seed}"), params, clock, companies, business, seed)
    return Desk(
        seed=seed, params=params, clock=clock, horizon_days=horizon, companies=companies, techs=techs,
        tickets=tickets, business=business, measure_from=params.warmup_days * 1440.0,
        measure_to=(params.warmup_days + params.days) * 1440.0,
    )  # fmt: skip


def category_skills(name: str) -> tuple[str, ...]:
    return CATEGORY_BY_NAME[name].required_skills
