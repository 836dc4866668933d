"""Routes v2 (Flowroute's API reference at developer.flowroute.com, "Routes"): inbound voice routes and the
edge strategies (PoPs) a route may pin.

  GET    /v2/routes                           route_type; limit 10 (max 200)
  POST   /v2/routes                           JSON:API route -> 201 {"data", "links"};
                                              alias required + unique, route_type host|number|
                                              uri, value checked per type: 422
  PATCH  /v2/routes/{id}                      JSON:API attributes -> 200
  DELETE /v2/routes/{id}                      204; 403 while a number uses it; 404 unknown
  GET    /v2/routes/edge_strategies           integer ids 1-4

The seed's route 0 is the account's default sip-reg route: it cannot be changed or deleted (Guess: 403).
"""

from __future__ import annotations

import re
from typing import Any

from sandbox.flowroute.plumbing import (
    ApiError,
    Call,
    data_attributes,
    id_sort_key,
    page_of,
)
from sandbox.flowroute.resources import (
    route_resource,
)
from sandbox.flowroute.seed import EDGE_STRATEGIES
from sandbox.flowroute.state import State

_HOST_VALUE = re.compile(
    r"(?P<host>[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)"
    r"(?::(?P<port>\d{1,5}))?(?:;[A-Za-z]+=[A-Za-z0-9.]+)*"
)
_URI_VALUE = re.compile(r"sips?:[^@\s]+@[^@\s]+")


def _list_routes(state: State, call: Call):
    route_type = call.arg("route_type")
    items = [
        (route_id, route)
        for route_id, route in sorted(state.routes.items(), key=id_sort_key)
        if route_type is None or route["route_type"] == route_type.lower()
    ]
    page, links = page_of(call, items, maximum=200, echo=[("route_type", route_type)])
    return 200, {"data": [route_resource(key, route, call.base_url) for key, route in page], "links": links}


def _edge_strategy_value(attributes: dict) -> tuple[bool, int | None]:
    """(given, id): accepts `edge_strategy_id` or the SDK demo's `edge_strategy`, int or digit string.

    Guess: the official Python SDK's demo sends `edge_strategy`, Flowroute's Routes v2 reference
    (developer.flowroute.com, "update a route") and its responses `edge_strategy_id`; which one create
    accepts is unconfirmed, so both are.
    """
    name = "edge_strategy_id" if "edge_strategy_id" in attributes else "edge_strategy"
    if name not in attributes:
        return False, None
    value = attributes[name]
    if value is None or value == "":
        return True, None
    known = {row[0] for row in EDGE_STRATEGIES}
    if isinstance(value, bool) or not str(value).strip().isdigit() or int(str(value)) not in known:
        raise ApiError(422, f"{name} must be one of the edge strategy ids {sorted(known)}.")  # Guess: status
    return True, int(str(value))


def _check_route_value(route_type: str, value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and route_type == "number":
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise ApiError(422, "value is required.")
    value = value.strip()
    if route_type == "number" and not re.fullmatch(r"\d{11}", value):
        raise ApiError(422, "A number route's value must be an 11-digit number such as 12065551234.")
    if route_type == "uri" and not _URI_VALUE.fullmatch(value):
        raise ApiError(422, "A uri route's value must look like sip:user@domain or sips:user@domain.")
    if route_type == "host":
        match = _HOST_VALUE.fullmatch(value)
        if not match or (match["port"] and not 0 < int(match["port"]) < 65536):
            raise ApiError(422, "A host route's value must be a hostname or IP address with an optional :port.")
    return value


def _validated_route(state: State, attributes: dict, route_id: str | None) -> dict:
    route = dict(state.routes[route_id]) if route_id else {"edge_strategy_id": None}
    for key in ("alias", "route_type", "value"):
        if key in attributes:
            route[key] = attributes[key]
    given, edge = _edge_strategy_value(attributes)
    if given:
        route["edge_strategy_id"] = edge
    alias = route.get("alias")
    if not isinstance(alias, str) or not alias.strip():
        raise ApiError(422, "alias is required.")
    # Guess: uniqueness is exact (case-sensitive); the docs only say "unique".
    if any(other["alias"] == alias for key, other in state.routes.items() if key != route_id):
        raise ApiError(422, f"A route with the alias {alias!r} already exists; aliases must be unique.")
    if route.get("route_type") not in ("host", "number", "uri"):
        raise ApiError(422, "route_type must be one of host, number, uri.")
    route["value"] = _check_route_value(route["route_type"], route.get("value"))
    return {key: route[key] for key in ("route_type", "alias", "value", "edge_strategy_id")}


def _create_route(state: State, call: Call):
    route = _validated_route(state, data_attributes(call, "route"), None)
    route_id = state.new_id("route")
    state.routes[route_id] = route
    resource = route_resource(route_id, route, call.base_url)
    return 201, {"data": resource, "links": {"self": resource["links"]["self"]}}


def _update_route(state: State, call: Call):
    route_id = call.params["route"]
    state.found(state.routes, route_id)
    if route_id == "0":
        raise ApiError(403, "The default sip-reg route cannot be changed.")  # Guess
    state.routes[route_id] = _validated_route(state, data_attributes(call, "route"), route_id)
    return 200, {"data": route_resource(route_id, state.routes[route_id], call.base_url)}


def _delete_route(state: State, call: Call):
    route_id = call.params["route"]
    state.found(state.routes, route_id)
    if route_id == "0":
        raise ApiError(403, "The default sip-reg route cannot be deleted.")  # Guess
    if any(route_id in (record["primary_route"], record["failover_route"]) for record in state.numbers.values()):
        raise ApiError(
            403,
            "Remove this route from every number's primary and failover route before deleting it.",
            title="This Route has numbers still associated to it.",
        )
    del state.routes[route_id]
    return 204, None


def _list_edge_strategies(state: State, call: Call):
    data = [
        {
            "type": "edge_strategy",
            "id": ident,
            "attributes": {"name": name, "description": description, "firewall_rules": rules, "naptr": naptr},
        }
        for ident, name, description, rules, naptr in EDGE_STRATEGIES
    ]
    return 200, {"data": data, "links": {"self": f"{call.base_url}{call.path}"}}


ROUTE_ENDPOINTS = [
    (r"/v2/routes/edge_strategies", {"GET": _list_edge_strategies}),
    (r"/v2/routes", {"GET": _list_routes, "POST": _create_route}),
    (r"/v2/routes/(?P<route>[^/]+)", {"PATCH": _update_route, "DELETE": _delete_route}),
]
