"""Routes v2 methods: request shape on the wire and parsed results, against the sandbox."""

import pytest

from flowroute_api import FlowrouteError, ForbiddenError, InvalidNumberError
from tests.flowroute_api.checks import call_once


def test_list_routes_filters_by_type(client, sandbox):
    result = call_once(
        sandbox,
        lambda: client.list_routes(route_type="host", limit=10, offset=0),
        "GET",
        "/v2/routes",
        query={"route_type": ["host"], "limit": ["10"], "offset": ["0"]},
    )
    assert [(item["id"], item["attributes"]["alias"]) for item in result["data"]] == [("1", "office-pbx")]


def test_list_routes_returns_the_seeded_routes(client, sandbox):
    result = call_once(sandbox, lambda: client.list_routes(limit=200), "GET", "/v2/routes", query={"limit": ["200"]})
    assert {"0", "1", "2", "3"} <= {item["id"] for item in result["data"]}


def test_create_route_sends_json_api_body(client, sandbox):
    attributes = {"route_type": "uri", "value": "sip:ops@example.org", "alias": "ops-uri", "edge_strategy_id": 2}
    result = call_once(
        sandbox,
        lambda: client.create_route("uri", "sip:ops@example.org", "ops-uri", edge_strategy_id="2"),
        "POST",
        "/v2/routes",
        body={"data": {"type": "route", "attributes": attributes}},
    )
    route_id = result["data"]["id"]
    assert route_id == "100"
    assert sandbox.route(route_id)["alias"] == "ops-uri"


def test_create_route_without_edge_strategy_leaves_it_out(client, sandbox):
    call_once(
        sandbox,
        lambda: client.create_route("host", "10.0.0.5:5060", "lab-pbx"),
        "POST",
        "/v2/routes",
        body={
            "data": {
                "type": "route",
                "attributes": {"route_type": "host", "value": "10.0.0.5:5060", "alias": "lab-pbx"},
            }
        },
    )


def test_update_route_patches_only_given_attributes(client, sandbox):
    result = call_once(
        sandbox,
        lambda: client.update_route("3", alias="cell-forward"),
        "PATCH",
        "/v2/routes/3",
        body={"data": {"type": "route", "attributes": {"alias": "cell-forward"}}},
    )
    assert result["data"]["attributes"]["alias"] == "cell-forward"
    assert sandbox.route("3")["value"] == "12065550999"


def test_update_route_with_nothing_to_change_sends_nothing(client, sandbox):
    with pytest.raises(ValueError):
        client.update_route("3")
    assert sandbox.requests == []


def test_delete_route_returns_none(client, sandbox):
    assert call_once(sandbox, lambda: client.delete_route("3"), "DELETE", "/v2/routes/3") is None
    assert sandbox.route("3") is None


def test_delete_route_in_use_raises_forbidden_with_flowroute_detail(client, sandbox):
    with pytest.raises(ForbiddenError) as caught:
        client.delete_route("1")
    assert caught.value.status == 403
    assert caught.value.errors
    assert str(caught.value).startswith("Flowroute 403")


def test_route_ids_are_escaped_in_paths(client, sandbox):
    sandbox.clear_requests()
    with pytest.raises(FlowrouteError):
        client.delete_route("1/../../numbers")
    assert sandbox.requests[0].path in {"/v2/routes/1%2F..%2F..%2Fnumbers", "/v2/routes/1/../../numbers"}
    assert not sandbox.requests[0].path.startswith("/v2/numbers")


def test_list_edge_strategies(client, sandbox):
    result = call_once(sandbox, client.list_edge_strategies, "GET", "/v2/routes/edge_strategies")
    assert [item["attributes"]["name"] for item in result["data"]] == [
        "US-West-OR", "US-East-VA", "US-East-NJ", "US-Central-IL",
    ]  # fmt: skip


@pytest.mark.parametrize("relationship", ["primary_route", "failover_route"])
def test_set_number_route(client, sandbox, relationship):
    setter = getattr(client, f"set_{relationship}")
    result = call_once(
        sandbox,
        lambda: setter("(206) 555-0101", 2),
        "PATCH",
        f"/v2/numbers/12065550101/relationships/{relationship}",
        body={"data": {"type": "route", "id": "2"}},
    )
    assert result is None
    number = client.get_number("12065550101")["data"]
    assert number["relationships"][relationship]["data"]["id"] == "2"


@pytest.mark.parametrize("relationship", ["primary_route", "failover_route"])
def test_remove_number_route(client, sandbox, relationship):
    remover = getattr(client, f"remove_{relationship}")
    result = call_once(
        sandbox,
        lambda: remover("12065550100"),
        "DELETE",
        f"/v2/numbers/12065550100/relationships/{relationship}",
    )
    assert result is None


def test_route_methods_refuse_invalid_numbers(client, sandbox):
    with pytest.raises(InvalidNumberError):
        client.set_primary_route("555-0100", "1")
    with pytest.raises(InvalidNumberError):
        client.remove_failover_route("")
    assert sandbox.requests == []
