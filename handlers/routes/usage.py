"""Which account numbers use a route, found before a delete is offered (Flowroute would refuse it with a 403)."""

from __future__ import annotations

from flowroute_api import FlowrouteClient, attributes, iter_records

# Flowroute's number list carries no relationships (Numbers v2 "list account phone numbers"), so each number's
# details are read one by one; past this many numbers the check is skipped and Flowroute's 403 says it instead.
MAX_NUMBERS_CHECKED = 100
NUMBER_PAGE_SIZE = 200  # Flowroute's maximum for /v2/numbers


def numbers_using_route(client: FlowrouteClient, route_id: str) -> list[str] | None:
    """The numbers whose primary or failover route is `route_id`, or None when the account is too big to check."""
    numbers = []
    for resource in iter_records(client.list_numbers, page_size=NUMBER_PAGE_SIZE):
        numbers.append(str(attributes(resource).get("value") or resource.get("id")))
        if len(numbers) > MAX_NUMBERS_CHECKED:
            return None
    return [number for number in numbers if route_id in _route_ids(client.get_number(number))]


def _route_ids(details: dict) -> set[str]:
    relationships = ((details or {}).get("data") or {}).get("relationships") or {}
    found = set()
    for name in ("primary_route", "failover_route"):
        data = (relationships.get(name) or {}).get("data")
        if isinstance(data, dict) and data.get("id") is not None:
            found.add(str(data["id"]))
    return found
