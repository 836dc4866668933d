"""A local Flowroute API sandbox: rows 1-37 of flowroute-api.md §8, served over real HTTP.

Start it in-process with ``FlowrouteSandbox().start()`` (returns ``http://127.0.0.1:PORT``) or
standalone with ``python -m sandbox.flowroute --port 8081``. State lives in memory behind one lock
and starts from deterministic seed data (notes/seed.md); ``reset()`` goes back to it.

API endpoints. HTTP basic auth (access key : secret key) on every one, else 401. Responses are
``application/vnd.api+json``; 204 has no body; every error is
``{"errors": [{"id", "status", "title", "detail"}]}``. An unknown path is 404, a known path with
another method 405. A POST/PATCH/PUT body must be JSON (``application/json`` or
``application/vnd.api+json``, parameters allowed; no Content-Type at all is tolerated, as the
official SDK sends none on several calls; POST /v2/cnams also takes the SDK's form-encoded
``value=...``), else 415; malformed JSON is 400. Lists take
``limit``/``offset`` (a limit over the maximum, negative or not an integer is 400), always carry
an absolute ``links.self`` and carry ``links.next`` only when more results exist.

  GET    /v2/numbers/available/areacodes      max_setup_cost; limit 10 (max 400)
  GET    /v2/numbers/available/exchanges      areacode, max_setup_cost; limit 10 (max 200)
  GET    /v2/numbers/available                starts_with (1 assumed unless "+cc"), contains,
                                              ends_with, rate_center, state, number_type,
                                              iso_country, order_by; limit 10 (max 200)
  POST   /v2/numbers/{number}                 purchase -> 201 number (+ included routes);
                                              cnam_lookups_enabled / messaging_enabled flags in
                                              the query or the body; on the account 422;
                                              unknown 404; not 11 digits 400
  GET    /v2/numbers                          starts_with, contains, ends_with, alias (exact);
                                              limit 10 (max 200)
  GET    /v2/numbers/{number}                 details with relationships + included
  PATCH  /v2/numbers/{number}                 flat {"type": "number", "alias"?,
                                              "cnam_lookups_enabled"?, "messaging_enabled"?, ...}
                                              or JSON:API-wrapped -> 200; no/wrong type 400
  DELETE /v2/numbers/{number}                 204; the number goes back to the inventory
  POST   /v2/numbers/{number}/relationships/{sms_callback|mms_callback|sms_dlr_callback|
         mms_dlr_callback|dlr_callback}       {"data": {"attributes": {"callback_url"}}} -> 204
  PATCH  /v2/numbers/{number}/relationships/{primary_route|failover_route}
                                              {"data": {"type": "route", "id"}} -> 204
  DELETE /v2/numbers/{number}/relationships/{primary_route|failover_route}   -> 204 (null)
  GET    /v2/routes                           route_type; limit 10 (max 200)
  POST   /v2/routes                           JSON:API route -> 201 {"data", "links"};
                                              alias required + unique, route_type host|number|
                                              uri, value checked per type: 422
  PATCH  /v2/routes/{id}                      JSON:API attributes -> 200
  DELETE /v2/routes/{id}                      204; 403 while a number uses it; 404 unknown
  GET    /v2/routes/edge_strategies           integer ids 1-4
  POST   /v2.1/messages                       compact or JSON:API body (is_mms a boolean or
                                              "true"/"false") -> 202; records an outbound MDR,
                                              "delivered", with two receipts (SMS)
  GET    /v2.1/messages                       start_date (required), end_date, limit 10 (no
                                              max), offset; ascending by timestamp, then id
  GET    /v2.1/messages/{mdr2-id}             the MDR; MMS adds "included" media objects whose
                                              url is a pre-signed /sandbox/media/... link
  PUT    /v2.1/messages/{sms_callback|mms_callback|sms_dlr_callback|mms_dlr_callback|
         dlr_callback}                        {"callback_url"} flat or wrapped -> 204
  GET    /v2/e911s                            label, street_name, city (partial), state;
                                              limit 10 (max 2000)
  GET    /v2/e911s/{id}                       200
  POST   /v2/e911s/validate                   204; 400 "Could not geocode ..."; 422 bad
                                              address_type
  POST   /v2/e911s                            validates, then 201
  PATCH  /v2/e911s/{id}                       given attributes only, re-validated -> 200
  DELETE /v2/e911s/{id}                       204; 403 while a number uses it
  GET    /v2/e911s/{id}/relationships/numbers numbers using the address
  PATCH  /v2/numbers/{number}/relationships/e911s/{id}   204; toll-free 422
  DELETE /v2/numbers/{number}/relationships/e911s        204
  GET    /v2/cnams                            is_approved, value (substring); limit 10 (no max)
  GET    /v2/cnams/{id}                       200 (+ numbers using it)
  POST   /v2/cnams                            flat {"value"} (JSON or form) -> 201; invalid or
                                              duplicate 422
  PATCH  /v2/cnams/{id}                       JSON:API -> 200
  DELETE /v2/cnams/{id}                       204; numbers using it lose it
  POST   /v2/portorders/portability, GET/POST /v2/cdrs/exports, GET /v2/cdrs/exports/{id}
                                              portability checks and CDR exports: see
                                              sandbox/flowroute_porting.py
  PATCH  /v2/numbers/{number}/relationships/cnams/{id}   202; not approved 422
  DELETE /v2/numbers/{number}/relationships/cnams        202
  (the SDKs' singular ``/relationships/cnam/...`` paths work too: the docs write ``cnams``)

Deliberate oddity: the MDR list's ``links.next`` points at an internal host
(``http://mdr-api.internal/v2.1/messages?...&offset=N``), as captured from the real API, so a
client that follows links blindly breaks here too. Every other link uses the sandbox's own URL.

Behaviour switches: ways the real API may behave that a client must survive. Set them with
``set_behaviour(**switches)`` (returns them all; an unknown name is a ValueError) or
``POST /sandbox/behaviour``; ``reset()`` restores the defaults, which are the behaviour above.

  page_cap: int | None = None        every list endpoint serves at most this many items per page,
                                     whatever ``limit`` asks (a server-side cap), with links.next
                                     while more exist; the next offset is offset + items served
  integer_numbers: bool = False      MDR ``to``/``from`` (list and get) as JSON integers, as a
                                     captured v2.1 callback carried them
  string_amounts: bool = False       MDR ``amount_nanodollars`` as a JSON string, as captured
  internal_next_links: bool = True   the MDR list's links.next on the internal host (above);
                                     False: on the sandbox's own URL
  coarse_timestamps: bool = False    new records are stamped with the clock floored to the second
                                     (still written ``...:SS.00Z``) and one injection call reads the
                                     clock once, so records injected close together share one
                                     timestamp string. By default the clock has the 2-digit
                                     precision MDRs show, so ties happen only by chance.

Two more behaviours are per record or per call rather than switches: a record injected with
``listed: false`` exists (GET by id finds it, with its original timestamp) but lists leave it out
until ``show_late_records()`` (records Flowroute lists late); ``fail_next(stall=seconds)`` makes the
matching calls wait first, so a client with a shorter read timeout times out, then fail with the
given status or, without one, answer normally.

Control endpoints (no auth, not recorded, no latency) under /sandbox/:

  POST   /sandbox/messages    {"from", "to", "body", "media_urls"?, "timestamp"?, "direction"?,
                              "listed"?} -> 201 {"data": MDR}; {"messages": [...]} -> 201 {"ids": [...]}
  POST   /sandbox/messages/show-late   -> 200 {"shown": N}: the unlisted records are listed now
  POST   /sandbox/fail        {"count", "status"?, "retry_after"?, "path_prefix"?, "method"?,
                              "detail"?, "stall"?} -> 204: the next `count` matching API requests
                              wait `stall` seconds, then get that status (500 when neither is
                              given), a Flowroute error body and Retry-After when given
  GET    /sandbox/behaviour   -> 200 {the switches}
  POST   /sandbox/behaviour   {some switches} -> 200 {all the switches}; an unknown one 400
  POST   /sandbox/latency     {"seconds"} -> 204: added to every API request
  POST   /sandbox/reset       -> 204: seed state; requests, failures, latency and switches cleared
  GET    /sandbox/requests    -> recorded API requests (Authorization value masked)
  GET/POST /sandbox/callbacks  callbacks POSTed to the URLs set: counts and switches (sandbox/flowroute_callbacks.py)
  DELETE /sandbox/requests    -> 204
  GET    /sandbox/media/{id}?Expires=<unix>&Signature=<hex>   the media bytes; 403 once
                              expired or with a bad signature, like an S3 pre-signed URL

Order of checks on an API request: latency, injected failure, auth, routing (404/405), body
(415/400), then the endpoint. Guesses where the docs are silent are marked "Guess:" below.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import bisect
import copy
import hashlib
import hmac
import json
import math
import random
import re
import secrets
import struct
import threading
import time
import traceback
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from sandbox import flowroute_history
from sandbox.flowroute_callbacks import SandboxCallbacks
from sandbox.flowroute_optouts import carrier_refusal, note_inbound
from sandbox.flowroute_porting import PORTING_ENDPOINTS
from sandbox.loopback import LoopbackServer

JSON_API = "application/vnd.api+json"
NOT_FOUND_DETAIL = "Could not find that resource on your account."
GEOCODE_DETAIL = "Could not geocode this address. Please check the validity of your address."
MDR_NEXT_HOST = "http://mdr-api.internal"
CALLBACK_TYPES = ("sms_callback", "mms_callback", "sms_dlr_callback", "mms_dlr_callback", "dlr_callback")
_JSON_MEDIA_TYPES = ("application/json", JSON_API)
_FORM = "application/x-www-form-urlencoded"
_FORM_ENDPOINTS = frozenset({("POST", "/v2/cnams")})  # form bodies a Flowroute SDK sends
_INVENTORY_KEYS = ("value", "rate_center", "state", "number_type", "iso_country", "setup_cost", "monthly_cost")

# ---------------------------------------------------------------------------------------------
# Seed data (the contract in notes/seed.md)
# ---------------------------------------------------------------------------------------------

_LOCAL_AREAS = (
    ("206", "seattle", "wa"),
    ("425", "bellevue", "wa"),
    ("312", "chicago", "il"),
    ("646", "nwyrcyzn01", "ny"),
    ("415", "sanfrancisco", "ca"),
    ("503", "portland", "or"),
)
_TOLL_FREE_AREAS = ("844", "888")
_SETUP_COSTS = (0.0, 1.0, 3.5)
_MONTHLY_COSTS = (1.25, 1.75, 2.5)
_GUARANTEED_AVAILABLE = {
    "12065550142": ("seattle", "wa", 1.0, 1.25),
    "13125550188": ("chicago", "il", 0.0, 1.25),
    "14155550123": ("sanfrancisco", "ca", 3.5, 2.5),
}
# value, alias, rate center, state, primary route, failover route, e911, cnam, cnam lookups
_SEED_ACCOUNT = (
    ("12065550100", "Seattle support", "seattle", "wa", "1", "0", "1", "1", True),
    ("12065550101", "Seattle sales", "seattle", "wa", "0", None, None, None, False),
    ("13125550123", "Chicago NOC", "chicago", "il", "2", None, "2", None, False),
    ("16465550199", None, "nwyrcyzn01", "ny", "0", None, None, None, False),
    ("18885550142", "Hotline", None, None, "0", None, None, None, False),
)
_REMOTE_NUMBERS = ("12065559876", "14255551234", "15035550177", "17735550100")
_SEED_ROUTES = {
    "0": {"route_type": "sip-reg", "alias": "sip-reg", "value": None, "edge_strategy_id": None},
    "1": {"route_type": "host", "alias": "office-pbx", "value": "pbx.example.com:5060", "edge_strategy_id": 1},
    "2": {"route_type": "uri", "alias": "noc-uri", "value": "sip:noc@example.net", "edge_strategy_id": None},
    "3": {"route_type": "number", "alias": "forward-to-cell", "value": "12065550999", "edge_strategy_id": None},
}
# Firewall ranges are RFC 5737 documentation blocks, not Flowroute's real ones.
_EDGE_STRATEGIES = (
    (1, "US-West-OR", "Hillsboro, Oregon", "192.0.2.0/28", "us-west-or.sip.flowroute.com"),
    (2, "US-East-VA", "Ashburn, Virginia", "192.0.2.16/28", "us-east-va.sip.flowroute.com"),
    (3, "US-East-NJ", "Newark, New Jersey", "198.51.100.0/28", "us-east-nj.sip.flowroute.com"),
    (4, "US-Central-IL", "Chicago, Illinois", "203.0.113.0/28", "us-central-il.sip.flowroute.com"),
)
_E911_FIELDS = (
    "label",
    "first_name",
    "last_name",
    "street_number",
    "street_name",
    "address_type",
    "address_type_number",
    "city",
    "state",
    "country",
    "zip",
)
_SEED_E911S = {
    "1": ("Seattle HQ", "John", "Doe", "1218", "3rd Ave", "Suite", "600", "Seattle", "WA", "US", "98101"),
    "2": ("Chicago NOC", "Jane", "Roe", "233", "S Wacker Dr", "Floor", "12", "Chicago", "IL", "US", "60606"),
    "3": ("Spare", "Sam", "Poe", "100", "Main St", None, None, "Portland", "OR", "US", "97204"),
}
_SEED_CNAMS = {"1": ("ACME OPS", True), "2": ("ACME SALES", False)}
_SEED_BODIES = (
    "Are you open today?",
    "Ticket 4411 is resolved, thanks!",
    "Can someone call me back about the outage?",
    "Reminder: maintenance window tonight 22:00-23:00",
    "Yes, we are on it.",
    "Café opens at 9 ☕",
    "STOP",
    "Confirmed for Tuesday.",
)
_SEED_MDR_COUNT = 20
_SEED_MMS_INDEX = 7
_SEED_UNICODE_INDEX = 12  # one UCS-2 record (message_encoding 8)

_ADDRESS_TYPES = (
    "Apartment",
    "Basement",
    "Building",
    "Department",
    "Floor",
    "Front",
    "Key",
    "Lobby",
    "Lot",
    "Lower",
    "Office",
    "Penthouse",
    "Pier",
    "Rear",
    "Room",
    "Side",
    "Slip",
    "Space",
    "Stop",
    "Suite",
    "Trailer",
    "Unit",
    "Upper",
)
_US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY "
    "NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP".split()
)
_CA_PROVINCES = frozenset("AB BC MB NB NL NS NT NU ON PE QC SK YT".split())
_US_ZIP = re.compile(r"\d{5}(-\d{4})?")
_CA_POSTAL = re.compile(r"[A-Za-z]\d[A-Za-z] ?\d[A-Za-z]\d")
_CNAM_VALUE = re.compile(r"[A-Za-z0-9 \-_.,@+&'/\"]{1,15}")
_HOST_VALUE = re.compile(
    r"(?P<host>[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)"
    r"(?::(?P<port>\d{1,5}))?(?:;[A-Za-z]+=[A-Za-z0-9.]+)*"
)
_URI_VALUE = re.compile(r"sips?:[^@\s]+@[^@\s]+")
_TOLL_FREE_PREFIXES = frozenset({"800", "833", "844", "855", "866", "877", "888"})
_GSM_NON_ASCII = frozenset("£¥èéùìòÇØøÅåΔΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà€")
# Guess: the captured prices, applied to both directions: $0.0040 per SMS segment, $0.0095 per MMS.
_SMS_NANODOLLARS = 4_000_000
_MMS_NANODOLLARS = 9_500_000


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


class _ApiError(Exception):
    """A refusal sent back as a Flowroute error body."""

    def __init__(self, status: int, detail: str = NOT_FOUND_DETAIL, *, title: str | None = None, headers=None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or _title(status)
        self.headers = headers


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _error_body(status: int, title: str, detail: str) -> dict:
    return {"errors": [{"id": str(uuid.uuid4()), "status": status, "title": title, "detail": detail}]}


def _now() -> datetime:
    """The current time cut to hundredths of a second, the precision MDR timestamps show."""
    moment = datetime.now(UTC)
    return moment.replace(microsecond=moment.microsecond // 10000 * 10000)


def _mdr_time(moment: datetime) -> str:
    """MDR style: `2017-12-22T01:52:39.39Z`."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 10000:02d}Z"


def _parse_moment(text: str) -> datetime:
    """`YYYY-MM-DD` or ISO 8601 (with `Z`, an offset or no zone: UTC); raises ValueError."""
    text = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        moment = datetime.strptime(text, "%Y-%m-%d")
    else:
        moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _record_moment(behaviour: dict) -> datetime:
    """The time stamped on a new record: now, floored to the second under coarse_timestamps."""
    moment = _now()
    return moment.replace(microsecond=0) if behaviour.get("coarse_timestamps") else moment


def _as_moment(value: Any) -> datetime:
    if value is None:
        return _now()
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    elif isinstance(value, str):
        moment = _parse_moment(value)
    else:
        raise ValueError("timestamp must be an ISO 8601 string or a datetime")
    moment = moment.astimezone(UTC)
    return moment.replace(microsecond=moment.microsecond // 10000 * 10000)


def _digits(value: Any) -> str:
    return re.sub(r"\D", "", str(value))


def _python_number(value: Any) -> str:
    """Numbers given to the Python API: any formatting; 10 digits get the country code 1."""
    digits = _digits(value)
    return "1" + digits if len(digits) == 10 else digits


def _is_toll_free(number: str) -> bool:
    return len(number) == 11 and number[1:4] in _TOLL_FREE_PREFIXES


def _encoding(body: str) -> int:
    """0 when every character fits GSM 03.38 / ASCII, else 8 (UCS-2)."""
    return 0 if all(ord(char) < 128 or char in _GSM_NON_ASCII for char in body) else 8


def _segments(body: str, encoding: int) -> int:
    """Flowroute's doc: 160 chars in one GSM segment, else 140 per segment; UCS-2 70 per segment."""
    if encoding == 0:
        return 1 if len(body) <= 160 else math.ceil(len(body) / 140)
    return max(1, math.ceil(len(body) / 70))


def _dollars(nanodollars: int) -> str:
    return f"${nanodollars / 1e9:.4f}"


def _png(seed: int) -> bytes:
    """A valid 4x4 single-colour PNG; the colour comes from `seed`."""
    red, green, blue = seed & 0xFF, (seed >> 8) & 0xFF, (seed >> 16) & 0xFF
    rows = b"".join(b"\x00" + bytes((red, green, blue)) * 4 for _ in range(4))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def _media_file_name(url: str, index: int) -> str:
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    name = re.sub(r"[^A-Za-z0-9._-]", "_", unquote(name))
    return name or f"media-{index}.png"


def _bool_value(value: Any, name: str, status: int) -> bool:
    """A JSON boolean or the strings true/false (the docs' own example sends "true")."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise _ApiError(status, f"{name} must be true or false.")


def _text_value(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _ApiError(422, f"{name} must be a string.")
    return str(value).strip()


# ---------------------------------------------------------------------------------------------
# Behaviour switches (see the module docstring)
# ---------------------------------------------------------------------------------------------

DEFAULT_BEHAVIOUR: dict[str, Any] = {
    "page_cap": None,
    "integer_numbers": False,
    "string_amounts": False,
    "internal_next_links": True,
    "coarse_timestamps": False,
}


def _check_switch(name: str, value: Any) -> Any:
    """The switch's value, checked; an unknown name or a wrong type is a ValueError."""
    if name not in DEFAULT_BEHAVIOUR:
        raise ValueError(f"unknown switch {name!r}; known: {', '.join(DEFAULT_BEHAVIOUR)}")
    if name == "page_cap":
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ValueError("page_cap must be a positive integer or null")
        return value
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be true or false")
    return value


# ---------------------------------------------------------------------------------------------
# Recorded requests and injected failures
# ---------------------------------------------------------------------------------------------


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


def _loads(body: bytes) -> Any:
    try:
        return json.loads(body) if body.strip() else None
    except (ValueError, UnicodeDecodeError):
        return None


# ---------------------------------------------------------------------------------------------
# State
# ---------------------------------------------------------------------------------------------


def _inventory_entry(value, rate_center, state, number_type, setup, monthly) -> dict:
    return dict(zip(_INVENTORY_KEYS, (value, rate_center, state, number_type, "US", setup, monthly), strict=True))


def _build_inventory(rng: random.Random) -> dict[str, dict]:
    """A few hundred purchasable numbers, the same for the same seed."""
    taken = {row[0] for row in _SEED_ACCOUNT} | set(_REMOTE_NUMBERS)
    inventory: dict[str, dict] = {}
    exchange_pool = [str(code) for code in range(200, 1000) if code != 555 and code % 100 != 11]
    areas = [(npa, rc, st, "longcode", 12) for npa, rc, st in _LOCAL_AREAS]
    areas += [(npa, None, None, "toll-free", 15) for npa in _TOLL_FREE_AREAS]
    for npa, rate_center, state, number_type, per_exchange in areas:
        extra = 2 if number_type == "longcode" else 1
        for exchange in ["555", *rng.sample(exchange_pool, extra)]:
            for line in rng.sample(range(10000), per_exchange):
                value = f"1{npa}{exchange}{line:04d}"
                if value not in taken:
                    setup, monthly = rng.choice(_SETUP_COSTS), rng.choice(_MONTHLY_COSTS)
                    inventory[value] = _inventory_entry(value, rate_center, state, number_type, setup, monthly)
    for value, (rate_center, state, setup, monthly) in _GUARANTEED_AVAILABLE.items():
        inventory[value] = _inventory_entry(value, rate_center, state, "longcode", setup, monthly)
    return inventory


def _account_record(entry: dict, *, alias=None, cnam_lookups=False, messaging=True) -> dict:
    return {
        **entry,
        "alias": alias,
        "cnam_lookups_enabled": cnam_lookups,
        "messaging_enabled": messaging,
        "primary_route": "0",
        "failover_route": None,
        "e911": None,
        "cnam": None,
        "callbacks": {},
    }


def _seed_account() -> dict[str, dict]:
    numbers = {}
    for value, alias, rate_center, state, primary, failover, e911, cnam, lookups in _SEED_ACCOUNT:
        number_type = "toll-free" if _is_toll_free(value) else "longcode"
        entry = _inventory_entry(value, rate_center, state, number_type, 1.0, 1.25)
        record = _account_record(entry, alias=alias, cnam_lookups=lookups)
        record.update(primary_route=primary, failover_route=failover, e911=e911, cnam=cnam)
        numbers[value] = record
    return numbers


def _cnam_time(moment: datetime) -> str:
    """CNAM style: `2018-06-01 00:09:52.513092+00:00`."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f+00:00")


def _delivery_receipts(moment: datetime) -> list[dict]:
    return [
        {
            "level": 1,
            "status": "message buffered",
            "status_code": 1003,
            "status_code_description": "Message accepted by Carrier",
            "timestamp": _mdr_time(moment + timedelta(seconds=1)),
        },
        {
            "level": 2,
            "status": "delivered",
            "status_code": None,  # Guess: only level 1's code (1003) appears in captures
            "status_code_description": "Message delivered to handset",
            "timestamp": _mdr_time(moment + timedelta(seconds=3)),
        },
    ]


def _mdr_record(mdr_id, *, direction, from_, to, body, moment, media_ids=(), is_mms=False, status=None) -> dict:
    encoding = _encoding(body)
    amount = _MMS_NANODOLLARS if is_mms else _SMS_NANODOLLARS * _segments(body, encoding)
    ours = from_ if direction == "outbound" else to
    # Receipts only for outbound SMS: the docs say they are "not available for MMS".
    receipts = _delivery_receipts(moment) if direction == "outbound" and not is_mms else []
    attributes = {
        "direction": direction,
        "from": from_,
        "to": to,
        "body": body,
        "is_mms": is_mms,
        "message_type": "toll-free" if _is_toll_free(ours) else "longcode",
        "message_encoding": encoding,
        "status": status if status is not None else ("" if is_mms else "delivered"),
        "timestamp": _mdr_time(moment),
        "amount_nanodollars": amount,
        "amount_display": _dollars(amount),
        "delivery_receipts": receipts,
    }
    return {"id": mdr_id, "moment": moment, "attributes": attributes, "media_ids": list(media_ids)}


class _State:
    """Everything the API can change; rebuilt from the seed by reset()."""

    def __init__(self, seed: int, seed_now: datetime, media_ttl: float, media_key: bytes):
        rng = random.Random(seed)
        self.media_ttl = media_ttl
        self.media_key = media_key
        self.inventory = _build_inventory(rng)
        self.numbers = _seed_account()
        self.routes = copy.deepcopy(_SEED_ROUTES)
        self.e911s = {key: dict(zip(_E911_FIELDS, row, strict=True)) for key, row in _SEED_E911S.items()}
        self.cnams = self._seed_cnams(seed_now)
        self.next_ids = {"route": 100, "e911": 100, "cnam": 100}
        self.mdrs: dict[str, dict] = {}
        self.mdr_index: list[tuple[datetime, str]] = []
        self.unlisted: set[str] = set()  # records that exist but are not listed yet (listed=False)
        self.media: dict[str, dict] = {}
        self.account_callbacks: dict[str, str] = {}
        self.on_added = lambda state, records: None  # new MDRs, for callbacks (sandbox/flowroute_callbacks.py)
        self._seed_mdrs(rng, seed_now)

    @staticmethod
    def _seed_cnams(seed_now: datetime) -> dict[str, dict]:
        created = _cnam_time(seed_now - timedelta(days=30))
        approved = _cnam_time(seed_now - timedelta(days=28))
        return {
            key: {
                "value": value,
                "is_approved": ok,
                "rejection_reason": None,
                "creation_datetime": created,
                "approval_datetime": approved if ok else None,
            }
            for key, (value, ok) in _SEED_CNAMS.items()
        }

    def _seed_mdrs(self, rng: random.Random, seed_now: datetime) -> None:
        ours = [row[0] for row in _SEED_ACCOUNT]
        records = []
        for index in range(_SEED_MDR_COUNT):
            mdr_id = f"mdr2-{rng.getrandbits(128):032x}"
            moment = seed_now - timedelta(seconds=rng.randint(60, 3 * 86400 - 60))
            mine, remote = rng.choice(ours), rng.choice(_REMOTE_NUMBERS)
            direction = rng.choice(("inbound", "outbound"))
            body = rng.choice(_SEED_BODIES) if index != _SEED_UNICODE_INDEX else "Café opens at 9 ☕"
            if index == _SEED_MMS_INDEX:
                media_id = self.add_media("https://mms.example.com/photos/rack-photo.jpg", 0, rng)
                records.append(
                    _mdr_record(
                        mdr_id,
                        direction="inbound",
                        from_="14255551234",
                        to="12065550100",
                        body="Photo of the rack",
                        moment=moment,
                        media_ids=[media_id],
                        is_mms=True,
                    )
                )
                continue
            from_, to = (remote, mine) if direction == "inbound" else (mine, remote)
            records.append(_mdr_record(mdr_id, direction=direction, from_=from_, to=to, body=body, moment=moment))
        self.add_mdrs(records)

    # -- ids, lookups ---------------------------------------------------------------------------

    def new_id(self, kind: str) -> str:
        value = self.next_ids[kind]
        self.next_ids[kind] = value + 1
        return str(value)

    def number(self, value: str) -> dict:
        if value not in self.numbers:
            raise _ApiError(404)
        return self.numbers[value]

    def found(self, table: dict, key: str) -> dict:
        if key not in table:
            raise _ApiError(404)
        return table[key]

    # -- numbers -------------------------------------------------------------------------------

    def buy(self, value: str, *, cnam_lookups: bool, messaging: bool) -> dict:
        entry = self.inventory.pop(value)
        record = _account_record(entry, cnam_lookups=cnam_lookups, messaging=messaging)
        self.numbers[value] = record
        return record

    def release(self, value: str) -> None:
        record = self.numbers.pop(value)
        self.inventory[value] = {key: record[key] for key in _INVENTORY_KEYS}

    # -- messages ------------------------------------------------------------------------------

    def add_mdrs(self, records: list[dict]) -> None:
        for record in records:
            self.mdrs[record["id"]] = record
        self.mdr_index.extend((record["moment"], record["id"]) for record in records)
        self.mdr_index.sort()
        self.on_added(self, records)

    def listed_page(self, start: datetime, end: datetime | None, offset: int, size: int) -> tuple[list[str], int]:
        """(ids of one page, how many are listed in all) for start <= timestamp <= end, unlisted left out."""
        low, high = self.mdr_window(start, end)
        if not self.unlisted:  # the common case stays O(page) for bulk volumes
            window = self.mdr_index[low + offset : min(high, low + offset + size)]
            return [mdr_id for _moment, mdr_id in window], high - low
        ids = [mdr_id for _moment, mdr_id in self.mdr_index[low:high] if mdr_id not in self.unlisted]
        return ids[offset : offset + size], len(ids)

    def mdr_window(self, start: datetime, end: datetime | None) -> tuple[int, int]:
        """Index positions [low, high) of the MDRs with start <= timestamp <= end."""
        low = bisect.bisect_left(self.mdr_index, (start,))
        high = len(self.mdr_index) if end is None else bisect.bisect_right(self.mdr_index, (end, "\U0010ffff"))
        return low, max(low, high)

    def add_media(self, url: str, index: int, rng: random.Random | None = None) -> str:
        number = rng.randrange(10**18, 10**19) if rng else uuid.uuid4().int % 10**19
        file_name = _media_file_name(url, index)
        media_id = f"{number:019d}-{file_name}"
        content = _png(number)
        self.media[media_id] = {
            "content": content,
            "file_name": file_name,
            "mime_type": "image/png",
            "file_size": len(content),
            "source_url": url,
        }
        return media_id

    def presigned_url(self, media_id: str, base_url: str) -> str:
        now = time.time()
        if float(self.media_ttl).is_integer():
            expires = str(int(now) + int(self.media_ttl))
        else:  # sub-second lifetimes (tests) need a fractional Expires
            expires = f"{now + self.media_ttl:.3f}"
        signature = self.media_signature(media_id, expires)
        query = urlencode({"Expires": expires, "Signature": signature})
        return f"{base_url}/sandbox/media/{quote(media_id, safe='')}?{query}"

    def media_signature(self, media_id: str, expires: str) -> str:
        return hmac.new(self.media_key, f"{media_id}\n{expires}".encode(), hashlib.sha256).hexdigest()


# ---------------------------------------------------------------------------------------------
# Resource objects
# ---------------------------------------------------------------------------------------------


def _number_resource(record: dict, base: str, *, relationships: bool = False) -> dict:
    value = record["value"]
    resource = {
        "type": "number",
        "id": value,
        "attributes": {
            "value": value,
            "alias": record["alias"],
            "rate_center": record["rate_center"],
            "state": record["state"],
            "number_type": record["number_type"],
            "cnam_lookups_enabled": record["cnam_lookups_enabled"],
            "messaging_enabled": record["messaging_enabled"],
        },
        "links": {"self": f"{base}/v2/numbers/{value}"},
    }
    if relationships:

        def link(kind: str, key: str) -> dict:
            return {"data": {"type": kind, "id": record[key]} if record[key] is not None else None}

        resource["relationships"] = {
            "primary_route": link("route", "primary_route"),
            "failover_route": link("route", "failover_route"),
            "e911_address": link("e911", "e911"),
            "cnam_preset": link("cnam", "cnam"),
        }
    return resource


def _number_document(state: _State, record: dict, base: str) -> dict:
    resource = _number_resource(record, base, relationships=True)
    included = []
    for key in ("primary_route", "failover_route"):
        route_id = record[key]
        if route_id is not None and route_id in state.routes and all(item["id"] != route_id for item in included):
            included.append(_route_resource(route_id, state.routes[route_id], base))
    if record["e911"] in state.e911s:
        included.append(_e911_resource(record["e911"], state.e911s[record["e911"]], base))
    if record["cnam"] in state.cnams:
        included.append(_cnam_resource(record["cnam"], state.cnams[record["cnam"]], base))
    return {"data": resource, "included": included, "links": {"self": resource["links"]["self"]}}


def _available_resource(entry: dict, base: str) -> dict:
    value = entry["value"]
    attributes = {key: entry[key] for key in ("value", "rate_center", "state", "number_type")}
    attributes.update(monthly_cost=entry["monthly_cost"], setup_cost=entry["setup_cost"])
    return {
        "type": "number",
        "id": value,
        "attributes": attributes,
        "links": {"related": f"{base}/v2/numbers/{value}"},
    }


def _route_resource(route_id: str, route: dict, base: str) -> dict:
    return {
        "type": "route",
        "id": route_id,
        "attributes": dict(route),
        "links": {"self": f"{base}/v2/routes/{route_id}"},
    }


def _e911_resource(e911_id: str, address: dict, base: str) -> dict:
    return {"type": "e911", "id": e911_id, "attributes": dict(address), "links": {"self": f"{base}/v2/e911s/{e911_id}"}}


def _cnam_resource(cnam_id: str, cnam: dict, base: str) -> dict:
    return {"type": "cnam", "id": cnam_id, "attributes": dict(cnam), "links": {"self": f"{base}/v2/cnams/{cnam_id}"}}


def _mdr_resource(record: dict) -> dict:
    resource = {"type": "message", "id": record["id"], "attributes": record["attributes"]}
    if record["media_ids"]:
        media = [{"type": "media", "id": media_id} for media_id in record["media_ids"]]
        resource["relationships"] = {"media": {"data": media}}
    return resource


def _mdr_view(record: dict, behaviour: dict) -> dict:
    """The MDR as the API shows it under the integer_numbers / string_amounts switches."""
    resource = _mdr_resource(record)
    if not (behaviour.get("integer_numbers") or behaviour.get("string_amounts")):
        return resource
    attributes = resource["attributes"] = dict(resource["attributes"])
    if behaviour.get("integer_numbers"):
        attributes["to"], attributes["from"] = int(attributes["to"]), int(attributes["from"])
    if behaviour.get("string_amounts"):
        attributes["amount_nanodollars"] = str(attributes["amount_nanodollars"])
    return resource


def _media_resource(state: _State, media_id: str, base: str) -> dict:
    media = state.media[media_id]
    return {
        "type": "media",
        "id": media_id,
        "attributes": {
            "url": state.presigned_url(media_id, base),
            "file_name": media["file_name"],
            "mime_type": media["mime_type"],
            "file_size": media["file_size"],
        },
        # Like the real payloads; the sandbox does not serve /v2.1/media (unconfirmed upstream too).
        "links": {"self": f"{base}/v2.1/media/{quote(media_id, safe='')}"},
    }


# ---------------------------------------------------------------------------------------------
# Request plumbing shared by the endpoints
# ---------------------------------------------------------------------------------------------


@dataclass
class _Call:
    method: str
    path: str
    params: dict[str, str]
    query: dict[str, list[str]]
    body: Any
    base_url: str
    behaviour: dict = field(default_factory=dict)

    def arg(self, name: str) -> str | None:
        """The first value of a query parameter; blank counts as absent."""
        values = self.query.get(name)
        value = values[0].strip() if values else ""
        return value or None


def _int_arg(call: _Call, name: str, default: int, *, minimum: int, maximum: int | None = None) -> int:
    # Guess: out-of-range or non-integer values are refused with 400 rather than clamped.
    text = call.arg(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise _ApiError(400, f"{name} must be an integer.") from None
    if value < minimum:
        raise _ApiError(400, f"{name} must be at least {minimum}.")
    if maximum is not None and value > maximum:
        raise _ApiError(400, f"{name} must be at most {maximum}.")
    return value


def _float_arg(call: _Call, name: str) -> float | None:
    text = call.arg(name)
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        raise _ApiError(400, f"{name} must be a number.") from None


def _digits_arg(call: _Call, name: str) -> str | None:
    text = call.arg(name)
    if text is not None and not text.isdigit():
        raise _ApiError(400, f"{name} must contain digits only.")
    return text


def _page(call: _Call, items: list, *, maximum: int | None, echo=(), default: int = 10) -> tuple[list, dict]:
    """Slice one page and build links.self (always) and links.next (only when more exist)."""
    limit = _int_arg(call, "limit", default, minimum=1, maximum=maximum)
    offset = _int_arg(call, "offset", 0, minimum=0)
    kept = [(name, value) for name, value in echo if value is not None]

    def link(at: int) -> str:
        return f"{call.base_url}{call.path}?{urlencode(kept + [('limit', limit), ('offset', at)])}"

    page = items[offset : offset + _capped(call, limit)]
    links = {"self": link(offset)}
    if offset + len(page) < len(items):
        links["next"] = link(offset + len(page))
    return page, links


def _capped(call: _Call, limit: int) -> int:
    """The page size actually served: `limit`, or less under the page_cap switch."""
    cap = call.behaviour.get("page_cap")
    return limit if cap is None else min(limit, cap)


def _number_filters(call: _Call) -> tuple[str | None, str | None, str | None]:
    """starts_with (country code 1 assumed unless it starts with +), contains, ends_with."""
    starts_with = call.arg("starts_with")
    if starts_with is not None:
        international = starts_with.startswith("+")
        starts_with = starts_with[1:] if international else starts_with
        if not starts_with.isdigit():
            raise _ApiError(400, "starts_with must contain digits only.")
        starts_with = starts_with if international else "1" + starts_with
    return starts_with, _digits_arg(call, "contains"), _digits_arg(call, "ends_with")


def _number_matches(value: str, filters: tuple[str | None, str | None, str | None]) -> bool:
    starts_with, contains, ends_with = filters
    return (
        (starts_with is None or value.startswith(starts_with))
        and (contains is None or contains in value)
        and (ends_with is None or value.endswith(ends_with))
    )


def _object_body(call: _Call) -> dict:
    if not isinstance(call.body, dict):
        raise _ApiError(400, "The request body must be a JSON object.")
    return call.body


def _envelope(call: _Call, resource_type: str) -> dict:
    """`data` of a JSON:API body, which must name the right type."""
    data = _object_body(call).get("data")
    if not isinstance(data, dict):
        raise _ApiError(400, 'The request body must be {"data": {...}}.')
    if data.get("type") != resource_type:
        raise _ApiError(400, f'data.type must be "{resource_type}".')
    return data


def _attributes(call: _Call, resource_type: str) -> dict:
    attributes = _envelope(call, resource_type).get("attributes")
    if not isinstance(attributes, dict):
        raise _ApiError(400, "data.attributes must be an object.")
    return attributes


def _callback_url(call: _Call) -> str:
    """callback_url, wrapped in data.attributes or flat (Flowroute's SDKs ship both shapes)."""
    body = _object_body(call)
    data = body.get("data")
    source = data.get("attributes") if isinstance(data, dict) else body
    url = source.get("callback_url") if isinstance(source, dict) else None
    if not isinstance(url, str) or not url.strip():
        raise _ApiError(400, "callback_url is required.")
    if not url.startswith(("http://", "https://")):
        raise _ApiError(422, "callback_url must be an http(s) URL.")  # Guess: format check and status
    return url


# ---------------------------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------------------------


def _list_areacodes(state: _State, call: _Call):
    # Guess: toll-free prefixes (844, 888) are listed too; the docs do not say.
    max_cost = _float_arg(call, "max_setup_cost")
    codes = sorted(
        {
            entry["value"][1:4]
            for entry in state.inventory.values()
            if max_cost is None or entry["setup_cost"] <= max_cost
        }
    )
    page, links = _page(call, codes, maximum=400, echo=[("max_setup_cost", call.arg("max_setup_cost"))])
    related = f"{call.base_url}/v2/numbers/available/exchanges?areacode="
    data = [{"type": "areacode", "id": code, "links": {"related": related + code}} for code in page]
    return 200, {"data": data, "links": links}


def _list_exchanges(state: _State, call: _Call):
    max_cost = _float_arg(call, "max_setup_cost")
    areacode = _digits_arg(call, "areacode")
    codes = sorted(
        {
            entry["value"][1:7]
            for entry in state.inventory.values()
            if (max_cost is None or entry["setup_cost"] <= max_cost)
            and (areacode is None or entry["value"][1:4] == areacode)
        }
    )
    echo = [("areacode", areacode), ("max_setup_cost", call.arg("max_setup_cost"))]
    page, links = _page(call, codes, maximum=200, echo=echo)
    related = f"{call.base_url}/v2/numbers/available?starts_with=1"
    data = [{"type": "exchange", "id": code, "links": {"related": related + code}} for code in page]
    return 200, {"data": data, "links": links}


_ORDER_KEYS = {
    "monthly_cost": "monthly_cost",
    "iso_country": "iso_country",
    "number_type": "number_type",
    "state": "state",
    "rate_center": "rate_center",
    "number": "value",
    "value": "value",
    "tn": "value",
}


def _search_available(state: _State, call: _Call):
    filters = _number_filters(call)
    wanted = {key: call.arg(key) for key in ("rate_center", "state", "number_type", "iso_country")}
    order_by = call.arg("order_by")
    if order_by is not None and order_by not in _ORDER_KEYS:
        # Guess: an unknown order_by is refused; the docs' text on ordering was cut off.
        raise _ApiError(400, f"order_by must be one of {', '.join(_ORDER_KEYS)}.")

    def keep(entry: dict) -> bool:
        for key, value in wanted.items():
            if value is not None and (entry[key] or "").lower() != value.lower():
                return False
        return _number_matches(entry["value"], filters)

    matches = [entry for entry in state.inventory.values() if keep(entry)]
    sort_key = _ORDER_KEYS.get(order_by or "number")
    matches.sort(key=lambda entry: (entry[sort_key] if entry[sort_key] is not None else "", entry["value"]))
    echo = [("starts_with", filters[0]), ("contains", filters[1]), ("ends_with", filters[2])]
    echo += [(key, value) for key, value in wanted.items()] + [("order_by", order_by)]
    page, links = _page(call, matches, maximum=200, echo=echo)
    return 200, {"data": [_available_resource(entry, call.base_url) for entry in page], "links": links}


def _purchase_flags(call: _Call) -> dict[str, bool]:
    """cnam_lookups_enabled / messaging_enabled from the query or a JSON body.

    Guess: the docs do not say where these go (flowroute-api.md §2.4), so both are accepted.
    """
    body = call.body if call.body is not None else {}
    if not isinstance(body, dict):
        raise _ApiError(400, "The request body must be a JSON object.")
    flags = {}
    for name in ("cnam_lookups_enabled", "messaging_enabled"):
        if call.arg(name) is not None:
            flags[name] = _bool_value(call.arg(name), name, 400)
        elif name in body:
            flags[name] = _bool_value(body[name], name, 422)
    return flags


def _purchase(state: _State, call: _Call):
    value = call.params["number"]
    if not re.fullmatch(r"\d{11}", value):
        # Guess: a malformed number is a 400; the docs only list 401/404 for purchase.
        raise _ApiError(400, "The number must be 11 digits, country code 1 first (e.g. 12065551234).")
    if value in state.numbers:
        # Guess: status and wording for buying a number the account already holds.
        raise _ApiError(422, "Number is not available for purchase")
    if value not in state.inventory:
        raise _ApiError(404)
    flags = _purchase_flags(call)
    record = state.buy(
        value,
        cnam_lookups=flags.get("cnam_lookups_enabled", False),
        messaging=flags.get("messaging_enabled", False),
    )
    document = _number_document(state, record, call.base_url)
    document["data"]["attributes"].update(
        status="PURCHASED",
        monthly_cost=record["monthly_cost"],
        setup_cost=record["setup_cost"],
        rate_type="toll-free" if record["number_type"] == "toll-free" else "local",
        iso_country=record["iso_country"],
    )
    return 201, document


def _list_numbers(state: _State, call: _Call):
    filters = _number_filters(call)
    alias = call.arg("alias")
    matches = [
        record
        for value, record in sorted(state.numbers.items())
        if _number_matches(value, filters) and (alias is None or record["alias"] == alias)
    ]
    echo = [("starts_with", filters[0]), ("contains", filters[1]), ("ends_with", filters[2]), ("alias", alias)]
    page, links = _page(call, matches, maximum=200, echo=echo)
    return 200, {"data": [_number_resource(record, call.base_url) for record in page], "links": links}


def _get_number(state: _State, call: _Call):
    return 200, _number_document(state, state.number(call.params["number"]), call.base_url)


def _update_number(state: _State, call: _Call):
    record = state.number(call.params["number"])
    body = _object_body(call)
    if isinstance(body.get("data"), dict):
        # Guess: the docs show only the flat body; the JSON:API envelope every other PATCH takes works too.
        attributes = _envelope(call, "number").get("attributes")
        body = {"type": "number", **(attributes if isinstance(attributes, dict) else {})}
    if body.get("type") != "number":
        # Guess: the docs say type is required; a missing or other type is treated as a bad request.
        raise _ApiError(400, 'The body must be flat and carry "type": "number".')
    changes = {}
    if "alias" in body:
        alias = body["alias"]
        if alias is not None and (not isinstance(alias, str) or len(alias) > 64):
            raise _ApiError(422, "alias must be a string of at most 64 characters.")
        changes["alias"] = alias
    for name in ("cnam_lookups_enabled", "messaging_enabled", "messaging_email"):
        if name in body:
            changes[name] = _bool_value(body[name], name, 422)
    if "messaging_callback_url" in body:
        changes["messaging_callback_url"] = _text_value(body["messaging_callback_url"], "messaging_callback_url")
    record.update(changes)
    return 200, _number_document(state, record, call.base_url)


def _release_number(state: _State, call: _Call):
    state.number(call.params["number"])
    state.release(call.params["number"])
    return 204, None


def _set_number_callback(state: _State, call: _Call):
    record = state.number(call.params["number"])
    record["callbacks"][call.params["callback"]] = _callback_url(call)
    return 204, None


def _set_route_relationship(state: _State, call: _Call):
    record = state.number(call.params["number"])
    route_id = _envelope(call, "route").get("id")
    if isinstance(route_id, bool) or not isinstance(route_id, str | int) or str(route_id).strip() == "":
        raise _ApiError(400, 'The body must be {"data": {"type": "route", "id": "<route id>"}}.')
    state.found(state.routes, str(route_id))
    record[call.params["relationship"]] = str(route_id)
    return 204, None


def _clear_route_relationship(state: _State, call: _Call):
    state.number(call.params["number"])[call.params["relationship"]] = None
    return 204, None


# ---------------------------------------------------------------------------------------------
# Routes
# ---------------------------------------------------------------------------------------------


def _id_sort_key(item: tuple[str, dict]) -> tuple[int, str]:
    return (int(item[0]) if item[0].isdigit() else 10**9, item[0])


def _list_routes(state: _State, call: _Call):
    route_type = call.arg("route_type")
    items = [
        (route_id, route)
        for route_id, route in sorted(state.routes.items(), key=_id_sort_key)
        if route_type is None or route["route_type"] == route_type.lower()
    ]
    page, links = _page(call, items, maximum=200, echo=[("route_type", route_type)])
    return 200, {"data": [_route_resource(key, route, call.base_url) for key, route in page], "links": links}


def _edge_strategy_value(attributes: dict) -> tuple[bool, int | None]:
    """(given, id): accepts `edge_strategy_id` or the SDK demo's `edge_strategy`, int or digit string.

    Guess: which name create accepts is unconfirmed (flowroute-api.md §3.3), so both are.
    """
    name = "edge_strategy_id" if "edge_strategy_id" in attributes else "edge_strategy"
    if name not in attributes:
        return False, None
    value = attributes[name]
    if value is None or value == "":
        return True, None
    known = {row[0] for row in _EDGE_STRATEGIES}
    if isinstance(value, bool) or not str(value).strip().isdigit() or int(str(value)) not in known:
        raise _ApiError(422, f"{name} must be one of the edge strategy ids {sorted(known)}.")  # Guess: status
    return True, int(str(value))


def _check_route_value(route_type: str, value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and route_type == "number":
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise _ApiError(422, "value is required.")
    value = value.strip()
    if route_type == "number" and not re.fullmatch(r"\d{11}", value):
        raise _ApiError(422, "A number route's value must be an 11-digit number such as 12065551234.")
    if route_type == "uri" and not _URI_VALUE.fullmatch(value):
        raise _ApiError(422, "A uri route's value must look like sip:user@domain or sips:user@domain.")
    if route_type == "host":
        match = _HOST_VALUE.fullmatch(value)
        if not match or (match["port"] and not 0 < int(match["port"]) < 65536):
            raise _ApiError(422, "A host route's value must be a hostname or IP address with an optional :port.")
    return value


def _validated_route(state: _State, attributes: dict, route_id: str | None) -> dict:
    route = dict(state.routes[route_id]) if route_id else {"edge_strategy_id": None}
    for key in ("alias", "route_type", "value"):
        if key in attributes:
            route[key] = attributes[key]
    given, edge = _edge_strategy_value(attributes)
    if given:
        route["edge_strategy_id"] = edge
    alias = route.get("alias")
    if not isinstance(alias, str) or not alias.strip():
        raise _ApiError(422, "alias is required.")
    # Guess: uniqueness is exact (case-sensitive); the docs only say "unique".
    if any(other["alias"] == alias for key, other in state.routes.items() if key != route_id):
        raise _ApiError(422, f"A route with the alias {alias!r} already exists; aliases must be unique.")
    if route.get("route_type") not in ("host", "number", "uri"):
        raise _ApiError(422, "route_type must be one of host, number, uri.")
    route["value"] = _check_route_value(route["route_type"], route.get("value"))
    return {key: route[key] for key in ("route_type", "alias", "value", "edge_strategy_id")}


def _create_route(state: _State, call: _Call):
    route = _validated_route(state, _attributes(call, "route"), None)
    route_id = state.new_id("route")
    state.routes[route_id] = route
    resource = _route_resource(route_id, route, call.base_url)
    return 201, {"data": resource, "links": {"self": resource["links"]["self"]}}


def _update_route(state: _State, call: _Call):
    route_id = call.params["route"]
    state.found(state.routes, route_id)
    if route_id == "0":
        raise _ApiError(403, "The default sip-reg route cannot be changed.")  # Guess
    state.routes[route_id] = _validated_route(state, _attributes(call, "route"), route_id)
    return 200, {"data": _route_resource(route_id, state.routes[route_id], call.base_url)}


def _delete_route(state: _State, call: _Call):
    route_id = call.params["route"]
    state.found(state.routes, route_id)
    if route_id == "0":
        raise _ApiError(403, "The default sip-reg route cannot be deleted.")  # Guess
    if any(route_id in (record["primary_route"], record["failover_route"]) for record in state.numbers.values()):
        raise _ApiError(
            403,
            "Remove this route from every number's primary and failover route before deleting it.",
            title="This Route has numbers still associated to it.",
        )
    del state.routes[route_id]
    return 204, None


def _list_edge_strategies(state: _State, call: _Call):
    data = [
        {
            "type": "edge_strategy",
            "id": ident,
            "attributes": {"name": name, "description": description, "firewall_rules": rules, "naptr": naptr},
        }
        for ident, name, description, rules, naptr in _EDGE_STRATEGIES
    ]
    return 200, {"data": data, "links": {"self": f"{call.base_url}{call.path}"}}


# ---------------------------------------------------------------------------------------------
# Messages
# ---------------------------------------------------------------------------------------------


def _message_fields(call: _Call) -> dict:
    """The message attributes from a JSON:API or a compact (flat) body."""
    body = _object_body(call)
    if "data" in body:
        return _attributes(call, "message")
    return body


def _check_message(state: _State, fields: dict) -> tuple[str, str, str, list[str], bool]:
    numbers = []
    for name in ("to", "from"):
        value = fields.get(name)
        text = str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""
        if not re.fullmatch(r"\d{11}", text):
            raise _ApiError(422, f"{name} must be an 11-digit number such as 12065551234.")
        numbers.append(text)
    to, from_ = numbers
    if from_ not in state.numbers:
        raise _ApiError(403, "from must be a number on your account.")  # Guess: status
    body = fields.get("body")
    if body is not None and not isinstance(body, str):
        raise _ApiError(422, "body must be a string.")
    # A JSON boolean, or the strings "true"/"false" the official Python SDK's demos send (and Flowroute accepts).
    is_mms = fields.get("is_mms")
    is_mms = False if is_mms is None else _bool_value(is_mms, "is_mms", 422)
    media_urls = fields.get("media_urls") or []
    if not isinstance(media_urls, list) or not all(isinstance(url, str) for url in media_urls):
        raise _ApiError(422, "media_urls must be a list of URLs.")
    if any(not url.startswith(("http://", "https://")) for url in media_urls):  # Guess: checked at send
        raise _ApiError(422, "media_urls must be publicly reachable http(s) URLs.")
    is_mms = is_mms or bool(media_urls)
    if is_mms and not (media_urls or body):
        raise _ApiError(422, "MMS requires media_urls or body.")
    if not is_mms and not body:
        raise _ApiError(422, "body is required for an SMS.")
    return from_, to, body or "", media_urls, is_mms


def _send_message(state: _State, call: _Call):
    from_, to, body, _media_urls, is_mms = _check_message(state, _message_fields(call))
    refused = carrier_refusal(state, from_, to)  # an inbound STOP blocks until UNSTOP (flowroute_optouts.py)
    if refused:
        return refused
    mdr_id = f"mdr2-{uuid.uuid4().hex}"
    record = _mdr_record(
        mdr_id,
        direction="outbound",
        from_=from_,
        to=to,
        body=body,
        moment=_record_moment(call.behaviour),
        is_mms=is_mms,
        status="delivered",
    )
    record["dlr_callback"] = _message_fields(call).get("dlr_callback")  # for its receipts' callbacks
    state.add_mdrs([record])
    link = f"{call.base_url}/v2.1/messages/{mdr_id}"
    return 202, {"data": {"type": "message", "id": mdr_id, "links": {"self": link}}}


def _date_arg(call: _Call, name: str) -> datetime | None:
    text = call.arg(name)
    if text is None:
        return None
    try:
        return _parse_moment(text)
    except ValueError:
        raise _ApiError(400, f"{name} must be YYYY-MM-DD or an ISO 8601 date-time.") from None


def _list_mdrs(state: _State, call: _Call):
    start = _date_arg(call, "start_date")
    if start is None:
        raise _ApiError(400, "start_date is required.")
    end = _date_arg(call, "end_date")  # taken literally: a bare date means midnight UTC
    limit = _int_arg(call, "limit", 10, minimum=1)  # Guess: default 10; no maximum is documented
    offset = _int_arg(call, "offset", 0, minimum=0)
    # Sort order is undocumented upstream; the sandbox answers oldest first, ties by id.
    window, total = state.listed_page(start, end, offset, _capped(call, limit))
    data = [_mdr_view(state.mdrs[mdr_id], call.behaviour) for mdr_id in window]
    params = [("limit", limit), ("start_date", call.arg("start_date"))]
    if end is not None:
        params.append(("end_date", call.arg("end_date")))
    links = {"self": f"{call.base_url}/v2.1/messages?{urlencode(params + [('offset', offset)])}"}
    if offset + len(window) < total:
        # By default an internal host, as captured from the real API: clients must not follow it.
        host = MDR_NEXT_HOST if call.behaviour.get("internal_next_links", True) else call.base_url
        links["next"] = f"{host}/v2.1/messages?{urlencode(params + [('offset', offset + len(window))])}"
    return 200, {"data": data, "links": links}


def _get_mdr(state: _State, call: _Call):
    record = state.found(state.mdrs, call.params["key"])
    document: dict[str, Any] = {"data": _mdr_view(record, call.behaviour)}
    if record["media_ids"]:
        # Unconfirmed upstream whether GET returns `included` media; the sandbox does, like the callback.
        document["included"] = [_media_resource(state, media_id, call.base_url) for media_id in record["media_ids"]]
    return 200, document


def _set_account_callback(state: _State, call: _Call):
    if call.params["key"] not in CALLBACK_TYPES:
        raise _ApiError(404)
    state.account_callbacks[call.params["key"]] = _callback_url(call)
    return 204, None


# ---------------------------------------------------------------------------------------------
# E911
# ---------------------------------------------------------------------------------------------


def _e911_fields(attributes: dict, current: dict | None = None) -> dict:
    address = dict(current) if current else dict.fromkeys(_E911_FIELDS)
    for name in _E911_FIELDS:
        if name in attributes:
            address[name] = _text_value(attributes[name], name)
    if "zip" not in attributes and "zip_code" in attributes:  # the SDK's update sends zip_code too
        address["zip"] = _text_value(attributes["zip_code"], "zip_code")
    _validate_address(address)
    address["state"] = address["state"].upper()
    address["country"] = address["country"].upper()
    return address


def _validate_address(address: dict) -> None:
    address_type = address["address_type"]
    if address_type:
        if address_type.casefold() not in {name.casefold() for name in _ADDRESS_TYPES}:
            raise _ApiError(422, f"address_type must be one of: {', '.join(_ADDRESS_TYPES)}.")
        if not address["address_type_number"]:
            raise _ApiError(422, "address_type_number is required when address_type is given.")
    country = (address["country"] or "").upper()
    state = (address["state"] or "").upper()
    postal = address["zip"] or ""
    complete = all(address[name] for name in ("street_number", "street_name", "city"))
    us_ok = country == "US" and state in _US_STATES and _US_ZIP.fullmatch(postal)
    ca_ok = country == "CA" and state in _CA_PROVINCES and _CA_POSTAL.fullmatch(postal)
    if not (complete and (us_ok or ca_ok)):
        raise _ApiError(400, GEOCODE_DETAIL, title="Client Error")


def _list_e911s(state: _State, call: _Call):
    partial = {name: call.arg(name) for name in ("label", "street_name", "city")}
    wanted_state = call.arg("state")

    def keep(address: dict) -> bool:
        for name, text in partial.items():
            if text is not None and text.casefold() not in (address[name] or "").casefold():
                return False
        return wanted_state is None or (address["state"] or "").upper() == wanted_state.upper()

    items = [(key, address) for key, address in sorted(state.e911s.items(), key=_id_sort_key) if keep(address)]
    echo = [*partial.items(), ("state", wanted_state)]
    page, links = _page(call, items, maximum=2000, echo=echo)
    return 200, {"data": [_e911_resource(key, address, call.base_url) for key, address in page], "links": links}


def _get_e911(state: _State, call: _Call):
    e911_id = call.params["e911"]
    return 200, {"data": _e911_resource(e911_id, state.found(state.e911s, e911_id), call.base_url)}


def _validate_e911(state: _State, call: _Call):
    _e911_fields(_attributes(call, "e911"))
    return 204, None


def _create_e911(state: _State, call: _Call):
    address = _e911_fields(_attributes(call, "e911"))
    e911_id = state.new_id("e911")
    state.e911s[e911_id] = address
    return 201, {"data": _e911_resource(e911_id, address, call.base_url)}


def _update_e911(state: _State, call: _Call):
    e911_id = call.params["e911"]
    current = state.found(state.e911s, e911_id)
    state.e911s[e911_id] = _e911_fields(_attributes(call, "e911"), current)
    return 200, {"data": _e911_resource(e911_id, state.e911s[e911_id], call.base_url)}


def _delete_e911(state: _State, call: _Call):
    e911_id = call.params["e911"]
    state.found(state.e911s, e911_id)
    if any(record["e911"] == e911_id for record in state.numbers.values()):
        # Guess: the docs say associations must be removed first but not which status refuses it.
        raise _ApiError(403, "Remove this E911 address from every number before deleting it.")
    del state.e911s[e911_id]
    return 204, None


def _e911_numbers(state: _State, call: _Call):
    e911_id = call.params["e911"]
    state.found(state.e911s, e911_id)
    records = [record for _value, record in sorted(state.numbers.items()) if record["e911"] == e911_id]
    page, links = _page(call, records, maximum=None)  # pagination here is implied, not documented
    data = [
        {
            "type": "number",
            "id": record["value"],
            "attributes": {"alias": record["alias"], "value": record["value"]},
            "links": {"self": f"{call.base_url}/v2/numbers/{record['value']}"},
        }
        for record in page
    ]
    return 200, {"data": data, "links": links}


def _associate_e911(state: _State, call: _Call):
    record = state.number(call.params["number"])
    e911_id = call.params["e911"]
    state.found(state.e911s, e911_id)
    if record["number_type"] == "toll-free":
        # Guess: the docs contradict each other on toll-free; the sandbox follows "cannot assign".
        raise _ApiError(422, "Cannot assign an E911 record to a number that does not support emergency services.")
    record["e911"] = e911_id
    return 204, None


def _disconnect_e911(state: _State, call: _Call):
    state.number(call.params["number"])["e911"] = None
    return 204, None


# ---------------------------------------------------------------------------------------------
# CNAM
# ---------------------------------------------------------------------------------------------


def _check_cnam_value(state: _State, value: Any, cnam_id: str | None = None) -> str:
    if not isinstance(value, str) or not _CNAM_VALUE.fullmatch(value) or not re.search(r"[A-Za-z]", value):
        raise _ApiError(
            422,
            "value must be 1-15 characters with at least one letter; besides letters, digits and spaces "
            "only - _ . , @ + & ' / \" are allowed.",
        )
    # Guess: duplicates are compared case-insensitively.
    if any(cnam["value"].casefold() == value.casefold() for key, cnam in state.cnams.items() if key != cnam_id):
        raise _ApiError(422, "Duplicate CNAM entry found on your account.")
    return value


def _list_cnams(state: _State, call: _Call):
    approved = call.arg("is_approved")
    if approved is not None:
        # Lowercase is documented; other spellings (the SDK's "True") are accepted case-insensitively.
        approved = _bool_value(approved, "is_approved", 400)
    text = call.arg("value")
    items = [
        (key, cnam)
        for key, cnam in sorted(state.cnams.items(), key=_id_sort_key)
        if (approved is None or cnam["is_approved"] == approved)
        and (text is None or text.casefold() in cnam["value"].casefold())
    ]
    echo = [("is_approved", call.arg("is_approved")), ("value", text)]
    page, links = _page(call, items, maximum=None, echo=echo)
    return 200, {"data": [_cnam_resource(key, cnam, call.base_url) for key, cnam in page], "links": links}


def _get_cnam(state: _State, call: _Call):
    cnam_id = call.params["cnam"]
    resource = _cnam_resource(cnam_id, state.found(state.cnams, cnam_id), call.base_url)
    document: dict[str, Any] = {"data": resource}
    users = [record for _value, record in sorted(state.numbers.items()) if record["cnam"] == cnam_id]
    if users:
        resource["relationships"] = {"numbers": {"data": [{"type": "number", "id": r["value"]} for r in users]}}
        document["included"] = [_number_resource(record, call.base_url) for record in users]
    return 200, document


def _create_cnam(state: _State, call: _Call):
    value = _check_cnam_value(state, _object_body(call).get("value"))
    cnam_id = state.new_id("cnam")
    state.cnams[cnam_id] = {
        "value": value,
        "is_approved": False,
        "rejection_reason": None,
        "creation_datetime": _cnam_time(datetime.now(UTC)),
        "approval_datetime": None,
    }
    return 201, {"data": _cnam_resource(cnam_id, state.cnams[cnam_id], call.base_url)}


def _update_cnam(state: _State, call: _Call):
    cnam_id = call.params["cnam"]
    cnam = state.found(state.cnams, cnam_id)
    attributes = _attributes(call, "cnam")
    if "value" in attributes:
        cnam["value"] = _check_cnam_value(state, attributes["value"], cnam_id)
        # Guess: a changed value goes back to review, like a new record.
        cnam.update(is_approved=False, approval_datetime=None, rejection_reason=None)
    resource = _cnam_resource(cnam_id, cnam, call.base_url)
    return 200, {"data": resource, "links": {"self": resource["links"]["self"]}}


def _delete_cnam(state: _State, call: _Call):
    cnam_id = call.params["cnam"]
    state.found(state.cnams, cnam_id)
    for record in state.numbers.values():
        if record["cnam"] == cnam_id:
            record["cnam"] = None
    del state.cnams[cnam_id]
    return 204, None


def _rfc1123_now() -> str:
    return datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")


def _associate_cnam(state: _State, call: _Call):
    record = state.number(call.params["number"])
    cnam_id = call.params["cnam"]
    cnam = state.found(state.cnams, cnam_id)
    if not cnam["is_approved"]:
        raise _ApiError(422, "The CNAM record is not approved yet.")
    if record["number_type"] == "toll-free":
        raise _ApiError(422, "Only long-code numbers can carry a CNAM record.")  # Guess: status
    record["cnam"] = cnam_id
    # The documented 202 shows an integer id here.
    ident: Any = int(cnam_id) if cnam_id.isdigit() else cnam_id
    return 202, {"data": {"type": "cnam", "id": ident, "attributes": {"date_created": _rfc1123_now()}}}


def _unassociate_cnam(state: _State, call: _Call):
    state.number(call.params["number"])["cnam"] = None
    return 202, {"data": {"type": "cnam", "id": None, "attributes": {"date_created": _rfc1123_now()}}}


# ---------------------------------------------------------------------------------------------
# Routing table: first matching pattern wins, then the method picks the handler (else 405)
# ---------------------------------------------------------------------------------------------

_N = r"/v2/numbers/(?P<number>[^/]+)"
_ENDPOINTS = [
    (r"/v2/numbers/available/areacodes", {"GET": _list_areacodes}),
    (r"/v2/numbers/available/exchanges", {"GET": _list_exchanges}),
    (r"/v2/numbers/available", {"GET": _search_available}),
    (r"/v2/numbers", {"GET": _list_numbers}),
    (_N, {"GET": _get_number, "POST": _purchase, "PATCH": _update_number, "DELETE": _release_number}),
    (
        _N + r"/relationships/(?P<relationship>primary_route|failover_route)",
        {"PATCH": _set_route_relationship, "DELETE": _clear_route_relationship},
    ),
    (_N + r"/relationships/(?P<callback>" + "|".join(CALLBACK_TYPES) + ")", {"POST": _set_number_callback}),
    (_N + r"/relationships/e911s/(?P<e911>[^/]+)", {"PATCH": _associate_e911}),
    (_N + r"/relationships/e911s", {"DELETE": _disconnect_e911}),
    # The docs write `cnams`; the official SDKs (Python, PHP, Ruby, .NET) call the singular `cnam`: both work here.
    (_N + r"/relationships/cnams?/(?P<cnam>[^/]+)", {"PATCH": _associate_cnam}),
    (_N + r"/relationships/cnams?", {"DELETE": _unassociate_cnam}),
    (r"/v2/routes/edge_strategies", {"GET": _list_edge_strategies}),
    (r"/v2/routes", {"GET": _list_routes, "POST": _create_route}),
    (r"/v2/routes/(?P<route>[^/]+)", {"PATCH": _update_route, "DELETE": _delete_route}),
    (r"/v2\.1/messages", {"GET": _list_mdrs, "POST": _send_message}),
    (r"/v2\.1/messages/(?P<key>[^/]+)", {"GET": _get_mdr, "PUT": _set_account_callback}),
    (r"/v2/e911s/validate", {"POST": _validate_e911}),
    (r"/v2/e911s", {"GET": _list_e911s, "POST": _create_e911}),
    (r"/v2/e911s/(?P<e911>[^/]+)", {"GET": _get_e911, "PATCH": _update_e911, "DELETE": _delete_e911}),
    (r"/v2/e911s/(?P<e911>[^/]+)/relationships/numbers", {"GET": _e911_numbers}),
    (r"/v2/cnams", {"GET": _list_cnams, "POST": _create_cnam}),
    (r"/v2/cnams/(?P<cnam>[^/]+)", {"GET": _get_cnam, "PATCH": _update_cnam, "DELETE": _delete_cnam}),
]
_ENDPOINTS += PORTING_ENDPOINTS  # portability checks and CDR exports (sandbox/flowroute_porting.py)
_COMPILED = [(re.compile(pattern), methods) for pattern, methods in _ENDPOINTS]


def _resolve(method: str, path: str):
    for pattern, methods in _COMPILED:
        match = pattern.fullmatch(path)
        if match:
            if method not in methods:
                allowed = ", ".join(methods)
                raise _ApiError(405, f"{method} is not allowed here; use {allowed}.", headers={"Allow": allowed})
            return methods[method], match.groupdict()
    raise _ApiError(404, "No such endpoint.")


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
        raise _ApiError(415, "Send JSON with Content-Type application/vnd.api+json or application/json.")
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise _ApiError(400, "The request body is not valid JSON.") from None


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


# ---------------------------------------------------------------------------------------------
# HTTP responses and the request handler
# ---------------------------------------------------------------------------------------------


@dataclass
class _Response:
    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: dict[str, str] | None = None


def _json_response(status: int, payload: Any, content_type: str = JSON_API) -> _Response:
    if status == 204 or payload is None:
        return _Response(status)
    return _Response(status, json.dumps(payload).encode("utf-8"), content_type)


def _error_response(status: int, detail: str, title: str | None = None, headers=None) -> _Response:
    response = _json_response(status, _error_body(status, title or _title(status), detail))
    response.headers = headers
    return response


def _s3_error(status: int, code: str, message: str) -> _Response:
    body = f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code><Message>{message}</Message></Error>"
    return _Response(status, body.encode(), "application/xml")


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


# ---------------------------------------------------------------------------------------------
# The sandbox
# ---------------------------------------------------------------------------------------------


class FlowrouteSandbox:
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
        self._seed_now = _now()
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

    def _fresh_state(self) -> _State:
        state = _State(self._seed, self._seed_now, self.media_ttl, self._media_key)
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
        checked = {name: _check_switch(name, value) for name, value in switches.items()}
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
        """Add weeks of MDRs (or `total=N` of them); sandbox/flowroute_history.py. Returns how many."""
        with self._lock:
            records = list(flowroute_history.history_records(_mdr_record, self._seed_now, **options))
            self._state.add_mdrs(records)
            return len(records)

    def seed_numbers(self, count: int) -> list[str]:
        """Add `count` account numbers with a mix of missing settings (sandbox/flowroute_history.py)."""
        rows = flowroute_history.extra_numbers(count)
        with self._lock:
            for row in rows:
                entry = _inventory_entry(row["value"], "spokane", "wa", "longcode", 1.0, 1.25)
                self._state.numbers[row["value"]] = {**_account_record(entry), **row}
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
            return copy.deepcopy(_mdr_resource(record))

    def inject_messages(self, messages: list[dict]) -> list[str]:
        """Bulk injection (fast enough for tens of thousands); returns the new ids. Items as inject_message."""
        with self._lock:
            now = self._batch_moment()  # one clock reading: under coarse_timestamps the batch shares it
            records = [self._injected_record(item, now) for item in messages]
            self._add_injected(records, messages)
            return [record["id"] for record in records]

    def _batch_moment(self) -> datetime | None:
        """The shared time of an injection under coarse_timestamps; None: each record reads the clock."""
        return _record_moment(self._behaviour) if self._behaviour["coarse_timestamps"] else None

    def _add_injected(self, records: list[dict], items: list[dict]) -> None:
        self._state.unlisted.update(
            record["id"] for record, item in zip(records, items, strict=True) if not item.get("listed", True)
        )
        self._state.add_mdrs(records)
        note_inbound(self._state, records)  # STOP / UNSTOP (sandbox/flowroute_optouts.py)

    def _injected_record(self, item: dict, now: datetime | None = None) -> dict:
        from_, to = _python_number(item.get("from") or ""), _python_number(item.get("to") or "")
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
        moment = now if item.get("timestamp") is None and now is not None else _as_moment(item.get("timestamp"))
        media_ids = [self._state.add_media(url, index) for index, url in enumerate(media_urls)]
        mdr_id = f"mdr2-{uuid.uuid4().hex}"
        return _mdr_record(
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
            record = self._state.numbers.get(_python_number(number))
            return copy.deepcopy(record)

    def is_available(self, number) -> bool:
        """Whether the number is in the purchasable inventory."""
        with self._lock:
            return _python_number(number) in self._state.inventory

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
            cnam.update(is_approved=True, approval_datetime=_cnam_time(datetime.now(UTC)))

    def account_callbacks(self) -> dict[str, str]:
        with self._lock:
            return dict(self._state.account_callbacks)

    def message(self, mdr_id) -> dict | None:
        with self._lock:
            record = self._state.mdrs.get(mdr_id)
            return None if record is None else copy.deepcopy(_mdr_resource(record))

    def messages(self, direction=None) -> list[dict]:
        """Every MDR, oldest first, optionally only one direction."""
        with self._lock:
            records = (self._state.mdrs[mdr_id] for _moment, mdr_id in self._state.mdr_index)
            return [
                copy.deepcopy(_mdr_resource(record))
                for record in records
                if direction is None or record["attributes"]["direction"] == direction
            ]

    # -- HTTP ----------------------------------------------------------------------------------

    def _handle_http(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> _Response:
        split = urlsplit(raw_path)
        if split.path == "/sandbox" or split.path.startswith("/sandbox/"):
            return self._control(method, split, body)
        query = parse_qs(split.query, keep_blank_values=True)
        record = RecordedRequest(method, split.path, query, headers, body, _loads(body))
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

    def _answer(self, method, path, query, headers, body, rule: _FailureRule | None) -> _Response:
        if rule is not None and rule.status is not None:
            extra = {"Retry-After": rule.retry_after} if rule.retry_after is not None else None
            return _error_response(rule.status, rule.detail, headers=extra)
        if not _authorized(headers.get("authorization"), self.access_key, self.secret_key):
            return _error_response(401, "Authentication failed.", "Unauthorized")
        try:
            handler, params = _resolve(method, unquote(path))
            parsed = _parse_body(method, unquote(path), headers, body)
            call = _Call(method, unquote(path), params, query, parsed, self.url, dict(self._behaviour))
            status, payload = handler(self._state, call)
        except _ApiError as error:
            return _error_response(error.status, error.detail, error.title, headers=error.headers)
        except Exception:  # a sandbox bug: show it, answer like the real API would
            traceback.print_exc()
            return _error_response(500, "The Flowroute sandbox hit an internal error.")
        return _json_response(status, payload)

    # -- control endpoints ---------------------------------------------------------------------

    def _control(self, method: str, split, body: bytes) -> _Response:
        path = split.path
        try:
            if path.startswith("/sandbox/media/"):
                if method != "GET":
                    raise _ApiError(405, "Use GET.")
                return self._serve_media(unquote(path[len("/sandbox/media/") :]), parse_qs(split.query))
            actions = _CONTROL.get(path)
            if actions is None:
                raise _ApiError(404, "No such sandbox control endpoint.")
            if method not in actions:
                raise _ApiError(405, f"Use {', '.join(actions)}.")
            payload = _loads(body) if body.strip() else {}
            if body.strip() and payload is None:
                raise _ApiError(400, "The request body is not valid JSON.")
            with self._lock:
                return getattr(self, actions[method])(payload)
        except _ApiError as error:
            return _error_response(error.status, error.detail, error.title)
        except (ValueError, TypeError) as error:
            return _error_response(400, str(error))

    def _control_inject(self, payload: dict) -> _Response:
        if not isinstance(payload, dict):
            raise ValueError("The body must be a JSON object.")
        if "messages" in payload:
            if not isinstance(payload["messages"], list) or not all(isinstance(m, dict) for m in payload["messages"]):
                raise ValueError("messages must be a list of objects.")
            return _json_response(201, {"ids": self.inject_messages(payload["messages"])}, "application/json")
        message = self.inject_message(
            payload.get("from"),
            payload.get("to"),
            payload.get("body") or "",
            media_urls=payload.get("media_urls"),
            timestamp=payload.get("timestamp"),
            direction=payload.get("direction") or "inbound",
            listed=payload.get("listed", True),
        )
        return _json_response(201, {"data": message}, "application/json")

    def _control_fail(self, payload: dict) -> _Response:
        self.fail_next(
            payload.get("count", 1),
            payload.get("status"),
            retry_after=payload.get("retry_after"),
            path_prefix=payload.get("path_prefix"),
            method=payload.get("method"),
            detail=payload.get("detail"),
            stall=payload.get("stall"),
        )
        return _Response(204)

    def _control_behaviour(self, payload: dict) -> _Response:
        if not isinstance(payload, dict):
            raise ValueError("The body must be a JSON object.")
        return _json_response(200, self.set_behaviour(**payload), "application/json")

    def _control_get_behaviour(self, payload: dict) -> _Response:
        return _json_response(200, self.behaviour(), "application/json")

    def _control_show_late(self, payload: dict) -> _Response:
        return _json_response(200, {"shown": self.show_late_records()}, "application/json")

    def _control_latency(self, payload: dict) -> _Response:
        self.set_latency(float(payload.get("seconds", 0)))
        return _Response(204)

    def _control_reset(self, payload: dict) -> _Response:
        self.reset()
        return _Response(204)

    def _control_requests(self, payload: dict) -> _Response:
        return _json_response(200, [record.to_json() for record in self.requests], "application/json")

    def _control_callbacks(self, payload: dict) -> _Response:
        return _json_response(200, self.callbacks.control(payload), "application/json")

    def _control_clear_requests(self, payload: dict) -> _Response:
        self.clear_requests()
        return _Response(204)

    def _serve_media(self, media_id: str, query: dict[str, list[str]]) -> _Response:
        expires = (query.get("Expires") or [""])[0]
        signature = (query.get("Signature") or [""])[0]
        with self._lock:
            expected = self._state.media_signature(media_id, expires)
            media = self._state.media.get(media_id)
        if not expires or not hmac.compare_digest(signature.encode(), expected.encode()):
            return _s3_error(403, "SignatureDoesNotMatch", "The request signature does not match.")
        try:
            expired = float(expires) <= time.time()
        except ValueError:
            expired = True
        if expired:
            return _s3_error(403, "AccessDenied", "Request has expired")
        if media is None:
            return _s3_error(404, "NoSuchKey", "The specified key does not exist.")
        return _Response(200, media["content"], media["mime_type"])


_CONTROL = {
    "/sandbox/messages": {"POST": "_control_inject"},
    "/sandbox/fail": {"POST": "_control_fail"},
    "/sandbox/latency": {"POST": "_control_latency"},
    "/sandbox/behaviour": {"GET": "_control_get_behaviour", "POST": "_control_behaviour"},
    "/sandbox/messages/show-late": {"POST": "_control_show_late"},
    "/sandbox/reset": {"POST": "_control_reset"},
    "/sandbox/requests": {"GET": "_control_requests", "DELETE": "_control_clear_requests"},
    "/sandbox/callbacks": {"GET": "_control_callbacks", "POST": "_control_callbacks"},
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.flowroute", description="Run the Flowroute sandbox.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--access-key", default="sandbox-access-key")
    parser.add_argument("--secret-key", default="sandbox-secret-key")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--media-ttl", type=float, default=3600.0)
    args = parser.parse_args(argv)
    sandbox = FlowrouteSandbox(args.access_key, args.secret_key, seed=args.seed, media_ttl=args.media_ttl)
    url = sandbox.start(args.host, args.port)
    print(f"Flowroute sandbox at {url}")
    print(f"  access key: {sandbox.access_key}")
    print(f"  secret key: {sandbox.secret_key}  (sandbox-only credentials)")
    print("Ctrl-C to stop.", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()


if __name__ == "__main__":
    main()
