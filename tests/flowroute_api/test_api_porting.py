"""Portability check: the JSON body with + numbers on the wire, the answer per number, errors."""

import pytest

from flowroute_api import (
    AuthenticationError,
    FlowrouteClient,
    InvalidNumberError,
    InvalidRequestError,
    ServerError,
    portability_by_number,
)
from sandbox.flowroute.porting import set_portability
from tests.flowroute_api.checks import assert_request, call_once

PATH = "/v2/portorders/portability"



def test_check_portability_sends_json_with_plus_numbers(client, sandbox):
    answer = call_once(
        sandbox,
        lambda: client.check_portability(["(425) 208-1174", "+1 212 555 1212", "14252081174", "12065550100"]),
        "POST",
        PATH,
        body={"numbers": ["+14252081174", "+12125551212", "+12065550100"]},
    )
    assert answer == {
        "data": {
            "portable": ["+14252081174", "+12125551212"],
            "nonportable": [],
            "hypernetwork_enabled": ["+12065550100"],
        }
    }
    assert portability_by_number(answer) == {
        "14252081174": "portable",
        "12125551212": "portable",
        "12065550100": "hypernetwork_enabled",
    }


def test_the_body_is_json_not_the_sdks_form_data(client, sandbox):
    client.check_portability("9075550123")
    recorded = sandbox.requests[-1]
    assert recorded.headers["content-type"] == "application/vnd.api+json"
    assert recorded.body == b'{"numbers": ["+19075550123"]}'


def test_each_number_gets_its_own_verdict(client, sandbox):
    set_portability(sandbox, "2125551212", "nonportable")
    answer = client.check_portability(["9075550123", "2125551212", "3125550188", "13125550123"])
    assert portability_by_number(answer) == {
        "19075550123": "nonportable",  # outside the sandbox's footprint
        "12125551212": "nonportable",  # forced
        "13125550188": "hypernetwork_enabled",  # in Flowroute's inventory
        "13125550123": "hypernetwork_enabled",  # on the account
    }


@pytest.mark.parametrize("numbers", [["555"], ["2065550100", "+44 20 7946 0958"], [None]])
def test_invalid_numbers_are_refused_before_any_request(client, sandbox, numbers):
    with pytest.raises(InvalidNumberError):
        client.check_portability(numbers)
    assert sandbox.requests == []


def test_an_empty_list_is_refused_before_any_request(client, sandbox):
    with pytest.raises(ValueError, match="at least one number"):
        client.check_portability([])
    assert sandbox.requests == []


def test_a_5xx_is_retried_because_the_check_changes_nothing(client, sandbox):
    sandbox.fail_next(1, 503, path_prefix=PATH)
    answer = client.check_portability("4252081174")
    assert portability_by_number(answer) == {"14252081174": "portable"}
    assert [r.status for r in sandbox.requests] == [503, 200]
    assert_request(sandbox.requests[1], "POST", PATH, body={"numbers": ["+14252081174"]})


def test_a_lasting_5xx_is_a_server_error_with_flowroutes_detail(client, sandbox):
    sandbox.fail_next(10, 500, path_prefix=PATH, detail="Porting is down for maintenance.")
    with pytest.raises(ServerError, match="Porting is down for maintenance"):
        client.check_portability("4252081174")


def test_a_4xx_is_an_invalid_request_error_in_one_line(client, sandbox):
    sandbox.fail_next(1, 400, path_prefix=PATH, detail="Too many numbers in one check.")
    with pytest.raises(InvalidRequestError) as caught:
        client.check_portability("4252081174")
    assert str(caught.value) == "Flowroute 400 Bad Request: Too many numbers in one check."
    assert len(sandbox.requests) == 1


def test_wrong_keys_are_an_authentication_error(sandbox):
    with FlowrouteClient("wrong", "keys", base_url=sandbox.url) as api, pytest.raises(AuthenticationError):
        api.check_portability("4252081174")


def test_answers_are_read_liberally():
    answer = {
        "data": {
            "portable": [14252081174, "12125551212", "not a number", {"odd": 1}],
            "nonportable": "+19075550123",  # not a list: ignored
            "hypernetwork_enabled": ["+12125551212"],
        }
    }
    assert portability_by_number(answer) == {"12125551212": "hypernetwork_enabled", "14252081174": "portable"}
    assert portability_by_number(None) == {}
    assert portability_by_number({"errors": []}) == {}
