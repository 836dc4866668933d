"""Numbers v2 (Flowroute's API reference at developer.flowroute.com, "Numbers"): search, buy, list, change and
release numbers, their routes and their messaging callbacks.

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

A number's E911 and CNAM relationships are served by e911.py and cnam.py.
"""

from __future__ import annotations

import re

from sandbox.flowroute.plumbing import (
    CALLBACK_TYPES,
    ApiError,
    Call,
    bool_value,
    callback_url_of,
    digits_arg,
    envelope,
    float_arg,
    object_body,
    page_of,
    text_value,
)
from sandbox.flowroute.resources import (
    available_resource,
    number_document,
    number_resource,
)
from sandbox.flowroute.state import State

_N = r"/v2/numbers/(?P<number>[^/]+)"


def _number_filters(call: Call) -> tuple[str | None, str | None, str | None]:
    """starts_with (country code 1 assumed unless it starts with +), contains, ends_with."""
    starts_with = call.arg("starts_with")
    if starts_with is not None:
        international = starts_with.startswith("+")
        starts_with = starts_with[1:] if international else starts_with
        if not starts_with.isdigit():
            raise ApiError(400, "starts_with must contain digits only.")
        starts_with = starts_with if international else "1" + starts_with
    return starts_with, digits_arg(call, "contains"), digits_arg(call, "ends_with")


def _number_matches(value: str, filters: tuple[str | None, str | None, str | None]) -> bool:
    starts_with, contains, ends_with = filters
    return (
        (starts_with is None or value.startswith(starts_with))
        and (contains is None or contains in value)
        and (ends_with is None or value.endswith(ends_with))
    )


def _list_areacodes(state: State, call: Call):
    # Guess: toll-free prefixes (844, 888) are listed too; the docs do not say.
    max_cost = float_arg(call, "max_setup_cost")
    codes = sorted(
        {
            entry["value"][1:4]
            for entry in state.inventory.values()
            if max_cost is None or entry["setup_cost"] <= max_cost
        }
    )
    page, links = page_of(call, codes, maximum=400, echo=[("max_setup_cost", call.arg("max_setup_cost"))])
    related = f"{call.base_url}/v2/numbers/available/exchanges?areacode="
    data = [{"type": "areacode", "id": code, "links": {"related": related + code}} for code in page]
    return 200, {"data": data, "links": links}


def _list_exchanges(state: State, call: Call):
    max_cost = float_arg(call, "max_setup_cost")
    areacode = digits_arg(call, "areacode")
    codes = sorted(
        {
            entry["value"][1:7]
            for entry in state.inventory.values()
            if (max_cost is None or entry["setup_cost"] <= max_cost)
            and (areacode is None or entry["value"][1:4] == areacode)
        }
    )
    echo = [("areacode", areacode), ("max_setup_cost", call.arg("max_setup_cost"))]
    page, links = page_of(call, codes, maximum=200, echo=echo)
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


def _search_available(state: State, call: Call):
    filters = _number_filters(call)
    wanted = {key: call.arg(key) for key in ("rate_center", "state", "number_type", "iso_country")}
    order_by = call.arg("order_by")
    if order_by is not None and order_by not in _ORDER_KEYS:
        # Guess: an unknown order_by is refused; the docs' text on ordering was cut off.
        raise ApiError(400, f"order_by must be one of {', '.join(_ORDER_KEYS)}.")

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
    page, links = page_of(call, matches, maximum=200, echo=echo)
    return 200, {"data": [available_resource(entry, call.base_url) for entry in page], "links": links}


def _purchase_flags(call: Call) -> dict[str, bool]:
    """cnam_lookups_enabled / messaging_enabled from the query or a JSON body.

    Guess: Flowroute's Numbers v2 reference (developer.flowroute.com, "purchase a phone number") does not say
    where these go, so both are accepted.
    """
    body = call.body if call.body is not None else {}
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    flags = {}
    for name in ("cnam_lookups_enabled", "messaging_enabled"):
        if call.arg(name) is not None:
            flags[name] = bool_value(call.arg(name), name, 400)
        elif name in body:
            flags[name] = bool_value(body[name], name, 422)
    return flags


def _purchase(state: State, call: Call):
    value = call.params["number"]
    if not re.fullmatch(r"\d{11}", value):
        # Guess: a malformed number is a 400; the docs only list 401/404 for purchase.
        raise ApiError(400, "The number must be 11 digits, country code 1 first (e.g. 12065551234).")
    if value in state.numbers:
        # Guess: status and wording for buying a number the account already holds.
        raise ApiError(422, "Number is not available for purchase")
    if value not in state.inventory:
        raise ApiError(404)
    flags = _purchase_flags(call)
    record = state.buy(
        value,
        cnam_lookups=flags.get("cnam_lookups_enabled", False),
        messaging=flags.get("messaging_enabled", False),
    )
    document = number_document(state, record, call.base_url)
    document["data"]["attributes"].update(
        status="PURCHASED",
        monthly_cost=record["monthly_cost"],
        setup_cost=record["setup_cost"],
        rate_type="toll-free" if record["number_type"] == "toll-free" else "local",
        iso_country=record["iso_country"],
    )
    return 201, document


def _list_numbers(state: State, call: Call):
    filters = _number_filters(call)
    alias = call.arg("alias")
    matches = [
        record
        for value, record in sorted(state.numbers.items())
        if _number_matches(value, filters) and (alias is None or record["alias"] == alias)
    ]
    echo = [("starts_with", filters[0]), ("contains", filters[1]), ("ends_with", filters[2]), ("alias", alias)]
    page, links = page_of(call, matches, maximum=200, echo=echo)
    return 200, {"data": [number_resource(record, call.base_url) for record in page], "links": links}


def _get_number(state: State, call: Call):
    return 200, number_document(state, state.number(call.params["number"]), call.base_url)


def _update_number(state: State, call: Call):
    record = state.number(call.params["number"])
    body = object_body(call)
    if isinstance(body.get("data"), dict):
        # Guess: the docs show only the flat body; the JSON:API envelope every other PATCH takes works too.
        attributes = envelope(call, "number").get("attributes")
        body = {"type": "number", **(attributes if isinstance(attributes, dict) else {})}
    if body.get("type") != "number":
        # Guess: the docs say type is required; a missing or other type is treated as a bad request.
        raise ApiError(400, 'The body must be flat and carry "type": "number".')
    changes = {}
    if "alias" in body:
        alias = body["alias"]
        if alias is not None and (not isinstance(alias, str) or len(alias) > 64):
            raise ApiError(422, "alias must be a string of at most 64 characters.")
        changes["alias"] = alias
    for name in ("cnam_lookups_enabled", "messaging_enabled", "messaging_email"):
        if name in body:
            changes[name] = bool_value(body[name], name, 422)
    if "messaging_callback_url" in body:
        changes["messaging_callback_url"] = text_value(body["messaging_callback_url"], "messaging_callback_url")
    record.update(changes)
    return 200, number_document(state, record, call.base_url)


def _release_number(state: State, call: Call):
    state.number(call.params["number"])
    state.release(call.params["number"])
    return 204, None


def _set_number_callback(state: State, call: Call):
    record = state.number(call.params["number"])
    record["callbacks"][call.params["callback"]] = callback_url_of(call)
    return 204, None


def _set_route_relationship(state: State, call: Call):
    record = state.number(call.params["number"])
    route_id = envelope(call, "route").get("id")
    if isinstance(route_id, bool) or not isinstance(route_id, str | int) or str(route_id).strip() == "":
        raise ApiError(400, 'The body must be {"data": {"type": "route", "id": "<route id>"}}.')
    state.found(state.routes, str(route_id))
    record[call.params["relationship"]] = str(route_id)
    return 204, None


def _clear_route_relationship(state: State, call: Call):
    state.number(call.params["number"])[call.params["relationship"]] = None
    return 204, None


NUMBER_ENDPOINTS = [
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
]
