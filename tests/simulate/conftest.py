"""Helpers to build tiny hand-made desks for the simulator tests (no Django)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time

import pytest

from bench.simulate.catalogue import Params
from bench.simulate.clock import Clock, SpanIndex
from bench.simulate.desk import Company, Desk, TechProfile, Ticket

DAY = 1440.0
ALWAYS = [(0.0, 60 * DAY)]


def company(**kw: object) -> Company:
    base = dict(
        id="co-01",
        name="Acme",
        weight=1.0,
        tier="standard",
        city="Boston",
        lat=42.36,
        lon=-71.06,
        spanish=0.0,
    )
    base.update(kw)
    return Company(**base)  # type: ignore[arg-type]


def tech(
    idx: int, skills: dict[str, int], duty: list[tuple[float, float]] | None = None, **kw: object
) -> TechProfile:
    base = dict(
        idx=idx, id=f"tech-{idx + 1:03d}", name=f"Tech {idx + 1}", team="Service desk", seniority="mid",
        shift="day", timezone="UTC", days=(0, 1, 2, 3, 4, 5, 6), start=time(0), end=time(0), skills=skills,
        languages=frozenset({"English"}), city="Boston", lat=42.36, lon=-71.06, onsite_capable=True,
        duty=duty if duty is not None else ALWAYS, on_call=[], time_off=[], on_call_raw=[],
    )  # fmt: skip
    base.update(kw)
    return TechProfile(**base)  # type: ignore[arg-type]


def ticket(idx: int, category: str = "Printers", created: float = 60.0, **kw: object) -> Ticket:
    base = dict(
        idx=idx, id=f"T-{idx + 1}", created=created, company=company(), category=category, true_category=category,
        priority="Medium", complexity="medium", language=None, onsite=False, work_base=60.0,
        response_due=created + 240, resolution_due=created + 960, response_hours=4.0, estimated_hours=1.0,
        u=(0.5,) * 12, look=(30.0,) * 12,
    )  # fmt: skip
    base.update(kw)
    t = Ticket(**base)  # type: ignore[arg-type]
    t._logged = t.category
    return t


def make_desk(techs: list[TechProfile], tickets: list[Ticket], **params: object) -> Desk:
    p = replace(Params(), days=1, warmup_days=0, drain_days=5, techs=len(techs), **params)  # type: ignore[arg-type]
    clock = Clock(date(2026, 4, 6), "UTC")
    return Desk(
        seed=0, params=p, clock=clock, horizon_days=10, companies=[company()], techs=techs, tickets=tickets,
        business=SpanIndex([(d * DAY + 8 * 60, d * DAY + 18 * 60) for d in range(40) if d % 7 < 5]),
        measure_from=0.0, measure_to=DAY,
    )  # fmt: skip


@pytest.fixture
def tiny_params() -> Params:
    """A one-day run on a small desk: every strategy finishes in well under a second."""
    return replace(Params(), days=1, warmup_days=1, drain_days=8, techs=10, weekday_tickets=90.0)
