"""Numbers v2 methods: request shape on the wire and parsed results, against the sandbox."""

import pytest

from flowroute_api import InvalidNumberError, NotFoundError
from tests.flowroute_api.checks import call_once


def test_list_area_codes_sends_filters_and_returns_area_codes(client, sandbox):
    result = call_once(
        sandbox,
        lambda: client.list_area_codes(max_setup_cost=3.5, limit=400, offset=0),
        "GET",
        "/v2/numbers/available/areacodes",
        query={"max_setup_cost": ["3.5"], "limit": ["400"], "offset": ["0"]},
    )
    ids = {item["id"] for item in result["data"]}
    assert {"206", "312", "415"} <= ids
    assert all(item["type"] == "areacode" for item in result["data"])


def test_list_area_codes_without_arguments_sends_no_query(client, sandbox):
    result = call_once(sandbox, client.list_area_codes, "GET", "/v2/numbers/available/areacodes")
    assert result["data"]


def test_list_exchanges_filters_by_area_code(client, sandbox):
    result = call_once(
        sandbox,
        lambda: client.list_exchanges(areacode=206, limit=50),
        "GET",
        "/v2/numbers/available/exchanges",
        query={"areacode": ["206"], "limit": ["50"]},
    )
    assert result["data"]
    assert all(item["id"].startswith("206") for item in result["data"])


def test_search_numbers_sends_every_filter(client, sandbox):
    result = call_once(
        sandbox,
        lambda: client.search_numbers(
            starts_with=206, contains=555, ends_with=42, rate_center="seattle", state="WA",
            number_type="longcode", iso_country="US", order_by="monthly_cost", limit=5, offset=0,
        ),
        "GET",
        "/v2/numbers/available",
        query={
            "starts_with": ["206"], "contains": ["555"], "ends_with": ["42"], "rate_center": ["seattle"],
            "state": ["WA"], "number_type": ["longcode"], "iso_country": ["US"],
            "order_by": ["monthly_cost"], "limit": ["5"], "offset": ["0"],
        },
    )  # fmt: skip
    numbers = [item["attributes"]["value"] for item in result["data"]]
    assert "12065550142" in numbers
    assert all(number.startswith("1206") and number.endswith("42") for number in numbers)


def test_purchase_number_posts_once_without_body(client, sandbox):
    result = call_once(sandbox, lambda: client.purchase_number("206-555-0142"), "POST", "/v2/numbers/12065550142")
    assert result["data"]["id"] == "12065550142"
    assert sandbox.account_number("12065550142") is not None


def test_purchase_number_sends_flags_as_real_booleans(client, sandbox):
    result = call_once(
        sandbox,
        lambda: client.purchase_number("13125550188", cnam_lookups_enabled=True, messaging_enabled=False),
        "POST",
        "/v2/numbers/13125550188",
        body={"cnam_lookups_enabled": True, "messaging_enabled": False},
    )
    assert result["data"]["attributes"]["value"] == "13125550188"


def test_list_numbers_filters_by_alias(client, sandbox):
    result = call_once(
        sandbox,
        lambda: client.list_numbers(starts_with=206, alias="Seattle sales", limit=10, offset=0),
        "GET",
        "/v2/numbers",
        query={"starts_with": ["206"], "alias": ["Seattle sales"], "limit": ["10"], "offset": ["0"]},
    )
    assert [item["id"] for item in result["data"]] == ["12065550101"]


def test_list_numbers_returns_the_seeded_account(client, sandbox):
    result = call_once(sandbox, lambda: client.list_numbers(limit=200), "GET", "/v2/numbers", query={"limit": ["200"]})
    assert {item["id"] for item in result["data"]} == {
        "12065550100", "12065550101", "13125550123", "16465550199", "18885550142",
    }  # fmt: skip


def test_get_number_normalises_the_number(client, sandbox):
    result = call_once(sandbox, lambda: client.get_number("+1 (206) 555-0100"), "GET", "/v2/numbers/12065550100")
    assert result["data"]["attributes"]["alias"] == "Seattle support"
    assert result["data"]["relationships"]["primary_route"]["data"]["id"] == "1"


def test_get_number_not_on_account_raises_not_found(client, sandbox):
    with pytest.raises(NotFoundError) as caught:
        client.get_number("12065550142")
    assert caught.value.status == 404
    assert caught.value.path == "/v2/numbers/12065550142"


def test_update_number_sends_only_the_given_fields(client, sandbox):
    result = call_once(
        sandbox,
        lambda: client.update_number("2065550101", alias="Front desk"),
        "PATCH",
        "/v2/numbers/12065550101",
        body={"type": "number", "alias": "Front desk"},
    )
    assert result["data"]["attributes"]["alias"] == "Front desk"
    assert sandbox.account_number("12065550101")["alias"] == "Front desk"


def test_update_number_can_clear_the_alias_and_set_flags(client, sandbox):
    call_once(
        sandbox,
        lambda: client.update_number("12065550100", alias=None, cnam_lookups_enabled=False),
        "PATCH",
        "/v2/numbers/12065550100",
        body={"type": "number", "alias": None, "cnam_lookups_enabled": False},
    )
    assert sandbox.account_number("12065550100")["alias"] is None


def test_update_number_with_nothing_to_change_sends_nothing(client, sandbox):
    with pytest.raises(ValueError, match="nothing to update"):
        client.update_number("12065550100")
    assert sandbox.requests == []


def test_release_number_returns_none_on_204(client, sandbox):
    result = call_once(sandbox, lambda: client.release_number("16465550199"), "DELETE", "/v2/numbers/16465550199")
    assert result is None
    assert sandbox.account_number("16465550199") is None


def test_set_number_callback_posts_the_url(client, sandbox):
    result = call_once(
        sandbox,
        lambda: client.set_number_callback("12065550100", "sms_callback", "https://bot.example.com/sms"),
        "POST",
        "/v2/numbers/12065550100/relationships/sms_callback",
        body={"data": {"attributes": {"callback_url": "https://bot.example.com/sms"}}},
    )
    assert result is None


def test_set_number_callback_rejects_unknown_type_before_any_request(client, sandbox):
    with pytest.raises(ValueError, match="callback type"):
        client.set_number_callback("12065550100", "voice_callback", "https://bot.example.com/x")
    assert sandbox.requests == []


@pytest.mark.parametrize(
    "call",
    [
        lambda api: api.purchase_number("206-555"),
        lambda api: api.get_number("not a number"),
        lambda api: api.update_number("+44 20 7946 0958", alias="x"),
        lambda api: api.release_number("1206555010"),
        lambda api: api.set_number_callback("12065550100x1", "sms_callback", "https://x"),
    ],
)
def test_invalid_numbers_are_refused_before_any_request(client, sandbox, call):
    with pytest.raises(InvalidNumberError):
        call(client)
    assert sandbox.requests == []
