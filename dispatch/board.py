"""The queue's technician board: who is on shift now, their open tickets against capacity, the most
urgent ticket each is working on, and when those who are off are next available.

Built from the facts snapshot (dispatch.snapshot.tech_facts: the same availability and workload
the engine ranks on), so its cost does not grow with the desk: the snapshot's version and one query
for what the technicians shown are working on, whether there are 5 or 500. The availability of
every technician (for the on-shift-first order and the counts) is computed in Python once per
snapshot and minute (with the settings row), and kept in this process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import F

from dispatch.engine.availability import format_local, in_business_hours, work_status
from dispatch.facts import policy_from_settings
from dispatch.models import DispatchSettings, Ticket
from dispatch.snapshot import tech_facts

BOARD_LIMIT = 25  # technicians listed; the rest are counted ("and N more") and found with the filter box
STATUS_TEXT = {
    "available": "on shift",
    "on_call": "on call",
    "off_shift": "off shift",
    "time_off": "time off",
    "inactive": "inactive",
    "outside_business_hours": "outside business hours",
}
_MEMO: dict[str, Any] = {}


@dataclass
class BoardRow:
    id: str
    name: str
    working: bool  # may take work now (on shift or on call)
    status: str  # engine availability status
    status_text: str
    active: int  # open tickets counted as workload
    capacity: int
    back_at: datetime | None = None  # next available, for those who are off
    back_local: str = ""  # the same in the technician's own zone ("Mon 08:00 EST")
    timezone: str = ""  # the technician's zone: the page shows back_at in the viewer's, and theirs beside it
    working_on: Ticket | None = None

    @property
    def load_pct(self) -> int:
        return min(100, round(100 * self.active / self.capacity)) if self.capacity else 0

    @property
    def load_state(self) -> str:
        return "full" if self.active >= self.capacity else ("busy" if self.load_pct >= 70 else "ok")


@dataclass
class Board:
    rows: list[BoardRow]
    on_shift: int  # technicians who may take work now
    total: int  # active technicians (matching the filter)
    more: int  # matching technicians not listed
    query: str


def _rows(now: datetime) -> tuple[list[BoardRow], list[str]]:
    """Every active technician's board row (without what they work on), on-shift first, and the
    statuses not counted as workload; memoized per snapshot and minute in this process (a save of
    the settings bumps the facts version, so the snapshot tells when they changed)."""
    snap = tech_facts(now)
    minute = now.replace(second=0, microsecond=0)
    memo = _MEMO.get("rows")
    if memo is not None and memo[0] is snap and memo[1] == minute:
        return memo[2], memo[3]
    settings = DispatchSettings.load()
    policy = policy_from_settings(settings, [], now=now)
    closed = policy.business_hours_only and not in_business_hours(policy.business_hours, now)
    rows = []
    for t in snap.techs:
        if not t.active:
            continue
        ok, status, back = work_status(t, now, closed)
        rows.append(
            BoardRow(
                id=t.id, name=t.name, working=ok, status=status, status_text=STATUS_TEXT.get(status, status),
                active=t.workload.active_tickets, capacity=t.max_active_tickets or policy.max_tickets_per_technician,
                back_at=back, back_local=format_local(back, t.timezone, now) if back else "",
                timezone=t.timezone,
            )  # fmt: skip
        )
    far = datetime.max.replace(tzinfo=now.tzinfo)
    # On shift first (least loaded first: who can take the next ticket), then by when they are back.
    rows.sort(key=lambda r: (not r.working, r.active / r.capacity if r.working and r.capacity else 0,
                             r.back_at or far, r.name))  # fmt: skip
    excluded = list(settings.workload_excluded_statuses or [])
    _MEMO["rows"] = (snap, minute, rows, excluded)
    return rows, excluded


def technician_board(now: datetime, query: str = "", limit: int = BOARD_LIMIT) -> Board:
    """The board at `now`: technicians matching `query` (name or id, case-insensitive), on-shift
    first, at most `limit` listed, each with their most urgent open ticket. Two queries once the
    snapshot and the rows of this minute are built (the facts version, what the listed technicians
    work on); the settings row once per snapshot and minute."""
    query = (query or "").strip()[:100]
    rows, excluded = _rows(now)
    if query:
        q = query.casefold()
        rows = [r for r in rows if q in r.name.casefold() or q in r.id.casefold()]
    shown = [BoardRow(**{**r.__dict__}) for r in rows[:limit]]  # copies: the memo is shared
    _attach_working_on(shown, excluded)
    return Board(
        rows=shown, on_shift=sum(r.working for r in rows), total=len(rows), more=max(0, len(rows) - limit), query=query
    )


def _attach_working_on(rows: list[BoardRow], excluded: list[str]) -> None:
    """Each listed technician's most urgent open ticket (nearest SLA deadline, then priority and
    age): one query (DISTINCT ON the technician)."""
    if not rows:
        return
    tickets = (
        Ticket.objects.filter(closed=False, assigned_to__external_id__in=[r.id for r in rows])
        .exclude(status__in=excluded)
        .annotate(tech_key=F("assigned_to__external_id"))
        .only("pk", "external_id", "subject", "priority", "sla_due", "created_at", "status")
        .order_by("assigned_to_id", F("sla_due").asc(nulls_last=True), "created_at")
        .distinct("assigned_to_id")
    )
    by_tech = {t.tech_key: t for t in tickets}  # type: ignore[attr-defined]
    for r in rows:
        r.working_on = by_tech.get(r.id)
