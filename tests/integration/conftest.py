"""Real parts for the exactly-once push tests: a private redis-server, real Celery worker
subprocesses on a queue of their own, the PSA simulators over HTTP, and pytest-django's test
database shared with the workers (transactional tests, so the workers see committed rows).

Nothing here talks to the machine's Redis on 6379: the package starts its own redis-server
on a free port (the Redis-restart test restarts that one), and the Celery app of this process
is pointed at it while these tests run.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from django.conf import settings
from kombu import Queue

from dispatch.models import Assignment, Decision, Ticket
from dispatch.services import decision_approve
from psa.models import MemberMapping, PsaConnection
from psa.outbox import pushed_note
from psa.simulator import serve_in_thread
from psa.simulator.base import SimServer
from tests.factories import CompanyFactory, TechnicianFactory, TicketFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]
CELERY = ROOT / ".venv" / "bin" / "celery"
QUEUE = f"sb-it-{uuid.uuid4().hex[:8]}"
PUSH_QUEUE = f"{QUEUE}.push"  # what config/settings.py derives from CELERY_QUEUE for the workers

# Worker settings for the tests: a short client timeout so "slow" faults are cheap, a retry
# backoff longer than the slow fault outlives the timeout (so the re-read sees the late write,
# as it would with production's 5 s+ backoff and 30 s timeout), and three attempts.
PUSH_TIMEOUT = 2.0
PUSH_BACKOFF = 2.0
PUSH_MAX_ATTEMPTS = 3
SLOW_DELAY = 3.0  # > PUSH_TIMEOUT, < PUSH_TIMEOUT + PUSH_BACKOFF
HOLD = 6.0  # how long the simulator holds a request while the test kills the worker
WAIT = 90.0  # generous bound for anything asynchronous on a loaded 2-core machine

CREDENTIALS: dict[str, dict[str, str]] = {
    "connectwise": {"company_id": "itmsp", "public_key": "pub", "private_key": "priv-it", "client_id": "cid"},
    "autotask": {"username": "api@it.example", "secret": "at-it-secret", "integration_code": "ITCODE"},
    "halopsa": {"client_id": "halo-it", "client_secret": "halo-it-secret"},
}
# The simulators number technicians 101, 102, ... in workspace order.
TECHNICIANS = [("tech-456", "Sarah Johnson", "101"), ("tech-789", "John Smith", "102")]


def wait_for(predicate: Callable[[], Any], what: str, timeout: float = WAIT, interval: float = 0.1) -> Any:
    """Poll until predicate() is truthy; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- a private Redis


class RedisServer:
    """redis-server on its own port, no persistence: a restart loses every queued message,
    which is what the Redis-restart test wants."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        with (self.workdir / "redis.log").open("ab") as out:
            self.proc = subprocess.Popen(
                [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--daemonize", "no", "--dir", str(self.workdir)],
                stdout=out,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        wait_for(self.ping, f"redis-server on port {self.port}", timeout=20)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None

    def ping(self) -> bool:
        try:
            return bool(redis.Redis.from_url(self.url, socket_timeout=1).ping())
        except redis.RedisError:
            return False

    def flush(self) -> None:
        redis.Redis.from_url(self.url, socket_timeout=5).flushdb()


@pytest.fixture(scope="package")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


def _repoint_celery(broker_url: str, queue: str) -> None:
    """Point this process's Celery app at another broker and queue; drop cached pools and
    routing, which earlier tests of the same run may have built for the default broker."""
    from config.celery import app

    app.close()
    app.__dict__.pop("amqp", None)
    app.conf.broker_url = broker_url
    app.conf.task_default_queue = queue
    app.conf.task_routes = {"psa.tasks.push_assignment": {"queue": f"{queue}.push"}}
    app.conf.task_queues = (Queue(queue), Queue(f"{queue}.push"))
    app.conf.task_always_eager = False


@pytest.fixture(scope="package")
def celery_broker(redis_server: RedisServer) -> Iterator[str]:
    """This process's Celery app on the private Redis and queue, for this package only: tests
    elsewhere in the same run publish to the configured broker again."""
    from config.celery import app

    saved = (app.conf.broker_url, app.conf.task_default_queue, app.conf.task_always_eager)
    routes, queues = app.conf.task_routes, app.conf.task_queues
    _repoint_celery(redis_server.url, QUEUE)
    yield redis_server.url
    _repoint_celery(saved[0], saved[1])
    app.conf.task_always_eager = saved[2]
    app.conf.task_routes, app.conf.task_queues = routes, queues


# ---------------------------------------------------------------- workers


@dataclass
class Worker:
    name: str
    proc: subprocess.Popen[bytes]
    log: Path

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole process group: the machine died, nothing is cleaned up or acked."""
        if self.alive():
            _signal_group(self.proc, signal.SIGKILL)
            self.proc.wait(timeout=20)

    def results(self, result: str) -> int:
        """How many tasks this worker logged as finished with `result` (e.g. 'not-claimed')."""
        lines = self.log.read_text(errors="replace").splitlines()
        return sum(1 for line in lines if "succeeded in" in line and line.rstrip().endswith(f": '{result}'"))

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class Workers:
    broker_url: str
    logdir: Path
    started: list[Worker] = field(default_factory=list)

    def start(
        self, *, pool: str = "solo", concurrency: int = 1, env: dict[str, str] | None = None, queues: str = ""
    ) -> Worker:
        """A real `celery worker` on this run's queues (both, or `queues`), against the test
        database; returns once it answers a ping."""
        worker = self.spawn(pool=pool, concurrency=concurrency, env=env, queues=queues)
        self.wait_ready(worker)
        return worker

    def spawn(
        self, *, pool: str = "solo", concurrency: int = 1, env: dict[str, str] | None = None, queues: str = ""
    ) -> Worker:
        name = f"sbit-{uuid.uuid4().hex[:6]}@localhost"
        db = settings.DATABASES["default"]
        login = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"postgres://{login}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            "REDIS_URL": self.broker_url,
            "CELERY_QUEUE": QUEUE,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "PSA_PUSH_TIMEOUT": str(PUSH_TIMEOUT),
            "PSA_PUSH_BACKOFF": str(PUSH_BACKOFF),
            "PSA_PUSH_MAX_ATTEMPTS": str(PUSH_MAX_ATTEMPTS),
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        log = self.logdir / f"{name.split('@')[0]}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [str(CELERY), "-A", "config", "worker", f"--pool={pool}", "--concurrency", str(concurrency),
                 "-Q", queues or f"{QUEUE},{PUSH_QUEUE}", "-n", name, "--without-gossip", "--without-mingle", "--without-heartbeat",
                 "--loglevel", "INFO"],
                cwd=ROOT,
                env=environment,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: kill() takes the pool children too
            )  # fmt: skip
        worker = Worker(name, proc, log)
        self.started.append(worker)
        return worker

    def wait_ready(self, worker: Worker) -> None:
        from config.celery import app

        def answers() -> bool:
            if not worker.alive():
                raise AssertionError(
                    f"worker {worker.name} exited with {worker.proc.returncode}:\n{worker.tail()}"
                )
            return bool(app.control.ping(destination=[worker.name], timeout=0.5))

        wait_for(answers, f"worker {worker.name} to answer a ping", timeout=60)

    def stop_all(self) -> None:
        """Cold shutdown of every worker at once; whatever has not exited after 5 s is killed."""
        alive = [w for w in self.started if w.alive()]
        for worker in alive:
            _signal_group(worker.proc, signal.SIGQUIT)
        deadline = time.monotonic() + 5
        for worker in alive:
            try:
                worker.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                worker.kill()


def _signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:  # it exited in the meantime
        pass


@pytest.fixture
def workers(transactional_db: Any, celery_broker: str, tmp_path: Path) -> Iterator[Workers]:
    pool = Workers(celery_broker, tmp_path)
    yield pool
    pool.stop_all()


# ---------------------------------------------------------------- simulators


def sim_workspace() -> dict[str, Any]:
    return {
        "technicians": [
            {"id": key, "name": name, "email": f"{key}@msp.example.com", "timezone": "UTC", "skills": {}}
            for key, name, _ in TECHNICIANS
        ],
        "companies": [{"id": "acme", "name": "Acme Corporation"}],
        "tickets": [],
    }


@pytest.fixture(scope="package")
def simulators() -> Iterator[dict[str, SimServer]]:
    servers = {}
    for vendor in CREDENTIALS:
        server, _ = serve_in_thread(vendor, sim_workspace(), CREDENTIALS[vendor], seed_history=False)
        servers[vendor] = server
    yield servers
    for server in servers.values():
        server.stop()


class Sim:
    """The simulator's /_sim/ control API, over HTTP like any other client."""

    # (method, path suffix) of the owner write and of the note write, per vendor; Autotask and
    # HaloPSA name the ticket in the body, so per-ticket counts there rely on one ticket a test
    # (or, in the concurrent test, on ConnectWise).
    OWNER_WRITE = {"connectwise": ("PATCH", "/service/tickets/{id}"), "autotask": ("PATCH", "/Tickets"),
                   "halopsa": ("POST", "/api/Tickets")}  # fmt: skip
    NOTE_WRITE = {"connectwise": ("POST", "/service/tickets/{id}/notes"), "autotask": ("POST", "/Tickets/{id}/Notes"),
                  "halopsa": ("POST", "/api/Actions")}  # fmt: skip

    def __init__(self, vendor: str, server: SimServer) -> None:
        self.vendor = vendor
        self.url = server.base_url
        self.http = httpx.Client(base_url=self.url, timeout=30)

    def reset(self) -> None:
        self.http.delete("/_sim/faults").raise_for_status()
        self.http.delete("/_sim/requests").raise_for_status()

    def fault(
        self, mode: str, *, count: int = 1, method: str = "", path_contains: str = "", **extra: Any
    ) -> None:
        spec = {"mode": mode, "count": count, "method": method, "path_contains": path_contains, **extra}
        self.http.post("/_sim/faults", json=spec).raise_for_status()

    def fault_on(self, write: str, mode: str, ticket_id: str, **spec: Any) -> None:
        """A fault on the ticket's owner write ("owner") or note write ("note")."""
        method, suffix = (self.OWNER_WRITE if write == "owner" else self.NOTE_WRITE)[self.vendor]
        path = suffix.format(id=ticket_id) if "{id}" in suffix else suffix
        self.fault(mode, method=method, path_contains=path, **spec)

    def clear_faults(self) -> None:
        self.http.delete("/_sim/faults").raise_for_status()

    def new_ticket(self, subject: str) -> str:
        r = self.http.post("/_sim/tickets", json={"subject": subject, "priority": "High", "company": "acme"})
        r.raise_for_status()
        return r.json()["id"]

    def ticket(self, ticket_id: str) -> dict[str, Any]:
        tickets = self.http.get("/_sim/state").raise_for_status().json()["tickets"]
        return next(t for t in tickets if t["id"] == ticket_id)

    def requests(self) -> list[dict[str, Any]]:
        return self.http.get("/_sim/requests").raise_for_status().json()["requests"]

    def _writes(self, kind: dict[str, tuple[str, str]], ticket_id: str) -> list[dict[str, Any]]:
        method, suffix = kind[self.vendor]
        suffix = suffix.format(id=ticket_id).lower()
        return [
            r
            for r in self.requests()
            if r["method"] == method and r["path"].lower().rstrip("/").endswith(suffix)
        ]

    def owner_writes(self, ticket_id: str) -> list[dict[str, Any]]:
        """Every owner write sent for the ticket, answered or not."""
        return self._writes(self.OWNER_WRITE, ticket_id)

    def note_writes(self, ticket_id: str) -> list[dict[str, Any]]:
        return self._writes(self.NOTE_WRITE, ticket_id)


def applied(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Requests the PSA carried out: answered with a 2xx, even when the client had given up
    waiting (a slow fault still applies the write, as a real PSA would)."""
    return [r for r in requests if isinstance(r["status"], int) and r["status"] < 300]


# ---------------------------------------------------------------- one PSA world per test


@dataclass
class World:
    vendor: str
    sim: Sim
    connection: PsaConnection
    dispatcher: Any
    techs: dict[str, Any]

    def ticket(self, subject: str = "Outlook cannot connect") -> Ticket:
        """A ticket that lives in the simulator and is mirrored in the database."""
        external_id = self.sim.new_ticket(subject)
        return TicketFactory(external_id=external_id, subject=subject, connection=self.connection,
                             company=CompanyFactory(external_id="acme", name="Acme Corporation"))  # fmt: skip

    def approve(self, ticket: Ticket, tech_key: str = "tech-456") -> Decision:
        return decision_approve(
            ticket=ticket, user=self.dispatcher, technician_id=tech_key, reason="on call tonight"
        )

    def member_id(self, tech_key: str = "tech-456") -> str:
        return next(ext for key, _, ext in TECHNICIANS if key == tech_key)

    def assignment(self, ticket: Ticket) -> Assignment:
        return Assignment.objects.get(ticket=ticket)

    def wait_state(self, ticket: Ticket, state: str, timeout: float = WAIT) -> Assignment:
        def reached() -> Assignment | None:
            row = self.assignment(ticket)
            return row if row.state == state else None

        return wait_for(reached, f"assignment of #{ticket.external_id} to be {state}", timeout=timeout)

    def assert_delivered_once(self, ticket: Ticket, tech_key: str = "tech-456") -> None:
        """The PSA shows our owner and exactly one copy of our note, and carried out exactly
        one owner write and one note write for the ticket."""
        # A request the client gave up on may still be in the PSA's hands: count once it is done.
        wait_for(lambda: all(r["status"] is not None for r in self.sim.requests()), "in-flight PSA requests")
        row = self.assignment(ticket)
        psa = self.sim.ticket(ticket.external_id)
        assert psa["owner_external_id"] == self.member_id(tech_key)
        ours = [n for n in psa["notes"] if n["text"] == pushed_note(row)]
        assert row.note and len(ours) == 1, psa["notes"]
        assert len(applied(self.sim.owner_writes(ticket.external_id))) == 1, self.sim.requests()
        assert len(applied(self.sim.note_writes(ticket.external_id))) == 1, self.sim.requests()


def make_world(vendor: str, simulators: dict[str, SimServer]) -> World:
    sim = Sim(vendor, simulators[vendor])
    sim.reset()
    connection = PsaConnection(name=f"it-{vendor}", vendor=vendor, base_url=sim.url)
    connection.set_credentials(CREDENTIALS[vendor])
    connection.save()
    techs = {}
    for key, name, external_id in TECHNICIANS:
        tech = TechnicianFactory(external_id=key, name=name)
        MemberMapping.objects.create(
            connection=connection, technician=tech, external_id=external_id, identifier=key
        )
        techs[key] = tech
    return World(vendor, sim, connection, UserFactory(username="dana-it"), techs)


@pytest.fixture
def world(request: pytest.FixtureRequest, transactional_db: Any, celery_broker: str, redis_server: RedisServer,
          simulators: dict[str, SimServer]) -> Iterator[World]:  # fmt: skip
    """ConnectWise unless the test is parametrized with `vendor`."""
    redis_server.flush()  # no stray messages (e.g. countdown retries) from an earlier test
    vendor = getattr(request, "param", "connectwise")
    yield make_world(vendor, simulators)
    simulators[vendor].faults.clear()
