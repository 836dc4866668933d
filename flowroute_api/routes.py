"""Routes v2: inbound voice routes, edge strategies, a number's primary/failover route."""

from __future__ import annotations

from ._util import given, require_changes, segment
from .phone import normalize_number

ROUTE_TYPES = ("host", "number", "uri", "sip-reg")


class RoutesMixin:
    """Methods for /v2/routes and /v2/numbers/{id}/relationships/{primary,failover}_route."""

    def list_routes(self, route_type=None, limit=None, offset=None) -> dict:
        params = {"route_type": route_type, "limit": limit, "offset": offset}
        return self._request("GET", "/v2/routes", params=params)

    def create_route(self, route_type: str, value: str, alias: str, *, edge_strategy_id=None) -> dict:
        """Create a route (201). A POST: repeated only after a 429."""
        attributes = {"route_type": route_type, "value": value, "alias": alias}
        if edge_strategy_id is not None:
            # Guess [UNCONFIRMED]: create may want `edge_strategy` (the official Python SDK's demo sends it); we
            # send the name Flowroute's Routes v2 reference (developer.flowroute.com, "update a route") and its
            # responses use, as an integer.
            attributes["edge_strategy_id"] = int(edge_strategy_id)
        return self._request("POST", "/v2/routes", json={"data": {"type": "route", "attributes": attributes}})

    def update_route(self, route_id, *, alias=None, route_type=None, value=None, edge_strategy_id=None) -> dict:
        """PATCH only the given attributes of a route."""
        attributes = given(alias=alias, route_type=route_type, value=value)
        if edge_strategy_id is not None:
            attributes["edge_strategy_id"] = int(edge_strategy_id)
        require_changes(attributes, "route")
        body = {"data": {"type": "route", "attributes": attributes}}
        return self._request("PATCH", f"/v2/routes/{segment(route_id)}", json=body)

    def delete_route(self, route_id) -> None:
        """Delete a route (204); Flowroute answers 403 while numbers still use it."""
        return self._request("DELETE", f"/v2/routes/{segment(route_id)}")

    def list_edge_strategies(self) -> dict:
        return self._request("GET", "/v2/routes/edge_strategies")

    def set_primary_route(self, number, route_id) -> None:
        return self._set_number_route(number, "primary_route", route_id)

    def set_failover_route(self, number, route_id) -> None:
        return self._set_number_route(number, "failover_route", route_id)

    def remove_primary_route(self, number) -> None:
        return self._request("DELETE", f"/v2/numbers/{normalize_number(number)}/relationships/primary_route")

    def remove_failover_route(self, number) -> None:
        return self._request("DELETE", f"/v2/numbers/{normalize_number(number)}/relationships/failover_route")

    def _set_number_route(self, number, relationship: str, route_id) -> None:
        path = f"/v2/numbers/{normalize_number(number)}/relationships/{relationship}"
        body = {"data": {"type": "route", "id": str(route_id)}}
        # Pointing a number at a route twice leaves the same state, so a retry after a 5xx is harmless.
        return self._request("PATCH", path, json=body, idempotent=True)
