"""How long the history replay (evaluate_history) takes on a large synthetic desk.

    python bench/replay_speed.py [--tickets 25000] [--techs 200] [--holdout 0.2] [--no-text]

Builds a synthetic history (techs with skills, weekday shifts and some time off; tickets over
two years across 40 categories and 60 companies, each category worked mostly by a few
specialists, with short texts) and runs `dispatch.learning.replay.replay` with the real
engine, then prints a table of where the time went. Pure Python: no database needed. The
synthetic skills matrix is random, so its hit rates say nothing about quality (see
docs/quality.md for real data).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dispatch.engine.types import Interval, Policy, Shift, TechFacts  # noqa: E402
from dispatch.learning import classifier  # noqa: E402
from dispatch.learning.experience import HistoryRecord  # noqa: E402
from dispatch.learning.replay import CategoryInfo, CompanyInfo, replay  # noqa: E402

WORDS = (
    "outlook password vpn printer laptop server backup firewall license teams sharepoint wifi "
    "disk update error slow crash login account mailbox phone scanner citrix invoice payroll "
    "drive network switch router cert dns dhcp domain mfa token sync calendar quota"
).split()
PRIORITIES = ("Low", "Medium", "High", "Critical")


def synthetic(n_tickets: int, n_techs: int, seed: int = 7, text: bool = True):
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    skills = [f"Skill {i}" for i in range(30)]
    categories = {
        f"Category {i}": CategoryInfo(required_skills=tuple(rng.sample(skills, 2))) for i in range(40)
    }
    cat_names = list(categories)
    cat_words = {c: rng.sample(WORDS, 4) for c in cat_names}
    companies = {
        f"co-{i}": CompanyInfo(
            name=f"Company {i}",
            tier="vip" if i % 10 == 0 else "standard",
            response_hours={"Low": 24, "Medium": 8, "High": 4, "Critical": 1},
        )
        for i in range(60)
    }
    techs = []
    for i in range(n_techs):
        tz = rng.choice(["America/New_York", "Europe/London", "Asia/Kolkata", "UTC"])
        shift = Shift(
            days=(0, 1, 2, 3, 4),
            start=datetime.min.time().replace(hour=8),
            end=datetime.min.time().replace(hour=17),
        )
        off = tuple(
            Interval(start + timedelta(days=d), start + timedelta(days=d + rng.randint(2, 10)), "vacation")
            for d in sorted(rng.sample(range(0, 720), 4))
        )
        techs.append(
            TechFacts(
                id=f"tech-{i:03d}",
                name=f"Tech {i}",
                timezone=tz,
                seniority=rng.choice(["junior", "mid", "senior"]),
                skills={s: rng.randint(1, 3) for s in rng.sample(skills, 6)},
                schedule=(shift,) if i % 5 else (),
                time_off=off,
            )
        )
    specialists = {c: rng.sample([t.id for t in techs], 6) for c in cat_names}
    span = timedelta(days=730).total_seconds()
    records = []
    for n in range(n_tickets):
        opened = start + timedelta(seconds=span * n / n_tickets + rng.random() * 600)
        cat = rng.choice(cat_names)
        tech = rng.choice(specialists[cat]) if rng.random() < 0.8 else rng.choice(techs).id
        hours = rng.expovariate(1 / 10)
        words = cat_words[cat] + rng.sample(WORDS, 3)
        rng.shuffle(words)
        records.append(
            HistoryRecord(
                tech=tech,
                opened_at=opened,
                resolved_at=opened + timedelta(hours=hours),
                first_response_at=opened + timedelta(minutes=30),
                category=cat,
                board="Service Desk",
                company=rng.choice(list(companies)),
                csat=rng.choice([None, 3, 4, 5]),
                reopened=rng.random() < 0.05,
                met_sla=rng.random() < 0.85,
                priority=rng.choice(PRIORITIES),
                ticket_id=str(n),
                subject=" ".join(words[:4]) if text else "",
                description=" ".join(words) if text else "",
            )
        )
    return records, techs, categories, companies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=25_000)
    parser.add_argument("--techs", type=int, default=200)
    parser.add_argument("--holdout", type=float, default=0.2)
    parser.add_argument("--no-text", action="store_true")
    args = parser.parse_args()
    t0 = time.perf_counter()
    records, techs, categories, companies = synthetic(args.tickets, args.techs, text=not args.no_text)
    t_build = time.perf_counter() - t0
    fit_seconds = []

    def timed_fit(texts, labels):
        s = time.perf_counter()
        model = classifier.fit(texts, labels)
        fit_seconds.append(time.perf_counter() - s)
        return model

    from dispatch.engine import rank as engine_rank

    rank_seconds = [0.0]

    def timed_rank(*a, **kw):
        s = time.perf_counter()
        out = engine_rank(*a, **kw)
        rank_seconds[0] += time.perf_counter() - s
        return out

    policy = Policy(now=records[0].opened_at)
    result = replay(
        records,
        techs,
        policy,
        holdout=args.holdout,
        categories=categories,
        companies=companies,
        classifier_fit=timed_fit,
        rank=timed_rank,
    )
    total = result.seconds
    other = total - rank_seconds[0] - sum(fit_seconds)
    rows = [
        ("history tickets", f"{len(records):,}"),
        ("technicians ranked per ticket", f"{result.technicians}"),
        ("test tickets replayed", f"{result.tickets:,}"),
        ("build synthetic data", f"{t_build:.1f} s"),
        (
            "engine rank (all techs)",
            f"{rank_seconds[0]:.1f} s  ({rank_seconds[0] / max(1, result.tickets) * 1000:.1f} ms/ticket)",
        ),
        ("category model fits", f"{sum(fit_seconds):.1f} s  ({len(fit_seconds)} fits)"),
        ("learning, workload, baselines", f"{other:.1f} s"),
        ("replay total", f"{total:.1f} s"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
