"""Assertions shared by the Flowroute client tests."""

import base64

from tests.conftest import ACCESS_KEY, SECRET_KEY

EXPECTED_AUTH = "Basic " + base64.b64encode(f"{ACCESS_KEY}:{SECRET_KEY}".encode()).decode()
JSON_API = "application/vnd.api+json"


def only_request(sandbox):
    """The single request the sandbox received since the last clear (fails if there were more)."""
    assert len(sandbox.requests) == 1, [(r.method, r.path, r.status) for r in sandbox.requests]
    return sandbox.requests[0]


def assert_request(recorded, method, path, *, query=None, body=None):
    """Check method, path, query, JSON body and the headers every call must carry."""
    assert (recorded.method, recorded.path) == (method, path)
    assert recorded.query == (query or {})
    assert recorded.headers["authorization"] == EXPECTED_AUTH
    assert recorded.headers["accept"] == JSON_API
    assert recorded.headers["user-agent"].startswith("flowroute-slack-ops/")
    if body is None:
        assert "content-type" not in recorded.headers
        assert recorded.body == b""
    else:
        assert recorded.headers["content-type"] == JSON_API
        assert recorded.json == body


def call_once(sandbox, call, method, path, *, query=None, body=None):
    """Run `call()`, check that it made exactly this one request, and return its result."""
    sandbox.clear_requests()
    result = call()
    assert_request(only_request(sandbox), method, path, query=query, body=body)
    return result
