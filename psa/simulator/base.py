"""The HTTP machinery shared by the three simulators: a ThreadingHTTPServer, a tiny router,
fault injection, a request log, webhook delivery and the /_sim/ control endpoints.

Nothing here knows a vendor's wire format; each vendor module subclasses `SimulatorApp`.
"""

from __future__ import annotations

import json
import logging
import queue
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from psa.simulator.state import SeedError, SimState, parse_dt, utcnow

log = logging.getLogger(__name__)

FAULT_MODES = ("429", "500", "slow", "drop")


class HttpError(Exception):
    """Raised by a route; the vendor app turns it into its own error body."""

    def __init__(self, status: int, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.details = details


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


def fold(body: Any) -> Any:
    """An object's field names in lower case: the three vendors' .NET servers bind request
    fields without regard to case ("Title" and "title" are the same field)."""
    return {str(k).lower(): v for k, v in body.items()} if isinstance(body, dict) else body


def canonical(body: Any, names: tuple[str, ...] | list[str]) -> Any:
    """`body` with each field named as in `names` when it matches one without regard to case
    (e.g. "TEXT" -> "text", "internalanalysisflag" -> "internalAnalysisFlag")."""
    if not isinstance(body, dict):
        return body
    spelled = {n.lower(): n for n in names}
    return {spelled.get(str(k).lower(), k): v for k, v in body.items()}


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(status, json.dumps(data, separators=(",", ":")).encode(), headers=dict(headers or {}))


class SimRequest:
    def __init__(self, method: str, target: str, headers: Message, body: bytes, fallback_host: str) -> None:
        parts = urlsplit(target)
        self.method = method
        self.path = parts.path
        self.query_string = parts.query
        self.query = parse_qs(parts.query, keep_blank_values=True)
        self._query_ci = {k.lower(): v for k, v in self.query.items()}
        self.headers = headers
        self.body = body
        self.params: dict[str, str] = {}
        self.delay = 0.0
        self.base_url = f"http://{headers.get('Host') or fallback_host}"

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self._query_ci.get(name.lower())
        return values[-1] if values else default

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def json(self) -> Any:
        if not self.body:
            raise HttpError(400, "A request body is required")
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise HttpError(400, f"The request body is not valid JSON: {exc}") from exc


Handler = Callable[[SimRequest], Response]


class Router:
    """Routes like "/service/tickets/{id}" ({id} matches digits, {name} any segment); paths
    match case-insensitively, as the vendors' .NET servers do."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        regex = re.sub(r"\{id\}", r"(?P<id>\\d+)", pattern)
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", regex)
        self.routes.append((method, re.compile(f"^{regex}/?$", re.IGNORECASE), handler))

    def dispatch(self, req: SimRequest, path: str) -> Response:
        allowed = []
        for method, regex, handler in self.routes:
            match = regex.match(path)
            if not match:
                continue
            if method != req.method:
                allowed.append(method)
                continue
            req.params = match.groupdict()
            if req.delay:
                time.sleep(req.delay)
            return handler(req)
        if allowed:
            raise HttpError(405, f"The requested resource does not support http method '{req.method}'.")
        raise HttpError(404, f"No resource was found that matches the request URI '{path}'.", code="NotFound")


class WebhookSender:
    """Delivers webhook POSTs from one background thread, in order, and keeps a log."""

    def __init__(self) -> None:
        self._queue: queue.Queue[tuple[str, bytes, dict[str, str]] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.log: list[dict[str, Any]] = []

    def send(self, url: str, body: bytes, headers: dict[str, str]) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="sim-webhooks", daemon=True)
                self._thread.start()
        self._queue.put((url, body, headers))

    def flush(self, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                self._deliver(*item)
            finally:
                self._queue.task_done()

    def _deliver(self, url: str, body: bytes, headers: dict[str, str]) -> None:
        entry: dict[str, Any] = {
            "url": url,
            "at": utcnow().isoformat(),
            "headers": headers,
            "body": body.decode(),
        }
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=5) as resp:
                entry["status"] = resp.status
        except urllib.error.HTTPError as exc:
            entry["status"] = exc.code
        except OSError as exc:
            entry["status"] = None
            entry["error"] = str(exc)
        self.log.append(entry)


class SimulatorApp:
    """One vendor's API over a `SimState`. Subclasses register routes and render records."""

    vendor = ""

    def __init__(
        self,
        workspace: dict[str, Any],
        credentials: dict[str, str],
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        *,
        seed_history: bool = True,
        **options: Any,
    ) -> None:
        self.state = SimState(workspace, seed_history=seed_history)
        self.credentials = {k: v for k, v in credentials.items() if v is not None}
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.options = options
        self.public_base_url = options.get("public_url") or ""
        self.webhooks = WebhookSender()
        self.state.listeners.append(self.on_ticket_event)

    # Subclasses implement these.
    def handle(self, req: SimRequest) -> Response:
        raise NotImplementedError

    def error(self, status: int, message: str, code: str | None = None, details: Any = None) -> Response:
        return json_response({"message": message}, status)

    def on_ticket_event(self, action: str, ticket: Any, changed: set[str]) -> None:
        """Send the vendor's webhook for a ticket change (the state calls this)."""

    def external_ticket(self, ticket: Any) -> dict[str, Any]:
        """The ticket as this vendor's API renders it."""
        raise NotImplementedError

    def external_member_id(self, tech_key: str | None) -> str | None:
        tech = self.state.technicians.get(tech_key or "")
        return str(tech.num) if tech else None

    def expire_tokens(self) -> None:
        """Invalidate issued access tokens (only HaloPSA has any)."""

    def extra_state(self) -> dict[str, Any]:
        return {}

    def respond(self, req: SimRequest) -> Response:
        try:
            return self.handle(req)
        except HttpError as exc:
            return self.error(exc.status, exc.message, exc.code, exc.details)
        except SeedError as exc:
            return self.error(400, str(exc))
        except Exception:  # a bug in the simulator must still answer like a server
            log.exception("simulator %s failed on %s %s", self.vendor, req.method, req.path)
            return self.error(500, "An unexpected error occurred (simulator).")

    def sim_state(self, include_closed: bool = False) -> dict[str, Any]:
        with self.state.lock:
            tickets = [
                self.state.neutral_ticket(t, self.external_member_id(t.owner))
                for t in sorted(self.state.tickets.values(), key=lambda t: t.num)
                if include_closed or not t.closed
            ]
            return {
                "vendor": self.vendor,
                "tickets": tickets,
                "members": [
                    {"external_id": str(t.num), "identifier": t.key, "name": t.name}
                    for t in self.state.technicians.values()
                ],
                "companies": [
                    {"external_id": str(c.num), "identifier": c.key, "name": c.name}
                    for c in self.state.companies.values()
                ],
                **self.extra_state(),
            }


@dataclass
class Fault:
    mode: str
    count: int
    retry_after: float = 1
    delay: float = 1.0
    path_contains: str = ""
    method: str = ""

    def matches(self, req: SimRequest) -> bool:
        return (not self.path_contains or self.path_contains.lower() in req.path.lower()) and (
            not self.method or self.method.upper() == req.method
        )


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.pending: list[Fault] = []

    def add(self, spec: dict[str, Any]) -> Fault:
        mode = str(spec.get("mode", ""))
        if mode not in FAULT_MODES:
            raise HttpError(400, f"mode must be one of {', '.join(FAULT_MODES)}")
        try:
            fault = Fault(
                mode=mode,
                count=int(spec.get("count", 1)),
                retry_after=float(spec.get("retry_after", 1)),
                delay=float(spec.get("delay", 1.0)),
                path_contains=str(spec.get("path_contains") or ""),
                method=str(spec.get("method") or ""),
            )
        except (TypeError, ValueError) as exc:
            raise HttpError(400, f"bad fault: {exc}") from exc
        with self._lock:
            self.pending.append(fault)
        return fault

    def take(self, req: SimRequest) -> Fault | None:
        with self._lock:
            for fault in self.pending:
                if fault.count > 0 and fault.matches(req):
                    fault.count -= 1
                    if fault.count == 0:
                        self.pending.remove(fault)
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self.pending.clear()

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            return [vars(f).copy() for f in self.pending]


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.entries: list[dict[str, Any]] = []

    def record(self, req: SimRequest) -> dict[str, Any]:
        entry = {
            "method": req.method,
            "path": req.path,
            "query": req.query_string,
            "status": None,
            "at": time.time(),
        }
        with self._lock:
            self.entries.append(entry)
        return entry

    def select(self, path_contains: str = "", method: str = "") -> list[dict[str, Any]]:
        with self._lock:
            return [
                e
                for e in self.entries
                if path_contains.lower() in e["path"].lower()
                and (not method or e["method"] == method.upper())
            ]

    def clear(self) -> None:
        with self._lock:
            self.entries.clear()


class SimServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # keep-alive handler threads must not hold up server_close()
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: SimulatorApp) -> None:
        super().__init__(address, SimHandler)
        self.app = app
        self.faults = Faults()
        self.requests = RequestLog()
        if not app.public_base_url:
            app.public_base_url = self.base_url

    @property
    def bound_host(self) -> str:
        host = self.server_address[0]
        assert isinstance(host, str)  # an AF_INET server, bound to a (host, port) pair in __init__
        return host

    @property
    def base_url(self) -> str:
        host, port = self.bound_host, self.server_address[1]
        host = "127.0.0.1" if host in ("0.0.0.0", "") else host
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self.app.webhooks.stop()


class SimHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 60
    # One buffered write per response and no Nagle delay: otherwise header and body go out in
    # two segments and every keep-alive request waits ~40 ms for a delayed ACK.
    wbufsize = -1
    disable_nagle_algorithm = True
    server: SimServer

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        server = self.server
        req = SimRequest(self.command, self.path, self.headers, body, server.bound_host)
        if req.path.lower().startswith("/_sim/"):
            try:
                self._write(control(server, req))
            except HttpError as exc:
                self._write(json_response({"error": exc.message}, exc.status))
            return
        entry = server.requests.record(req)
        fault = server.faults.take(req)
        if fault and fault.mode == "drop":
            entry["status"] = "dropped"
            self.close_connection = True  # no status line at all: the client sees a dropped connection
            return
        if fault and fault.mode in ("429", "500"):
            resp = server.app.error(
                int(fault.mode), "Simulated fault" if fault.mode == "500" else "Too many requests"
            )
            if fault.mode == "429":
                retry_after = fault.retry_after
                resp.headers["Retry-After"] = str(
                    int(retry_after) if retry_after == int(retry_after) else retry_after
                )
        else:
            if fault:
                req.delay = fault.delay
            resp = server.app.respond(req)
        entry["status"] = resp.status
        self._write(resp)

    def _write(self, resp: Response) -> None:
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type)
        self.send_header("Content-Length", str(len(resp.body)))
        for name, value in resp.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(resp.body)


def control(server: SimServer, req: SimRequest) -> Response:
    """The /_sim/ endpoints: not part of any vendor API, no auth."""
    app = server.app
    path = req.path.rstrip("/").lower()
    if path == "/_sim/faults":
        if req.method == "POST":
            data = req.json()
            for spec in data if isinstance(data, list) else [data]:
                server.faults.add(spec)
        elif req.method == "DELETE":
            server.faults.clear()
        return json_response({"pending": server.faults.describe()})
    if path == "/_sim/requests":
        if req.method == "DELETE":
            server.requests.clear()
            return json_response({"requests": []})
        return json_response(
            {"requests": server.requests.select(req.arg("path_contains") or "", req.arg("method") or "")}
        )
    if path == "/_sim/state" and req.method == "GET":
        return json_response(app.sim_state(include_closed=req.arg("closed") in ("1", "true")))
    if path == "/_sim/webhooks" and req.method == "GET":
        app.webhooks.flush()
        return json_response({"deliveries": app.webhooks.log})
    if path == "/_sim/tokens/expire" and req.method == "POST":
        app.expire_tokens()
        return json_response({"expired": True})
    if path == "/_sim/tickets" and req.method == "POST":
        try:
            ticket = app.state.add_ticket(req.json())
        except (SeedError, KeyError) as exc:
            raise HttpError(400, str(exc)) from exc
        return json_response({"id": str(ticket.num), "ticket": app.external_ticket(ticket)}, 201)
    match = re.fullmatch(r"/_sim/tickets/(\d+)", path)
    if match and req.method in ("POST", "PATCH"):
        return _sim_update_ticket(app, int(match.group(1)), req.json())
    if path == "/_sim/time_off" and req.method == "GET":
        rows = [{"id": str(o.num), "member": o.tech, "start": o.start.isoformat(), "end": o.end.isoformat(),
                 "reason": o.reason} for o in app.state.time_off]  # fmt: skip
        return json_response({"time_off": rows})
    if path == "/_sim/time_off" and req.method == "POST":  # time off entered in the PSA (a sick day)
        return _sim_add_time_off(app, req.json())
    match = re.fullmatch(r"/_sim/time_off/(\d+)", path)
    if match and req.method == "DELETE":  # time off cancelled in the PSA
        num = int(match.group(1))
        kept = [o for o in app.state.time_off if o.num != num]
        if len(kept) == len(app.state.time_off):
            raise HttpError(404, f"time off {num} not found")
        app.state.time_off[:] = kept
        return json_response({"deleted": str(num)})
    raise HttpError(404, f"unknown simulator endpoint {req.method} {req.path}")


def _sim_add_time_off(app: SimulatorApp, data: dict[str, Any]) -> Response:
    """{"member", "start", "end", "reason"?}: 400 naming the field when one is missing or wrong."""
    member = data.get("member")
    if member not in app.state.technicians:
        raise HttpError(400, f"member: {member!r} names no technician")
    try:
        start, end = parse_dt(data.get("start")), parse_dt(data.get("end"))
    except ValueError as exc:
        raise HttpError(400, f"start and end: ISO 8601 date-times are required ({exc})") from exc
    if start is None or end is None:
        raise HttpError(400, "start and end: ISO 8601 date-times are required")
    if end <= start:
        raise HttpError(400, "end: must be after start")
    off = app.state.add_time_off(member, start, end, str(data.get("reason") or ""))
    return json_response({"id": str(off.num)}, 201)


def _sim_update_ticket(app: SimulatorApp, num: int, data: dict[str, Any]) -> Response:
    if app.state.ticket(num) is None:
        raise HttpError(404, f"ticket {num} not found")
    changes = {
        ("owner" if k == "assigned_to" else "summary" if k == "subject" else k): v for k, v in data.items()
    }
    if changes.get("sla_due"):
        changes["sla_due"] = parse_dt(changes["sla_due"])
    try:
        app.state.update_ticket(num, changes)
    except SeedError as exc:
        raise HttpError(400, str(exc)) from exc
    return json_response({"id": str(num), "ticket": app.external_ticket(app.state.tickets[num])})
