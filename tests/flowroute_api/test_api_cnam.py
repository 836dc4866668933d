"""CNAM v2 methods: request shape on the wire and parsed results, against the sandbox."""

import pytest

from flowroute_api import InvalidNumberError
from tests.flowroute_api.checks import call_once


def test_list_cnams_sends_booleans_in_lowercase(client, sandbox):
    result = call_once(
        sandbox,
        lambda: client.list_cnams(is_approved=True, limit=10, offset=0),
        "GET",
        "/v2/cnams",
        query={"is_approved": ["true"], "limit": ["10"], "offset": ["0"]},
    )
    assert [item["attributes"]["value"] for item in result["data"]] == ["ACME OPS"]


def test_list_cnams_pending_by_value(client, sandbox):
    result = call_once(
        sandbox,
        lambda: client.list_cnams(is_approved=False, value="sales"),
        "GET",
        "/v2/cnams",
        query={"is_approved": ["false"], "value": ["sales"]},
    )
    assert [item["id"] for item in result["data"]] == ["2"]


def test_get_cnam(client, sandbox):
    result = call_once(sandbox, lambda: client.get_cnam("1"), "GET", "/v2/cnams/1")
    assert result["data"]["attributes"]["is_approved"] is True


def test_create_cnam_sends_a_flat_json_body(client, sandbox):
    result = call_once(sandbox, lambda: client.create_cnam("ACME NOC"), "POST", "/v2/cnams", body={"value": "ACME NOC"})
    assert result["data"]["id"] == "100"
    assert result["data"]["attributes"]["is_approved"] is False


def test_update_cnam(client, sandbox):
    result = call_once(
        sandbox,
        lambda: client.update_cnam("2", "ACME SALES WEST"),
        "PATCH",
        "/v2/cnams/2",
        body={"data": {"type": "cnam", "attributes": {"value": "ACME SALES WEST"}}},
    )
    assert result["data"]["attributes"]["value"] == "ACME SALES WEST"


def test_delete_cnam(client, sandbox):
    assert call_once(sandbox, lambda: client.delete_cnam("2"), "DELETE", "/v2/cnams/2") is None


def test_associate_cnam_uses_the_plural_path(client, sandbox):
    result = call_once(
        sandbox,
        lambda: client.associate_cnam("2065550101", "1"),
        "PATCH",
        "/v2/numbers/12065550101/relationships/cnams/1",
    )
    assert str(result["data"]["id"]) == "1"


def test_unassociate_cnam_uses_the_plural_path(client, sandbox):
    result = call_once(
        sandbox,
        lambda: client.unassociate_cnam("12065550100"),
        "DELETE",
        "/v2/numbers/12065550100/relationships/cnams",
    )
    assert result["data"]["type"] == "cnam"


def test_cnam_number_methods_refuse_invalid_numbers(client, sandbox):
    with pytest.raises(InvalidNumberError):
        client.associate_cnam("555", "1")
    with pytest.raises(InvalidNumberError):
        client.unassociate_cnam("+44 20 7946 0958")
    assert sandbox.requests == []
