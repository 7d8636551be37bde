"""A large MSP's desk, end to end: generated reproducibly, loaded into a scratch PostgreSQL
database, measured in-process and through HTTP under gunicorn. Prints one table, target by
target (issue "A live queue at any scale"; docs/speed.md explains each row).

    python -m bench.scale                          # 500 techs, 10,000 open (2,000 unassigned), 25,000 history
    python -m bench.scale --techs 100 --open 2000 --unassigned 400 --history 5000
    python -m bench.scale --skip-batch              # leave out the batch row (the slowest)

The database named by --database-url is dropped and created again: give it a scratch name.
Redis (--redis-url) is the broker and the shared cache; no worker consumes the broker here: the
bench runs the re-rank itself, as the worker would, and "re-rank after time off" times the whole
path from the commit to the queue's first page current and to the last ticket current.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles")
LEVELS = ("beginner", "intermediate", "expert")
PRIORITIES = ("Low", "Medium", "High", "Critical")
SUBJECT_WORDS = {
    "mail": "Outlook mailbox full cannot send email",
    "net": "VPN drops every few minutes wifi slow",
    "print": "printer offline queue stuck toner",
    "account": "password reset locked out account",
    "server": "server down disk full backup failed",
    "phone": "desk phone no dial tone voicemail",
}


def build_workspace(techs: int, open_: int, unassigned: int, history: int, seed: int, now: datetime) -> dict[str, Any]:
    """A workspace document (contracts/workspace.md) for a desk of this size."""
    rng = random.Random(seed)
    skills = [f"Skill {i:02d}" for i in range(40)]
    families = [skills[i : i + 5] for i in range(0, 40, 5)]  # eight teams of five related skills
    topics = list(SUBJECT_WORDS)
    categories = []
    for i in range(30):
        family = families[i % len(families)]
        categories.append({
            "name": f"Category {i:02d}",
            "required_skills": rng.sample(family, rng.randint(1, 2)),
            "complexity": rng.choice(("low", "medium", "medium", "high")),
            "auto_assign": "off",
        })  # fmt: skip
    topic_of = {c["name"]: topics[i % len(topics)] for i, c in enumerate(categories)}
    technicians = []
    for i in range(techs):
        start = (i * 24 // max(1, techs) + rng.choice((0, 1))) % 24  # a 24/7 desk: shifts start round the clock
        team = families[i % len(families)]
        other = [s for s in skills if s not in team]
        technicians.append({
            "id": f"tech-{i:04d}",
            "name": f"Technician {i:04d}",
            "email": f"tech{i:04d}@msp.example.com",
            "seniority": rng.choice(("junior", "mid", "mid", "senior")),
            "hourly_cost": rng.choice((45, 60, 75, 95, 120)),
            "timezone": rng.choice(ZONES),
            "languages": ["English"] + (["Spanish"] if rng.random() < 0.15 else []),
            "skills": {s: rng.choice(LEVELS) for s in [*rng.sample(team, rng.randint(2, 5)), *rng.sample(other, rng.randint(0, 4))]},
            "schedule": [{"days": [0, 1, 2, 3, 4, 5, 6], "start": f"{start:02d}:00", "end": f"{(start + 9) % 24:02d}:00"}],
            "time_off": [],
            "on_call": [],
            "active": True,
        })  # fmt: skip
    companies = [
        {
            "id": f"company-{i:02d}",
            "name": f"Company {i:02d}",
            "tier": "vip" if rng.random() < 0.1 else "standard",
            "sla_policy": rng.choice(("Premium", "Standard", "Basic")),
            "account_technicians": [t["id"] for t in rng.sample(technicians, 2)],
        }
        for i in range(60)
    ]
    policies = [
        {"name": "Premium", "response_hours": {"Critical": 0.5, "High": 1, "Medium": 2, "Low": 4},
         "resolution_hours": {"Critical": 4, "High": 8, "Medium": 16, "Low": 40}},
        {"name": "Standard", "response_hours": {"Critical": 1, "High": 4, "Medium": 8, "Low": 24},
         "resolution_hours": {"Critical": 8, "High": 24, "Medium": 48, "Low": 120}},
        {"name": "Basic", "response_hours": {"Critical": 4, "High": 8, "Medium": 24, "Low": 48},
         "resolution_hours": {"Critical": 24, "High": 48, "Medium": 120, "Low": 240}},
    ]

    # Each category's own words on top of its topic's (as a desk's categories have their vocabulary).
    own = {c["name"]: [f"{c['name'].split()[-1]}{w}" for w in ("err", "app", "dev", "svc")] for c in categories}

    def subject(category: str) -> str:
        words = SUBJECT_WORDS[topic_of[category]].split()
        return " ".join(rng.sample(words, 3) + rng.sample(own[category], 2))

    tickets = []
    for i in range(open_):
        cat = rng.choice(categories)["name"]
        created = now - timedelta(minutes=rng.randint(5, 60 * 24 * 3))
        assigned = i >= unassigned
        tickets.append({
            "id": f"T{i:06d}",
            "subject": subject(cat),
            "category": cat,
            "priority": rng.choices(PRIORITIES, (3, 5, 2, 0.5))[0],
            "board": "Service Desk",
            "company": rng.choice(companies)["id"],
            "status": "In Progress" if assigned else "New",
            "assigned_to": rng.choice(technicians)["id"] if assigned else None,
            "created_at": iso(created),
            "sla_due": iso(created + timedelta(hours=rng.choice((4, 8, 24, 48)))),
            "estimated_hours": rng.choice((0.5, 1, 1.5, 2, 4)),
            "required_skills": [],
            "onsite": False,
        })  # fmt: skip
    past = []
    for i in range(history):
        cat = rng.choice(categories)["name"]
        opened = now - timedelta(days=rng.uniform(1, 180))
        hours = rng.uniform(0.5, 40)
        past.append({
            "ticket_id": f"H{i:06d}",
            "subject": subject(cat),
            "description": "",
            "category": cat,
            "priority": rng.choice(PRIORITIES),
            "company": rng.choice(companies)["id"],
            "board": "Service Desk",
            "resolved_by": rng.choice(technicians)["id"],
            "opened_at": iso(opened),
            "first_response_at": iso(opened + timedelta(hours=hours * rng.uniform(0.05, 0.5))),
            "resolved_at": iso(opened + timedelta(hours=hours)),
            "csat": rng.choice((None, 3, 4, 5)),
            "reopened": rng.random() < 0.05,
            "reassignments": rng.choice((0, 0, 1)),
            "met_sla": rng.random() < 0.85,
        })  # fmt: skip
    settings = {
        "dispatching_enabled": True, "dispatching_mode": "hybrid", "max_tickets_per_technician": 25,
        "workload_calculation_method": "weighted", "skill_match_threshold": 60,
        "business_hours": {"timezone": "America/New_York", "days": [0, 1, 2, 3, 4], "start": "08:00", "end": "18:00"},
    }  # fmt: skip
    return {
        "settings": settings, "skills": [{"name": s} for s in skills], "categories": categories,
        "technicians": technicians, "sla_policies": policies, "companies": companies, "rules": [],
        "tickets": tickets, "history": past,
    }  # fmt: skip


def iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------- measuring


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def fresh_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def scratch_desk(database_url: str, redis_url: str, reuse: bool) -> None:
    """Point Django at the scratch database (dropped and created again unless `reuse`) and Redis,
    set it up and migrate: the start of every bench that loads a generated desk."""
    if not reuse:
        fresh_database(database_url)
    os.environ.update(
        DATABASE_URL=database_url, REDIS_URL=redis_url, CELERY_TASK_ALWAYS_EAGER="false",
        DJANGO_SETTINGS_MODULE="config.settings", DJANGO_LOG_LEVEL="WARNING",
    )  # fmt: skip
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


WARM_CALLS = 100  # API calls before the timed ones (about one per kind of ticket the desk sees most)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--techs", type=int, default=500)
    parser.add_argument("--open", type=int, default=10_000)
    parser.add_argument("--unassigned", type=int, default=2_000)
    parser.add_argument("--history", type=int, default=25_000)
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/switchboard_scale")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/11")
    parser.add_argument("--requests", type=int, default=200, help="API calls measured")
    parser.add_argument("--skip-batch", action="store_true")
    parser.add_argument("--only-batch", action="store_true", help="measure the batch rows only (with --reuse: on the loaded desk)")
    parser.add_argument("--skip-http", action="store_true", help="leave out the rows measured through gunicorn")
    parser.add_argument("--skip-train", action="store_true", help="import without training (no train_models row)")
    parser.add_argument("--reuse", action="store_true", help="keep the desk a previous run loaded (no import or training rows)")
    args = parser.parse_args(argv)

    scratch_desk(args.database_url, args.redis_url, reuse=args.reuse)
    from django.core.cache import cache

    cache.clear()
    rows: list[tuple[str, str, str]] = []
    now = datetime.now(UTC)
    doc = build_workspace(args.techs, args.open, args.unassigned, args.history, args.seed, now)
    size = f"{args.techs} techs, {args.open:,} open ({args.unassigned:,} unassigned), {args.history:,} history"
    print(f"bench.scale: {size}", flush=True)

    if not args.reuse:
        from dispatch.learning.training import fit_and_store, train_models
        from dispatch.workspace.importer import workspace_import

        seconds, _ = timed(lambda: workspace_import(doc, replace=True))
        rows.append((f"import {args.open:,} tickets + {args.history:,} history", "<= 30 s", f"{seconds:.1f} s"))
        print(f"  import: {seconds:.1f} s", flush=True)
        if not args.skip_train:
            # The model (experience, affinity, capacity and hours, category model), then the desk's
            # weight fit: the step the worker runs after it (dispatch.tasks.fit_weights).
            seconds, version = timed(lambda: train_models(fit_weights=False))
            rows.append((f"train_models on {args.history:,} history", "<= 30 s", f"{seconds:.1f} s"))
            print(f"  train_models: {seconds:.1f} s", flush=True)
            seconds, _ = timed(lambda: fit_and_store(version))
            rows.append(("  then the weight fit (a task of its own after training)", "", f"{seconds:.1f} s"))
            print(f"  weight fit: {seconds:.1f} s", flush=True)

    if not args.only_batch:
        rows += measure_in_process(args)
    if not args.skip_batch:
        rows += measure_batch()
    if not args.only_batch and not args.skip_http:
        rows += measure_http(args)
    print()
    width = max(len(r[0]) for r in rows)
    print(f"{'what':<{width}}  {'target':<28}  measured")
    print(f"{'-' * width}  {'-' * 28}  {'-' * 30}")
    for what, target, got in rows:
        print(f"{what:<{width}}  {target:<28}  {got}")
    cache.clear()  # the broker's queued tasks (nothing consumed them) and the snapshots
    return 0


def measure_in_process(args: argparse.Namespace) -> list[tuple[str, str, str]]:
    from dataclasses import replace

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from dispatch import engine, freshness
    from dispatch.facts import load_policy, open_unassigned_tickets, ticket_facts
    from dispatch.learning.classifier import ModelNotTrained, classify
    from dispatch.models import Decision
    from dispatch.snapshot import current_version, table_for, tech_facts
    from skills.models import Technician, TimeOff

    rows: list[tuple[str, str, str]] = []
    now = timezone.now()
    snap = tech_facts(now)
    table = table_for(snap)
    policy = replace(load_policy(now=now), candidates_shown=10)
    facts = [ticket_facts(t) for t in open_unassigned_tickets()[:300]]
    for f in facts[:50]:
        engine.rank(f, snap.techs, policy, table=table)  # the memos of this snapshot, as a live process has them
    times = []
    for f in facts[50:]:
        seconds, _ = timed(lambda f=f: engine.rank(f, snap.techs, policy, table=table))
        times.append(seconds)
    rows.append((f"engine: rank {args.techs} techs, reasons for the top 10", "median <= 1 ms",
                 f"median {statistics.median(times) * 1000:.2f} ms, p95 {pct(times, 95) * 1000:.2f} ms"))  # fmt: skip
    ref = [timed(lambda f=f: engine.rank(f, snap.techs, policy))[0] for f in facts[50:80]]
    rows.append(("  (the one-by-one reference, same tickets)", "", f"median {statistics.median(ref) * 1000:.1f} ms"))
    print("  engine measured", flush=True)

    seconds, result = timed(lambda: freshness.queue_rerank(settle=timedelta(0)))
    rows.append((f"first ranking of the whole queue ({result['checked']:,} tickets)", "", f"{seconds:.1f} s"))
    freshness.queue_rerank()  # a second pass: what a run costs when nothing changed
    print(f"  first ranking: {seconds:.1f} s", flush=True)

    user = get_user_model().objects.filter(username="bench-dispatcher").first() or get_user_model().objects.create_user(
        "bench-dispatcher", password="x", role="dispatcher"
    )
    client = Client()
    client.force_login(user)
    client.get("/queue/")
    page_times, counts = [], []
    for _ in range(10):
        with CaptureQueriesContext(connection) as queries:
            seconds, response = timed(lambda: client.get("/queue/"))
        assert response.status_code == 200
        page_times.append(seconds)
        counts.append(len(queries))
    rows.append(("queue page (200 most urgent shown)", "<= 200 ms, constant queries",
                 f"median {statistics.median(page_times) * 1000:.0f} ms, {min(counts)}-{max(counts)} queries"))  # fmt: skip
    print("  queue page measured", flush=True)

    busiest = (
        Decision.objects.filter(status="suggested").values("recommended").order_by()
        .annotate(n=Count("id")).order_by("-n").first()
    )  # fmt: skip
    tech = Technician.objects.get(pk=busiest["recommended"]) if busiest else Technician.objects.first()
    assert tech is not None
    marks: list[float] = []
    start = timezone.now()
    t0 = time.perf_counter()
    TimeOff.objects.create(technician=tech, start=start - timedelta(minutes=1), end=start + timedelta(days=1), reason="Sick")
    result = freshness.queue_rerank(progress=lambda done, total: marks.append(time.perf_counter() - t0))
    seconds = time.perf_counter() - t0
    stale = freshness.stale_tickets(current_version())
    still = Decision.objects.filter(status="suggested", recommended=tech).count()
    rows.append((f"re-rank after one technician's time off ({args.unassigned:,} unassigned)", "<= 2 s until shown",
                 f"first page (200) {marks[0] if marks else seconds:.1f} s, all {seconds:.1f} s"))  # fmt: skip
    rows.append(("  (what changed)", "",
                 f"{busiest['n'] if busiest else 0} suggested them; {result['new']} new, {result['kept']} kept; "
                 f"{len(stale)} stale, {still} still them after"))  # fmt: skip
    print(f"  re-rank after time off: {seconds:.1f} s", flush=True)

    try:
        classify("warm up", "")
        ctimes = [timed(lambda i=i: classify(f"printer offline queue stuck {i}", "toner"))[0] for i in range(200)]
        rows.append(("classify (model trained on this history)", "<= 10 ms",
                     f"median {statistics.median(ctimes) * 1000:.1f} ms"))  # fmt: skip
    except ModelNotTrained:
        rows.append(("classify", "<= 10 ms", "no model"))
    return rows


def measure_batch() -> list[tuple[str, str, str]]:
    """The engine's batch (every unassigned ticket x every technician, optimal, reasons for the
    shown candidates) on its own, then the whole batch dispatch (reading the queue, the engine,
    storing a decision per ticket whose advice changed)."""
    from dataclasses import replace

    from django.utils import timezone

    from dispatch import engine
    from dispatch.batch import BATCH_CANDIDATES_SHOWN, batch_dispatch
    from dispatch.facts import load_policy, open_unassigned_tickets, ticket_facts
    from dispatch.snapshot import table_for, tech_facts

    now = timezone.now()
    policy = replace(load_policy(now=now), candidates_shown=BATCH_CANDIDATES_SHOWN)  # as the batch writes them
    snap = tech_facts(now)
    facts = [ticket_facts(t) for t in open_unassigned_tickets()]
    table = table_for(snap)
    size = f"{len(facts):,} unassigned x {len(snap.techs)} techs, optimal"

    def clocked(fn: Callable[[], Any]) -> tuple[float, float, Any]:
        cpu = time.process_time()
        wall, out = timed(fn)
        return wall, time.process_time() - cpu, out

    wall, cpu, plans = clocked(lambda: engine.plan_batch(facts, snap.techs, policy, table))
    placed = sum(1 for p in plans if p.selected)
    print(f"  batch plan: {wall:.1f} s", flush=True)
    rows = [(f"batch engine, who gets what: {size}", "<= 2 s", f"{wall:.2f} s wall, {cpu:.2f} s CPU ({placed:,} placed)")]
    table = table_for(snap)  # a cold table again: memos built inside the timing
    wall, cpu, _ = clocked(lambda: engine.rank_batch(facts, snap.techs, policy, optimise=True, table=table))
    print(f"  batch engine: {wall:.1f} s", flush=True)
    rows.append((f"batch engine, every ticket explained (top {BATCH_CANDIDATES_SHOWN}): {size}", "(<= 2 s)", f"{wall:.2f} s wall, {cpu:.2f} s CPU"))
    wall, cpu, results = clocked(lambda: batch_dispatch(mode="suggest", optimise=True, initiated_by="bench"))
    placed = sum(1 for r in results if r.get("technician_id"))
    stored = sum(1 for r in results if r.get("decision_id") and not r.get("unchanged"))
    print(f"  batch: {wall:.1f} s", flush=True)
    rows.append((f"batch dispatch end to end: all {len(results):,} unassigned", "(engine + storing)",
                 f"{wall:.1f} s wall, {cpu:.1f} s CPU ({placed:,} placed, {stored:,} decisions stored)"))  # fmt: skip
    return rows


def measure_http(args: argparse.Namespace) -> list[tuple[str, str, str]]:
    import httpx
    from django.contrib.auth import get_user_model

    from accounts.models import ApiToken
    from dispatch.facts import open_unassigned_tickets

    user = get_user_model().objects.filter(username="bench-api").first() or get_user_model().objects.create_user(
        "bench-api", password="x", role="dispatcher"
    )
    _, token = ApiToken.issue(user)
    ids = list(open_unassigned_tickets().values_list("external_id", flat=True)[: args.requests + WARM_CALLS])
    port = free_port()
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    proc = subprocess.Popen(
        [gunicorn, "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning"],
        # as in production: tasks go to the broker (nothing consumes them here)
        cwd=ROOT, env={**os.environ, "CELERY_TASK_ALWAYS_EAGER": "false"}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    rows: list[tuple[str, str, str]] = []
    try:
        base = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
            for _ in range(100):
                try:
                    http.get("/healthz")
                    break
                except httpx.TransportError:
                    time.sleep(0.2)
            # Both workers warm: the snapshot, the table's memos per kind of ticket (a long-running
            # worker keeps them across changes of workload and rota), the related rows. Timed too.
            cold = []
            for ticket_id in ids[:WARM_CALLS]:
                seconds, _ = timed(lambda t=ticket_id: http.post("/api/v1/dispatch", json={"ticket_id": t, "mode": "suggest"}))
                cold.append(seconds)
            times = []
            for ticket_id in ids[WARM_CALLS:]:
                seconds, response = timed(lambda t=ticket_id: http.post("/api/v1/dispatch", json={"ticket_id": t, "mode": "suggest"}))
                assert response.status_code == 200, response.text[:300]
                times.append(seconds)
        rows.append((f"POST /api/v1/dispatch, gunicorn x2 ({len(times)} calls)", "p50 <= 20 ms, p95 <= 50 ms",
                     f"p50 {pct(times, 50) * 1000:.0f} ms, p95 {pct(times, 95) * 1000:.0f} ms"))  # fmt: skip
        rows.append((f"  (the {len(cold)} warm-up calls before them: fresh workers)", "",
                     f"p50 {pct(cold, 50) * 1000:.0f} ms, p95 {pct(cold, 95) * 1000:.0f} ms"))  # fmt: skip
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print("  API measured", flush=True)
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
