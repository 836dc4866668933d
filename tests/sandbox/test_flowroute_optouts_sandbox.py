"""The sandbox's carrier STOP: only an inbound `STOP` blocks sends back (400, code 1110) until `UNSTOP`."""

import pytest

from flowroute_api import FlowrouteClient, FlowrouteError
from flowroute_api.optouts import is_opt_out_refusal

OURS, OTHER_OURS = "12065550100", "12065550101"
THEM, SOMEONE_ELSE = "14255557001", "14255557002"


@pytest.fixture
def client(flowroute_sandbox):
    return FlowrouteClient(flowroute_sandbox.access_key, flowroute_sandbox.secret_key, base_url=flowroute_sandbox.url,
                           backoff_factor=0.01)


def refused(client, from_, to) -> FlowrouteError | None:
    try:
        client.send_sms(from_, to, "hello")
    except FlowrouteError as error:
        return error
    return None


def test_stop_blocks_that_pair_with_400_and_code_1110_until_unstop(flowroute_sandbox, client):
    flowroute_sandbox.inject_message(THEM, OURS, " Stop ")
    error = refused(client, OURS, THEM)
    assert error is not None and error.status == 400 and is_opt_out_refusal(error)
    assert error.errors[0]["code"] == 1110 and "1110" in error.errors[0]["detail"]
    assert refused(client, OTHER_OURS, THEM) is None  # another of our numbers may still text them
    assert refused(client, OURS, SOMEONE_ELSE) is None
    flowroute_sandbox.inject_message(THEM, OURS, "unstop")
    assert refused(client, OURS, THEM) is None


@pytest.mark.parametrize("body", ["QUIT", "STOPALL", "UNSUBSCRIBE", "STOP PLEASE", "stop it"])
def test_other_keywords_and_longer_bodies_do_not_block_at_flowroute(flowroute_sandbox, client, body):
    flowroute_sandbox.inject_message(THEM, OURS, body)
    assert refused(client, OURS, THEM) is None


def test_start_does_not_lift_a_stop_and_reset_does(flowroute_sandbox, client):
    flowroute_sandbox.inject_message(THEM, OURS, "STOP")
    flowroute_sandbox.inject_message(THEM, OURS, "START")
    assert refused(client, OURS, THEM) is not None
    flowroute_sandbox.reset()
    assert refused(client, OURS, THEM) is None
