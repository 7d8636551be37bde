"""Speed benchmarks: each section prints one table.

    python -m bench.speed                      # every section
    python -m bench.speed --only ranking       # one section (ranking, batch)
    python -m bench.speed --quick              # fewer repetitions (smoke test)

Sections (pure engine, no database):
- ranking: `dispatch.engine.rank` latency per ticket against N technicians;
- batch:   `dispatch.engine.rank_batch` time against the queue size, greedy and optimal.

To add a section (queue-page render and query count, webhook intake throughput, ...): write a
function `section_<name>(args) -> str` that returns its table, and register it in SECTIONS.
Sections that need Django should set it up inside the function, so the pure ones stay importable
without it.

Inputs are drawn from the desk simulator (bench.simulate): technicians with realistic skills,
shifts, time off and on-call, at Tuesday 10:30 desk time (most of the desk on shift), with random
workload, history and customer familiarity; tickets from the simulated stream.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from bench.simulate.catalogue import CATEGORIES, Params
from bench.simulate.desk import build_desk
from bench.simulate.report import render
from dispatch.engine import batch_total_score, rank, rank_batch
from dispatch.engine.types import (
    BusinessHours,
    CompanyHistory,
    Experience,
    GeoPoint,
    Interval,
    Policy,
    Shift,
    TechFacts,
    TicketFacts,
    Workload,
)

NOW_OFFSET_MIN = 1440 + 10.5 * 60  # Tuesday 10:30 desk time


def make_inputs(
    n_techs: int, n_tickets: int, seed: int = 1
) -> tuple[list[TechFacts], list[TicketFacts], Policy]:
    """Technician and ticket facts as the ORM bridge would build them, plus the policy."""
    params = replace(Params(), techs=n_techs, days=3, warmup_days=0)
    desk = build_desk(seed, params)
    rng = random.Random(seed)
    dt = desk.clock.dt
    now = dt(NOW_OFFSET_MIN)
    companies = [c.id for c in desk.companies]
    techs: list[TechFacts] = []
    for tp in desk.techs:
        active = rng.randint(0, 8)
        hours = round(active * rng.uniform(0.4, 1.5), 1)
        experience = {
            c.name: Experience(
                resolved=rng.randint(1, 40),
                avg_resolution_hours=rng.uniform(1, 12),
                on_time_rate=rng.uniform(0.7, 1.0),
                csat=rng.uniform(3.5, 5.0),
                reopen_rate=rng.uniform(0, 0.1),
            )  # fmt: skip
            for c in rng.sample(CATEGORIES, 5)
        }
        experience["*"] = Experience(
            resolved=rng.randint(50, 400), avg_resolution_hours=5.0, on_time_rate=0.9, csat=4.4
        )
        techs.append(
            TechFacts(
                id=tp.id,
                name=tp.name,
                seniority=tp.seniority,
                timezone=tp.timezone,
                location=GeoPoint(tp.lat, tp.lon, tp.city),
                onsite_capable=tp.onsite_capable,
                languages=tp.languages,
                skills=dict(tp.skills),
                schedule=(Shift(tp.days, tp.start, tp.end),),
                time_off=tuple(Interval(dt(a), dt(b), "time off") for a, b in tp.time_off),
                on_call=tuple(Interval(dt(a), dt(b), "on call") for a, b in tp.on_call_raw),
                workload=Workload(active, hours, round(hours * 1.2, 1)),
                experience=experience,
                company_history={
                    c: CompanyHistory(tickets=rng.randint(1, 30), csat=4.5) for c in rng.sample(companies, 4)
                },
                last_assigned_at=now - timedelta(minutes=rng.uniform(1, 600)),
                specialization=tp.team,
            )  # fmt: skip
        )
    pool = desk.tickets
    tickets: list[TicketFacts] = []
    for i in range(n_tickets):
        t = pool[i % len(pool)]
        co = t.company
        created = now - timedelta(minutes=rng.uniform(0, 120))
        tickets.append(
            TicketFacts(
                id=f"B-{i + 1}",
                subject=f"{t.category} issue",
                category=t.category,
                priority=t.priority,
                company_id=co.id,
                company_name=co.name,
                company_tier=co.tier,
                category_required_skills=next(c.required_skills for c in CATEGORIES if c.name == t.category),
                complexity=t.complexity,
                created_at=created,
                sla_due=created + timedelta(hours=t.response_hours),
                response_hours=t.response_hours,
                preferred_tech=co.preferred_tech,
                account_techs=co.account_techs,
                company_location=GeoPoint(co.lat, co.lon, co.city),
                language=t.language,
                onsite=t.onsite,
                estimated_hours=t.estimated_hours,
            )  # fmt: skip
        )
    policy = Policy(now=now, business_hours=BusinessHours(timezone=params.desk_timezone))
    return techs, tickets, policy


def _ms(samples: list[float]) -> tuple[float, float, float]:
    """(mean, median, p95) in milliseconds."""
    xs = sorted(samples)
    p95 = xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]
    return statistics.fmean(xs) * 1000, statistics.median(xs) * 1000, p95 * 1000


def section_ranking(args: argparse.Namespace) -> str:
    """One by one (the reference) and vectorized (a TechTable per snapshot, reasons for the top 10;
    the table's memos warmed on the first tickets, as a live process has them)."""
    from dataclasses import replace as _replace

    from dispatch.engine.vector import TechTable

    rows = [["technicians", "tickets", "strategy", "engine", "mean ms", "median ms", "p95 ms", "tickets/s"]]
    for n in (10, 50, 200, 500, 1000):
        count = (20 if n >= 1000 else 60) if args.quick else (100 if n >= 1000 else 300)
        techs, tickets, policy = make_inputs(n, count)
        for strategy in args.strategies:
            for engine in ("one by one", "vectorized"):
                table = TechTable(techs) if engine == "vectorized" else None
                pol = _replace(policy, candidates_shown=10) if table is not None else policy
                for t in tickets[: min(20, count)]:
                    rank(t, techs, pol, strategy, table=table)  # warm the caches (zones, rota tables, memos)
                samples = []
                for t in tickets:
                    t0 = time.perf_counter()
                    rank(t, techs, pol, strategy, table=table)
                    samples.append(time.perf_counter() - t0)
                mean, median, p95 = _ms(samples)
                rows.append(
                    [str(n), str(count), strategy, engine, f"{mean:.2f}", f"{median:.2f}", f"{p95:.2f}", f"{1000 / mean:.0f}"]
                )
    return "Ranking latency per ticket (dispatch.engine.rank)\n" + render(rows, 4)


def section_batch(args: argparse.Namespace) -> str:
    rows = [["tickets", "technicians", "mode", "runs", "mean ms", "max ms", "total score", "placed"]]
    n_techs = 50
    for size in (10, 50, 200):
        techs, tickets, policy = make_inputs(n_techs, size, seed=2)
        runs = 1 if args.quick or size >= 200 else 3
        for optimise in (False, True):
            samples, result = [], []
            for _ in range(runs):
                t0 = time.perf_counter()
                result = rank_batch(tickets, techs, policy, optimise=optimise)
                samples.append(time.perf_counter() - t0)
            placed = sum(1 for r in result if r.selected)
            rows.append([
                str(size), str(n_techs), "optimal" if optimise else "greedy", str(runs),
                f"{statistics.fmean(samples) * 1000:.0f}", f"{max(samples) * 1000:.0f}",
                f"{batch_total_score(result):.1f}", str(placed),
            ])  # fmt: skip
    return "Batch dispatch of a queue (dispatch.engine.rank_batch)\n" + render(rows, 3)


# name -> (function, one-line description). Append new sections here.
SECTIONS: dict[str, tuple[Callable[[argparse.Namespace], str], str]] = {
    "ranking": (section_ranking, "rank() latency per ticket vs number of technicians"),
    "batch": (section_batch, "rank_batch() time vs queue size, greedy and optimal"),
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.speed", description="Switchboard speed benchmarks")
    ap.add_argument("--only", action="append", choices=sorted(SECTIONS), help="run only these sections")
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    ap.add_argument(
        "--strategy",
        dest="strategies",
        action="append",
        help="strategies for the ranking section (default hybrid)",
    )
    args = ap.parse_args(argv)
    args.strategies = args.strategies or ["hybrid"]
    print(f"{datetime.now():%Y-%m-%d %H:%M}  {platform.node()}  {platform.machine()}  {os.cpu_count()} cpus  "
          f"Python {platform.python_version()}  (single process)")  # fmt: skip
    for name in args.only or list(SECTIONS):
        fn, _ = SECTIONS[name]
        started = time.perf_counter()
        print()
        print(fn(args))
        print(f"({name}: {time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
