"""E911 v2 (Flowroute's API reference at developer.flowroute.com, "E911"): emergency addresses and which
numbers use them.

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

An address geocodes when street number, street name and city are given and the state and postal code
are a US state with a ZIP (``98101``, ``98101-1234``) or a Canadian province with a postal code.
"""

from __future__ import annotations

import re

from sandbox.flowroute.plumbing import (
    ApiError,
    Call,
    data_attributes,
    id_sort_key,
    page_of,
    text_value,
)
from sandbox.flowroute.resources import (
    e911_resource,
)
from sandbox.flowroute.seed import E911_FIELDS
from sandbox.flowroute.state import State

GEOCODE_DETAIL = "Could not geocode this address. Please check the validity of your address."


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


_N = r"/v2/numbers/(?P<number>[^/]+)"


def _e911_fields(attributes: dict, current: dict | None = None) -> dict:
    address = dict(current) if current else dict.fromkeys(E911_FIELDS)
    for name in E911_FIELDS:
        if name in attributes:
            address[name] = text_value(attributes[name], name)
    if "zip" not in attributes and "zip_code" in attributes:  # the SDK's update sends zip_code too
        address["zip"] = text_value(attributes["zip_code"], "zip_code")
    _validate_address(address)
    address["state"] = address["state"].upper()
    address["country"] = address["country"].upper()
    return address


def _validate_address(address: dict) -> None:
    address_type = address["address_type"]
    if address_type:
        if address_type.casefold() not in {name.casefold() for name in _ADDRESS_TYPES}:
            raise ApiError(422, f"address_type must be one of: {', '.join(_ADDRESS_TYPES)}.")
        if not address["address_type_number"]:
            raise ApiError(422, "address_type_number is required when address_type is given.")
    country = (address["country"] or "").upper()
    state = (address["state"] or "").upper()
    postal = address["zip"] or ""
    complete = all(address[name] for name in ("street_number", "street_name", "city"))
    us_ok = country == "US" and state in _US_STATES and _US_ZIP.fullmatch(postal)
    ca_ok = country == "CA" and state in _CA_PROVINCES and _CA_POSTAL.fullmatch(postal)
    if not (complete and (us_ok or ca_ok)):
        raise ApiError(400, GEOCODE_DETAIL, title="Client Error")


def _list_e911s(state: State, call: Call):
    partial = {name: call.arg(name) for name in ("label", "street_name", "city")}
    wanted_state = call.arg("state")

    def keep(address: dict) -> bool:
        for name, text in partial.items():
            if text is not None and text.casefold() not in (address[name] or "").casefold():
                return False
        return wanted_state is None or (address["state"] or "").upper() == wanted_state.upper()

    items = [(key, address) for key, address in sorted(state.e911s.items(), key=id_sort_key) if keep(address)]
    echo = [*partial.items(), ("state", wanted_state)]
    page, links = page_of(call, items, maximum=2000, echo=echo)
    return 200, {"data": [e911_resource(key, address, call.base_url) for key, address in page], "links": links}


def _get_e911(state: State, call: Call):
    e911_id = call.params["e911"]
    return 200, {"data": e911_resource(e911_id, state.found(state.e911s, e911_id), call.base_url)}


def _validate_e911(state: State, call: Call):
    _e911_fields(data_attributes(call, "e911"))
    return 204, None


def _create_e911(state: State, call: Call):
    address = _e911_fields(data_attributes(call, "e911"))
    e911_id = state.new_id("e911")
    state.e911s[e911_id] = address
    return 201, {"data": e911_resource(e911_id, address, call.base_url)}


def _update_e911(state: State, call: Call):
    e911_id = call.params["e911"]
    current = state.found(state.e911s, e911_id)
    state.e911s[e911_id] = _e911_fields(data_attributes(call, "e911"), current)
    return 200, {"data": e911_resource(e911_id, state.e911s[e911_id], call.base_url)}


def _delete_e911(state: State, call: Call):
    e911_id = call.params["e911"]
    state.found(state.e911s, e911_id)
    if any(record["e911"] == e911_id for record in state.numbers.values()):
        # Guess: the docs say associations must be removed first but not which status refuses it.
        raise ApiError(403, "Remove this E911 address from every number before deleting it.")
    del state.e911s[e911_id]
    return 204, None


def _e911_numbers(state: State, call: Call):
    e911_id = call.params["e911"]
    state.found(state.e911s, e911_id)
    records = [record for _value, record in sorted(state.numbers.items()) if record["e911"] == e911_id]
    page, links = page_of(call, records, maximum=None)  # pagination here is implied, not documented
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


def _associate_e911(state: State, call: Call):
    record = state.number(call.params["number"])
    e911_id = call.params["e911"]
    state.found(state.e911s, e911_id)
    if record["number_type"] == "toll-free":
        # Guess: the docs contradict each other on toll-free; the sandbox follows "cannot assign".
        raise ApiError(422, "Cannot assign an E911 record to a number that does not support emergency services.")
    record["e911"] = e911_id
    return 204, None


def _disconnect_e911(state: State, call: Call):
    state.number(call.params["number"])["e911"] = None
    return 204, None


E911_ENDPOINTS = [
    (_N + r"/relationships/e911s/(?P<e911>[^/]+)", {"PATCH": _associate_e911}),
    (_N + r"/relationships/e911s", {"DELETE": _disconnect_e911}),
    (r"/v2/e911s/validate", {"POST": _validate_e911}),
    (r"/v2/e911s", {"GET": _list_e911s, "POST": _create_e911}),
    (r"/v2/e911s/(?P<e911>[^/]+)", {"GET": _get_e911, "PATCH": _update_e911, "DELETE": _delete_e911}),
    (r"/v2/e911s/(?P<e911>[^/]+)/relationships/numbers", {"GET": _e911_numbers}),
]
