"""Web-side speed benchmarks (need Django and a database): each section prints one table.

    python -m bench.web                         # every section, on a scratch SQLite database
    python -m bench.web --database-url postgres://postgres@127.0.0.1:5432/switchboard_bench
    python -m bench.web --only queue --quick

The database named by --database-url is wiped and filled with the example desk: give it a
scratch database (it is created when missing on PostgreSQL). Without it, a temporary SQLite
file is used.

Sections:
- queue: the dispatcher's queue page (full page and the htmx poll) against the number of open
  tickets: render time and query count (the count must not grow with the queue);
- dispatch: POST /api/v1/dispatch for a known ticket: latency and queries, end to end
  (facts from the ORM, engine, stored decision, document);
- webhook: POST /api/v1/psa/{connection}/webhook with each vendor's real signed deliveries
  (made by its simulator): a new ticket's delivery end to end (verify, store, fetch the ticket
  from the PSA, upsert, dispatch; tasks run in-process here), and re-deliveries (verify and
  drop as duplicates), per second.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "dispatch" / "fixtures" / "example_workspace.json"


def _setup(database_url: str | None) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
        _ensure_postgres_database(database_url)
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["SWITCHBOARD_VAR_DIR"] = tempfile.mkdtemp(prefix="switchboard-bench-")
    os.environ.pop("REDIS_URL", None)  # tasks run eagerly: nothing here may need a worker
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _ensure_postgres_database(url: str) -> None:
    if not url.startswith(("postgres://", "postgresql://")):
        return
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _load_desk(extra_tickets: int) -> None:
    """The example desk, plus `extra_tickets` copies of its open tickets (new ids), all ranked."""
    from dispatch.batch import batch_dispatch
    from dispatch.workspace.importer import workspace_import

    doc = json.loads(EXAMPLE.read_text())
    doc["history"] = doc["history"][:200]
    base = [t for t in doc["tickets"] if not t.get("assigned_to")]
    for i in range(extra_tickets):
        copy = dict(base[i % len(base)], id=f"bench-{i}")
        doc["tickets"].append(copy)
    workspace_import(doc, replace=True)
    batch_dispatch(mode="suggest", optimise=False, initiated_by="bench", limit=10_000)


def _client() -> Any:
    from django.test import Client

    from accounts.models import Role, User

    user, _ = User.objects.get_or_create(username="bench-dispatcher", defaults={"role": Role.DISPATCHER})
    client = Client()
    client.force_login(user)
    return client


def _measure(fn: Callable[[], Any], runs: int) -> tuple[float, float, int]:
    """(median ms, p95 ms, queries of the last run)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fn()  # warm: template loading, caches
    samples, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            response = fn()
            samples.append(time.perf_counter() - t0)
        assert response.status_code == 200, response.status_code
        queries = len(ctx.captured_queries)
    xs = sorted(samples)
    return statistics.median(xs) * 1000, xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))] * 1000, queries


def section_queue(args: argparse.Namespace) -> str:
    from dispatch.models import Ticket

    rows = [["open tickets", "request", "runs", "median ms", "p95 ms", "queries"]]
    runs = 5 if args.quick else 20
    for extra in (0, 400) if args.quick else (0, 400, 1500):
        _load_desk(extra)
        client = _client()
        open_count = Ticket.objects.filter(closed=False, assigned_to__isnull=True).count()
        for label, headers in (("full page", {}), ("htmx poll", {"HX-Request": "true"})):
            median, p95, queries = _measure(lambda c=client, h=headers: c.get("/queue/", headers=h), runs)
            rows.append([str(open_count), label, str(runs), f"{median:.0f}", f"{p95:.0f}", str(queries)])
    return "Queue page (GET /queue/, signed-in dispatcher)\n" + _render(rows)


def section_dispatch(args: argparse.Namespace) -> str:
    from accounts.models import ApiToken, User
    from dispatch.models import Ticket

    _load_desk(0)
    _client()
    _, raw = ApiToken.issue(User.objects.get(username="bench-dispatcher"), name="bench")
    from django.test import Client

    client = Client()
    ticket = Ticket.objects.filter(closed=False, assigned_to__isnull=True).first()
    assert ticket is not None
    body = json.dumps({"ticket_id": ticket.external_id, "mode": "suggest"})
    runs = 10 if args.quick else 50

    def call() -> Any:
        return client.post("/api/v1/dispatch", body, content_type="application/json",
                           headers={"Authorization": f"Bearer {raw}"})  # fmt: skip

    median, p95, queries = _measure(call, runs)
    from skills.models import Technician

    rows = [["technicians", "runs", "median ms", "p95 ms", "queries"],
            [str(Technician.objects.count()), str(runs), f"{median:.1f}", f"{p95:.1f}", str(queries)]]  # fmt: skip
    return "POST /api/v1/dispatch (known ticket, suggest mode, end to end)\n" + _render(rows)


def section_webhook(args: argparse.Namespace) -> str:
    import httpx
    from django.test import Client

    from psa.demo import demo_psa_start

    doc = json.loads(EXAMPLE.read_text())
    doc["history"] = doc["history"][:200]
    count = 10 if args.quick else 40
    rows = [["vendor", "deliveries", "new ticket median ms", "p95 ms", "duplicates per s", "decisions"]]
    for vendor in ("connectwise", "autotask", "halopsa"):
        _load_desk(0)
        from dispatch.models import Decision

        psa = demo_psa_start(
            vendor=vendor, workspace=doc, server_url="http://127.0.0.1:9", port=0, write=lambda _: None
        )
        try:
            sim = httpx.Client(base_url=psa.url, timeout=30)
            for i in range(count):
                body = {"subject": f"VPN drops every hour ({i})", "priority": "High", "board": "Service Desk"}
                sim.post("/_sim/tickets", json=body).raise_for_status()
            deliveries = sim.get("/_sim/webhooks").json()["deliveries"]
            client, path = Client(), f"/api/v1/psa/{psa.connection.name}/webhook"
            before = Decision.objects.count()

            def post(d: dict[str, Any], c: Any = client, p: str = path) -> Any:
                headers = {
                    k: v
                    for k, v in d["headers"].items()
                    if k.lower() not in ("content-type", "content-length")
                }
                return c.post(p, d["body"].encode(), content_type="application/json", headers=headers)

            samples = []
            for d in deliveries:
                t0 = time.perf_counter()
                assert post(d).status_code == 200
                samples.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            for d in deliveries:
                assert post(d).json()["duplicate"] is True
            dup_rate = len(deliveries) / (time.perf_counter() - t0)
            xs = sorted(samples)
            rows.append([vendor, str(len(deliveries)), f"{statistics.median(xs) * 1000:.0f}",
                         f"{xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))] * 1000:.0f}",
                         f"{dup_rate:.0f}", str(Decision.objects.count() - before)])  # fmt: skip
        finally:
            psa.server.stop()
    return "PSA webhook intake (POST /api/v1/psa/{connection}/webhook, signed deliveries)\n" + _render(rows)


def _render(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


SECTIONS: dict[str, Callable[[argparse.Namespace], str]] = {
    "queue": section_queue,
    "dispatch": section_dispatch,
    "webhook": section_webhook,
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.web", description=__doc__.split("\n")[0])
    ap.add_argument("--only", action="append", choices=sorted(SECTIONS))
    ap.add_argument("--quick", action="store_true", help="fewer repetitions and sizes")
    ap.add_argument("--database-url", help="a SCRATCH database (wiped); default: a temporary SQLite file")
    args = ap.parse_args(argv)
    _setup(args.database_url)
    for name in args.only or list(SECTIONS):
        print(SECTIONS[name](args), flush=True)
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
