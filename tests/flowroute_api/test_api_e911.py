"""E911 v2 methods: request shape on the wire and parsed results, against the sandbox."""

import pytest

from flowroute_api import E911_ADDRESS_TYPES, InvalidNumberError
from tests.flowroute_api.checks import call_once

OFFICE = {
    "label": "Portland lab",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "street_number": "1120",
    "street_name": "NW Couch St",
    "address_type": "Suite",
    "address_type_number": "400",
    "city": "Portland",
    "state": "OR",
    "country": "US",
    "zip": "97209",
}


def test_address_types_are_the_documented_list():
    assert len(E911_ADDRESS_TYPES) == 23
    assert {"Suite", "Floor", "Apartment", "Unit", "Upper"} <= set(E911_ADDRESS_TYPES)


def test_list_e911s_sends_filters(client, sandbox):
    result = call_once(
        sandbox,
        lambda: client.list_e911s(label="seattle", city="Seattle", state="WA", limit=20, offset=0),
        "GET",
        "/v2/e911s",
        query={"label": ["seattle"], "city": ["Seattle"], "state": ["WA"], "limit": ["20"], "offset": ["0"]},
    )
    assert [item["id"] for item in result["data"]] == ["1"]


def test_list_e911s_by_street_name(client, sandbox):
    result = call_once(
        sandbox,
        lambda: client.list_e911s(street_name="Wacker"),
        "GET",
        "/v2/e911s",
        query={"street_name": ["Wacker"]},
    )
    assert [item["attributes"]["label"] for item in result["data"]] == ["Chicago NOC"]


def test_get_e911(client, sandbox):
    result = call_once(sandbox, lambda: client.get_e911("1"), "GET", "/v2/e911s/1")
    assert result["data"]["attributes"]["label"] == "Seattle HQ"


def test_validate_e911_posts_json_api_body_and_returns_none(client, sandbox):
    result = call_once(
        sandbox,
        lambda: client.validate_e911(**OFFICE),
        "POST",
        "/v2/e911s/validate",
        body={"data": {"type": "e911", "attributes": OFFICE}},
    )
    assert result is None


def test_create_e911_sends_strings_and_leaves_out_none(client, sandbox):
    address = {**OFFICE, "street_number": 1120, "address_type": None, "address_type_number": None}
    expected = {key: str(value) for key, value in address.items() if value is not None}
    result = call_once(
        sandbox,
        lambda: client.create_e911(**address),
        "POST",
        "/v2/e911s",
        body={"data": {"type": "e911", "attributes": expected}},
    )
    assert result["data"]["id"] == "100"
    assert sandbox.e911("100")["label"] == "Portland lab"


def test_create_e911_refuses_unknown_fields_before_any_request(client, sandbox):
    with pytest.raises(TypeError, match="zip_code"):
        client.create_e911(**OFFICE, zip_code="97209")
    assert sandbox.requests == []


def test_update_e911_patches_only_the_given_fields(client, sandbox):
    result = call_once(
        sandbox,
        lambda: client.update_e911("1", label="Seattle HQ (main)"),
        "PATCH",
        "/v2/e911s/1",
        body={"data": {"type": "e911", "attributes": {"label": "Seattle HQ (main)"}}},
    )
    assert result["data"]["attributes"]["label"] == "Seattle HQ (main)"
    assert result["data"]["attributes"]["address_type"] == "Suite"


def test_update_e911_sends_null_only_when_asked(client, sandbox):
    call_once(
        sandbox,
        lambda: client.update_e911("1", address_type=None, address_type_number=None),
        "PATCH",
        "/v2/e911s/1",
        body={"data": {"type": "e911", "attributes": {"address_type": None, "address_type_number": None}}},
    )


def test_update_e911_with_nothing_to_change_sends_nothing(client, sandbox):
    with pytest.raises(ValueError):
        client.update_e911("1")
    assert sandbox.requests == []


def test_delete_e911(client, sandbox):
    assert call_once(sandbox, lambda: client.delete_e911("3"), "DELETE", "/v2/e911s/3") is None
    assert sandbox.e911("3") is None


def test_list_e911_numbers(client, sandbox):
    result = call_once(
        sandbox,
        lambda: client.list_e911_numbers("1", limit=10, offset=0),
        "GET",
        "/v2/e911s/1/relationships/numbers",
        query={"limit": ["10"], "offset": ["0"]},
    )
    assert [item["attributes"]["value"] for item in result["data"]] == ["12065550100"]


def test_associate_e911(client, sandbox):
    result = call_once(
        sandbox,
        lambda: client.associate_e911("206.555.0101", "3"),
        "PATCH",
        "/v2/numbers/12065550101/relationships/e911s/3",
    )
    assert result is None
    numbers = client.list_e911_numbers("3")["data"]
    assert [item["attributes"]["value"] for item in numbers] == ["12065550101"]


def test_disconnect_e911(client, sandbox):
    result = call_once(
        sandbox,
        lambda: client.disconnect_e911("13125550123"),
        "DELETE",
        "/v2/numbers/13125550123/relationships/e911s",
    )
    assert result is None
    assert client.list_e911_numbers("2")["data"] == []


def test_e911_number_methods_refuse_invalid_numbers(client, sandbox):
    with pytest.raises(InvalidNumberError):
        client.associate_e911("206-555", "1")
    with pytest.raises(InvalidNumberError):
        client.disconnect_e911("12345")
    assert sandbox.requests == []
