"""The JSON:API resource objects the endpoints answer with (number, available number, route, E911 address,
CNAM record, MDR, media), each with an absolute ``links.self`` on the sandbox's own URL.
"""

from __future__ import annotations

from urllib.parse import quote

from sandbox.flowroute.state import State


def number_resource(record: dict, base: str, *, relationships: bool = False) -> dict:
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


def number_document(state: State, record: dict, base: str) -> dict:
    resource = number_resource(record, base, relationships=True)
    included = []
    for key in ("primary_route", "failover_route"):
        route_id = record[key]
        if route_id is not None and route_id in state.routes and all(item["id"] != route_id for item in included):
            included.append(route_resource(route_id, state.routes[route_id], base))
    if record["e911"] in state.e911s:
        included.append(e911_resource(record["e911"], state.e911s[record["e911"]], base))
    if record["cnam"] in state.cnams:
        included.append(cnam_resource(record["cnam"], state.cnams[record["cnam"]], base))
    return {"data": resource, "included": included, "links": {"self": resource["links"]["self"]}}


def available_resource(entry: dict, base: str) -> dict:
    value = entry["value"]
    attributes = {key: entry[key] for key in ("value", "rate_center", "state", "number_type")}
    attributes.update(monthly_cost=entry["monthly_cost"], setup_cost=entry["setup_cost"])
    return {
        "type": "number",
        "id": value,
        "attributes": attributes,
        "links": {"related": f"{base}/v2/numbers/{value}"},
    }


def route_resource(route_id: str, route: dict, base: str) -> dict:
    return {
        "type": "route",
        "id": route_id,
        "attributes": dict(route),
        "links": {"self": f"{base}/v2/routes/{route_id}"},
    }


def e911_resource(e911_id: str, address: dict, base: str) -> dict:
    return {"type": "e911", "id": e911_id, "attributes": dict(address), "links": {"self": f"{base}/v2/e911s/{e911_id}"}}


def cnam_resource(cnam_id: str, cnam: dict, base: str) -> dict:
    return {"type": "cnam", "id": cnam_id, "attributes": dict(cnam), "links": {"self": f"{base}/v2/cnams/{cnam_id}"}}


def mdr_resource(record: dict) -> dict:
    resource = {"type": "message", "id": record["id"], "attributes": record["attributes"]}
    if record["media_ids"]:
        media = [{"type": "media", "id": media_id} for media_id in record["media_ids"]]
        resource["relationships"] = {"media": {"data": media}}
    return resource


def mdr_view(record: dict, behaviour: dict) -> dict:
    """The MDR as the API shows it under the integer_numbers / string_amounts switches."""
    resource = mdr_resource(record)
    if not (behaviour.get("integer_numbers") or behaviour.get("string_amounts")):
        return resource
    attributes = resource["attributes"] = dict(resource["attributes"])
    if behaviour.get("integer_numbers"):
        attributes["to"], attributes["from"] = int(attributes["to"]), int(attributes["from"])
    if behaviour.get("string_amounts"):
        attributes["amount_nanodollars"] = str(attributes["amount_nanodollars"])
    return resource


def media_resource(state: State, media_id: str, base: str) -> dict:
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
