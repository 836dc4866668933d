"""The sandbox itself: ``FlowrouteSandbox`` (a threaded HTTP server on loopback, its Python controls and state
reads), the routing table of every area module, the body and auth checks.

Order of checks on an API request: latency, injected failure, auth, routing (404/405), body
(415/400), then the endpoint. HTTP basic auth (access key : secret key) on every endpoint, else 401.
A POST/PATCH/PUT body must be JSON (``application/json`` or ``application/vnd.api+json``, parameters
allowed; no Content-Type at all is tolerated, as the official SDK sends none on several calls;
POST /v2/cnams also takes the SDK's form-encoded ``value=...``), else 415; malformed JSON is 400.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hmac
import json
import re
import secrets
import threading
import time
import traceback
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from sandbox.flowroute import history
from sandbox.flowroute.answers import Response, error_response, json_response, loads_or_none
from sandbox.flowroute.callbacks import SandboxCallbacks
from sandbox.flowroute.cnam import CNAM_ENDPOINTS
from sandbox.flowroute.control import ControlEndpoints
from sandbox.flowroute.e911 import E911_ENDPOINTS
from sandbox.flowroute.messages import MESSAGE_ENDPOINTS
from sandbox.flowroute.numbers import NUMBER_ENDPOINTS
from sandbox.flowroute.optouts import note_inbound
from sandbox.flowroute.plumbing import JSON_API, ApiError, Call
from sandbox.flowroute.porting import PORTING_ENDPOINTS
from sandbox.flowroute.records import as_moment, cnam_time, mdr_now, mdr_record, python_number, record_moment
from sandbox.flowroute.resources import mdr_resource
from sandbox.flowroute.routes import ROUTE_ENDPOINTS
from sandbox.flowroute.seed import account_record, inventory_entry
from sandbox.flowroute.state import DEFAULT_BEHAVIOUR, State, check_switch
from sandbox.loopback import LoopbackServer

_JSON_MEDIA_TYPES = ("application/json", JSON_API)
_FORM = "application/x-www-form-urlencoded"
_FORM_ENDPOINTS = frozenset({("POST", "/v2/cnams")})  # form bodies a Flowroute SDK sends


@dataclass
class RecordedRequest:
    """One API request as the sandbox saw it, and the status it answered."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    json: Any
    status: int = 0

    def __repr__(self) -> str:
        return f"RecordedRequest({self.method} {self.path} -> {self.status})"

    def to_json(self) -> dict:
        """A JSON-safe copy with the Authorization value masked."""
        headers = dict(self.headers)
        if "authorization" in headers:
            headers["authorization"] = headers["authorization"].split(" ", 1)[0] + " ***"
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": headers,
            "body": self.body.decode("utf-8", "replace"),
            "json": self.json,
            "status": self.status,
        }


@dataclass
class _FailureRule:
    remaining: int
    status: int | None  # None: only stall, then answer normally
    retry_after: str | None
    path_prefix: str | None
    method: str | None
    detail: str
    stall: float = 0.0

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.path_prefix is None or path.startswith(self.path_prefix)
        )


# The routing table: first matching pattern wins, then the method picks the handler (else 405).
ENDPOINTS = NUMBER_ENDPOINTS + E911_ENDPOINTS + CNAM_ENDPOINTS + ROUTE_ENDPOINTS + MESSAGE_ENDPOINTS + PORTING_ENDPOINTS
_COMPILED = [(re.compile(pattern), methods) for pattern, methods in ENDPOINTS]


def _resolve(method: str, path: str):
    for pattern, methods in _COMPILED:
        match = pattern.fullmatch(path)
        if match:
            if method not in methods:
                allowed = ", ".join(methods)
                raise ApiError(405, f"{method} is not allowed here; use {allowed}.", headers={"Allow": allowed})
            return methods[method], match.groupdict()
    raise ApiError(404, "No such endpoint.")


def _parse_body(method: str, path: str, headers: dict[str, str], body: bytes) -> Any:
    if method not in ("POST", "PATCH", "PUT") or not body.strip():
        return None
    content_type = headers.get("content-type")
    media_type = content_type.split(";")[0].strip().lower() if content_type is not None else None
    if media_type == _FORM and (method, path) in _FORM_ENDPOINTS:
        # The official Python SDK's create_cnam_record sends `value=...` form-encoded; whether Flowroute
        # takes it is unconfirmed, so the sandbox does (a flat object, the last value of each key).
        return {key: values[-1] for key, values in parse_qs(body.decode("utf-8", "replace")).items()}
    # A missing Content-Type is tolerated: the official SDK sends none on several JSON calls.
    if media_type is not None and media_type not in _JSON_MEDIA_TYPES:
        raise ApiError(415, "Send JSON with Content-Type application/vnd.api+json or application/json.")
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "The request body is not valid JSON.") from None


def _authorized(header: str | None, access_key: str, secret_key: str) -> bool:
    if not header or header[:6].lower() != "basic ":
        return False
    try:
        user, sep, password = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    user_ok = hmac.compare_digest(user.encode(), access_key.encode())
    password_ok = hmac.compare_digest(password.encode(), secret_key.encode())
    return bool(sep) and user_ok and password_ok


class _Handler(BaseHTTPRequestHandler):
    server_version = "FlowrouteSandbox/1.0"
    protocol_version = "HTTP/1.0"  # one request per connection: no idle keep-alive threads

    def do_GET(self):
        self._serve("GET")

    def do_POST(self):
        self._serve("POST")

    def do_PATCH(self):
        self._serve("PATCH")

    def do_PUT(self):
        self._serve("PUT")

    def do_DELETE(self):
        self._serve("DELETE")

    def log_message(self, format, *args):
        """Keep test output quiet."""

    def _serve(self, method: str) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        body = self.rfile.read(length) if length > 0 else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        response = self.server.sandbox._handle_http(method, self.path, headers, body)
        self.send_response(response.status)
        for name, value in (response.headers or {}).items():
            self.send_header(name, value)
        if response.content_type:
            self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)


class FlowrouteSandbox(ControlEndpoints):
    """An in-memory Flowroute API on a loopback port, with helpers for tests and demos."""

    def __init__(
        self,
        access_key: str = "sandbox-access-key",
        secret_key: str = "sandbox-secret-key",
        *,
        seed: int = 1,
        media_ttl: float = 3600.0,
    ):
        self.access_key = access_key
        self.secret_key = secret_key
        self.media_ttl = float(media_ttl)
        self.url = ""
        self.requests: list[RecordedRequest] = []
        self._seed = seed
        self._seed_now = mdr_now()
        self._media_key = secrets.token_bytes(32)
        self._lock = threading.RLock()
        self.callbacks = SandboxCallbacks(self)
        self._state = self._fresh_state()
        self._failures: list[_FailureRule] = []
        self._latency = 0.0
        self._behaviour = dict(DEFAULT_BEHAVIOUR)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"FlowrouteSandbox(url={self.url!r}, seed={self._seed})"

    def __enter__(self) -> FlowrouteSandbox:
        if self._server is None:
            self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _fresh_state(self) -> State:
        state = State(self._seed, self._seed_now, self.media_ttl, self._media_key)
        state.on_added = self.callbacks.records_added
        return state

    # -- server lifecycle ----------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve in a daemon thread; returns the base URL."""
        if self._server is not None:
            raise RuntimeError("the sandbox is already running")
        server = LoopbackServer((host, port), _Handler)
        server.sandbox = self
        shown = "127.0.0.1" if host in ("", "0.0.0.0") else host
        self.url = f"http://{shown}:{server.server_address[1]}"
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="flowroute-sandbox", daemon=True
        )
        self._thread.start()
        return self.url

    def stop(self) -> None:
        self.callbacks.stop()
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None
        self._thread = None

    # -- test controls -------------------------------------------------------------------------

    def clear_requests(self) -> None:
        with self._lock:
            self.requests.clear()

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.method == method.upper() and r.path == path]

    def fail_next(
        self, count=1, status=None, *, retry_after=None, path_prefix=None, method=None, detail=None, stall=None
    ) -> None:
        """Answer the next `count` matching API requests with `status` and a Flowroute error body.

        `stall` seconds: those requests wait that long first (a client with a shorter read timeout sees a
        timeout); with a status they then fail, without one they answer normally. No stall and no
        status means 500.
        """
        if status is None and stall is None:
            status = 500
        if int(count) < 1 or (status is not None and not 100 <= int(status) <= 599):
            raise ValueError("count must be >= 1 and status an HTTP status code")
        if stall is not None and not 0 <= float(stall) <= 600:
            raise ValueError("stall must be between 0 and 600 seconds")
        rule = _FailureRule(
            remaining=int(count),
            status=None if status is None else int(status),
            retry_after=None if retry_after is None else str(retry_after),
            path_prefix=path_prefix,
            method=method.upper() if method else None,
            detail=detail or f"Injected failure ({status}) from the Flowroute sandbox.",
            stall=0.0 if stall is None else float(stall),
        )
        with self._lock:
            self._failures.append(rule)

    def set_behaviour(self, **switches) -> dict:
        """Change some of the switches (see the module docstring); returns all of them."""
        checked = {name: check_switch(name, value) for name, value in switches.items()}
        with self._lock:
            self._behaviour.update(checked)
            return dict(self._behaviour)

    def behaviour(self) -> dict:
        with self._lock:
            return dict(self._behaviour)

    def show_late_records(self) -> int:
        """List every record injected with listed=False; returns how many."""
        with self._lock:
            shown = len(self._state.unlisted)
            self._state.unlisted.clear()
            return shown

    def set_latency(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("latency cannot be negative")
        with self._lock:
            self._latency = float(seconds)

    def reset(self) -> None:
        """Back to the seed state; recorded requests, failures, latency and switches are cleared."""
        with self._lock:
            self._state = self._fresh_state()
            self.requests.clear()
            self._failures.clear()
            self._latency = 0.0
            self._behaviour = dict(DEFAULT_BEHAVIOUR)
            self.callbacks.reset()

    def seed_history(self, **options) -> int:
        """Add weeks of MDRs (or `total=N` of them); see history.py. Returns how many."""
        with self._lock:
            records = list(history.history_records(mdr_record, self._seed_now, **options))
            self._state.add_mdrs(records)
            return len(records)

    def seed_numbers(self, count: int) -> list[str]:
        """Add `count` account numbers with a mix of missing settings (see history.py)."""
        rows = history.extra_numbers(count)
        with self._lock:
            for row in rows:
                entry = inventory_entry(row["value"], "spokane", "wa", "longcode", 1.0, 1.25)
                self._state.numbers[row["value"]] = {**account_record(entry), **row}
        return [row["value"] for row in rows]

    def inject_message(
        self, from_, to, body="", *, media_urls=None, timestamp=None, direction="inbound", listed=True
    ) -> dict:
        """Add one MDR as if it had arrived; returns the MDR resource object.

        listed=False: the record exists (GET by id finds it, with its own timestamp) but lists leave it
        out until show_late_records(), like a record Flowroute lists late.
        """
        item = {"from": from_, "to": to, "body": body, "media_urls": media_urls, "timestamp": timestamp}
        item.update(direction=direction, listed=listed)
        with self._lock:
            record = self._injected_record(item, self._batch_moment())
            self._add_injected([record], [item])
            return copy.deepcopy(mdr_resource(record))

    def inject_messages(self, messages: list[dict]) -> list[str]:
        """Bulk injection (fast enough for tens of thousands); returns the new ids. Items as inject_message."""
        with self._lock:
            now = self._batch_moment()  # one clock reading: under coarse_timestamps the batch shares it
            records = [self._injected_record(item, now) for item in messages]
            self._add_injected(records, messages)
            return [record["id"] for record in records]

    def _batch_moment(self) -> datetime | None:
        """The shared time of an injection under coarse_timestamps; None: each record reads the clock."""
        return record_moment(self._behaviour) if self._behaviour["coarse_timestamps"] else None

    def _add_injected(self, records: list[dict], items: list[dict]) -> None:
        self._state.unlisted.update(
            record["id"] for record, item in zip(records, items, strict=True) if not item.get("listed", True)
        )
        self._state.add_mdrs(records)
        note_inbound(self._state, records)  # STOP / UNSTOP (optouts.py)

    def _injected_record(self, item: dict, now: datetime | None = None) -> dict:
        from_, to = python_number(item.get("from") or ""), python_number(item.get("to") or "")
        if not from_ or not to:
            raise ValueError("from and to are required")
        body = item.get("body") or ""
        media_urls = item.get("media_urls") or []
        direction = item.get("direction") or "inbound"
        if not isinstance(body, str):
            raise ValueError("body must be a string")
        if not isinstance(media_urls, list) or not all(isinstance(url, str) for url in media_urls):
            raise ValueError("media_urls must be a list of URL strings")
        if direction not in ("inbound", "outbound"):
            raise ValueError("direction must be inbound or outbound")
        if not isinstance(item.get("listed", True), bool):
            raise ValueError("listed must be true or false")
        moment = now if item.get("timestamp") is None and now is not None else as_moment(item.get("timestamp"))
        media_ids = [self._state.add_media(url, index) for index, url in enumerate(media_urls)]
        mdr_id = f"mdr2-{uuid.uuid4().hex}"
        return mdr_record(
            mdr_id,
            direction=direction,
            from_=from_,
            to=to,
            body=body,
            moment=moment,
            media_ids=media_ids,
            is_mms=bool(media_urls),
        )

    # -- read-only state (copies) --------------------------------------------------------------

    def account_number(self, number) -> dict | None:
        with self._lock:
            record = self._state.numbers.get(python_number(number))
            return copy.deepcopy(record)

    def is_available(self, number) -> bool:
        """Whether the number is in the purchasable inventory."""
        with self._lock:
            return python_number(number) in self._state.inventory

    def route(self, route_id) -> dict | None:
        with self._lock:
            route = self._state.routes.get(str(route_id))
            return None if route is None else {"id": str(route_id), **route}

    def e911(self, e911_id) -> dict | None:
        with self._lock:
            address = self._state.e911s.get(str(e911_id))
            return None if address is None else {"id": str(e911_id), **address}

    def cnam(self, cnam_id) -> dict | None:
        with self._lock:
            cnam = self._state.cnams.get(str(cnam_id))
            return None if cnam is None else {"id": str(cnam_id), **cnam}

    def approve_cnam(self, cnam_id) -> None:
        """What Flowroute's review does after up to 48 hours."""
        with self._lock:
            cnam = self._state.cnams[str(cnam_id)]
            cnam.update(is_approved=True, approval_datetime=cnam_time(datetime.now(UTC)))

    def account_callbacks(self) -> dict[str, str]:
        with self._lock:
            return dict(self._state.account_callbacks)

    def message(self, mdr_id) -> dict | None:
        with self._lock:
            record = self._state.mdrs.get(mdr_id)
            return None if record is None else copy.deepcopy(mdr_resource(record))

    def messages(self, direction=None) -> list[dict]:
        """Every MDR, oldest first, optionally only one direction."""
        with self._lock:
            records = (self._state.mdrs[mdr_id] for _moment, mdr_id in self._state.mdr_index)
            return [
                copy.deepcopy(mdr_resource(record))
                for record in records
                if direction is None or record["attributes"]["direction"] == direction
            ]

    # -- HTTP ----------------------------------------------------------------------------------

    def _handle_http(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> Response:
        split = urlsplit(raw_path)
        if split.path == "/sandbox" or split.path.startswith("/sandbox/"):
            return self._control(method, split, body)
        query = parse_qs(split.query, keep_blank_values=True)
        record = RecordedRequest(method, split.path, query, headers, body, loads_or_none(body))
        with self._lock:
            self.requests.append(record)
            latency = self._latency
            rule = self._take_failure(method, split.path)
        delay = latency + (rule.stall if rule else 0.0)
        if delay > 0:
            time.sleep(delay)  # outside the lock: other requests go on meanwhile
        with self._lock:
            response = self._answer(method, split.path, query, headers, body, rule)
            record.status = response.status
        return response

    def _take_failure(self, method: str, path: str) -> _FailureRule | None:
        for rule in self._failures:
            if rule.matches(method, path):
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self._failures.remove(rule)
                return rule
        return None

    def _answer(self, method, path, query, headers, body, rule: _FailureRule | None) -> Response:
        if rule is not None and rule.status is not None:
            extra = {"Retry-After": rule.retry_after} if rule.retry_after is not None else None
            return error_response(rule.status, rule.detail, headers=extra)
        if not _authorized(headers.get("authorization"), self.access_key, self.secret_key):
            return error_response(401, "Authentication failed.", "Unauthorized")
        try:
            handler, params = _resolve(method, unquote(path))
            parsed = _parse_body(method, unquote(path), headers, body)
            call = Call(method, unquote(path), params, query, parsed, self.url, dict(self._behaviour))
            status, payload = handler(self._state, call)
        except ApiError as error:
            return error_response(error.status, error.detail, error.title, headers=error.headers)
        except Exception:  # a sandbox bug: show it, answer like the real API would
            traceback.print_exc()
            return error_response(500, "The Flowroute sandbox hit an internal error.")
        return json_response(status, payload)
