"""Retry policy against the sandbox's fault injection: what is repeated, what never is, and waits."""

import time

import pytest

from flowroute_api import FlowrouteClient, FlowrouteConnectionError, RateLimitError, ServerError
from tests.conftest import ACCESS_KEY, SECRET_KEY
from tests.helpers.bot import free_port

DEADLINE_SECONDS = 5.0


def _statuses(sandbox, method, path):
    return [recorded.status for recorded in sandbox.requests_to(method, path)]


def _wait_until_answered(sandbox, at_least=1):
    """Poll (with a deadline) until the sandbox has answered every request it got, and at least this many.

    With latency set, the sandbox records a request on arrival and answers it later; waiting for the
    answers means no handler is still sleeping when the test ends.
    """
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        seen = list(sandbox.requests)
        if len(seen) >= at_least and all(recorded.status for recorded in seen):
            return seen
        time.sleep(0.02)
    raise AssertionError(f"the sandbox did not answer in time: {sandbox.requests}")


def test_get_is_retried_after_500s(client, sandbox):
    sandbox.fail_next(count=2, status=500)
    result = client.list_numbers(limit=1)
    assert len(result["data"]) == 1
    assert _statuses(sandbox, "GET", "/v2/numbers") == [500, 500, 200]


def test_get_is_retried_after_429(client, sandbox):
    sandbox.fail_next(count=1, status=429)
    assert client.get_number("12065550100")["data"]["id"] == "12065550100"
    assert _statuses(sandbox, "GET", "/v2/numbers/12065550100") == [429, 200]


def test_retry_after_is_honoured(client, sandbox):
    sandbox.fail_next(count=1, status=429, retry_after=1)
    started = time.monotonic()
    client.list_routes()
    elapsed = time.monotonic() - started
    assert elapsed >= 1.0
    assert _statuses(sandbox, "GET", "/v2/routes") == [429, 200]


def test_retry_after_is_capped(sandbox):
    with FlowrouteClient(ACCESS_KEY, SECRET_KEY, base_url=sandbox.url, max_retry_after=0.3) as api:
        sandbox.fail_next(count=1, status=503, retry_after=60)
        started = time.monotonic()
        api.list_routes()
        elapsed = time.monotonic() - started
    assert 0.3 <= elapsed < 3
    assert _statuses(sandbox, "GET", "/v2/routes") == [503, 200]


def test_backoff_grows_between_attempts(sandbox):
    with FlowrouteClient(ACCESS_KEY, SECRET_KEY, base_url=sandbox.url, backoff_factor=0.2) as api:
        sandbox.fail_next(count=2, status=502)
        started = time.monotonic()
        api.list_edge_strategies()
        elapsed = time.monotonic() - started
    # Waits of 0.2 s then 0.4 s.
    assert elapsed >= 0.6
    assert _statuses(sandbox, "GET", "/v2/routes/edge_strategies") == [502, 502, 200]


def test_exhausted_retries_raise_server_error_with_flowroute_detail(client, sandbox):
    sandbox.fail_next(count=10, status=500, detail="Maintenance in progress.")
    with pytest.raises(ServerError) as caught:
        client.list_numbers()
    assert caught.value.status == 500
    assert "Maintenance in progress." in str(caught.value)
    assert _statuses(sandbox, "GET", "/v2/numbers") == [500, 500, 500, 500]


def test_exhausted_429_raises_rate_limit_error(client, sandbox):
    sandbox.fail_next(count=10, status=429)
    with pytest.raises(RateLimitError):
        client.list_cnams()
    assert len(sandbox.requests_to("GET", "/v2/cnams")) == 4


def test_non_transient_5xx_is_not_retried(client, sandbox):
    sandbox.fail_next(count=1, status=501)
    with pytest.raises(ServerError):
        client.list_routes()
    assert len(sandbox.requests) == 1


def test_post_send_after_500_is_attempted_exactly_once(client, sandbox):
    sandbox.fail_next(count=1, status=500)
    with pytest.raises(ServerError):
        client.send_sms("12065550100", "12065559876", "only once")
    assert _statuses(sandbox, "POST", "/v2.1/messages") == [500]


def test_post_purchase_after_503_is_attempted_exactly_once(client, sandbox):
    sandbox.fail_next(count=1, status=503, retry_after=0)
    with pytest.raises(ServerError):
        client.purchase_number("12065550142")
    assert _statuses(sandbox, "POST", "/v2/numbers/12065550142") == [503]


def test_post_after_429_is_retried_and_sent_once(client, sandbox):
    sandbox.fail_next(count=1, status=429)
    result = client.send_sms("12065550100", "12065559876", "after a 429")
    assert _statuses(sandbox, "POST", "/v2.1/messages") == [429, 202]
    assert sandbox.message(result["data"]["id"])["attributes"]["body"] == "after a 429"


def test_patch_after_500_is_attempted_once(client, sandbox):
    sandbox.fail_next(count=1, status=500)
    with pytest.raises(ServerError):
        client.update_route("3", alias="renamed")
    assert _statuses(sandbox, "PATCH", "/v2/routes/3") == [500]


def test_patch_marked_idempotent_is_retried(client, sandbox):
    sandbox.fail_next(count=1, status=500)
    client.set_primary_route("12065550101", "2")
    assert _statuses(sandbox, "PATCH", "/v2/numbers/12065550101/relationships/primary_route") == [500, 204]


@pytest.mark.parametrize(
    "call, method, path",
    [
        (lambda api: api.release_number("16465550199"), "DELETE", "/v2/numbers/16465550199"),
        (
            lambda api: api.set_account_callback("sms_callback", "https://bot.example.com/sms"),
            "PUT",
            "/v2.1/messages/sms_callback",
        ),
    ],
)
def test_put_and_delete_are_retried_after_500(client, sandbox, call, method, path):
    sandbox.fail_next(count=1, status=500)
    assert call(client) is None
    assert _statuses(sandbox, method, path) == [500, 204]


@pytest.mark.parametrize(
    "call", [lambda api: api.list_numbers(), lambda api: api.send_sms("12065550100", "12065559876", "x")]
)
def test_closed_port_raises_connection_error(call):
    url = f"http://127.0.0.1:{free_port()}"
    with FlowrouteClient(ACCESS_KEY, SECRET_KEY, base_url=url, backoff_factor=0.01) as api:
        with pytest.raises(FlowrouteConnectionError) as caught:
            call(api)
    error = caught.value
    assert error.status is None
    assert error.path in {"/v2/numbers", "/v2.1/messages"}
    assert str(error).startswith("Flowroute ")
    assert SECRET_KEY not in str(error)
    assert "\n" not in str(error)


def test_read_timeout_on_get_is_retried_then_raises(sandbox):
    sandbox.set_latency(0.5)
    with FlowrouteClient(
        ACCESS_KEY, SECRET_KEY, base_url=sandbox.url, timeout=(1, 0.1), max_retries=1, backoff_factor=0.01
    ) as api:
        with pytest.raises(FlowrouteConnectionError) as caught:
            api.list_numbers()
    assert "timeout" in str(caught.value)
    assert len(_wait_until_answered(sandbox, at_least=2)) == 2


def test_read_timeout_on_post_is_attempted_once(sandbox):
    sandbox.set_latency(0.3)
    with FlowrouteClient(ACCESS_KEY, SECRET_KEY, base_url=sandbox.url, timeout=(1, 0.1)) as api:
        with pytest.raises(FlowrouteConnectionError) as caught:
            api.send_sms("12065550100", "12065559876", "slow network")
    assert caught.value.status is None
    # A second attempt would have been sent (and recorded on arrival) before the first was answered.
    requests_seen = _wait_until_answered(sandbox)
    assert [(recorded.method, recorded.path) for recorded in requests_seen] == [("POST", "/v2.1/messages")]
