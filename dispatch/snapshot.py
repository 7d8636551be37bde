"""The facts snapshot: technician facts built once per version and shared by every process.

Every committed change that can move a ranking calls `facts_changed` (signals in
dispatch.signals, and the services and syncs that write in bulk). After the commit it bumps
`FactsState.version` (a short transaction of its own, never inside the writer's, so writers do
not queue on one row; a people change also logs which technicians it touched) and schedules the
coalesced background re-rank (dispatch.freshness).

Readers call `tech_facts(now)`: one query for the version, then the technician facts of that
version from this process's memory, else from the shared cache (Redis in production), else
built and stored for the others. The expensive part (skills, rota, experience) is keyed by
`people_version`, which workload changes do not move, so an approval costs the next reader two
cheap queries, not a rebuild; a people change rebuilds only the technicians it touched. A decision records the version it was made on
(Decision.facts_version); the queue marks a suggestion made on an older version as re-ranking.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from dispatch.engine.types import Policy, TechFacts
from dispatch.engine.vector import TechTable
from dispatch.facts import (
    active_affinity_weights,
    active_model_version,
    build_people_facts,
    build_tech_facts,
    current_loads,
    load_policy,
    rebuild_people_facts,
    typical_ticket_hours,
    with_loads,
)
from dispatch.models import DispatchSettings, FactsState

log = logging.getLogger(__name__)

# A snapshot serves rankings at times within this window of when it was built (the rota it holds
# runs a day back and facts.LOOKAHEAD ahead); other times (an API `as_of`) are built uncached.
VALID_BEFORE = timedelta(hours=12)
VALID_AFTER = timedelta(hours=6)
CACHE_SECONDS = 6 * 3600
PEOPLE_LOG = 50  # people changes remembered for partial rebuilds
_MEMO: dict[str, Any] = {}


@dataclass(frozen=True)
class Snapshot:
    version: int
    built_at: datetime
    techs: list[TechFacts]
    # (epoch, people version) of the people part it was built on; () for a live snapshot. Two
    # snapshots with the same key differ only in workload (table_for carries the table's memos over).
    people_key: tuple[Any, ...] = ()
    # The oldest people version whose technicians differ from these in rota only (shifts, time
    # off, on-call): a table built on it or later keeps its per-kind memos (table_for).
    rota_base: int | None = None


def state() -> tuple[int, int, str]:
    """(version, people_version, epoch), one query (the row is created on first use)."""
    return _state()[:3]  # type: ignore[return-value]


def _state() -> tuple[int, int, str, list[Any]]:
    row = FactsState.objects.filter(pk=1).values_list("version", "people_version", "epoch", "people_log").first()
    if row is None:
        created, _ = FactsState.objects.get_or_create(pk=1)
        return int(created.version), int(created.people_version), created.epoch, []
    return int(row[0]), int(row[1]), row[2], list(row[3] or [])


def current_version() -> int:
    return int(FactsState.objects.filter(pk=1).values_list("version", flat=True).first() or 1)


def _fits(built_at: datetime, now: datetime) -> bool:
    return built_at - VALID_BEFORE <= now <= built_at + VALID_AFTER


def _uncommitted_changes() -> bool:
    """This connection's open transaction changed facts that the version does not show yet:
    read them from the database, not from a snapshot."""
    return _pending(transaction.get_connection()) is not None


def tech_facts(now: datetime) -> Snapshot:
    """The technician facts for rankings at `now`, from the snapshot of the current version."""
    version, people_version, epoch, log = _state()
    if not _fits(timezone.now(), now) or _uncommitted_changes():
        return Snapshot(version, now, build_tech_facts(now=now))
    memo = _MEMO.get("facts")
    if memo is not None and memo[0] == (epoch, version) and _fits(memo[1].built_at, now):
        return memo[1]
    key = f"switchboard:facts:{epoch}:{version}"
    shared = cache.get(key)
    if isinstance(shared, Snapshot) and _fits(shared.built_at, now):
        _MEMO["facts"] = ((epoch, version), shared)
        return shared
    built_at, people = _people(epoch, people_version, now, log)
    excluded = list(DispatchSettings.load().workload_excluded_statuses)
    snap = Snapshot(
        version, built_at, with_loads(people, *current_loads(excluded)), (epoch, people_version),
        rota_base(log, people_version),
    )  # fmt: skip
    cache.set(key, snap, CACHE_SECONDS)
    _MEMO["facts"] = ((epoch, version), snap)
    return snap


def _people(epoch: str, people_version: int, now: datetime, log: list[Any]) -> tuple[datetime, list[TechFacts]]:
    key = f"switchboard:people:{epoch}:{people_version}"
    memo = _MEMO.get("people")
    if memo is not None and memo[0] == (epoch, people_version) and _fits(memo[1], now):
        return memo[1], memo[2]
    shared = cache.get(key)
    if isinstance(shared, tuple) and len(shared) == 2 and _fits(shared[0], now):
        _MEMO["people"] = ((epoch, people_version), *shared)
        return shared
    built, built_at = None, now
    base = _base_people(epoch, people_version, now, memo)
    if base is not None:
        touched = _touched_since(log, base[0], people_version)
        if touched is not None:  # only these technicians changed since the snapshot at hand
            # The others' rota was read when the base was built: the result is as old as the base.
            built, built_at = rebuild_people_facts(base[2], touched, now=now), base[1]
    if built is None:
        built = build_people_facts(now=now)
    cache.set(key, (built_at, built), CACHE_SECONDS)
    _MEMO["people"] = ((epoch, people_version), built_at, built)
    return built_at, built


def _base_people(
    epoch: str, want: int, now: datetime, memo: Any
) -> tuple[int, datetime, list[TechFacts]] | None:
    """An older people snapshot to rebuild from, (version, built at, facts): this process's, else
    the previous version's from the shared cache (a process that has just started, or that
    skipped a version)."""
    if memo is not None and memo[0][0] == epoch and memo[0][1] < want and _fits(memo[1], now):
        return memo[0][1], memo[1], memo[2]
    shared = cache.get(f"switchboard:people:{epoch}:{want - 1}")
    if isinstance(shared, tuple) and len(shared) == 2 and _fits(shared[0], now):
        return want - 1, shared[0], shared[1]
    return None


def rota_base(log: list[Any], people_version: int) -> int:
    """The oldest people version from which every later change up to `people_version` was to the
    rota only (the log marks such entries "rota")."""
    entries = {int(entry[0]): entry for entry in log}
    base = people_version
    while base in entries and len(entries[base]) > 2 and entries[base][2] == "rota":
        base -= 1
    return base


def _touched_since(log: list[Any], have: int, want: int) -> set[int] | None:
    """Technician keys changed between people versions `have` and `want`, or None when the log
    does not show (it was trimmed, or a change touched anyone)."""
    if want <= have:
        return None
    entries = {int(entry[0]): entry[1] for entry in log}
    touched: set[int] = set()
    for v in range(have + 1, want + 1):
        if v not in entries or entries[v] is None:
            return None
        touched.update(entries[v])
    return touched


def table_for(snap: Snapshot) -> TechTable:
    """The vectorized engine's table of a snapshot, built once per snapshot in each process (it
    memoizes per kind of ticket and per minute, so it is worth keeping; it is not shared)."""
    memo = _MEMO.get("table")
    if memo is not None and memo[0] is snap:
        return memo[1]
    table = TechTable(snap.techs)
    key = getattr(snap, "people_key", ())
    old = getattr(memo[0], "people_key", ()) if memo is not None else ()
    if memo is not None and key and old == key:
        # Only the workload moved (an assignment, a close): what the memos hold depends on the
        # people part alone (skills, rota, history), so the new table starts warm.
        table.adopt_memos(memo[1])
    elif memo is not None and key and old and old[0] == key[0] and old[1] >= (getattr(snap, "rota_base", None) or key[1]):
        # Only rotas changed since (time off, shifts, on-call): the per-kind memos (skills, track
        # record, familiarity, history) still hold; availability is worked out again.
        table.adopt_memos(memo[1], rota_changed=True)
    _MEMO["table"] = (snap, table)
    return table


def policy_for(snap: Snapshot, now: datetime, **overrides: Any) -> Policy:
    """facts.load_policy at `now`, with the two inputs that cost most read once per snapshot in
    each process: the active model's affinity weights (a new model version bumps the facts
    version) and the desk's typical ticket size (an average over the open tickets, ~9 ms on
    10,000; it moves with the workload, which bumps the version too). The settings row and the
    rules are read every time (two small queries), so a settings change is seen at once even
    where it bypassed the signals. A snapshot built live (uncommitted changes) reads everything."""
    return load_policy(now=now, **{**_slow_inputs(snap)[0], **overrides})


def model_version_for(snap: Snapshot) -> str | None:
    """The active model version's name, read once per snapshot like policy_for's inputs (a new
    model version bumps the facts version)."""
    return _slow_inputs(snap)[1]


def relations_for(snap: Snapshot) -> dict[str, Any]:
    """Categories, companies and boards read for tickets at this snapshot (facts.attach_relations
    fills it), kept while the snapshot is this process's current one: any change to them, their
    skills, SLA policies or account technicians bumps the facts version. A live snapshot (this
    transaction changed facts) gets a fresh one."""
    memo = _MEMO.get("relations")
    if memo is not None and memo[0] is snap:
        return memo[1]
    known: dict[str, Any] = {}
    if _MEMO.get("facts", (None, None))[1] is snap:
        _MEMO["relations"] = (snap, known)
    return known


def _slow_inputs(snap: Snapshot) -> tuple[dict[str, Any], str | None]:
    memo = _MEMO.get("policy")
    if memo is not None and memo[0] is snap:
        return memo[1], memo[2]
    slow = {"affinity_weights": active_affinity_weights(), "hours_per_ticket": typical_ticket_hours()}
    model = active_model_version()
    if _MEMO.get("facts", (None, None))[1] is snap:  # the shared snapshot, not a live one
        _MEMO["policy"] = (snap, slow, model)
    return slow, model


# ---------------------------------------------------------------- writers


def facts_changed(
    reason: str, *, people: bool = False, technicians: Iterable[int] | None = None, rota: bool = False
) -> None:
    """Record that facts changed: after the current transaction commits (at once outside one),
    bump the version once, however many changes the transaction made, and schedule the
    re-rank. `people`: skills, rota, experience or technician attributes changed (not only
    workload), so the expensive part of the snapshot is rebuilt too: only `technicians` (primary
    keys) when given, everyone's when not. `rota`: the people change was to shifts, time off or
    on-call only (the vectorized table keeps its per-kind memos)."""
    conn = transaction.get_connection()
    pending = _pending(conn)
    if pending is None:
        pending = {"people": False, "techs": set(), "reasons": [], "done": False, "last": None, "rota": True}
        conn._switchboard_facts = pending  # type: ignore[attr-defined]
    if people:
        pending["people"] = True
        pending["rota"] = pending["rota"] and rota
        if technicians is None or pending["techs"] is None:
            pending["techs"] = None
        else:
            pending["techs"].update(technicians)
    if reason not in pending["reasons"]:
        pending["reasons"].append(reason)

    def flush() -> None:
        # Every change registers its own callback (so a savepoint rolled back keeps the others');
        # the first to run after the commit bumps once for all of them.
        if pending["done"]:
            return
        pending["done"] = True
        if getattr(conn, "_switchboard_facts", None) is pending:
            conn._switchboard_facts = None  # type: ignore[attr-defined]
        techs = sorted(pending["techs"]) if pending["people"] and pending["techs"] is not None else None
        bump(", ".join(pending["reasons"])[:200], people=pending["people"], technicians=techs,
             rota=pending["people"] and pending["rota"])  # fmt: skip

    pending["last"] = flush
    transaction.on_commit(flush)


def _pending(conn: Any) -> dict[str, Any] | None:
    """This connection's changes not yet flushed, if their transaction is still open (a rolled
    back transaction drops its callbacks, and with them what it announced)."""
    pending = getattr(conn, "_switchboard_facts", None)
    if pending is None or pending["done"]:
        return None
    if not any(entry[1] is pending["last"] for entry in conn.run_on_commit):
        return None
    return pending


def bump(reason: str, *, people: bool = False, technicians: list[int] | None = None, rota: bool = False) -> int:
    """Advance the version now (autocommit) and schedule the re-rank; returns the new version.
    A people change records which technicians it touched (None: anyone) in FactsState.people_log,
    so readers rebuild only those, and whether it was to the rota only."""
    FactsState.objects.get_or_create(pk=1)
    with transaction.atomic():
        row = FactsState.objects.select_for_update().get(pk=1)
        row.version += 1
        if people:
            row.people_version += 1
            entry = [row.people_version, technicians, *(["rota"] if rota else [])]
            row.people_log = [*row.people_log, entry][-PEOPLE_LOG:]
        row.changed_at = timezone.now()
        row.reason = reason[:200]
        row.save()
        version = row.version
    from dispatch.freshness import schedule_rerank

    schedule_rerank()
    return version
