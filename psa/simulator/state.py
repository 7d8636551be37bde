"""The vendor-neutral, in-memory service desk behind every simulator, seeded from a workspace dict.

Each vendor module renders these records in its own wire format and maps its writes back
onto them, so the three simulators agree on the data and differ only on the wire.

Ids: workspace ids (strings such as "tech-456" or "acme") get stable integer ids, assigned
in file order: technicians from 101, companies from 201, boards, skills, SLA policies and
everything else from 1. A ticket whose workspace id is numeric keeps it ("12345" -> 12345);
other tickets get ids above the highest numeric one. The workspace id stays visible in every
vendor record (see docs/psa.md), so an adapter can map back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PRIORITIES = ("Low", "Medium", "High", "Critical")
OPEN_STATUSES = ("New", "In Progress", "Waiting for Customer", "Scheduled")
CLOSED_STATUS = "Closed"
SKILL_LEVELS = ("beginner", "intermediate", "expert")
DEFAULT_BOARD = "Service Desk"

TicketListener = Callable[[str, "Ticket", set[str]], None]


def utcnow() -> datetime:
    """Now, at millisecond precision (what the vendors store)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def parse_dt(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value).strip())
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class SeedError(ValueError):
    """The workspace (or a /_sim/ ticket) names something that cannot be simulated."""


@dataclass
class Technician:
    key: str
    num: int
    name: str
    email: str
    active: bool
    timezone: str
    skills: dict[str, str]
    schedule: list[dict[str, Any]]
    phone: str = ""
    seniority: str = ""

    @property
    def first_name(self) -> str:
        return self.name.split(" ", 1)[0]

    @property
    def last_name(self) -> str:
        parts = self.name.split(" ", 1)
        return parts[1] if len(parts) > 1 else ""


@dataclass
class Company:
    key: str
    num: int
    name: str
    sla_policy: str | None = None
    preferred: str | None = None
    email: str = ""


@dataclass
class Board:
    name: str
    num: int
    statuses: list[str]


@dataclass
class Skill:
    name: str
    num: int
    group: str
    group_num: int


@dataclass
class SlaPolicy:
    name: str
    num: int
    response_hours: dict[str, float]
    resolution_hours: dict[str, float]


@dataclass
class Note:
    num: int
    ticket_num: int
    text: str
    created_at: datetime
    member: str | None = None
    internal: bool = True
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class Ticket:
    num: int
    key: str | None
    summary: str
    description: str
    category: str | None
    priority: str
    board: str
    status: str
    company: str | None
    owner: str | None
    created_at: datetime
    updated_at: datetime
    sla_due: datetime | None = None
    estimated_hours: float | None = None
    closed_at: datetime | None = None
    notes: list[Note] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def closed(self) -> bool:
        return self.status == CLOSED_STATUS


@dataclass
class TimeOff:
    num: int
    tech: str
    start: datetime
    end: datetime
    reason: str


@dataclass
class TimeEntry:
    num: int
    tech: str
    ticket_num: int | None
    start: datetime
    hours: float
    notes: str = ""

    @property
    def end(self) -> datetime:
        return self.start + timedelta(hours=self.hours)


TICKET_FIELDS = {
    "summary", "description", "category", "priority", "board", "status", "company", "owner",
    "sla_due", "estimated_hours",
}  # fmt: skip


class SimState:
    """All records of one simulated PSA. Mutations go through the methods below, under `lock`,
    and notify `listeners` (the vendor's webhook sender) with (action, ticket, changed fields)."""

    def __init__(self, workspace: dict[str, Any], *, seed_history: bool = True) -> None:
        self.lock = threading.RLock()
        self.listeners: list[TicketListener] = []
        self.technicians: dict[str, Technician] = {}
        self.companies: dict[str, Company] = {}
        self.boards: dict[str, Board] = {}
        self.skills: dict[str, Skill] = {}
        self.skill_groups: dict[str, int] = {}
        self.sla_policies: dict[str, SlaPolicy] = {}
        self.categories: dict[str, int] = {}
        self.tickets: dict[int, Ticket] = {}
        self.time_off: list[TimeOff] = []
        self.time_entries: list[TimeEntry] = []
        self._counters: dict[str, int] = {}
        self._seed(workspace, seed_history=seed_history)

    # ---- ids -----------------------------------------------------------------------------

    def next_id(self, kind: str, start: int = 1) -> int:
        with self.lock:
            value = self._counters.get(kind, start)
            self._counters[kind] = value + 1
            return value

    def next_ticket_num(self) -> int:
        with self.lock:
            return max([*self.tickets, 1000]) + 1

    # ---- seeding -------------------------------------------------------------------------

    def _seed(self, ws: dict[str, Any], *, seed_history: bool) -> None:
        for skill in ws.get("skills", []):
            self._ensure_skill(skill["name"], skill.get("group") or "General")
        for policy in ws.get("sla_policies", []):
            self.sla_policies[policy["name"]] = SlaPolicy(
                name=policy["name"],
                num=self.next_id("sla"),
                response_hours={k: float(v) for k, v in (policy.get("response_hours") or {}).items()},
                resolution_hours={k: float(v) for k, v in (policy.get("resolution_hours") or {}).items()},
            )
        for category in ws.get("categories", []):
            self._ensure_category(category["name"])
        for tech in ws.get("technicians", []):
            self._add_technician(tech)
        for company in ws.get("companies", []):
            self.companies[company["id"]] = Company(
                key=company["id"],
                num=self.next_id("company", 201),
                name=company.get("name") or company["id"],
                sla_policy=company.get("sla_policy"),
                preferred=company.get("preferred_technician"),
                email=company.get("contact_email") or "",
            )
        for rule in ws.get("rules", []):
            for part in ("when", "then"):
                if isinstance((rule.get(part) or {}).get("board"), str):
                    self.ensure_board(rule[part]["board"])
        for item in ws.get("tickets", []):
            self.add_ticket(item, notify=False)
        if seed_history:
            for item in ws.get("history", []):
                self._add_history(item)
        if not self.boards:
            self.ensure_board(DEFAULT_BOARD)

    def _add_technician(self, tech: dict[str, Any]) -> None:
        for skill_name, level in (tech.get("skills") or {}).items():
            self._ensure_skill(skill_name, "General")
            if level not in SKILL_LEVELS:
                raise SeedError(f"technicians.{tech['id']}.skills.{skill_name}: unknown level {level!r}")
        tz = tech.get("timezone") or "UTC"
        self.technicians[tech["id"]] = Technician(
            key=tech["id"],
            num=self.next_id("tech", 101),
            name=tech.get("name") or tech["id"],
            email=tech.get("email") or "",
            active=bool(tech.get("active", True)),
            timezone=tz,
            skills=dict(tech.get("skills") or {}),
            schedule=list(tech.get("schedule") or []),
            phone=tech.get("phone") or "",
            seniority=tech.get("seniority") or "",
        )
        for off in tech.get("time_off") or []:
            self.add_time_off(
                tech["id"],
                parse_dt(off["start"]),  # type: ignore[arg-type]
                parse_dt(off["end"]),  # type: ignore[arg-type]
                off.get("reason") or "",
            )

    def _add_history(self, item: dict[str, Any]) -> None:
        opened = parse_dt(item.get("opened_at")) or utcnow()
        resolved = parse_dt(item.get("resolved_at")) or opened
        ticket = self.add_ticket(
            {
                "id": item.get("ticket_id"),
                "subject": item.get("subject"),
                "description": item.get("description"),
                "category": item.get("category"),
                "priority": item.get("priority"),
                "board": item.get("board"),
                "company": item.get("company"),
                "status": CLOSED_STATUS,
                "assigned_to": item.get("resolved_by"),
                "created_at": opened.isoformat(),
            },
            notify=False,
            updated_at=resolved,
        )
        ticket.closed_at = resolved
        if ticket.owner:
            start = parse_dt(item.get("first_response_at")) or opened
            hours = (resolved - start).total_seconds() / 3600
            hours = min(8.0, max(0.25, round(hours * 4) / 4))
            self.time_entries.append(
                TimeEntry(
                    self.next_id("time"), ticket.owner, ticket.num, resolved - timedelta(hours=hours), hours
                )
            )

    def _ensure_skill(self, name: str, group: str) -> Skill:
        if name not in self.skills:
            if group not in self.skill_groups:
                self.skill_groups[group] = self.next_id("skillgroup")
            self.skills[name] = Skill(name, self.next_id("skill"), group, self.skill_groups[group])
        return self.skills[name]

    def _ensure_category(self, name: str) -> int:
        if name not in self.categories:
            self.categories[name] = self.next_id("category")
        return self.categories[name]

    def ensure_board(self, name: str) -> Board:
        with self.lock:
            if name not in self.boards:
                self.boards[name] = Board(name, self.next_id("board"), [*OPEN_STATUSES, CLOSED_STATUS])
            return self.boards[name]

    def ensure_company(self, key: str) -> Company:
        with self.lock:
            if key not in self.companies:
                self.companies[key] = Company(key, self.next_id("company", 201), key)
            return self.companies[key]

    # ---- lookups -------------------------------------------------------------------------

    def tech_by_num(self, num: Any) -> Technician | None:
        return next((t for t in self.technicians.values() if str(t.num) == str(num)), None)

    def company_by_num(self, num: Any) -> Company | None:
        return next((c for c in self.companies.values() if str(c.num) == str(num)), None)

    def board_by_num(self, num: Any) -> Board | None:
        return next((b for b in self.boards.values() if str(b.num) == str(num)), None)

    def sla_for(self, ticket: Ticket) -> SlaPolicy | None:
        company = self.companies.get(ticket.company or "")
        return self.sla_policies.get(company.sla_policy or "") if company else None

    def ticket(self, num: Any) -> Ticket | None:
        try:
            return self.tickets.get(int(num))
        except (TypeError, ValueError):
            return None

    # ---- tickets -------------------------------------------------------------------------

    def add_ticket(
        self, item: dict[str, Any], *, notify: bool = True, updated_at: datetime | None = None
    ) -> Ticket:
        """Create a ticket from a workspace-shaped dict (subject, priority, board, company, ...); the
        neutral names a vendor's create maps to (summary, owner, meta) are accepted too."""
        with self.lock:
            key = str(item["id"]) if item.get("id") not in (None, "") else None
            if key and key.isdigit() and int(key) not in self.tickets:
                num = int(key)
            else:
                num = self.next_ticket_num()
            owner = item.get("assigned_to") or item.get("owner")
            if owner and owner not in self.technicians:
                raise SeedError(f"ticket {key or num}: assigned_to {owner!r} names no technician")
            priority = item.get("priority") or "Medium"
            if priority not in PRIORITIES:
                raise SeedError(
                    f"ticket {key or num}: priority {priority!r} is not one of {', '.join(PRIORITIES)}"
                )
            board = self.ensure_board(item.get("board") or DEFAULT_BOARD)
            status = item.get("status") or "New"
            if status not in board.statuses:
                board.statuses.insert(len(board.statuses) - 1, status)
            company = item.get("company")
            if company:
                self.ensure_company(company)
            if item.get("category"):
                self._ensure_category(item["category"])
            created = parse_dt(item.get("created_at")) or utcnow()
            ticket = Ticket(
                num=num,
                key=key,
                summary=(item.get("subject") or item.get("summary") or f"Ticket {num}")[:100],
                description=item.get("description") or "",
                category=item.get("category"),
                priority=priority,
                board=board.name,
                status=status,
                company=company,
                owner=owner,
                created_at=created,
                updated_at=updated_at or (utcnow() if notify else created),
                sla_due=parse_dt(item.get("sla_due")),
                estimated_hours=item.get("estimated_hours"),
            )
            ticket.meta.update(item.get("meta") or {})
            if ticket.closed:
                ticket.closed_at = ticket.updated_at
            self.tickets[num] = ticket
        if notify:
            self._notify("created", ticket, set(TICKET_FIELDS))
        return ticket

    def update_ticket(self, num: int, changes: dict[str, Any], *, member: str | None = None) -> set[str]:
        """Apply neutral field changes; returns the names that changed (and notifies when any did)."""
        with self.lock:
            ticket = self.tickets[num]
            changed: set[str] = set()
            for name, value in changes.items():
                if name not in TICKET_FIELDS and name != "meta":
                    raise SeedError(f"unknown ticket field {name!r}")
                if name == "meta":
                    ticket.meta.update(value)
                    continue
                if name == "board":
                    self.ensure_board(value)
                if name == "owner" and value is not None and value not in self.technicians:
                    raise SeedError(f"owner {value!r} names no technician")
                if getattr(ticket, name) != value:
                    setattr(ticket, name, value)
                    changed.add(name)
            if "status" in changed:
                ticket.closed_at = utcnow() if ticket.closed else None
            if changed:
                ticket.updated_at = utcnow()
                ticket.meta["updated_by"] = member
        if changed:
            self._notify("updated", ticket, changed)
        return changed

    def delete_ticket(self, num: int) -> Ticket:
        with self.lock:
            ticket = self.tickets.pop(num)
        self._notify("deleted", ticket, set())
        return ticket

    def add_note(
        self,
        num: int,
        text: str,
        *,
        member: str | None = None,
        internal: bool = True,
        meta: dict[str, Any] | None = None,
    ) -> Note:
        with self.lock:
            ticket = self.tickets[num]
            note = Note(self.next_id("note"), num, text, utcnow(), member, internal, dict(meta or {}))
            ticket.notes.append(note)
            return note

    def add_time_entry(
        self, tech: str, ticket_num: int | None, start: datetime, hours: float, notes: str = ""
    ) -> TimeEntry:
        with self.lock:
            entry = TimeEntry(self.next_id("time"), tech, ticket_num, start, hours, notes)
            self.time_entries.append(entry)
            return entry

    def add_time_off(self, tech: str, start: datetime, end: datetime, reason: str = "") -> TimeOff:
        with self.lock:
            off = TimeOff(self.next_id("timeoff"), tech, start, end, reason or "time off")
            self.time_off.append(off)
            return off

    def _notify(self, action: str, ticket: Ticket, changed: set[str]) -> None:
        for listener in list(self.listeners):
            listener(action, ticket, changed)

    # ---- schedules -----------------------------------------------------------------------

    def shifts(self, tech: Technician, since: datetime, until: datetime) -> list[tuple[datetime, datetime]]:
        """The technician's working shifts overlapping [since, until), from the weekly schedule in
        the technician's timezone (a shift whose end is not after its start crosses midnight)."""
        tz = zone(tech.timezone)
        out: list[tuple[datetime, datetime]] = []
        day: date = since.astimezone(tz).date() - timedelta(days=1)
        last: date = until.astimezone(tz).date()
        while day <= last:
            for block in tech.schedule:
                if day.weekday() not in block.get("days", []):
                    continue
                start = datetime.combine(day, time.fromisoformat(block["start"]), tz)
                end = datetime.combine(day, time.fromisoformat(block["end"]), tz)
                if end <= start:
                    end += timedelta(days=1)
                start_utc, end_utc = start.astimezone(UTC), end.astimezone(UTC)
                if start_utc < until and end_utc > since:
                    out.append((start_utc, end_utc))
            day += timedelta(days=1)
        return sorted(out)

    # ---- the /_sim/state view ------------------------------------------------------------

    def neutral_ticket(self, ticket: Ticket, external_owner: str | None) -> dict[str, Any]:
        return {
            "id": str(ticket.num),
            "workspace_id": ticket.key,
            "summary": ticket.summary,
            "board": ticket.board,
            "status": ticket.status,
            "priority": ticket.priority,
            "company": ticket.company,
            "owner": ticket.owner,
            "owner_external_id": external_owner,
            "closed": ticket.closed,
            "updated_at": ticket.updated_at.isoformat(),
            "notes": [
                {"id": str(n.num), "text": n.text, "member": n.member, "created_at": n.created_at.isoformat()}
                for n in ticket.notes
            ],
        }


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
