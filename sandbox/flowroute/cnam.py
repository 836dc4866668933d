"""CNAM v2 (Flowroute's API reference at developer.flowroute.com, "CNAM"): caller-name records, their review and
the numbers that carry them.

  GET    /v2/cnams                            is_approved, value (substring); limit 10 (no max)
  GET    /v2/cnams/{id}                       200 (+ numbers using it)
  POST   /v2/cnams                            flat {"value"} (JSON or form) -> 201; invalid or
                                              duplicate 422
  PATCH  /v2/cnams/{id}                       JSON:API -> 200
  DELETE /v2/cnams/{id}                       204; numbers using it lose it
  PATCH  /v2/numbers/{number}/relationships/cnams/{id}   202; not approved 422
  DELETE /v2/numbers/{number}/relationships/cnams        202
  (the SDKs' singular ``/relationships/cnam/...`` paths work too: the docs write ``cnams``)

A new record waits for review; ``FlowrouteSandbox.approve_cnam()`` does what Flowroute's review does.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sandbox.flowroute.plumbing import (
    ApiError,
    Call,
    bool_value,
    data_attributes,
    id_sort_key,
    object_body,
    page_of,
)
from sandbox.flowroute.records import cnam_time
from sandbox.flowroute.resources import (
    cnam_resource,
    number_resource,
)
from sandbox.flowroute.state import State

_CNAM_VALUE = re.compile(r"[A-Za-z0-9 \-_.,@+&'/\"]{1,15}")


_N = r"/v2/numbers/(?P<number>[^/]+)"


def _check_cnam_value(state: State, value: Any, cnam_id: str | None = None) -> str:
    if not isinstance(value, str) or not _CNAM_VALUE.fullmatch(value) or not re.search(r"[A-Za-z]", value):
        raise ApiError(
            422,
            "value must be 1-15 characters with at least one letter; besides letters, digits and spaces "
            "only - _ . , @ + & ' / \" are allowed.",
        )
    # Guess: duplicates are compared case-insensitively.
    if any(cnam["value"].casefold() == value.casefold() for key, cnam in state.cnams.items() if key != cnam_id):
        raise ApiError(422, "Duplicate CNAM entry found on your account.")
    return value


def _list_cnams(state: State, call: Call):
    approved = call.arg("is_approved")
    if approved is not None:
        # Lowercase is documented; other spellings (the SDK's "True") are accepted case-insensitively.
        approved = bool_value(approved, "is_approved", 400)
    text = call.arg("value")
    items = [
        (key, cnam)
        for key, cnam in sorted(state.cnams.items(), key=id_sort_key)
        if (approved is None or cnam["is_approved"] == approved)
        and (text is None or text.casefold() in cnam["value"].casefold())
    ]
    echo = [("is_approved", call.arg("is_approved")), ("value", text)]
    page, links = page_of(call, items, maximum=None, echo=echo)
    return 200, {"data": [cnam_resource(key, cnam, call.base_url) for key, cnam in page], "links": links}


def _get_cnam(state: State, call: Call):
    cnam_id = call.params["cnam"]
    resource = cnam_resource(cnam_id, state.found(state.cnams, cnam_id), call.base_url)
    document: dict[str, Any] = {"data": resource}
    users = [record for _value, record in sorted(state.numbers.items()) if record["cnam"] == cnam_id]
    if users:
        resource["relationships"] = {"numbers": {"data": [{"type": "number", "id": r["value"]} for r in users]}}
        document["included"] = [number_resource(record, call.base_url) for record in users]
    return 200, document


def _create_cnam(state: State, call: Call):
    value = _check_cnam_value(state, object_body(call).get("value"))
    cnam_id = state.new_id("cnam")
    state.cnams[cnam_id] = {
        "value": value,
        "is_approved": False,
        "rejection_reason": None,
        "creation_datetime": cnam_time(datetime.now(UTC)),
        "approval_datetime": None,
    }
    return 201, {"data": cnam_resource(cnam_id, state.cnams[cnam_id], call.base_url)}


def _update_cnam(state: State, call: Call):
    cnam_id = call.params["cnam"]
    cnam = state.found(state.cnams, cnam_id)
    attributes = data_attributes(call, "cnam")
    if "value" in attributes:
        cnam["value"] = _check_cnam_value(state, attributes["value"], cnam_id)
        # Guess: a changed value goes back to review, like a new record.
        cnam.update(is_approved=False, approval_datetime=None, rejection_reason=None)
    resource = cnam_resource(cnam_id, cnam, call.base_url)
    return 200, {"data": resource, "links": {"self": resource["links"]["self"]}}


def _delete_cnam(state: State, call: Call):
    cnam_id = call.params["cnam"]
    state.found(state.cnams, cnam_id)
    for record in state.numbers.values():
        if record["cnam"] == cnam_id:
            record["cnam"] = None
    del state.cnams[cnam_id]
    return 204, None


def _rfc1123_now() -> str:
    return datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")


def _associate_cnam(state: State, call: Call):
    record = state.number(call.params["number"])
    cnam_id = call.params["cnam"]
    cnam = state.found(state.cnams, cnam_id)
    if not cnam["is_approved"]:
        raise ApiError(422, "The CNAM record is not approved yet.")
    if record["number_type"] == "toll-free":
        raise ApiError(422, "Only long-code numbers can carry a CNAM record.")  # Guess: status
    record["cnam"] = cnam_id
    # The documented 202 shows an integer id here.
    ident: Any = int(cnam_id) if cnam_id.isdigit() else cnam_id
    return 202, {"data": {"type": "cnam", "id": ident, "attributes": {"date_created": _rfc1123_now()}}}


def _unassociate_cnam(state: State, call: Call):
    state.number(call.params["number"])["cnam"] = None
    return 202, {"data": {"type": "cnam", "id": None, "attributes": {"date_created": _rfc1123_now()}}}


CNAM_ENDPOINTS = [
    # The docs write `cnams`; the official SDKs (Python, PHP, Ruby, .NET) call the singular `cnam`: both work here.
    (_N + r"/relationships/cnams?/(?P<cnam>[^/]+)", {"PATCH": _associate_cnam}),
    (_N + r"/relationships/cnams?", {"DELETE": _unassociate_cnam}),
    (r"/v2/cnams", {"GET": _list_cnams, "POST": _create_cnam}),
    (r"/v2/cnams/(?P<cnam>[^/]+)", {"GET": _get_cnam, "PATCH": _update_cnam, "DELETE": _delete_cnam}),
]
