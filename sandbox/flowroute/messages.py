"""Messages v2.1 (Flowroute's API reference at developer.flowroute.com, "Messages v2.1"): send SMS/MMS, list
and read MDRs, set the account's messaging callbacks.

  POST   /v2.1/messages                       compact or JSON:API body (is_mms a boolean or
                                              "true"/"false") -> 202; records an outbound MDR,
                                              "delivered", with two receipts (SMS)
  GET    /v2.1/messages                       start_date (required), end_date, limit 10 (no
                                              max), offset; ascending by timestamp, then id
  GET    /v2.1/messages/{mdr2-id}             the MDR; MMS adds "included" media objects whose
                                              url is a pre-signed /sandbox/media/... link
  PUT    /v2.1/messages/{sms_callback|mms_callback|sms_dlr_callback|mms_dlr_callback|
         dlr_callback}                        {"callback_url"} flat or wrapped -> 204

Deliberate oddity: the MDR list's ``links.next`` points at an internal host
(``http://mdr-api.internal/v2.1/messages?...&offset=N``), as captured from the real API, so a
client that follows links blindly breaks here too. Every other link uses the sandbox's own URL.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from sandbox.flowroute.optouts import carrier_refusal
from sandbox.flowroute.plumbing import (
    CALLBACK_TYPES,
    ApiError,
    Call,
    bool_value,
    callback_url_of,
    capped,
    data_attributes,
    int_arg,
    object_body,
)
from sandbox.flowroute.records import mdr_record, parse_moment, record_moment
from sandbox.flowroute.resources import (
    mdr_view,
    media_resource,
)
from sandbox.flowroute.state import State

MDR_NEXT_HOST = "http://mdr-api.internal"


def _message_fields(call: Call) -> dict:
    """The message attributes from a JSON:API or a compact (flat) body."""
    body = object_body(call)
    if "data" in body:
        return data_attributes(call, "message")
    return body


def _check_message(state: State, fields: dict) -> tuple[str, str, str, list[str], bool]:
    numbers = []
    for name in ("to", "from"):
        value = fields.get(name)
        text = str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""
        if not re.fullmatch(r"\d{11}", text):
            raise ApiError(422, f"{name} must be an 11-digit number such as 12065551234.")
        numbers.append(text)
    to, from_ = numbers
    if from_ not in state.numbers:
        raise ApiError(403, "from must be a number on your account.")  # Guess: status
    body = fields.get("body")
    if body is not None and not isinstance(body, str):
        raise ApiError(422, "body must be a string.")
    # A JSON boolean, or the strings "true"/"false" the official Python SDK's demos send (and Flowroute accepts).
    is_mms = fields.get("is_mms")
    is_mms = False if is_mms is None else bool_value(is_mms, "is_mms", 422)
    media_urls = fields.get("media_urls") or []
    if not isinstance(media_urls, list) or not all(isinstance(url, str) for url in media_urls):
        raise ApiError(422, "media_urls must be a list of URLs.")
    if any(not url.startswith(("http://", "https://")) for url in media_urls):  # Guess: checked at send
        raise ApiError(422, "media_urls must be publicly reachable http(s) URLs.")
    is_mms = is_mms or bool(media_urls)
    if is_mms and not (media_urls or body):
        raise ApiError(422, "MMS requires media_urls or body.")
    if not is_mms and not body:
        raise ApiError(422, "body is required for an SMS.")
    return from_, to, body or "", media_urls, is_mms


def _send_message(state: State, call: Call):
    from_, to, body, _media_urls, is_mms = _check_message(state, _message_fields(call))
    refused = carrier_refusal(state, from_, to)  # an inbound STOP blocks until UNSTOP (optouts.py)
    if refused:
        return refused
    mdr_id = f"mdr2-{uuid.uuid4().hex}"
    record = mdr_record(
        mdr_id,
        direction="outbound",
        from_=from_,
        to=to,
        body=body,
        moment=record_moment(call.behaviour),
        is_mms=is_mms,
        status="delivered",
    )
    record["dlr_callback"] = _message_fields(call).get("dlr_callback")  # for its receipts' callbacks
    state.add_mdrs([record])
    link = f"{call.base_url}/v2.1/messages/{mdr_id}"
    return 202, {"data": {"type": "message", "id": mdr_id, "links": {"self": link}}}


def _date_arg(call: Call, name: str) -> datetime | None:
    text = call.arg(name)
    if text is None:
        return None
    try:
        return parse_moment(text)
    except ValueError:
        raise ApiError(400, f"{name} must be YYYY-MM-DD or an ISO 8601 date-time.") from None


def _list_mdrs(state: State, call: Call):
    start = _date_arg(call, "start_date")
    if start is None:
        raise ApiError(400, "start_date is required.")
    end = _date_arg(call, "end_date")  # taken literally: a bare date means midnight UTC
    limit = int_arg(call, "limit", 10, minimum=1)  # Guess: default 10; no maximum is documented
    offset = int_arg(call, "offset", 0, minimum=0)
    # Sort order is undocumented upstream; the sandbox answers oldest first, ties by id.
    window, total = state.listed_page(start, end, offset, capped(call, limit))
    data = [mdr_view(state.mdrs[mdr_id], call.behaviour) for mdr_id in window]
    params = [("limit", limit), ("start_date", call.arg("start_date"))]
    if end is not None:
        params.append(("end_date", call.arg("end_date")))
    links = {"self": f"{call.base_url}/v2.1/messages?{urlencode(params + [('offset', offset)])}"}
    if offset + len(window) < total:
        # By default an internal host, as captured from the real API: clients must not follow it.
        host = MDR_NEXT_HOST if call.behaviour.get("internal_next_links", True) else call.base_url
        links["next"] = f"{host}/v2.1/messages?{urlencode(params + [('offset', offset + len(window))])}"
    return 200, {"data": data, "links": links}


def _get_mdr(state: State, call: Call):
    record = state.found(state.mdrs, call.params["key"])
    document: dict[str, Any] = {"data": mdr_view(record, call.behaviour)}
    if record["media_ids"]:
        # Unconfirmed upstream whether GET returns `included` media; the sandbox does, like the callback.
        document["included"] = [media_resource(state, media_id, call.base_url) for media_id in record["media_ids"]]
    return 200, document


def _set_account_callback(state: State, call: Call):
    if call.params["key"] not in CALLBACK_TYPES:
        raise ApiError(404)
    state.account_callbacks[call.params["key"]] = callback_url_of(call)
    return 204, None


MESSAGE_ENDPOINTS = [
    (r"/v2\.1/messages", {"GET": _list_mdrs, "POST": _send_message}),
    (r"/v2\.1/messages/(?P<key>[^/]+)", {"GET": _get_mdr, "PUT": _set_account_callback}),
]
