"""The client's single `_request()`: headers, query encoding, sessions, and keeping secrets out of sight."""

import base64
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

import flowroute_api
from flowroute_api import FlowrouteClient, NotFoundError, ServerError
from flowroute_api.retry import FlowrouteRetry
from tests.conftest import ACCESS_KEY, SECRET_KEY
from tests.flowroute_api.checks import only_request

ENCODED_CREDENTIALS = base64.b64encode(f"{ACCESS_KEY}:{SECRET_KEY}".encode()).decode()


def test_get_carries_auth_accept_user_agent_and_no_content_type(client, sandbox):
    client.list_numbers()
    headers = only_request(sandbox).headers
    assert headers["authorization"] == f"Basic {ENCODED_CREDENTIALS}"
    assert headers["accept"] == "application/vnd.api+json"
    assert headers["user-agent"] == f"flowroute-slack-ops/{flowroute_api.__version__}"
    assert "content-type" not in headers


def test_none_params_are_dropped_and_booleans_are_lowercase(client, sandbox):
    client._request("GET", "/v2/cnams", params={"is_approved": False, "value": None, "limit": 3})
    assert only_request(sandbox).query == {"is_approved": ["false"], "limit": ["3"]}


def test_a_body_brings_the_json_api_content_type(client, sandbox):
    client.create_cnam("ACME TEST")
    recorded = only_request(sandbox)
    assert recorded.headers["content-type"] == "application/vnd.api+json"
    assert recorded.json == {"value": "ACME TEST"}


def test_base_url_trailing_slash_is_ignored(sandbox):
    with FlowrouteClient(ACCESS_KEY, SECRET_KEY, base_url=sandbox.url + "/") as api:
        api.list_edge_strategies()
    assert only_request(sandbox).path == "/v2/routes/edge_strategies"


def test_missing_keys_are_refused():
    with pytest.raises(ValueError, match="access key and secret key"):
        FlowrouteClient(ACCESS_KEY, "")


def test_a_given_session_gets_the_retry_adapter_and_keeps_its_own_auth(sandbox):
    session = requests.Session()
    with FlowrouteClient(ACCESS_KEY, SECRET_KEY, base_url=sandbox.url, session=session, backoff_factor=0.01) as api:
        assert isinstance(session.get_adapter(sandbox.url + "/v2/numbers").max_retries, FlowrouteRetry)
        sandbox.fail_next(count=1, status=500)
        api.list_numbers()
    assert [recorded.status for recorded in sandbox.requests] == [500, 200]
    assert session.auth is None
    assert "authorization" not in {name.lower() for name in session.headers}


def test_repr_shows_url_and_masked_key_only(sandbox):
    api = FlowrouteClient(ACCESS_KEY, SECRET_KEY, base_url=sandbox.url)
    text = repr(api)
    assert sandbox.url in text
    assert SECRET_KEY not in text
    assert ACCESS_KEY not in text
    assert ACCESS_KEY[:4] in text


def test_secrets_never_reach_logs_or_error_text(client, sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    client.list_numbers()
    sandbox.fail_next(count=1, status=500, detail="transient")
    client.list_routes()
    with pytest.raises(NotFoundError) as not_found:
        client.get_number("12065550142")
    sandbox.fail_next(count=1, status=500)
    with pytest.raises(ServerError) as server_error:
        client.send_sms("12065550100", "12065559876", "x")
    assert any("GET /v2/routes -> 200" in record.getMessage() for record in caplog.records)
    for secret in (SECRET_KEY, ENCODED_CREDENTIALS):
        assert secret not in caplog.text
        for error in (not_found.value, server_error.value):
            assert secret not in str(error)
            assert secret not in repr(error)
            assert secret not in repr(vars(error))


class _RecordingProxy(BaseHTTPRequestHandler):
    """An HTTP proxy that answers every request itself and notes the absolute URL it was asked for."""

    def do_GET(self):  # noqa: N802 - http.server's name
        self.server.asked.append(self.path)
        body = b'{"data": [], "links": {}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/vnd.api+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def proxy():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _RecordingProxy)
    server.asked = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_the_environments_proxy_is_used_though_read_only_once(sandbox, proxy, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.server_address[1]}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with FlowrouteClient(ACCESS_KEY, SECRET_KEY, base_url=sandbox.url) as api:
        monkeypatch.delenv("HTTP_PROXY")  # read at construction: a later change does not matter
        api.list_area_codes()
    assert proxy.asked == [f"{sandbox.url}/v2/numbers/available/areacodes"]
    assert sandbox.requests == []


def test_no_proxy_for_flowroutes_host_goes_direct(sandbox, proxy, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.server_address[1]}")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with FlowrouteClient(ACCESS_KEY, SECRET_KEY, base_url=sandbox.url) as api:
        api.list_area_codes()
    assert proxy.asked == [] and len(sandbox.requests) == 1


def test_a_ca_bundle_from_the_environment_is_kept(sandbox, monkeypatch, tmp_path):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "ca.pem"))
    with FlowrouteClient(ACCESS_KEY, SECRET_KEY, base_url=sandbox.url) as api:
        assert api._session.verify == str(tmp_path / "ca.pem")
