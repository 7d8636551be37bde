"""HaloPSA REST API ("Halo API v2"), as on the wire.

- `POST /auth/token` (form: grant_type=client_credentials, client_id, client_secret, scope)
  -> {access_token, token_type "Bearer", expires_in}; then `Authorization: Bearer` on /api.
- GET /api/Tickets (pageinate/page_size (max 100)/page_no -> {page_no, page_size, record_count,
  tickets}; filters agent_id, open_only, closed_only, client_id, team, status_id, search,
  datesearch + startdate/enddate, order/orderdesc, count), GET /api/Tickets/{id},
  POST /api/Tickets (array upsert: an element with an id updates, one without creates).
- GET /api/Agent (bare array, with qualifications), /api/Team, /api/Holiday, /api/Appointment
  (showshifts for working shifts), /api/Client ("clients"), /api/SLA, /api/Priority,
  /api/Status, /api/Qualification, /api/TimesheetEvent; GET/POST /api/Actions ("actions").
- Webhooks (POST /api/Webhook, or --webhook-url/--webhook-secret at start) receive
  {"id", "event", "webhook_id", "timestamp", "ticket": {...}} with Basic auth when configured
  and an X-Halo-Signature (simulator choice, see docs/psa.md).

Mappings: agents and clients carry the workspace id in the custom field "CFSwitchboardId";
teams = boards; priority_id 1 Critical, 2 High, 3 Medium, 4 Low; status_id 1 New, 2 In
Progress, 4 Waiting for Customer, 5 Scheduled, 9 Closed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from psa.simulator.base import HttpError, Response, Router, SimRequest, SimulatorApp, fold, json_response
from psa.simulator.state import CLOSED_STATUS, Technician, Ticket, parse_dt, utcnow

PRIORITY_IDS = {"Critical": 1, "High": 2, "Medium": 3, "Low": 4}
STATUS_IDS = {"New": 1, "In Progress": 2, "Waiting for Customer": 4, "Scheduled": 5, CLOSED_STATUS: 9}
PAGE_SIZE_MAX = 100
ID_FIELD = "CFSwitchboardId"
LEVELS_FIELD = "CFSwitchboardSkillLevels"  # "Exchange=expert;Printers=beginner"
SHIFT_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
EVENTS = {
    "created": "New Ticket Logged",
    "updated": "Ticket Updated",
    "reassigned": "Ticket Reassigned",
    "deleted": "Ticket Deleted",
}


def halo_date(value: datetime | None) -> str | None:
    """Halo writes UTC without an offset."""
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}" if value else None


def truthy(value: str | None) -> bool:
    return (value or "").lower() in ("true", "1", "yes")


class HaloApp(SimulatorApp):
    vendor = "halopsa"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lock = threading.RLock()
        self.token_ttl = int(self.options.get("token_ttl") or 3600)
        self.tokens: dict[str, float] = {}
        self._status_ids = dict(STATUS_IDS)
        for board in self.state.boards.values():
            for status in board.statuses:
                self.status_id(status)
        self.webhooks_registered: list[dict[str, Any]] = []
        if self.webhook_url:
            self.webhooks_registered.append(
                {
                    "id": str(uuid.uuid4()),
                    "name": "--webhook-url",
                    "url": self.webhook_url,
                    "method": 0,
                    "content_type": "application/json",
                    "active": True,
                    "authentication_type": 1 if self.webhook_secret else 0,
                    "basic_username": self.options.get("webhook_username") or "halo",
                    "basic_password": self.webhook_secret or "",
                    "events": [],
                }  # fmt: skip
            )
        self.router = Router()
        r = self.router.add
        r("GET", "/Tickets", self.list_tickets)
        r("POST", "/Tickets", self.upsert_tickets)
        r("GET", "/Tickets/{id}", self.get_ticket)
        r("DELETE", "/Tickets/{id}", self.delete_ticket)
        r("GET", "/Actions", self.list_actions)
        r("POST", "/Actions", self.create_actions)
        r("GET", "/Actions/{id}", self.get_action)
        r("GET", "/Agent", self.list_agents)
        r("GET", "/Agent/{id}", self.get_agent)
        r("GET", "/Team", lambda req: json_response(self.teams()))
        r(
            "GET",
            "/Qualification",
            lambda req: json_response([{"id": s.num, "name": s.name} for s in self.state.skills.values()]),
        )
        r("GET", "/Holiday", self.list_holidays)
        r("GET", "/Appointment", self.list_appointments)
        r("GET", "/TimesheetEvent", self.list_timesheet_events)
        r("GET", "/Client", self.list_clients)
        r("GET", "/Client/{id}", self.get_client)
        r("GET", "/SLA", lambda req: json_response(self.slas()))
        r("GET", "/Priority", lambda req: json_response(self.priorities()))
        r("GET", "/Status", lambda req: json_response(self.statuses()))
        r(
            "GET",
            "/Webhook",
            lambda req: json_response([self._public_webhook(w) for w in self.webhooks_registered]),
        )
        r("POST", "/Webhook", self.upsert_webhooks)
        r("DELETE", "/Webhook/{wid}", self.delete_webhook)

    # ---- plumbing ------------------------------------------------------------------------

    def error(self, status: int, message: str, code: str | None = None, details: Any = None) -> Response:
        return json_response(message, status)

    def handle(self, req: SimRequest) -> Response:
        path = req.path.lower().rstrip("/")
        if path == "/auth/token" and req.method == "POST":
            return self.token(req)
        if not path.startswith("/api/"):
            raise HttpError(404, f"No resource matches '{req.path}'.")
        self.authenticate(req)
        return self.router.dispatch(req, req.path[len("/api") :])

    def token(self, req: SimRequest) -> Response:
        form = {k: v[-1] for k, v in parse_qs(req.body.decode(errors="replace")).items()}
        if form.get("grant_type") != "client_credentials":
            return json_response(
                {"error": "unsupported_grant_type", "error_description": "The grant type is not supported."}, 400
            )
        ok = hmac.compare_digest(
            form.get("client_id", ""), self.credentials.get("client_id", "")
        ) and hmac.compare_digest(form.get("client_secret", ""), self.credentials.get("client_secret", ""))
        if not ok:
            # RFC 6749 5.2: an OAuth error carries error_description beside the code.
            return json_response({"error": "invalid_client", "error_description": "Invalid client credentials."}, 401)
        token = secrets.token_urlsafe(32)
        with self._lock:
            self.tokens[token] = time.time() + self.token_ttl
        return json_response(
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": self.token_ttl,
                "scope": form.get("scope") or "all",
            }
        )

    def authenticate(self, req: SimRequest) -> None:
        scheme, _, token = (req.header("Authorization") or "").partition(" ")
        with self._lock:
            expiry = self.tokens.get(token) if scheme.lower() == "bearer" else None
        if expiry is None or expiry < time.time():
            raise HttpError(401, "Authorization has been denied for this request.")

    def expire_tokens(self) -> None:
        with self._lock:
            self.tokens.clear()

    def status_id(self, status: str) -> int:
        with self._lock:
            if status not in self._status_ids:
                self._status_ids[status] = max([20, *self._status_ids.values()]) + 1
            return self._status_ids[status]

    def _int_arg(self, req: SimRequest, name: str, default: int | None = None) -> int | None:
        value = req.arg(name)
        if not value:  # absent or empty
            return default
        try:
            return int(value)
        except ValueError as exc:
            raise HttpError(400, f"{name} must be an integer.") from exc

    def _page(self, req: SimRequest, items: list[dict[str, Any]], key: str) -> Response:
        total = len(items)
        if truthy(req.arg("pageinate")):
            size = min(PAGE_SIZE_MAX, max(1, self._int_arg(req, "page_size", 50) or 50))
            page_no = max(1, self._int_arg(req, "page_no", 1) or 1)
            chunk = items[(page_no - 1) * size : page_no * size]
            return json_response({"page_no": page_no, "page_size": size, "record_count": total, key: chunk})
        count = self._int_arg(req, "count")
        return json_response({"record_count": total, key: items[:count] if count else items})

    # ---- tickets -------------------------------------------------------------------------

    def external_ticket(self, t: Ticket) -> dict[str, Any]:
        tech = self.state.technicians.get(t.owner or "")
        company = self.state.companies.get(t.company or "")
        board = self.state.boards[t.board]
        sla = self.state.sla_for(t)
        return {
            "id": t.num,
            "summary": t.summary,
            "details": t.description,
            "tickettype_id": 1,
            "status_id": self.status_id(t.status),
            "priority_id": PRIORITY_IDS[t.priority],
            "client_id": company.num if company else 0,
            "client_name": company.name if company else "",
            "site_id": company.num if company else 0,
            "site_name": "Main",
            "user_id": 0,
            "user_name": "",
            "agent_id": tech.num if tech else None,
            "team": board.name,
            "sla_id": sla.num if sla else 0,
            "fixbydate": halo_date(t.sla_due),
            "deadlinedate": halo_date(t.sla_due),
            "dateoccurred": halo_date(t.created_at),
            "dateassigned": halo_date(t.meta.get("assigned_at")),
            "dateclosed": halo_date(t.closed_at),
            "lastactiondate": halo_date(t.updated_at),
            "last_update": halo_date(t.updated_at),
            "estimate": t.estimated_hours or 0,
            "category_1": t.category or "",
            "impact": 3,
            "urgency": 3,
            "onhold": False,
            "excludefromsla": False,
            "customfields": [{"id": 1, "name": ID_FIELD, "value": t.key or ""}],
        }

    def list_tickets(self, req: SimRequest) -> Response:
        with self.state.lock:
            tickets = [self.external_ticket(t) for t in self.state.tickets.values()]
            closed = {t.num for t in self.state.tickets.values() if t.closed}
        filters = []
        agent = self._int_arg(req, "agent_id")
        if agent is not None:
            filters.append(lambda t: (t["agent_id"] or 0) == agent)
        if truthy(req.arg("open_only")):
            filters.append(lambda t: t["id"] not in closed)
        if truthy(req.arg("closed_only")):
            filters.append(lambda t: t["id"] in closed)
        client = self._int_arg(req, "client_id")
        if client is not None:
            filters.append(lambda t: t["client_id"] == client)
        if req.arg("team"):
            teams = {v.strip().lower() for v in (req.arg("team") or "").split(",") if v.strip()}
            team_ids = {b.name.lower(): str(b.num) for b in self.state.boards.values()}
            filters.append(lambda t: team_ids.get(t["team"].lower()) in teams or t["team"].lower() in teams)
        if req.arg("status_id"):
            statuses = {v.strip() for v in (req.arg("status_id") or "").split(",")}
            filters.append(lambda t: str(t["status_id"]) in statuses)
        if req.arg("search"):
            needle = (req.arg("search") or "").lower()
            filters.append(
                lambda t: (
                    needle in t["summary"].lower() or needle in t["details"].lower() or needle == str(t["id"])
                )
            )
        if req.arg("datesearch"):
            filters.append(self._date_filter(req))
        items = [t for t in tickets if all(f(t) for f in filters)]
        order = (req.arg("order") or "id").lower()
        if items and order not in items[0]:
            raise HttpError(400, f"Cannot order by {order}.")
        items.sort(key=lambda t: _sort_key(t.get(order)), reverse=truthy(req.arg("orderdesc")))
        return self._page(req, items, "tickets")

    def _date_filter(self, req: SimRequest) -> Any:
        column = {"lastupdate": "last_update", "last_update": "last_update", "lastactiondate": "lastactiondate",
                  "dateoccurred": "dateoccurred", "dateclosed": "dateclosed", "datecleared": "dateclosed",
                  "fixbydate": "fixbydate"}.get((req.arg("datesearch") or "").lower())  # fmt: skip
        if column is None:
            raise HttpError(400, f"datesearch {req.arg('datesearch')!r} is not supported.")
        try:
            start = parse_dt(req.arg("startdate"))
            end = parse_dt(req.arg("enddate"))
        except ValueError as exc:
            raise HttpError(400, f"startdate/enddate: {exc}") from exc

        def keep(t: dict[str, Any]) -> bool:
            value = parse_dt(t[column])
            return value is not None and (start is None or value >= start) and (end is None or value <= end)

        return keep

    def get_ticket(self, req: SimRequest) -> Response:
        return json_response(self.external_ticket(self._ticket(req.params["id"])))

    def _ticket(self, num: Any) -> Ticket:
        ticket = self.state.ticket(num)
        if ticket is None:
            raise HttpError(404, f"Ticket {num} not found.")
        return ticket

    def delete_ticket(self, req: SimRequest) -> Response:
        self.state.delete_ticket(self._ticket(req.params["id"]).num)
        return Response(200)

    def upsert_tickets(self, req: SimRequest) -> Response:
        body = req.json()
        if not isinstance(body, list) or not all(isinstance(e, dict) for e in body):
            raise HttpError(400, "The request body must be a JSON array of tickets.")
        results = [self._upsert_ticket(fold(element)) for element in body]
        return json_response(results[0] if len(results) == 1 else results, 201)

    def _upsert_ticket(self, element: dict[str, Any]) -> dict[str, Any]:
        num = element.get("id")
        changes = self._ticket_changes(element)
        if num:
            ticket = self._ticket(num)
            if "owner" in changes and changes["owner"] != ticket.owner:
                changes["meta"] = {"assigned_at": utcnow()}
            self.state.update_ticket(ticket.num, changes, member="api")
        else:
            if not changes.get("summary"):
                raise HttpError(400, "summary is required to create a ticket.")
            ticket = self.state.add_ticket(changes)
        return self.external_ticket(ticket)

    def _ticket_changes(self, element: dict[str, Any]) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        for name, value in element.items():
            name = name.lower()
            if name == "agent_id":
                if value in (None, 0, "0"):
                    changes["owner"] = None
                else:
                    tech = self.state.tech_by_num(value)
                    if tech is None or not tech.active:
                        raise HttpError(400, f"Agent {value} does not exist or is disabled.")
                    changes["owner"] = tech.key
            elif name in ("team", "team_id"):
                board = (
                    self.state.board_by_num(value)
                    if name == "team_id"
                    else self.state.boards.get(
                        next((b for b in self.state.boards if b.lower() == str(value).lower()), "")
                    )
                )
                if board is None:
                    raise HttpError(400, f"Team {value!r} does not exist.")
                changes["board"] = board.name
            elif name == "status_id":
                status = next((s for s, i in self._status_ids.items() if str(i) == str(value)), None)
                if status is None:
                    raise HttpError(400, f"Status {value!r} does not exist.")
                changes["status"] = status
            elif name == "priority_id":
                level = next((p for p, i in PRIORITY_IDS.items() if str(i) == str(value)), None)
                if level is None:
                    raise HttpError(400, f"Priority {value!r} does not exist.")
                changes["priority"] = level
            elif name == "client_id":
                company = self.state.company_by_num(value)
                if company is None:
                    raise HttpError(400, f"Client {value!r} does not exist.")
                changes["company"] = company.key
            elif name == "summary":
                changes["summary"] = str(value or "")
            elif name == "details":
                changes["description"] = value or ""
            elif name == "category_1":
                changes["category"] = value or None
            elif name == "estimate":
                changes["estimated_hours"] = value
            elif name in ("fixbydate", "deadlinedate"):
                changes["sla_due"] = parse_dt(value)
        return changes

    # ---- actions (notes) -----------------------------------------------------------------

    def _action(self, ticket: Ticket, note: Any) -> dict[str, Any]:
        tech = self.state.technicians.get(note.member or "")
        return {
            "id": note.num,
            "ticket_id": ticket.num,
            "outcome": note.meta.get("outcome") or "Private Note",
            "note": note.text,
            "hiddenfromuser": note.internal,
            "who_agentid": tech.num if tech else 0,
            "datetime": halo_date(note.created_at),
            "timetaken": note.meta.get("timetaken", 0),
        }

    def list_actions(self, req: SimRequest) -> Response:
        ticket_id = self._int_arg(req, "ticket_id")
        with self.state.lock:
            actions = [
                self._action(t, n)
                for t in self.state.tickets.values()
                if ticket_id is None or t.num == ticket_id
                for n in t.notes
            ]
        return self._page(req, actions, "actions")

    def get_action(self, req: SimRequest) -> Response:
        """GET /Actions/{id}: one action; with ticket_id it must be that ticket's, and
        mostrecent / penultimate pick the ticket's last or second-to-last action instead."""
        ticket_id = self._int_arg(req, "ticket_id")
        with self.state.lock:
            actions = [
                self._action(t, n)
                for t in self.state.tickets.values()
                if ticket_id is None or t.num == ticket_id
                for n in t.notes
            ]
        if truthy(req.arg("agentonly")):
            actions = [a for a in actions if a["who_agentid"]]
        actions.sort(key=lambda a: (a["datetime"] or "", a["id"]))
        if ticket_id is not None and truthy(req.arg("mostrecent")):
            found = actions[-1] if actions else None
        elif ticket_id is not None and truthy(req.arg("penultimate")):
            found = actions[-2] if len(actions) > 1 else None
        else:
            found = next((a for a in actions if a["id"] == int(req.params["id"])), None)
        if found is None:
            raise HttpError(404, f"Action {req.params['id']} not found.")
        return json_response(found)

    def create_actions(self, req: SimRequest) -> Response:
        body = req.json()
        if not isinstance(body, list) or not all(isinstance(e, dict) for e in body):
            raise HttpError(400, "The request body must be a JSON array of actions.")
        body = [fold(e) for e in body]
        results = []
        for element in body:
            ticket = self._ticket(element.get("ticket_id"))
            if not str(element.get("note") or "").strip():
                raise HttpError(400, "note is required.")
            tech = self.state.tech_by_num(element.get("who_agentid")) if element.get("who_agentid") else None
            note = self.state.add_note(
                ticket.num,
                str(element["note"]),
                member=tech.key if tech else None,
                internal=bool(element.get("hiddenfromuser", True)),
                meta={
                    "outcome": element.get("outcome") or "Private Note",
                    "timetaken": element.get("timetaken", 0),
                },
            )
            results.append(self._action(ticket, note))
        return json_response(results[0] if len(results) == 1 else results, 201)

    # ---- people --------------------------------------------------------------------------

    def membership(self, tech: Technician, board: Any) -> dict[str, Any]:
        """A `UnameSection`: one agent in one team."""
        return {"id": tech.num * 1000 + board.num, "agent_id": tech.num, "agent_name": tech.name,
                "team_id": board.num, "team_name": board.name}  # fmt: skip

    def agent(self, tech: Technician) -> dict[str, Any]:
        teams = [self.membership(tech, b) for b in self.state.boards.values()]
        return {
            "id": tech.num,
            "name": tech.name,
            "firstname": tech.first_name,
            "surname": tech.last_name,
            "email": tech.email,
            "initials": "".join(p[0] for p in tech.name.split() if p).upper(),
            "team": teams[0]["team_name"] if teams else "",
            "teams": teams,
            "isdisabled": not tech.active,
            "is_agent": True,
            "isapiagent": False,
            "workday_id": 1,
            "workday_timezone": tech.timezone,
            "qualifications": [
                {"id": tech.num * 1000 + self.state.skills[name].num, "agent_id": tech.num, "agent_name": tech.name,
                 "qualification_id": self.state.skills[name].num, "qualification_name": name}
                for name in tech.skills
            ],  # fmt: skip
            # Halo qualifications have no level: the levels live in an agent custom field.
            "customfields": [
                {"id": 1, "name": ID_FIELD, "value": tech.key},
                {"id": 2, "name": LEVELS_FIELD, "value": ";".join(f"{n}={lv}" for n, lv in tech.skills.items())},
            ],
        }

    def list_agents(self, req: SimRequest) -> Response:
        include_enabled = req.arg("includeenabled") is None or truthy(req.arg("includeenabled"))
        include_disabled = truthy(req.arg("includedisabled"))
        agents = [
            self.agent(t)
            for t in self.state.technicians.values()
            if (t.active and include_enabled) or (not t.active and include_disabled)
        ]
        if req.arg("search"):
            needle = (req.arg("search") or "").lower()
            agents = [a for a in agents if needle in a["name"].lower() or needle in a["email"].lower()]
        if req.arg("qualifications"):
            wanted = {q.strip().lower() for q in (req.arg("qualifications") or "").split(",")}
            agents = [
                a
                for a in agents
                if wanted
                & (
                    {q["qualification_name"].lower() for q in a["qualifications"]}
                    | {str(q["qualification_id"]) for q in a["qualifications"]}
                )
            ]
        return json_response(agents)

    def get_agent(self, req: SimRequest) -> Response:
        tech = self.state.tech_by_num(req.params["id"])
        if tech is None:
            raise HttpError(404, f"Agent {req.params['id']} not found.")
        return json_response(self.agent(tech))

    def teams(self) -> list[dict[str, Any]]:
        active = [t for t in self.state.technicians.values() if t.active]
        return [
            {
                "id": b.num,
                "name": b.name,
                "department_id": 1,
                "inactive": False,
                "agents": [self.membership(t, b) for t in active],
                "forrequests": True,
            }
            for b in self.state.boards.values()
        ]

    def _window(self, req: SimRequest) -> tuple[datetime, datetime]:
        try:
            start = parse_dt(req.arg("start_date"))
            end = parse_dt(req.arg("end_date"))
        except ValueError as exc:
            raise HttpError(400, f"start_date/end_date: {exc}") from exc
        start = start or utcnow() - timedelta(days=1)
        return start, end or start + timedelta(days=7)

    def _agent_filter(self, req: SimRequest, name: str) -> set[int] | None:
        raw = req.arg(name)
        if not raw:
            return None
        try:
            return {int(v) for v in raw.split(",") if v.strip()}
        except ValueError as exc:
            raise HttpError(400, f"{name} must be a comma-separated list of agent ids.") from exc

    def holidays(
        self, since: datetime | None, until: datetime | None, agents: set[int] | None
    ) -> list[dict[str, Any]]:
        out = []
        for off in self.state.time_off:
            tech = self.state.technicians[off.tech]
            if agents is not None and tech.num not in agents:
                continue
            if (since and off.end <= since) or (until and off.start >= until):
                continue
            out.append(
                {
                    "id": str(uuid.UUID(int=off.num)),
                    "agent_id": tech.num,
                    "date": halo_date(off.start),
                    "end_date": halo_date(off.end),
                    "duration": round((off.end - off.start).total_seconds() / 3600, 2),
                    "holiday_type": 0,
                    "approval_status": 1,
                    "allday": off.start.time() == off.end.time(),
                    "name": off.reason,
                }
            )
        return out

    def list_holidays(self, req: SimRequest) -> Response:
        agents = {self._int_arg(req, "agent_id") or 0} if req.arg("agent_id") else None
        try:
            since, until = parse_dt(req.arg("start_date")), parse_dt(req.arg("end_date"))
        except ValueError as exc:
            raise HttpError(400, f"start_date/end_date: {exc}") from exc
        return json_response(self.holidays(since, until, agents))

    def list_appointments(self, req: SimRequest) -> Response:
        since, until = self._window(req)
        agents = self._agent_filter(req, "agents")
        out: list[dict[str, Any]] = []
        if truthy(req.arg("showshifts")) and not truthy(req.arg("appointmentsonly")):
            for tech in self.state.technicians.values():
                if agents is not None and tech.num not in agents:
                    continue
                for start, end in self.state.shifts(tech, since, until):
                    out.append(
                        {
                            "id": shift_id(tech.num, start),
                            "subject": "Shift",
                            "start_date": halo_date(start),
                            "end_date": halo_date(end),
                            "agent_id": tech.num,
                            "ticket_id": 0,
                            "appointment_type_id": 0,
                            "allday": False,
                            "shift_type_id": 1,
                            "holiday_id": None,
                            "complete_status": 0,
                        }  # fmt: skip
                    )
        if truthy(req.arg("showholidays")) and not truthy(req.arg("appointmentsonly")):
            for holiday in self.holidays(since, until, agents):
                out.append(
                    {
                        "id": -uuid.UUID(holiday["id"]).int,
                        "subject": holiday["name"],
                        "start_date": holiday["date"],
                        "end_date": holiday["end_date"],
                        "agent_id": holiday["agent_id"],
                        "ticket_id": 0,
                        "appointment_type_id": 0,
                        "allday": holiday["allday"],
                        "shift_type_id": None,
                        "holiday_id": holiday["id"],
                        "complete_status": 0,
                    }  # fmt: skip
                )
        return json_response(sorted(out, key=lambda a: a["start_date"]))

    def list_timesheet_events(self, req: SimRequest) -> Response:
        since, until = self._window(req)
        agents = self._agent_filter(req, "agents")
        out = []
        for entry in self.state.time_entries:
            tech = self.state.technicians[entry.tech]
            if (agents is not None and tech.num not in agents) or entry.end <= since or entry.start >= until:
                continue
            out.append(
                {
                    "id": entry.num,
                    "agent_id": tech.num,
                    "ticket_id": entry.ticket_num or 0,
                    "start_date": halo_date(entry.start),
                    "end_date": halo_date(entry.end),
                    "timetaken": entry.hours,
                    "event_type": 0,
                    "subject": entry.notes,
                }  # fmt: skip
            )
        return json_response(out)

    # ---- set-up --------------------------------------------------------------------------

    def client(self, company: Any) -> dict[str, Any]:
        return {"id": company.num, "name": company.name, "inactive": False, "toplevel_id": 1, "toplevel_name": "Clients",
                "customfields": [{"id": 1, "name": ID_FIELD, "value": company.key}]}  # fmt: skip

    def list_clients(self, req: SimRequest) -> Response:
        clients = [self.client(c) for c in self.state.companies.values()]
        if req.arg("search"):
            needle = (req.arg("search") or "").lower()
            clients = [c for c in clients if needle in c["name"].lower()]
        return self._page(req, clients, "clients")

    def get_client(self, req: SimRequest) -> Response:
        company = self.state.company_by_num(req.params["id"])
        if company is None:
            raise HttpError(404, f"Client {req.params['id']} not found.")
        return json_response(self.client(company))

    def slas(self) -> list[dict[str, Any]]:
        return [
            {
                "id": p.num,
                "name": p.name,
                "workday_id": 1,
                "trackslaresponsetime": True,
                "trackslafixbytime": True,
                "priorities": [
                    {
                        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"halo-sla/{p.num}/{level}")),
                        "slaid": p.num,
                        "priorityid": PRIORITY_IDS[level],
                        "name": level,
                        "responsetime": p.response_hours.get(level),
                        "responseunits": "hours",
                        "fixtime": p.resolution_hours.get(level),
                        "fixunits": "hours",
                    }  # fmt: skip
                    for level in PRIORITY_IDS
                ],
            }
            for p in self.state.sla_policies.values()
        ]

    def priorities(self) -> list[dict[str, Any]]:
        return [{"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"halo-priority/{i}")), "priorityid": i, "name": level,
                 "slaid": 0} for level, i in PRIORITY_IDS.items()]  # fmt: skip

    def statuses(self) -> list[dict[str, Any]]:
        return [
            {"id": i, "name": name, "sequence": i}
            for name, i in sorted(self._status_ids.items(), key=lambda kv: kv[1])
        ]

    # ---- webhooks ------------------------------------------------------------------------

    @staticmethod
    def _public_webhook(record: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in record.items() if k != "basic_password"}

    def upsert_webhooks(self, req: SimRequest) -> Response:
        body = req.json()
        if not isinstance(body, list) or not all(isinstance(e, dict) for e in body):
            raise HttpError(400, "The request body must be a JSON array of webhooks.")
        results = []
        for element in (fold(e) for e in body):
            with self._lock:
                record = next(
                    (w for w in self.webhooks_registered if element.get("id") and w["id"] == element["id"]),
                    None,
                )
                if record is None:
                    if not element.get("url"):
                        raise HttpError(400, "url is required.")
                    record = {"id": str(uuid.uuid4()), "name": "", "url": "", "method": 0, "content_type": "application/json",
                              "active": True, "authentication_type": 0, "basic_username": "", "basic_password": "", "events": []}  # fmt: skip
                    self.webhooks_registered.append(record)
                for key in ("name", "url", "method", "content_type", "active", "authentication_type", "basic_username",
                            "basic_password", "events"):  # fmt: skip
                    if key in element:
                        record[key] = element[key]
            results.append(self._public_webhook(record))
        return json_response(results[0] if len(results) == 1 else results, 201)

    def delete_webhook(self, req: SimRequest) -> Response:
        with self._lock:
            record = next((w for w in self.webhooks_registered if w["id"] == req.params["wid"]), None)
            if record is None:
                raise HttpError(404, f"Webhook {req.params['wid']} not found.")
            self.webhooks_registered.remove(record)
        return Response(200)

    def on_ticket_event(self, action: str, ticket: Ticket, changed: set[str]) -> None:
        event = EVENTS["reassigned" if action == "updated" and "owner" in changed else action]
        payload = {"id": ticket.num, "event": event, "webhook_id": "", "timestamp": halo_date(utcnow()),
                   "ticket": self.external_ticket(ticket)}  # fmt: skip
        for hook in list(self.webhooks_registered):
            names = {e.get("name") if isinstance(e, dict) else str(e) for e in hook.get("events") or []}
            if not hook.get("active", True) or (names and event not in names):
                continue
            payload["webhook_id"] = hook["id"]
            body = json_response(payload).body
            headers = {"Content-Type": hook.get("content_type") or "application/json"}
            if hook.get("authentication_type") == 1:
                credentials = f"{hook.get('basic_username', '')}:{hook.get('basic_password', '')}".encode()
                headers["Authorization"] = "Basic " + base64.b64encode(credentials).decode()
            if hook.get("basic_password"):
                headers["X-Halo-Signature"] = sign(hook["basic_password"], body)
            self.webhooks.send(hook["url"], body, headers)

    def extra_state(self) -> dict[str, Any]:
        return {"webhooks": [self._public_webhook(w) for w in self.webhooks_registered]}


def shift_id(agent: int, start: datetime) -> int:
    """A stable int32 id per agent, day and starting hour (Halo appointment ids are int32)."""
    return (agent % 1000) * 1_000_000 + (start - SHIFT_EPOCH).days * 100 + start.hour


def sign(secret: str, body: bytes) -> str:
    """X-Halo-Signature: sha256=hex(HMAC-SHA256(secret, body)) (a simulator choice: Halo's own
    signing options are unconfirmed)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _sort_key(value: Any) -> tuple[bool, Any]:
    return (value is not None, value if isinstance(value, (int, float)) else str(value or ""))
