"""Error mapping: one class per status family, one readable line, Flowroute's errors[] kept."""

import json

import pytest
import requests
from requests.structures import CaseInsensitiveDict

from flowroute_api import (
    AuthenticationError,
    FlowrouteClient,
    FlowrouteError,
    ForbiddenError,
    InvalidRequestError,
    NotFoundError,
    RateLimitError,
    ServerError,
    error_from_response,
)
from tests.conftest import ACCESS_KEY, SECRET_KEY


@pytest.fixture
def no_retry_client(sandbox):
    with FlowrouteClient(ACCESS_KEY, SECRET_KEY, base_url=sandbox.url, max_retries=0) as api:
        yield api


@pytest.mark.parametrize(
    "status, error_class",
    [
        (400, InvalidRequestError),
        (403, ForbiddenError),
        (404, NotFoundError),
        (409, InvalidRequestError),
        (415, InvalidRequestError),
        (422, InvalidRequestError),
        (429, RateLimitError),
        (500, ServerError),
        (503, ServerError),
    ],
)
def test_status_codes_map_to_error_classes(no_retry_client, sandbox, status, error_class):
    sandbox.fail_next(status=status, detail=f"Detail for {status}.")
    with pytest.raises(error_class) as caught:
        no_retry_client.list_routes()
    error = caught.value
    assert isinstance(error, FlowrouteError)
    assert error.status == status
    assert (error.method, error.path) == ("GET", "/v2/routes")
    assert error.errors and error.errors[0]["detail"] == f"Detail for {status}."
    text = str(error)
    assert "\n" not in text
    assert text.startswith(f"Flowroute {status} ")
    assert text.endswith(f": Detail for {status}.")


def test_wrong_keys_raise_authentication_error(sandbox):
    with FlowrouteClient(ACCESS_KEY, "wrong-secret", base_url=sandbox.url) as api:
        with pytest.raises(AuthenticationError) as caught:
            api.list_numbers()
    assert caught.value.status == 401
    assert str(caught.value).startswith("Flowroute 401")
    assert len(sandbox.requests) == 1


def test_not_found_line_reads_like_flowroute(client, sandbox):
    with pytest.raises(NotFoundError) as caught:
        client.get_e911("999999")
    assert str(caught.value).startswith("Flowroute 404 ")
    assert caught.value.detail


def _response(status, body, *, reason="", headers=None):
    response = requests.Response()
    response.status_code = status
    response.reason = reason
    response._content = body if isinstance(body, bytes) else json.dumps(body).encode()
    response.headers = CaseInsensitiveDict(headers or {})
    response.request = requests.Request("GET", "http://127.0.0.1:9/v2/numbers/12065550100?limit=1").prepare()
    return response


def test_missing_title_falls_back_to_the_reason_phrase():
    body = {"errors": [{"detail": "Could not find that resource on your account.", "id": "abc", "status": 404}]}
    error = error_from_response(_response(404, body, reason="Not Found"))
    assert isinstance(error, NotFoundError)
    assert str(error) == "Flowroute 404 Not Found: Could not find that resource on your account."
    assert error.path == "/v2/numbers/12065550100"
    assert error.errors == body["errors"]


def test_title_without_detail_is_still_one_clear_line():
    body = {"errors": [{"detail": "", "status": 403, "title": "ActionNotAuthorizedError"}]}
    error = error_from_response(_response(403, body, reason="Forbidden"))
    assert str(error) == "Flowroute 403 ActionNotAuthorizedError"


def test_several_details_are_joined_on_one_line():
    body = {"errors": [{"title": "Unprocessable", "detail": "Bad zip.\nTry again."}, {"detail": "Bad state."}]}
    error = error_from_response(_response(422, body))
    assert str(error) == "Flowroute 422 Unprocessable: Bad zip. Try again.; Bad state."
    assert len(error.errors) == 2


def test_plain_text_body_becomes_the_detail():
    error = error_from_response(_response(502, b"upstream   timed out\n", reason="Bad Gateway"))
    assert isinstance(error, ServerError)
    assert str(error) == "Flowroute 502 Bad Gateway: upstream timed out"
    assert error.errors == []


def test_html_or_empty_body_gives_just_the_status():
    assert str(error_from_response(_response(503, b"<html><h1>Down</h1></html>", reason="Service Unavailable"))) == (
        "Flowroute 503 Service Unavailable"
    )
    assert str(error_from_response(_response(500, b""))) == "Flowroute 500"


def test_rate_limit_error_keeps_retry_after():
    error = error_from_response(
        _response(429, {"errors": []}, reason="Too Many Requests", headers={"Retry-After": "7"})
    )
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 7.0
    unreadable = error_from_response(_response(429, b"", headers={"Retry-After": "soon"}))
    assert unreadable.retry_after is None
