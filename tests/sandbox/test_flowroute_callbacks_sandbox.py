"""The Flowroute sandbox POSTs callbacks to the URLs set through its API: which URL, which body, the switches."""

import json
import threading
from http.server import BaseHTTPRequestHandler

import pytest
import requests

from flowroute_api import DeliveryReceipt, InboundMms, InboundSms, parse_callback
from sandbox.loopback import LoopbackServer
from tests.conftest import ACCESS_KEY, SECRET_KEY

OURS, REMOTE = "12065550100", "12065559876"


class Receiver:
    """A callback receiver on loopback: records each body per path; `refuse` answers that many 500s first."""

    def __init__(self):
        self.bodies: dict[str, list[dict]] = {}
        self.refuse = 0
        self.changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.changed:
                    refused = receiver.refuse > 0
                    receiver.refuse -= refused
                    if not refused:
                        receiver.bodies.setdefault(self.path, []).append(json.loads(body))
                    receiver.changed.notify_all()
                self.send_response(500 if refused else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = LoopbackServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def wait(self, path: str, count: int) -> list[dict]:
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.bodies.get(path, [])) >= count, timeout=10)
            return list(self.bodies[path])


@pytest.fixture
def sandbox(flowroute_sandbox):
    flowroute_sandbox.callbacks.set_faults(retry_interval=0.05)
    return flowroute_sandbox


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


def put(sandbox, kind, url):
    answer = requests.put(f"{sandbox.url}/v2.1/messages/{kind}", auth=(ACCESS_KEY, SECRET_KEY),
                          json={"data": {"attributes": {"callback_url": url}}}, timeout=5)
    assert answer.status_code == 204


def test_inbound_sms_and_mms_go_to_the_account_urls_and_parse(sandbox, receiver):
    put(sandbox, "sms_callback", receiver.url + "/sms")
    put(sandbox, "mms_callback", receiver.url + "/mms")
    sms = sandbox.inject_message(REMOTE, OURS, "hello")
    mms = sandbox.inject_message(REMOTE, OURS, "photo", media_urls=["https://example.com/a.png"])
    [sms_body] = receiver.wait("/sms", 1)
    [mms_body] = receiver.wait("/mms", 1)
    parsed_sms, parsed_mms = parse_callback(json.dumps(sms_body)), parse_callback(json.dumps(mms_body))
    assert isinstance(parsed_sms, InboundSms) and parsed_sms.id == sms["id"] and parsed_sms.body == "hello"
    assert isinstance(parsed_mms, InboundMms) and parsed_mms.id == mms["id"]
    assert requests.get(parsed_mms.media[0].url, timeout=5).status_code == 200  # the pre-signed link works


def test_a_number_url_wins_and_nothing_is_sent_without_one(sandbox, receiver):
    sandbox.inject_message(REMOTE, OURS, "no URL anywhere")
    put(sandbox, "sms_callback", receiver.url + "/account")
    answer = requests.post(f"{sandbox.url}/v2/numbers/{OURS}/relationships/sms_callback", auth=(ACCESS_KEY, SECRET_KEY),
                           json={"data": {"attributes": {"callback_url": receiver.url + "/number"}}}, timeout=5)
    assert answer.status_code == 204
    sandbox.inject_message(REMOTE, OURS, "to the number's URL")
    sandbox.inject_message(REMOTE, "12065550101", "to the account's URL")
    assert [body["data"]["attributes"]["body"] for body in receiver.wait("/number", 1)] == ["to the number's URL"]
    assert [body["data"]["attributes"]["body"] for body in receiver.wait("/account", 1)] == ["to the account's URL"]
    assert sandbox.callbacks.sender.wait_idle(10)
    assert sandbox.callbacks.sender.counts["attempts"] == 2  # none for the message sent before any URL


def test_receipts_go_to_the_sends_dlr_callback_levels_1_and_2(sandbox, receiver):
    answer = requests.post(f"{sandbox.url}/v2.1/messages", auth=(ACCESS_KEY, SECRET_KEY), timeout=5, json={
        "data": {"type": "message", "attributes": {"from": OURS, "to": REMOTE, "body": "hi",
                                                    "dlr_callback": receiver.url + "/dlr"}}})
    assert answer.status_code == 202
    receipts = [parse_callback(json.dumps(body)) for body in receiver.wait("/dlr", 2)]
    assert all(isinstance(item, DeliveryReceipt) and item.id == answer.json()["data"]["id"] for item in receipts)
    assert sorted((item.level, item.status) for item in receipts) == [(1, "message buffered"), (2, "delivered")]


def test_a_refused_callback_is_retried_and_the_switches_work_over_http(sandbox, receiver):
    put(sandbox, "sms_callback", receiver.url + "/sms")
    receiver.refuse = 2
    sandbox.inject_message(REMOTE, OURS, "retried")
    assert len(receiver.wait("/sms", 1)) == 1
    assert sandbox.callbacks.sender.wait_idle(10)
    assert [attempt.status for attempt in sandbox.callbacks.sender.attempts()] == [500, 500, 200]

    control = f"{sandbox.url}/sandbox/callbacks"
    assert requests.post(control, json={"drop_next": 1, "repeat": 2}, timeout=5).json()["switches"]["repeat"] == 2
    sandbox.inject_message(REMOTE, OURS, "dropped")
    sandbox.inject_message(REMOTE, OURS, "twice")
    bodies = receiver.wait("/sms", 3)
    assert [body["data"]["attributes"]["body"] for body in bodies] == ["retried", "twice", "twice"]
    assert sandbox.callbacks.sender.wait_idle(10)
    state = requests.get(control, timeout=5).json()
    assert state["counts"]["dropped"] == 1 and state["counts"]["sent"] == 3
    assert requests.post(control, json={"explode": True}, timeout=5).status_code == 400
