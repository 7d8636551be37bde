"""Autotask PSA REST API v1.0, as on the wire.

- `GET /atservicesrest/v1.0/zoneInformation?user=` (no auth; 500 for an unknown user) answers
  with this simulator's own base as the zone `url`; `GET /atservicesrest/versioninformation`.
- Headers ApiIntegrationCode, UserName, Secret on every other call (names in any case).
- Entities: Tickets, TicketNotes, Resources, ResourceServiceDeskRoles, Skills, ResourceSkills,
  Companies, TimeOffRequests, TimeEntries, Appointments (working shifts),
  ServiceLevelAgreementResults, TicketWebhooks; ThresholdInformation.
  `GET /{Entity}/{id}` -> {"item"}; `GET /{Entity}/query?search=` and `POST /{Entity}/query`
  -> {"items", "pageDetails"}; `/query/count` -> {"queryCount"}; `/entityInformation/fields`.
- Writes: POST /Tickets, PATCH /Tickets (id in the body), POST /Tickets/{id}/Notes, POST /TicketWebhooks.
- Thread limit: a 4th concurrent request to one entity endpoint per integration code is
  rejected (HTTP 429, text "Itgenatr005").
- Webhooks (POST /TicketWebhooks, or --webhook-url/--webhook-secret at start) receive
  {Action, Guid, EntityType, Id, Fields, EventTime, SequenceNumber, PersonID} with
  X-Hook-Signature: sha1=base64(HMAC-SHA1(secretKey, body)).

Mappings: resource `userName` = workspace technician id; company `companyNumber` = workspace
company id; queues (queueID picklist) = boards; priorities 4 Critical, 1 High, 2 Medium, 3 Low
(Autotask's defaults); status 1 New, 5 Complete (= closed), 7 Waiting for Customer, 8 In Progress.
"""

from __future__ import annotations

import base64
import collections
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from psa.simulator.autotask_fields import UNFILLED_FIELDS
from psa.simulator.autotask_filter import FilterError, compile_filter
from psa.simulator.base import HttpError, Response, Router, SimRequest, SimulatorApp, fold, json_response
from psa.simulator.state import CLOSED_STATUS, Ticket, parse_dt, utcnow

PREFIX = "/atservicesrest"
API_PREFIX = "/atservicesrest/v1.0"
THREAD_LIMIT = 3
PRIORITY_VALUES = {"High": 1, "Medium": 2, "Low": 3, "Critical": 4}
STATUS_VALUES = {"New": 1, CLOSED_STATUS: 5, "Waiting for Customer": 7, "In Progress": 8, "Scheduled": 10}
SKILL_LEVELS = {"beginner": 1, "intermediate": 2, "expert": 4}
SKILL_LEVEL_LABELS = {1: "Beginner", 2: "Intermediate", 3: "Advanced", 4: "Expert"}
TIME_OFF_TYPES = {1: "Personal Time", 2: "Vacation", 3: "Sick Time", 4: "Floating Holiday"}
TIME_OFF_STATUS = {1: "Waiting Approval", 2: "Approved", 3: "Rejected", 4: "Cancelled"}
ROLE_ID = 8
QUEUE_BASE = 29682800
WEBHOOK_FIELDS = (
    "id",
    "title",
    "status",
    "priority",
    "queueID",
    "assignedResourceID",
    "companyID",
    "lastActivityDate",
)

Picklist = Callable[[], list[tuple[int, str]]]
WEBHOOK_BODY_FIELDS = (
    "name", "webhookUrl", "deactivationUrl", "isActive", "secretKey", "isSubscribedToCreateEvents",
    "isSubscribedToUpdateEvents", "isSubscribedToDeleteEvents", "sendThresholdExceededNotification",
    "notificationEmailAddress",
)  # fmt: skip
_WEBHOOK_KEYS = {f.lower(): f for f in WEBHOOK_BODY_FIELDS}


def at_date(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z" if value else None


class Entity:
    def __init__(
        self,
        name: str,
        records: Callable[[], list[dict[str, Any]]],
        fields: list[str],
        picklists: dict[str, Picklist] | None = None,
    ) -> None:
        self.name = name
        self._records = records
        unfilled = [f for f in UNFILLED_FIELDS.get(name, ()) if f not in fields]
        if "userDefinedFields" not in fields:
            unfilled.append("userDefinedFields")
        self.fields = fields + unfilled
        self.blank: dict[str, Any] = {f: [] if f == "userDefinedFields" else None for f in unfilled}
        self.picklists = picklists or {}

    def records(self) -> list[dict[str, Any]]:
        """Every field of the entity, as Autotask answers them: the unfilled ones null (UDFs [])."""
        return [{**r, **{k: v for k, v in self.blank.items() if k not in r}} for r in self._records()]


class AutotaskApp(SimulatorApp):
    vendor = "autotask"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lock = threading.RLock()
        self._active: collections.Counter[tuple[str, str]] = collections.Counter()
        self.max_concurrent: dict[str, int] = {}
        self.thread_rejections = 0
        self._request_times: collections.deque[float] = collections.deque()
        self.webhooks_registered: list[dict[str, Any]] = []
        self._sequence = 0
        if self.webhook_url:
            self._add_webhook({"name": "--webhook-url", "webhookUrl": self.webhook_url,
                               "deactivationUrl": self.webhook_url, "secretKey": self.webhook_secret or ""})  # fmt: skip
        self._status_values = dict(STATUS_VALUES)
        for board in self.state.boards.values():
            for status in board.statuses:
                self.status_value(status)
        ticket_fields = [
            "id", "ticketNumber", "title", "description", "status", "priority", "queueID", "companyID",
            "companyLocationID", "contactID", "contractID", "assignedResourceID", "assignedResourceRoleID",
            "creatorResourceID", "completedByResourceID", "issueType", "subIssueType", "ticketType", "ticketCategory",
            "source", "createDate", "dueDateTime", "lastActivityDate", "lastTrackedModificationDateTime",
            "completedDate", "resolvedDateTime", "firstResponseDateTime", "serviceLevelAgreementID",
            "serviceLevelAgreementHasBeenMet", "estimatedHours", "hoursToBeScheduled", "userDefinedFields",
        ]  # fmt: skip
        self.entities = {
            e.name.lower(): e
            for e in [
                Entity(
                    "Tickets",
                    self.tickets,
                    ticket_fields,
                    {
                        "status": lambda: sorted(
                            (v, "Complete" if k == CLOSED_STATUS else k)
                            for k, v in self._status_values.items()
                        ),
                        "priority": lambda: sorted((v, k) for k, v in PRIORITY_VALUES.items()),
                        "queueID": lambda: [(QUEUE_BASE + b.num, b.name) for b in self.state.boards.values()],
                        "issueType": lambda: [(num, name) for name, num in self.state.categories.items()],
                        "serviceLevelAgreementID": lambda: [
                            (p.num, p.name) for p in self.state.sla_policies.values()
                        ],
                        "ticketType": lambda: [
                            (1, "Service Request"),
                            (2, "Incident"),
                            (3, "Problem"),
                            (4, "Change Request"),
                        ],
                        "source": lambda: [
                            (-2, "Insourced"),
                            (2, "Phone"),
                            (4, "Email"),
                            (11, "Client Portal"),
                        ],
                    },
                ),  # fmt: skip
                Entity(
                    "TicketNotes",
                    self.ticket_notes,
                    [
                        "id",
                        "ticketID",
                        "title",
                        "description",
                        "noteType",
                        "publish",
                        "createDateTime",
                        "lastActivityDate",
                        "creatorResourceID",
                    ],
                    {
                        "noteType": lambda: [(1, "Task Summary"), (2, "Task Detail"), (3, "Task Notes")],
                        "publish": lambda: [
                            (1, "All Autotask Users"),
                            (2, "Internal Project Team"),
                            (3, "Internal & Co-managed"),
                        ],
                    },
                ),  # fmt: skip
                Entity(
                    "Resources",
                    self.resources,
                    [
                        "id",
                        "userName",
                        "firstName",
                        "lastName",
                        "email",
                        "isActive",
                        "licenseType",
                        "resourceType",
                        "userType",
                        "title",
                        "defaultServiceDeskRoleID",
                        "hireDate",
                        "officePhone",
                        "locationID",
                    ],
                ),  # fmt: skip
                Entity(
                    "ResourceServiceDeskRoles",
                    self.resource_roles,
                    ["id", "resourceID", "roleID", "isDefault", "isActive"],
                ),
                Entity("Skills", self.skills, ["id", "name", "description", "categoryID", "isActive"]),
                Entity(
                    "ResourceSkills",
                    self.resource_skills,
                    ["id", "resourceID", "skillID", "skillLevel"],
                    {"skillLevel": lambda: list(SKILL_LEVEL_LABELS.items())},
                ),
                Entity(
                    "Companies",
                    self.companies,
                    [
                        "id",
                        "companyName",
                        "companyNumber",
                        "companyType",
                        "isActive",
                        "ownerResourceID",
                        "phone",
                        "lastActivityDate",
                    ],
                ),  # fmt: skip
                Entity(
                    "TimeOffRequests",
                    self.time_off,
                    [
                        "id",
                        "resourceID",
                        "timeOffDate",
                        "hours",
                        "status",
                        "timeOffType",
                        "comments",
                        "approverResourceID",
                    ],
                    {
                        "status": lambda: list(TIME_OFF_STATUS.items()),
                        "timeOffType": lambda: list(TIME_OFF_TYPES.items()),
                    },
                ),
                Entity(
                    "TimeEntries",
                    self.time_entries,
                    [
                        "id",
                        "resourceID",
                        "ticketID",
                        "taskID",
                        "dateWorked",
                        "startDateTime",
                        "endDateTime",
                        "hoursWorked",
                        "hoursToBill",
                        "summaryNotes",
                        "roleID",
                        "billingCodeID",
                    ],
                ),  # fmt: skip
                Entity(
                    "Appointments",
                    self.appointments,
                    [
                        "id",
                        "resourceID",
                        "startDateTime",
                        "endDateTime",
                        "title",
                        "description",
                        "createDateTime",
                    ],
                ),
                Entity(
                    "ServiceLevelAgreementResults",
                    self.sla_results,
                    [
                        "id",
                        "ticketID",
                        "serviceLevelAgreementName",
                        "isFirstResponseMet",
                        "isResolutionPlanMet",
                        "isResolutionMet",
                        "firstResponseElapsedHours",
                        "resolutionElapsedHours",
                    ],
                ),  # fmt: skip
                Entity(
                    "TicketWebhooks",
                    lambda: [self._public_webhook(w) for w in self.webhooks_registered],
                    [
                        "id",
                        "name",
                        "webhookUrl",
                        "deactivationUrl",
                        "isActive",
                        "isReady",
                        "webhookGUID",
                        "isSubscribedToCreateEvents",
                        "isSubscribedToUpdateEvents",
                        "isSubscribedToDeleteEvents",
                        "sendThresholdExceededNotification",
                        "notificationEmailAddress",
                        "ownerResourceID",
                    ],
                ),  # fmt: skip
            ]
        }
        self.router = Router()
        r = self.router.add
        r("GET", "/ThresholdInformation", self.threshold)
        r("POST", "/Tickets", self.create_ticket)
        r("PATCH", "/Tickets", self.patch_ticket)
        r("POST", "/Tickets/{id}/Notes", self.create_note)
        r("POST", "/TicketWebhooks", self.create_webhook)
        r("POST", "/TicketWebhooks/{id}/Fields", self.webhook_field)
        r("DELETE", "/TicketWebhooks/{id}", self.delete_webhook)
        r("GET", "/{entity}/entityInformation", self.entity_information)
        r("GET", "/{entity}/entityInformation/fields", self.entity_fields)
        r("GET", "/{entity}/query", self.query)
        r("POST", "/{entity}/query", self.query)
        r("GET", "/{entity}/query/next", self.query)
        r("POST", "/{entity}/query/next", self.query)
        r("GET", "/{entity}/query/count", self.query_count)
        r("POST", "/{entity}/query/count", self.query_count)
        r("GET", "/{entity}/{id}", self.get_item)

    # ---- plumbing ------------------------------------------------------------------------

    def error(self, status: int, message: str, code: str | None = None, details: Any = None) -> Response:
        return json_response({"errors": [message]}, status)

    def handle(self, req: SimRequest) -> Response:
        path = req.path.lower()
        if path == f"{API_PREFIX}/zoneinformation" and req.method == "GET":
            return self.zone_information(req)
        if path.rstrip("/") == f"{PREFIX}/versioninformation" and req.method == "GET":
            return json_response({"apiVersions": ["1.0"]})
        if not path.startswith(API_PREFIX + "/"):
            raise HttpError(404, f"No HTTP resource was found that matches the request URI '{req.path}'.")
        self.authenticate(req)
        with self._lock:
            self._request_times.append(time.time())
        rest = req.path[len(API_PREFIX) :]
        entity = rest.strip("/").split("/", 1)[0].lower()
        key = ((req.header("ApiIntegrationCode") or "").lower(), entity)
        with self._lock:
            if self._active[key] >= THREAD_LIMIT:
                self.thread_rejections += 1
                raise HttpError(
                    429,
                    f"Itgenatr005: the number of concurrent requests to the {entity} endpoint exceeds the thread "
                    f"limit of {THREAD_LIMIT} for this integration. Retry when a request has finished.",
                )
            self._active[key] += 1
            self.max_concurrent[entity] = max(self.max_concurrent.get(entity, 0), self._active[key])
        try:
            return self.router.dispatch(req, rest)
        finally:
            with self._lock:
                self._active[key] -= 1

    def authenticate(self, req: SimRequest) -> None:
        expected = self.credentials
        ok = (
            (req.header("UserName") or "").lower() == expected.get("username", "").lower()
            and hmac.compare_digest(req.header("Secret") or "", expected.get("secret", ""))
            and hmac.compare_digest(
                req.header("ApiIntegrationCode") or "", expected.get("integration_code", "")
            )
        )
        if not ok:
            raise HttpError(401, "Unauthorized: the UserName, Secret or ApiIntegrationCode is not valid.")

    def zone_information(self, req: SimRequest) -> Response:
        user = req.arg("user") or ""
        if not user or user.lower() != self.credentials.get("username", "").lower():
            return self.error(500, "Zone information could not be determined")
        base = self.options.get("public_url") or req.base_url
        return json_response(
            {"zoneName": "Simulator", "url": f"{base}{PREFIX}/", "webUrl": f"{base}/", "ci": 0}
        )

    def threshold(self, req: SimRequest) -> Response:
        with self._lock:
            cutoff = time.time() - 3600
            while self._request_times and self._request_times[0] < cutoff:
                self._request_times.popleft()
            count = len(self._request_times)
        return json_response(
            {
                "externalRequestThreshold": 10000,
                "requestThresholdTimeframe": 60,
                "currentTimeframeRequestCount": count,
            }
        )

    def _entity(self, req: SimRequest) -> Entity:
        entity = self.entities.get(req.params["entity"].lower())
        if entity is None:
            raise HttpError(404, f"No HTTP resource was found for the entity '{req.params['entity']}'.")
        return entity

    # ---- generic entity endpoints --------------------------------------------------------

    def get_item(self, req: SimRequest) -> Response:
        entity = self._entity(req)
        wanted = int(req.params["id"])
        # Autotask answers an unknown id with 200 and a null item.
        return json_response({"item": next((r for r in entity.records() if r["id"] == wanted), None)})

    def entity_information(self, req: SimRequest) -> Response:
        entity = self._entity(req)
        writable = entity.name in ("Tickets", "TicketWebhooks")
        return json_response(
            {
                "info": {
                    "name": entity.name[:-1] if entity.name.endswith("s") else entity.name,
                    "canCreate": writable,
                    "canUpdate": writable,
                    "canDelete": entity.name == "TicketWebhooks",
                    "canQuery": True,
                    "hasUserDefinedFields": entity.name == "Tickets",
                    "supportsWebhookCallouts": entity.name == "Tickets",
                }
            }  # fmt: skip
        )

    def entity_fields(self, req: SimRequest) -> Response:
        entity = self._entity(req)
        fields = []
        for name in entity.fields:
            picklist = entity.picklists.get(name)
            fields.append(
                {
                    "name": name,
                    "dataType": "integer" if name == "id" or name.endswith("ID") or picklist else "string",
                    "length": 0,
                    "isRequired": name in ("title", "status", "priority", "companyID"),
                    "isReadOnly": name
                    in ("id", "ticketNumber", "createDate", "lastActivityDate", "completedDate"),
                    "isQueryable": True,
                    "isReference": name.endswith("ID") and not picklist,
                    "referenceEntityType": "",
                    "isPickList": picklist is not None,
                    "picklistValues": [
                        {
                            "value": str(value),
                            "label": label,
                            "isDefaultValue": False,
                            "sortOrder": index,
                            "parentValue": "",
                            "isActive": True,
                            "isSystem": True,
                        }  # fmt: skip
                        for index, (value, label) in enumerate(picklist())
                    ]
                    if picklist
                    else None,
                    "picklistParentValueField": "",
                    "isSupportedWebhookField": entity.name == "Tickets" and name in WEBHOOK_FIELDS,
                }
            )
        return json_response({"fields": fields})

    def _query_body(self, req: SimRequest) -> dict[str, Any]:
        if req.method == "POST" and req.body:
            body = req.json()
        else:
            search = req.arg("search")
            if not search:
                raise HttpError(400, "A search parameter (a JSON query) is required.")
            try:
                body = json.loads(search)
            except ValueError as exc:
                raise HttpError(400, f"The search parameter is not valid JSON: {exc}") from exc
        if not isinstance(body, dict):
            raise HttpError(400, "The query must be a JSON object.")
        return fold(body)

    def _matching(self, entity: Entity, body: dict[str, Any]) -> list[dict[str, Any]]:
        conditions = body.get("filter")
        try:
            predicate = compile_filter(conditions, entity.fields)
        except FilterError as exc:
            raise HttpError(400, str(exc)) from exc
        return sorted((r for r in entity.records() if predicate(r)), key=lambda r: r["id"])

    def query_count(self, req: SimRequest) -> Response:
        entity = self._entity(req)
        return json_response({"queryCount": len(self._matching(entity, self._query_body(req)))})

    def query(self, req: SimRequest) -> Response:
        entity = self._entity(req)
        body = self._query_body(req)
        raw_max = body.get("maxrecords", 500)
        try:
            max_records = int(raw_max)
        except (TypeError, ValueError) as exc:
            raise HttpError(400, "MaxRecords must be an integer between 1 and 500.") from exc
        if not 1 <= max_records <= 500:
            raise HttpError(400, "MaxRecords must be an integer between 1 and 500.")
        items = self._matching(entity, body)
        paging: dict[str, Any] = {}
        if req.arg("paging"):
            try:
                paging = json.loads(req.arg("paging") or "{}")
            except ValueError as exc:
                raise HttpError(400, "The paging parameter is not valid JSON.") from exc
        if "beforeId" in paging:
            before = [r for r in items if r["id"] < int(paging["beforeId"])]
            page = before[-max_records:]
        else:
            after = int(paging.get("afterId", -(2**62)))
            page = [r for r in items if r["id"] > after][:max_records]
        more_after = bool(page) and any(r["id"] > page[-1]["id"] for r in items)
        more_before = bool(page) and any(r["id"] < page[0]["id"] for r in items)
        include = body.get("includefields")
        if include:
            wanted = {f.lower() for f in include} | {"id"}
            page = [{k: v for k, v in r.items() if k.lower() in wanted} for r in page]
        base = f"{self.options.get('public_url') or req.base_url}{API_PREFIX}/{entity.name}/query/next"
        search = quote(json.dumps(body, separators=(",", ":")))

        def url(paging: dict[str, Any]) -> str:
            return f"{base}?paging={quote(json.dumps(paging, separators=(',', ':')))}&search={search}"

        return json_response(
            {
                "items": page,
                "pageDetails": {
                    "count": len(page),
                    "requestCount": max_records,
                    "prevPageUrl": url({"beforeId": page[0]["id"]}) if more_before else None,
                    "nextPageUrl": url({"afterId": page[-1]["id"]}) if more_after else None,
                },
            }
        )

    # ---- records -------------------------------------------------------------------------

    def status_value(self, status: str) -> int:
        with self._lock:
            if status not in self._status_values:
                self._status_values[status] = max([20, *self._status_values.values()]) + 1
            return self._status_values[status]

    def external_ticket(self, t: Ticket) -> dict[str, Any]:
        tech = self.state.technicians.get(t.owner or "")
        company = self.state.companies.get(t.company or "")
        sla = self.state.sla_for(t)
        return {
            "id": t.num,
            "ticketNumber": f"T{t.created_at:%Y%m%d}.{t.num % 10000:04d}",
            "title": t.summary,
            "description": t.description,
            "status": self.status_value(t.status),
            "priority": PRIORITY_VALUES[t.priority],
            "queueID": QUEUE_BASE + self.state.boards[t.board].num,
            "companyID": company.num if company else 0,
            "companyLocationID": None,
            "contactID": None,
            "contractID": None,
            "assignedResourceID": tech.num if tech else None,
            "assignedResourceRoleID": t.meta.get("role_id", ROLE_ID) if tech else None,
            "creatorResourceID": None,
            "completedByResourceID": tech.num if tech and t.closed else None,
            "issueType": self.state.categories.get(t.category or ""),
            "subIssueType": None,
            "ticketType": 1,
            "ticketCategory": 3,
            "source": -2,
            "createDate": at_date(t.created_at),
            "dueDateTime": at_date(t.meta.get("due_date") or t.sla_due),  # the ticket's own due date
            "resolvedDueDateTime": at_date(t.sla_due),  # the SLA's resolution deadline
            "lastActivityDate": at_date(t.updated_at),
            "lastTrackedModificationDateTime": at_date(t.updated_at),
            "completedDate": at_date(t.closed_at),
            "resolvedDateTime": at_date(t.closed_at),
            "firstResponseDateTime": None,
            "serviceLevelAgreementID": sla.num if sla else None,
            "serviceLevelAgreementHasBeenMet": None,
            "estimatedHours": t.estimated_hours,
            "hoursToBeScheduled": None,
            "userDefinedFields": [{"name": "Switchboard ID", "value": t.key}] if t.key else [],
        }

    def tickets(self) -> list[dict[str, Any]]:
        with self.state.lock:
            return [self.external_ticket(t) for t in self.state.tickets.values()]

    def ticket_notes(self) -> list[dict[str, Any]]:
        with self.state.lock:
            return [
                {
                    "id": n.num,
                    "ticketID": t.num,
                    "title": n.meta.get("title") or "Note",
                    "description": n.text,
                    "noteType": n.meta.get("noteType", 1),
                    "publish": n.meta.get("publish", 1),
                    "createDateTime": at_date(n.created_at),
                    "lastActivityDate": at_date(n.created_at),
                    "creatorResourceID": None,
                }
                for t in self.state.tickets.values()
                for n in t.notes
            ]

    def resources(self) -> list[dict[str, Any]]:
        return [
            {
                "id": tech.num,
                "userName": tech.key,
                "firstName": tech.first_name,
                "lastName": tech.last_name,
                "email": tech.email,
                "isActive": tech.active,
                "licenseType": 1,
                "resourceType": "Employee",
                "userType": 1,
                "title": tech.seniority.title() or None,
                "defaultServiceDeskRoleID": ROLE_ID,
                "hireDate": None,
                "officePhone": tech.phone or None,
                "locationID": 1,
            }
            for tech in self.state.technicians.values()
        ]

    def resource_roles(self) -> list[dict[str, Any]]:
        return [
            {"id": tech.num, "resourceID": tech.num, "roleID": ROLE_ID, "isDefault": True, "isActive": True}
            for tech in self.state.technicians.values()
        ]

    def skills(self) -> list[dict[str, Any]]:
        return [
            {"id": s.num, "name": s.name, "description": s.group, "categoryID": s.group_num, "isActive": True}
            for s in self.state.skills.values()
        ]

    def resource_skills(self) -> list[dict[str, Any]]:
        return [
            {
                "id": tech.num * 1000 + self.state.skills[name].num,
                "resourceID": tech.num,
                "skillID": self.state.skills[name].num,
                "skillLevel": SKILL_LEVELS[level],
            }  # fmt: skip
            for tech in self.state.technicians.values()
            for name, level in tech.skills.items()
        ]

    def companies(self) -> list[dict[str, Any]]:
        return [
            {
                "id": c.num,
                "companyName": c.name,
                "companyNumber": c.key,
                "companyType": 1,
                "isActive": True,
                "ownerResourceID": self.state.technicians[c.preferred].num
                if c.preferred in self.state.technicians
                else None,
                "phone": "",
                "lastActivityDate": None,
            }
            for c in self.state.companies.values()
        ]

    def time_off(self) -> list[dict[str, Any]]:
        """Autotask keeps time off as one request per day; `hours` is the part of that UTC day taken off."""
        out = []
        for off in self.state.time_off:
            tech = self.state.technicians[off.tech]
            day = off.start.replace(hour=0, minute=0, second=0, microsecond=0)
            index = 0
            while day < off.end:
                overlap = min(off.end, day + timedelta(days=1)) - max(off.start, day)
                out.append(
                    {
                        "id": off.num * 1000 + index,
                        "resourceID": tech.num,
                        "timeOffDate": at_date(day),
                        "hours": round(overlap.total_seconds() / 3600, 2),
                        "status": 2,
                        "timeOffType": 3
                        if "sick" in off.reason.lower()
                        else 2
                        if "vacation" in off.reason.lower()
                        else 1,
                        "comments": off.reason,
                        "approverResourceID": None,
                    }
                )
                day += timedelta(days=1)
                index += 1
        return out

    def time_entries(self) -> list[dict[str, Any]]:
        return [
            {
                "id": e.num,
                "resourceID": self.state.technicians[e.tech].num,
                "ticketID": e.ticket_num,
                "taskID": None,
                "dateWorked": at_date(e.start.replace(hour=0, minute=0, second=0, microsecond=0)),
                "startDateTime": at_date(e.start),
                "endDateTime": at_date(e.end),
                "hoursWorked": e.hours,
                "hoursToBill": e.hours,
                "summaryNotes": e.notes,
                "roleID": ROLE_ID,
                "billingCodeID": None,
            }
            for e in self.state.time_entries
        ]

    def appointments(self) -> list[dict[str, Any]]:
        """Working shifts from the workspace schedules, two weeks back to six weeks ahead."""
        now = utcnow()
        since, until = now - timedelta(days=14), now + timedelta(days=42)
        out = []
        for tech in self.state.technicians.values():
            for start, end in self.state.shifts(tech, since, until):
                out.append(
                    {
                        "id": int(f"{tech.num}{start:%y%m%d%H%M}"),
                        "resourceID": tech.num,
                        "startDateTime": at_date(start),
                        "endDateTime": at_date(end),
                        "title": "Shift",
                        "description": "Working hours",
                        "createDateTime": None,
                    }
                )
        return out

    def sla_results(self) -> list[dict[str, Any]]:
        out = []
        for t in self.state.tickets.values():
            sla = self.state.sla_for(t)
            if sla:
                out.append(
                    {
                        "id": t.num,
                        "ticketID": t.num,
                        "serviceLevelAgreementName": sla.name,
                        "isFirstResponseMet": None,
                        "isResolutionPlanMet": None,
                        "isResolutionMet": None,
                        "firstResponseElapsedHours": None,
                        "resolutionElapsedHours": None,
                    }  # fmt: skip
                )
        return out

    # ---- writes --------------------------------------------------------------------------

    def _picklist_value(self, entity: str, field: str, value: Any) -> str:
        for option, label in self.entities[entity.lower()].picklists[field]():
            if str(option) == str(value):
                return label
        raise HttpError(400, f"Value {value!r} is not a valid {field}.")

    def _ticket_changes(self, body: dict[str, Any], ticket: Ticket | None) -> dict[str, Any]:
        fields = {f.lower(): f for f in self.entities["tickets"].fields}
        changes: dict[str, Any] = {}
        role_id = None
        resource_given = False
        for raw_name, value in body.items():
            name = fields.get(raw_name.lower())
            if name is None:
                raise HttpError(400, f"Unable to find {raw_name} in the Ticket entity.")
            if name == "id":
                continue
            if name == "title":
                changes["summary"] = str(value or "")[:255]
            elif name == "description":
                changes["description"] = value or ""
            elif name == "status":
                label = self._picklist_value("Tickets", "status", value)
                changes["status"] = CLOSED_STATUS if label == "Complete" else label
            elif name == "priority":
                changes["priority"] = self._picklist_value("Tickets", "priority", value)
            elif name == "queueID":
                changes["board"] = self._picklist_value("Tickets", "queueID", value)
            elif name == "companyID":
                company = self.state.company_by_num(value)
                if company is None:
                    raise HttpError(400, f"Value {value!r} is not a valid companyID.")
                changes["company"] = company.key
            elif name == "assignedResourceID":
                resource_given = True
                if value is None:
                    changes["owner"] = None
                else:
                    tech = self.state.tech_by_num(value)
                    if tech is None or not tech.active:
                        raise HttpError(400, f"Value {value!r} is not a valid, active assignedResourceID.")
                    changes["owner"] = tech.key
            elif name == "assignedResourceRoleID":
                role_id = value
            elif name == "issueType":
                changes["category"] = (
                    self._picklist_value("Tickets", "issueType", value) if value is not None else None
                )
            elif name == "dueDateTime":  # the ticket's due date; the SLA's deadlines are read-only
                changes["meta"] = {**changes.get("meta", {}), "due_date": parse_dt(value)}
            elif name == "estimatedHours":
                changes["estimated_hours"] = value
            else:
                raise HttpError(
                    400, f"The field {name} is read-only or cannot be set through this simulator."
                )
        if resource_given and changes.get("owner") and role_id is None:
            raise HttpError(400, "assignedResourceRoleID is required when assignedResourceID is set.")
        if role_id is not None:
            # A resource is assigned in a role, and the pair must belong to a Service Desk queue.
            if str(role_id) != str(ROLE_ID):
                raise HttpError(
                    400, f"The resource and role {role_id} are not associated with a Service Desk queue."
                )
            changes["meta"] = {**changes.get("meta", {}), "role_id": ROLE_ID}
        return changes

    def create_ticket(self, req: SimRequest) -> Response:
        body = req.json()
        if not isinstance(body, dict):
            raise HttpError(400, "The request body must be a Ticket object.")
        folded = fold(body)
        missing = [f for f in ("title", "status", "priority", "companyID") if folded.get(f.lower()) in (None, "")]
        if missing:
            raise HttpError(400, f"The following required fields are missing: {', '.join(missing)}.")
        changes = self._ticket_changes(body, None)
        ticket = self.state.add_ticket(changes)
        return json_response({"itemId": ticket.num})

    def patch_ticket(self, req: SimRequest) -> Response:
        body = req.json()
        if not isinstance(body, dict) or fold(body).get("id") is None:
            raise HttpError(400, "The request body must be a Ticket object with its id.")
        ticket = self.state.ticket(fold(body)["id"])
        if ticket is None:
            raise HttpError(404, f"Ticket {fold(body)['id']} was not found.")
        self.state.update_ticket(ticket.num, self._ticket_changes(body, ticket), member="api")
        return json_response({"itemId": ticket.num})

    def create_note(self, req: SimRequest) -> Response:
        ticket = self.state.ticket(req.params["id"])
        if ticket is None:
            raise HttpError(404, f"Ticket {req.params['id']} was not found.")
        body = fold(req.json())
        if not isinstance(body, dict):
            raise HttpError(400, "The request body must be a TicketNote object.")
        missing = [f for f in ("title", "description", "noteType", "publish") if body.get(f.lower()) in (None, "")]
        if missing:
            raise HttpError(400, f"The following required fields are missing: {', '.join(missing)}.")
        if body.get("ticketid") not in (None, ticket.num, str(ticket.num)):
            raise HttpError(400, "ticketID does not match the parent ticket.")
        note = self.state.add_note(
            ticket.num,
            str(body["description"]),
            meta={"title": body["title"], "noteType": int(body["notetype"]), "publish": int(body["publish"])},
        )
        return json_response({"itemId": note.num})

    # ---- webhooks ------------------------------------------------------------------------

    def _add_webhook(self, raw: dict[str, Any]) -> dict[str, Any]:
        body = {_WEBHOOK_KEYS.get(k.lower(), k): v for k, v in raw.items()}
        with self._lock:
            record = {
                "id": len(self.webhooks_registered) + 1,
                "name": str(body.get("name") or "")[:50],
                "webhookUrl": body["webhookUrl"],
                "deactivationUrl": body.get("deactivationUrl"),
                "isActive": bool(body.get("isActive", True)),
                "isReady": True,
                "secretKey": str(body.get("secretKey") or ""),
                "webhookGUID": str(uuid.uuid4()),
                "isSubscribedToCreateEvents": bool(body.get("isSubscribedToCreateEvents", True)),
                "isSubscribedToUpdateEvents": bool(body.get("isSubscribedToUpdateEvents", True)),
                "isSubscribedToDeleteEvents": bool(body.get("isSubscribedToDeleteEvents", False)),
                "sendThresholdExceededNotification": bool(
                    body.get("sendThresholdExceededNotification", False)
                ),
                "notificationEmailAddress": body.get("notificationEmailAddress"),
                "ownerResourceID": None,
                "fields": [],
            }
            self.webhooks_registered.append(record)
            return record

    @staticmethod
    def _public_webhook(record: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in record.items() if k not in ("secretKey", "fields")}

    def create_webhook(self, req: SimRequest) -> Response:
        body = req.json()
        body = {_WEBHOOK_KEYS.get(k.lower(), k): v for k, v in body.items()} if isinstance(body, dict) else body
        missing = [
            f
            for f in ("name", "webhookUrl", "deactivationUrl")
            if not isinstance(body, dict) or not body.get(f)
        ]
        if missing:
            raise HttpError(400, f"The following required fields are missing: {', '.join(missing)}.")
        if len(str(body.get("secretKey") or "")) > 64:
            raise HttpError(400, "secretKey may be at most 64 characters.")
        return json_response({"itemId": self._add_webhook(body)["id"]})

    def _webhook(self, req: SimRequest) -> dict[str, Any]:
        record = next((w for w in self.webhooks_registered if w["id"] == int(req.params["id"])), None)
        if record is None:
            raise HttpError(404, f"TicketWebhook {req.params['id']} was not found.")
        return record

    def webhook_field(self, req: SimRequest) -> Response:
        record = self._webhook(req)
        body = req.json()
        record["fields"].append(body)
        return json_response({"itemId": len(record["fields"])})

    def delete_webhook(self, req: SimRequest) -> Response:
        record = self._webhook(req)
        with self._lock:
            self.webhooks_registered.remove(record)
        return json_response({"itemId": record["id"]})

    def on_ticket_event(self, action: str, ticket: Ticket, changed: set[str]) -> None:
        at_action = {"created": "Create", "updated": "Update", "deleted": "Delete"}[action]
        rendered = self.external_ticket(ticket)
        fields = {} if action == "deleted" else {k: rendered[k] for k in WEBHOOK_FIELDS}
        for hook in list(self.webhooks_registered):
            if not hook["isActive"] or not hook[f"isSubscribedTo{at_action}Events"]:
                continue
            with self._lock:
                self._sequence += 1
                sequence = self._sequence
            payload = {
                "Action": at_action,
                "Guid": hook["webhookGUID"],
                "EntityType": "Ticket",
                "Id": ticket.num,
                "Fields": fields,
                "EventTime": at_date(utcnow()),
                "SequenceNumber": sequence,
                "PersonID": 0,
            }
            body = at_json(payload).encode()
            self.webhooks.send(
                hook["webhookUrl"],
                body,
                {"Content-Type": "application/json", "X-Hook-Signature": sign(hook["secretKey"], body)},
            )

    def extra_state(self) -> dict[str, Any]:
        with self._lock:
            return {
                "webhooks": [self._public_webhook(w) for w in self.webhooks_registered],
                "max_concurrent": dict(self.max_concurrent),
                "thread_rejections": self.thread_rejections,
            }


def sign(secret: str, body: bytes) -> str:
    """X-Hook-Signature: sha1=base64(HMAC-SHA1(secretKey, body))."""
    return "sha1=" + base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha1).digest()).decode()


_ESCAPED = {"&", "<", ">", "'", '"', "\\", "+"}


def at_json(value: Any) -> str:
    """JSON the way Autotask signs it: inside strings `& < > ' " \\ +` and non-ASCII are \\uXXXX."""
    if isinstance(value, dict):
        return "{" + ",".join(f"{at_json(str(k))}:{at_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(at_json(v) for v in value) + "]"
    if isinstance(value, str):
        out = []
        for ch in value:
            if ch in _ESCAPED or ord(ch) > 126 or ord(ch) < 32:
                if ord(ch) > 0xFFFF:
                    out.append(json.dumps(ch)[1:-1])
                else:
                    out.append(f"\\u{ord(ch):04x}")
            else:
                out.append(ch)
        return '"' + "".join(out) + '"'
    return json.dumps(value)
