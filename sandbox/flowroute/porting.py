"""Porting and CDR endpoints: the portability check (Flowroute's Porting v2 reference at developer.flowroute.com,
"check portability") and CDR exports (the official Python SDK's cdrs controller and README captures).

The handlers take ``(state, call)`` and return ``(status, payload)`` like every area module of this package; the
server's routing table includes ``PORTING_ENDPOINTS``. Their own state lives in ``state.porting`` (a
``PortingState``), so ``reset()`` starts it afresh with the rest.

  POST /v2/portorders/portability   {"numbers": ["+14252081174", ...]} (E.164, the "+" required)
                                    -> 200 {"data": {"portable", "nonportable",
                                    "hypernetwork_enabled"}}, numbers echoed as sent. Per number:
                                    on the account or in the inventory -> hypernetwork_enabled
                                    (already on Flowroute); outside +1, or an area code of
                                    _OUTSIDE_COVERAGE -> nonportable; else portable;
                                    set_portability() overrides. Not a list / empty 400, a number
                                    without "+" or not E.164 422 (Guess: statuses). Form data is
                                    415 like every non-JSON body of the sandbox.
  GET    /v2/cdrs/exports           status (processing|completed|failed), limit 10 (max 200),
                                    offset; newest first; each item wrapped in its own {"data"}
                                    with an integer id and links at http://cdr-api/..., as in
                                    the captured answer
  POST   /v2/cdrs/exports           {"data": {"type": "cdrexport", "attributes":
                                    {"filter_parameters": {"start_call_start_time",
                                    "start_call_end_time", ...}, "callback_url"?}}} -> 201,
                                    status "processing"
  GET    /v2/cdrs/exports/{id}      the export; each read is one poll (see below)

An export answers ``processing`` to its first ``after_polls`` reads (1 by default) and then
``completed`` (or ``failed``), or switches once ``after_seconds`` have passed, whichever comes first
(set_cdr_export_behaviour(); the setting in force at creation applies). A completed export's
``download_url`` is a pre-signed ``/sandbox/media/...`` link (no auth; 403 once expired after the
sandbox's media_ttl, like S3) serving a gzip CSV with Flowroute's columns. Its calls are generated
from the window alone (a seeded RNG per UTC hour) on the account's numbers, so the same window gives
the same file. Filters honoured: number_aliases, number_aliases_contains, destination_numbers,
callerid_numbers (with or without "+"), duration_greater_than; others are echoed and ignored.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import random
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from sandbox.flowroute.plumbing import NOT_FOUND_DETAIL, ApiError

PORTABLE, NOT_PORTABLE, ON_FLOWROUTE = "portable", "nonportable", "hypernetwork_enabled"
VERDICTS = (PORTABLE, NOT_PORTABLE, ON_FLOWROUTE)
EXPORT_STATUSES = ("processing", "completed", "failed")
CDR_LINK_HOST = "http://cdr-api"  # the internal host the captured list/get links point at
CDR_COLUMNS = (
    "direction", "start_time", "end_time", "destination", "number_alias", "callerid", "total_cost",
    "destination_name", "callerid_country", "line_information", "result", "call_fail_sip_code",
    "call_fail_reason", "duration", "billed_duration", "rate", "first_increment", "subsequent_increment",
    "cost_subtotal", "connect_fee", "usf_fee", "ccrf", "cnam_lookup_fee", "custom_x_tag", "customer_ip",
)  # fmt: skip
# Guess: area codes the sandbox treats as outside Flowroute's porting footprint (Alaska, Hawaii,
# Puerto Rico, the US Virgin Islands, Guam, the Northern Marianas, American Samoa).
_OUTSIDE_COVERAGE = frozenset({"907", "808", "787", "939", "340", "671", "670", "684"})
_E164 = re.compile(r"\+[1-9]\d{7,14}")
_MAX_EXPORT_DAYS = 400  # Guess: a bound of the sandbox's own; Flowroute documents none
_REMOTE = ("12065559876", "14255551234", "15035550177", "17735550100", "18774551500", "13125550142")
_FAILURES = (("486", "Busy Here"), ("480", "Temporarily Unavailable"), ("404", "Not Found"))
_CENTS = Decimal("0.00000001")
_TOTALS = (
    "num_calls", "billed_minutes", "total_cost", "call_subtotal", "connect_fees", "cnamlookup_fees", "usf_fees", "ccrf",
)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# State kept beside the sandbox's own (State.porting, so reset() starts afresh)
# ---------------------------------------------------------------------------------------------


@dataclass
class CdrExportBehaviour:
    outcome: str = "completed"
    after_polls: int | None = 1
    after_seconds: float | None = None


@dataclass
class _Export:
    id: int
    filters: dict
    callback_url: str | None
    requested_at: datetime
    behaviour: CdrExportBehaviour
    status: str = "processing"
    polls: int = 0
    finished_at: datetime | None = None
    download_url: str | None = None
    expires_at: datetime | None = None
    totals: dict[str, Any] = field(default_factory=dict)


@dataclass
class PortingState:
    behaviour: CdrExportBehaviour = field(default_factory=CdrExportBehaviour)
    exports: dict[int, _Export] = field(default_factory=dict)
    next_export_id: int = 38647
    portability: dict[str, str] = field(default_factory=dict)


def set_cdr_export_behaviour(sandbox, outcome="completed", *, after_polls=1, after_seconds=None) -> None:
    """How exports created from now on end: `completed` or `failed`, after N reads and/or seconds."""
    if outcome not in ("completed", "failed"):
        raise ValueError("outcome must be completed or failed")
    if after_polls is None and after_seconds is None:
        raise ValueError("give after_polls, after_seconds or both")
    behaviour = CdrExportBehaviour(outcome, after_polls, after_seconds)
    with sandbox._lock:
        sandbox._state.porting.behaviour = behaviour


def set_portability(sandbox, number, verdict: str) -> None:
    """Force the portability answer for one number (any form; +1 assumed for 10 digits)."""
    if verdict not in VERDICTS:
        raise ValueError(f"verdict must be one of {', '.join(VERDICTS)}")
    digits = re.sub(r"\D", "", str(number))
    with sandbox._lock:
        sandbox._state.porting.portability["1" + digits if len(digits) == 10 else digits] = verdict


def _object(value: Any, what: str) -> dict:
    if not isinstance(value, dict):
        raise ApiError(400, f"{what} must be a JSON object.")
    return value


# ---------------------------------------------------------------------------------------------
# Portability
# ---------------------------------------------------------------------------------------------


def _verdict(state, extra: PortingState, number: str) -> str:
    digits = number[1:]
    if digits in extra.portability:
        return extra.portability[digits]
    if digits in state.numbers or digits in state.inventory:
        return ON_FLOWROUTE
    if not digits.startswith("1") or len(digits) != 11 or digits[1:4] in _OUTSIDE_COVERAGE:
        return NOT_PORTABLE
    return PORTABLE


def check_portability(state, call):
    numbers = _object(call.body, "The request body").get("numbers")
    if not isinstance(numbers, list) or not numbers:
        raise ApiError(400, 'numbers must be a non-empty list, e.g. {"numbers": ["+14252081174"]}.')
    answer: dict[str, list] = {verdict: [] for verdict in VERDICTS}
    extra = state.porting
    for number in dict.fromkeys(number if isinstance(number, str) else repr(number) for number in numbers):
        if not _E164.fullmatch(number):
            raise ApiError(422, f"{number} is not an E.164 number; numbers need the leading + (+14252081174).")
        answer[_verdict(state, extra, number)].append(number)
    return 200, {"data": answer}


# ---------------------------------------------------------------------------------------------
# CDR exports: filters and the generated calls
# ---------------------------------------------------------------------------------------------


def _moment(value: Any, name: str) -> datetime:
    """`2019-01-01 00:00:00`, `2019-01-01`, or ISO 8601 with `T` and an offset; UTC when no zone."""
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, f"filter_parameters.{name} is required (UTC, e.g. 2019-01-01 00:00:00).")
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    except ValueError:
        raise ApiError(400, f"filter_parameters.{name} could not be parsed: {text}.") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _export_request(call) -> tuple[dict, str | None]:
    """The filter_parameters and callback_url of a create request (JSON:API, type cdrexport)."""
    data = _object(_object(call.body, "The request body").get("data"), "data")
    if data.get("type") != "cdrexport":
        raise ApiError(400, 'data.type must be "cdrexport".')
    attributes = _object(data.get("attributes"), "data.attributes")
    filters = _object(attributes.get("filter_parameters"), "data.attributes.filter_parameters")
    callback_url = attributes.get("callback_url")
    if callback_url is not None and not (isinstance(callback_url, str) and callback_url.startswith("http")):
        raise ApiError(422, "callback_url must be an http(s) URL.")  # Guess: format check and status
    return filters, callback_url


def _window(filters: dict) -> tuple[datetime, datetime]:
    start = _moment(filters.get("start_call_start_time"), "start_call_start_time")
    end = _moment(filters.get("start_call_end_time"), "start_call_end_time")
    if end <= start:
        raise ApiError(400, "start_call_end_time must come after start_call_start_time.")
    if end - start > timedelta(days=_MAX_EXPORT_DAYS):
        raise ApiError(422, f"The sandbox exports at most {_MAX_EXPORT_DAYS} days at a time.")
    return start, end


def _money(value: Decimal) -> str:
    return str(value.quantize(_CENTS, rounding=ROUND_HALF_UP))


def _hour_calls(hour: datetime, ours: list[tuple[str, str]]) -> list[dict]:
    """The calls that started in one UTC hour: the same for the same hour and account numbers."""
    rng = random.Random(f"cdr-{hour.isoformat()}")
    calls = []
    for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
        number, alias = rng.choice(ours)
        remote = rng.choice(_REMOTE)
        inbound = rng.random() < 0.5
        start = hour + timedelta(seconds=rng.randrange(3600))
        failed = rng.random() < 0.1
        duration = 0 if failed else rng.randint(5, 900)
        billed = 0 if failed else max(6, math.ceil(duration / 6) * 6)
        rate = Decimal("0.0015") if inbound else Decimal("0.0098")
        subtotal = rate * billed / 60
        usf = Decimal(0) if inbound else subtotal * Decimal("0.12")
        ccrf = subtotal * Decimal("0.13")
        cnam = Decimal("0.0039") if inbound and not failed else Decimal(0)
        sip, reason = rng.choice(_FAILURES) if failed else ("200", "OK")
        calls.append(
            {
                "direction": "Inbound" if inbound else "Outbound",
                "start_time": start.strftime("%Y-%m-%d %H:%M:%S+00"),
                "end_time": (start + timedelta(seconds=duration)).strftime("%Y-%m-%d %H:%M:%S+00"),
                "destination": number if inbound else remote,
                "number_alias": alias,
                "callerid": "+" + (remote if inbound else number),
                "total_cost": _money(subtotal + usf + ccrf + cnam),
                "destination_name": "UNITED STATES",
                "callerid_country": "UNITED STATES" if inbound else "N/A",
                "line_information": "61" if inbound else "",
                "result": "failed" if failed else "completed",
                "call_fail_sip_code": sip,
                "call_fail_reason": reason,
                "duration": str(duration),
                "billed_duration": str(billed),
                "rate": str(rate),
                "first_increment": "6",
                "subsequent_increment": "6",
                "cost_subtotal": _money(subtotal),
                "connect_fee": "0.0000",
                "usf_fee": _money(usf),
                "ccrf": _money(ccrf),
                "cnam_lookup_fee": _money(cnam),
                "custom_x_tag": "",
                "customer_ip": "192.0.2.10" if inbound else "192.0.2.10:5080",
            }
        )
    return calls


def _keeps(call: dict, filters: dict) -> bool:
    def listed(name: str) -> list[str] | None:
        values = filters.get(name)
        return [str(value) for value in values] if isinstance(values, list) else None

    aliases, contains = listed("number_aliases"), listed("number_aliases_contains")
    destinations, callerids = listed("destination_numbers"), listed("callerid_numbers")
    longer = filters.get("duration_greater_than")
    digits = {re.sub(r"\D", "", value) for value in callerids or []}
    return (
        (aliases is None or call["number_alias"] in aliases)
        and (contains is None or any(part in call["number_alias"] for part in contains))
        and (destinations is None or call["destination"] in {re.sub(r"\D", "", d) for d in destinations})
        and (callerids is None or call["callerid"].lstrip("+") in digits)
        and (not isinstance(longer, int | float) or int(call["duration"]) > longer)
    )


def export_calls(state, filters: dict) -> list[dict]:
    """Every generated call the filters select, newest first (the order of the captured file)."""
    start, end = _window(filters)
    ours = [(value, record.get("alias") or "") for value, record in sorted(state.numbers.items())]
    if not ours:
        return []
    calls = []
    hour = start.replace(minute=0, second=0, microsecond=0)
    while hour < end:
        calls.extend(_hour_calls(hour, ours))
        hour += timedelta(hours=1)
    low, high = start.strftime("%Y-%m-%d %H:%M:%S+00"), end.strftime("%Y-%m-%d %H:%M:%S+00")
    kept = [call for call in calls if low <= call["start_time"] < high and _keeps(call, filters)]
    return sorted(kept, key=lambda call: call["start_time"], reverse=True)


def export_file(calls: list[dict]) -> bytes:
    """The gzip CSV (header line first); mtime 0 keeps the bytes the same for the same calls."""
    text = io.StringIO(newline="")
    writer = csv.DictWriter(text, fieldnames=CDR_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(calls)
    return gzip.compress(text.getvalue().encode("utf-8"), mtime=0)


# ---------------------------------------------------------------------------------------------
# CDR exports: lifecycle and resources
# ---------------------------------------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _finish(state, export: _Export, base_url: str, now: datetime) -> None:
    export.finished_at = now
    if export.behaviour.outcome == "failed":
        export.status = "failed"
        return
    calls = export_calls(state, export.filters)
    content = export_file(calls)
    media_id = f"cdrexport-{export.id}-{uuid.uuid4().hex[:12]}.csv.gz"
    state.media[media_id] = {
        "content": content,
        "file_name": media_id,
        "mime_type": "application/x-gzip",
        "file_size": len(content),
        "source_url": "",
    }
    export.download_url = state.presigned_url(media_id, base_url)
    expires = parse_qs(urlsplit(export.download_url).query).get("Expires", ["0"])[0]
    export.expires_at = datetime.fromtimestamp(float(expires), UTC)

    def total(name: str) -> Decimal:
        return sum((Decimal(call[name]) for call in calls), Decimal(0))

    billed_seconds = sum(int(call["billed_duration"]) for call in calls)
    export.totals = {
        "num_calls": len(calls),
        "billed_minutes": int((Decimal(billed_seconds) / 60).to_integral_value(ROUND_HALF_UP)),
        "total_cost": _money(total("total_cost")),
        "call_subtotal": _money(total("cost_subtotal")),
        "connect_fees": _money(total("connect_fee")),
        "cnamlookup_fees": _money(total("cnam_lookup_fee")),
        "usf_fees": _money(total("usf_fee")),
        "ccrf": _money(total("ccrf")),
    }
    export.status = "completed"


def _advance(state, export: _Export, base_url: str, *, poll: bool) -> None:
    """Count one status read (`poll`) and switch the export once its behaviour says so."""
    if export.status != "processing":
        return
    behaviour = export.behaviour
    now = datetime.now(UTC)
    by_polls = poll and behaviour.after_polls is not None and export.polls >= behaviour.after_polls
    by_time = behaviour.after_seconds is not None and now - export.requested_at >= timedelta(
        seconds=behaviour.after_seconds
    )
    if poll:
        export.polls += 1
    if by_polls or by_time:
        _finish(state, export, base_url, now)


def _export_resource(export: _Export, *, integer_id: bool = False) -> dict:
    totals = export.totals or dict.fromkeys(_TOTALS)
    return {
        "type": "cdrexport",
        "id": export.id if integer_id else str(export.id),
        "attributes": {
            "callback_url": export.callback_url,
            "status": export.status,
            "download_url": export.download_url,
            "requested_at": _iso(export.requested_at),
            "created_at": _iso(export.requested_at),
            "expires_at": _iso(export.expires_at),
            **totals,
            "filter_parameters": export.filters,
        },
        "links": {"self": f"{CDR_LINK_HOST}/cdrs/exports/{export.id}"},
    }


def _int_arg(call, name: str, default: int, *, maximum: int | None = None) -> int:
    text = call.arg(name)
    if text is None:
        return default
    if not re.fullmatch(r"\d+", text):
        raise ApiError(400, f"{name} must be a whole number.")
    if maximum is not None and int(text) > maximum:
        raise ApiError(400, f"{name} must be at most {maximum}.")
    return int(text)


def list_cdr_exports(state, call):
    status = call.arg("status")
    if status is not None and status not in EXPORT_STATUSES:
        raise ApiError(400, f"status must be one of {', '.join(EXPORT_STATUSES)}.")
    limit = max(1, _int_arg(call, "limit", 10, maximum=200))
    offset = _int_arg(call, "offset", 0)
    exports = sorted(state.porting.exports.values(), key=lambda export: export.id, reverse=True)
    for export in exports:
        _advance(state, export, call.base_url, poll=False)
    exports = [export for export in exports if status is None or export.status == status]
    page = exports[offset : offset + limit]
    kept = [("status", status)] if status else []

    def link(at: int) -> str:
        return f"{CDR_LINK_HOST}/cdrs/exports?{urlencode(kept + [('offset', at), ('limit', limit)])}"

    links = {"self": link(offset)}
    if offset + limit < len(exports):
        links["next"] = link(offset + limit)
    return 200, {"data": [{"data": _export_resource(export, integer_id=True)} for export in page], "links": links}


def create_cdr_export(state, call):
    filters, callback_url = _export_request(call)
    _window(filters)
    extra = state.porting
    export = _Export(
        id=extra.next_export_id,
        filters=dict(filters),
        callback_url=callback_url,
        requested_at=datetime.now(UTC),
        behaviour=CdrExportBehaviour(**vars(extra.behaviour)),
    )
    extra.next_export_id += 1
    extra.exports[export.id] = export
    return 201, {"data": _export_resource(export)}


def get_cdr_export(state, call):
    key = call.params["export"]
    export = state.porting.exports.get(int(key)) if key.isdigit() else None
    if export is None:
        raise ApiError(404, NOT_FOUND_DETAIL)
    _advance(state, export, call.base_url, poll=True)
    resource = _export_resource(export)
    return 200, {"data": resource, "links": dict(resource["links"])}


PORTING_ENDPOINTS = [
    (r"/v2/portorders/portability", {"POST": check_portability}),
    (r"/v2/cdrs/exports", {"GET": list_cdr_exports, "POST": create_cdr_export}),
    (r"/v2/cdrs/exports/(?P<export>[^/]+)", {"GET": get_cdr_export}),
]
