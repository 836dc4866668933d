"""The sandbox's callback sender against a real HTTP receiver on loopback, and its bodies parsed back."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler

import pytest
import requests

from flowroute_api import DeliveryReceipt, InboundMms, InboundSms, parse_callback
from sandbox.callbacks import (
    RETRIES,
    RETRY_INTERVAL,
    CallbackSender,
    delivery_receipt_bodies,
    delivery_receipt_body,
    inbound_mms_body,
    inbound_sms_body,
)
from sandbox.flowroute import mdr_record
from sandbox.loopback import LoopbackServer
from tests.helpers.bot import free_port

TINY = 0.05  # the retry interval in these tests, seconds
OURS, REMOTE = "12065550100", "14255551234"


@dataclass(frozen=True)
class Hit:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic() on arrival


class Receiver:
    """An HTTP server that records every POST and answers the statuses it is told, then 200."""

    def __init__(self):
        self.hits: list[Hit] = []
        self.default = 200
        self.gate: threading.Event | None = None  # when set up, answers wait for it
        self._answers: dict[str, deque[int]] = {}
        self._changed = threading.Condition()
        self._server = LoopbackServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def answer(self, path: str, *statuses: int) -> None:
        """The next POSTs to `path` get these statuses, in order."""
        with self._changed:
            self._answers.setdefault(path, deque()).extend(statuses)

    def wait_hits(self, count: int, path: str | None = None, timeout: float = 10.0) -> list[Hit]:
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.hits_to(path)) >= count, timeout=timeout), self.hits
            return self.hits_to(path)

    def hits_to(self, path: str | None) -> list[Hit]:
        return [hit for hit in self.hits if path is None or hit.path == path]

    def stop(self) -> None:
        if self.gate:
            self.gate.set()
        self._server.shutdown()
        self._server.server_close()

    def _record(self, hit: Hit) -> int:
        with self._changed:
            self.hits.append(hit)
            self._changed.notify_all()
            queued = self._answers.get(hit.path)
            return queued.popleft() if queued else self.default

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {name.lower(): value for name, value in self.headers.items()}
                status = receiver._record(Hit(self.path, headers, body, time.monotonic()))
                if receiver.gate:
                    receiver.gate.wait(10)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format, *args):
                pass

        return Handler


@pytest.fixture
def receiver():
    server = Receiver()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def make_sender():
    started = []

    def build(**options):
        sender = CallbackSender(**{"retry_interval": TINY, **options})
        started.append(sender)
        return sender

    yield build
    for sender in started:
        sender.stop()


def gaps(hits: list[Hit]) -> list[float]:
    return [later.at - earlier.at for earlier, later in zip(hits, hits[1:], strict=False)]


def closed_port_url() -> str:
    return f"http://127.0.0.1:{free_port()}/cb"


# --- how it POSTs --------------------------------------------------------------------------------------


def test_posts_the_json_body_with_flowroutes_headers(receiver, make_sender):
    sender = make_sender()
    body = {"data": {"type": "message", "id": "mdr2-1", "attributes": {"body": "Café"}}}
    sender.send(receiver.url + "/flowroute/callbacks/token", body)
    (hit,) = receiver.wait_hits(1)
    assert hit.path == "/flowroute/callbacks/token"
    assert hit.headers["content-type"] == "application/json"
    assert hit.headers["accept-encoding"] == "gzip"
    assert json.loads(hit.body) == body
    assert sender.wait_idle(10)
    assert sender.counts == {"sent": 1, "failed": 0, "dropped": 0, "attempts": 1, "pending": 0}


def test_bytes_are_sent_as_they_are(receiver, make_sender):
    sender = make_sender()
    sender.send(receiver.url + "/raw", b"not json at all")
    assert receiver.wait_hits(1)[0].body == b"not json at all"


def test_send_returns_before_the_receiver_answers(receiver, make_sender):
    receiver.gate = threading.Event()
    sender = make_sender(workers=1)
    for number in range(3):
        sender.send(receiver.url + "/slow", {"n": number})
    # All three calls returned while the receiver is still holding the first POST unanswered.
    receiver.wait_hits(1)
    assert sender.counts["sent"] == 0 and sender.counts["pending"] == 3
    receiver.gate.set()
    assert sender.wait_idle(10)
    assert [json.loads(hit.body)["n"] for hit in receiver.hits] == [0, 1, 2]


# --- retries -------------------------------------------------------------------------------------------


def test_defaults_are_flowroutes_four_retries_thirty_seconds_apart(receiver):
    with CallbackSender() as sender:
        assert (sender.retries, sender.retry_interval) == (RETRIES, RETRY_INTERVAL) == (4, 30.0)
        receiver.answer("/cb", 500)
        sender.send(receiver.url + "/cb", {"n": 1})
        assert sender.wait_for(lambda counts: counts["attempts"] == 1, 10)
        assert not sender.wait_idle(0.3)  # the retry is 30 s away
        assert len(receiver.hits) == 1 and sender.counts["pending"] == 1


def test_a_non_200_is_retried_at_the_interval_until_a_200(receiver, make_sender):
    sender = make_sender()
    receiver.answer("/cb", 500, 503, 429, 404)
    sender.send(receiver.url + "/cb", {"n": 1})
    hits = receiver.wait_hits(5)
    assert sender.wait_idle(10)
    assert len({hit.body for hit in hits}) == 1
    assert all(gap >= TINY for gap in gaps(hits)), gaps(hits)
    assert sender.counts == {"sent": 1, "failed": 0, "dropped": 0, "attempts": 5, "pending": 0}
    assert [attempt.number for attempt in sender.attempts()] == [1, 2, 3, 4, 5]
    assert [attempt.status for attempt in sender.attempts()] == [500, 503, 429, 404, 200]


def test_after_four_retries_it_gives_up(receiver, make_sender):
    receiver.default = 500
    sender = make_sender()
    sender.send(receiver.url + "/cb", {"n": 1})
    assert sender.wait_idle(10)
    assert len(receiver.hits) == 1 + RETRIES
    assert sender.counts == {"sent": 0, "failed": 1, "dropped": 0, "attempts": 5, "pending": 0}


def test_the_number_of_retries_is_a_knob(receiver, make_sender):
    receiver.default = 500
    sender = make_sender(retries=1)
    sender.send(receiver.url + "/cb", {"n": 1})
    assert sender.wait_idle(10)
    assert len(receiver.hits) == 2 and sender.counts["failed"] == 1


@pytest.mark.parametrize("status", [201, 202, 204, 302])
def test_only_200_counts_as_received(receiver, make_sender, status):
    sender = make_sender()
    receiver.answer("/cb", status)
    sender.send(receiver.url + "/cb", {"n": 1})
    assert sender.wait_idle(10)
    assert len(receiver.hits) == 2 and sender.counts["sent"] == 1


def test_no_answer_is_retried_then_failed(make_sender):
    sender = make_sender()
    sender.send(closed_port_url(), {"n": 1})
    assert sender.wait_idle(10)
    assert sender.counts == {"sent": 0, "failed": 1, "dropped": 0, "attempts": 5, "pending": 0}
    assert {attempt.error for attempt in sender.attempts()} == {"ConnectionError"}
    assert "127.0.0.1" not in repr(sender.attempts()[0])  # the URL holds the secret token


def test_a_callback_waiting_for_its_retry_does_not_hold_up_the_next(receiver, make_sender):
    sender = make_sender(workers=1, retry_interval=30)
    receiver.answer("/first", 500)
    sender.send(receiver.url + "/first", {"n": 1})
    receiver.wait_hits(1, "/first")
    sender.send(receiver.url + "/second", {"n": 2})
    receiver.wait_hits(1, "/second")
    assert sender.wait_for(lambda counts: counts["sent"] == 1, 10)
    assert sender.counts["pending"] == 1 and len(receiver.hits_to("/first")) == 1


# --- switches ------------------------------------------------------------------------------------------


def test_drop_sends_nothing_and_counts_it(receiver, make_sender):
    sender = make_sender()
    sender.set_faults(drop=True)
    for number in range(3):
        sender.send(receiver.url + "/cb", {"n": number})
    assert sender.wait_idle(10)
    sender.set_faults(drop=False)
    sender.send(receiver.url + "/cb", {"n": 3})
    (hit,) = receiver.wait_hits(1)
    assert json.loads(hit.body) == {"n": 3}
    assert sender.wait_idle(10)
    assert sender.counts == {"sent": 1, "failed": 0, "dropped": 3, "attempts": 1, "pending": 0}


def test_drop_next_drops_only_that_many(receiver, make_sender):
    sender = make_sender(workers=1)
    sender.drop_next(2)
    for number in range(4):
        sender.send(receiver.url + "/cb", {"n": number})
    assert sender.wait_idle(10)
    assert [json.loads(hit.body)["n"] for hit in receiver.hits] == [2, 3]
    assert sender.counts["dropped"] == 2


def test_repeat_posts_each_callback_that_many_times(receiver, make_sender):
    sender = make_sender()
    sender.set_faults(repeat=5)
    sender.send(receiver.url + "/cb", {"n": 1})
    hits = receiver.wait_hits(5)
    assert sender.wait_idle(10)
    assert len(receiver.hits) == 5 and {hit.body for hit in hits} == {b'{"n": 1}'}
    assert sender.counts["sent"] == 5


def test_repeated_deliveries_each_retry_on_their_own(receiver, make_sender):
    sender = make_sender(workers=1)
    sender.set_faults(repeat=2)
    receiver.answer("/cb", 500)
    sender.send(receiver.url + "/cb", {"n": 1})
    assert sender.wait_idle(10)
    assert [attempt.status for attempt in sender.attempts()] == [500, 200, 200]
    assert sender.counts["sent"] == 2


def test_delay_holds_each_callback_back(receiver, make_sender):
    sender = make_sender()
    sender.set_faults(delay=0.3)
    queued_at = time.monotonic()
    sender.send(receiver.url + "/cb", {"n": 1})
    (hit,) = receiver.wait_hits(1)
    assert hit.at - queued_at >= 0.3


def test_reorder_sends_each_group_last_first(receiver, make_sender):
    sender = make_sender(workers=1)
    sender.set_faults(reorder=3)
    for name in "ABC":
        sender.send(receiver.url + "/cb", {"n": name})
    assert sender.wait_idle(10)
    assert [json.loads(hit.body)["n"] for hit in receiver.hits] == ["C", "B", "A"]


def test_held_callbacks_are_released_when_reorder_is_switched_off(receiver, make_sender):
    sender = make_sender(workers=1)
    sender.set_faults(reorder=3)
    for name in "DE":
        sender.send(receiver.url + "/cb", {"n": name})
    assert not sender.wait_idle(0.2) and receiver.hits == []
    sender.set_faults(reorder=0)
    assert sender.wait_idle(10)
    assert [json.loads(hit.body)["n"] for hit in receiver.hits] == ["E", "D"]


def test_stop_abandons_pending_retries_and_ends_the_threads(receiver):
    sender = CallbackSender(retry_interval=30)
    receiver.answer("/cb", 500)
    sender.send(receiver.url + "/cb", {"n": 1})
    receiver.wait_hits(1)
    sender.stop()
    assert not any(thread.is_alive() for thread in sender._threads)
    with pytest.raises(RuntimeError):
        sender.send(receiver.url + "/cb", {"n": 2})
    assert len(receiver.hits) == 1


# --- bodies, parsed back by the bot's parser -------------------------------------------------------------

MOMENT = datetime(2026, 12, 1, 10, 0, 0, 120000, tzinfo=UTC)


def inbound_record(**options):
    return mdr_record("mdr2-" + "a" * 32, direction="inbound", from_=REMOTE, to=OURS, body="Is the rack up?",
                       moment=MOMENT, **options)


def test_sms_body_shape_and_round_trip():
    body = inbound_sms_body(inbound_record(), callback_url="https://bot.example/flowroute/callbacks/t")
    attributes = body["data"]["attributes"]
    assert body["data"]["type"] == "message" and "included" not in body and "relationships" not in body["data"]
    assert "delivery_receipts" not in attributes
    assert attributes["message_callback_url"] == "https://bot.example/flowroute/callbacks/t"
    assert (attributes["to"], attributes["amount_nanodollars"]) == (OURS, 4_000_000)
    parsed = parse_callback(json.dumps(body).encode())
    assert parsed == InboundSms(
        id="mdr2-" + "a" * 32, from_number=REMOTE, to_number=OURS, body="Is the rack up?",
        timestamp=MOMENT, message_type="longcode", message_encoding=0, status="delivered",
        amount_nanodollars=4_000_000, amount_display="$0.0040",
        callback_url="https://bot.example/flowroute/callbacks/t")


def test_sms_body_with_the_2022_capture_types_parses_the_same():
    record = inbound_record()
    plain = parse_callback(json.dumps(inbound_sms_body(record)).encode())
    odd_body = inbound_sms_body(record, numbers_as_integers=True, amount_as_string=True)
    assert odd_body["data"]["attributes"]["to"] == int(OURS)
    assert odd_body["data"]["attributes"]["amount_nanodollars"] == "4000000"
    assert parse_callback(json.dumps(odd_body).encode()) == plain


def test_inbound_builders_refuse_outbound_records():
    record = mdr_record("mdr2-b", direction="outbound", from_=OURS, to=REMOTE, body="hi", moment=MOMENT)
    with pytest.raises(ValueError):
        inbound_sms_body(record)
    with pytest.raises(ValueError):
        inbound_mms_body(record, [])


def test_dlr_bodies_for_both_levels_round_trip():
    record = mdr_record("mdr2-c", direction="outbound", from_=OURS, to=REMOTE, body="on my way", moment=MOMENT)
    bodies = delivery_receipt_bodies(record, api_base="http://127.0.0.1:9")
    assert [body["data"]["type"] for body in bodies] == ["delivery_receipt", "delivery_receipt"]
    assert bodies[0]["data"]["attributes"]["status_code"] == "1003"  # a string, as the DLR page types it
    parsed = [parse_callback(json.dumps(body).encode()) for body in bodies]
    assert parsed == [
        DeliveryReceipt(id="mdr2-c", level=1, status="message buffered", status_code="1003",
                        status_code_description="Message accepted by Carrier",
                        timestamp=datetime(2026, 12, 1, 10, 0, 1, 120000, tzinfo=UTC), body="on my way",
                        related_url="http://127.0.0.1:9/v2.1/messages/mdr2-c"),
        DeliveryReceipt(id="mdr2-c", level=2, status="delivered", status_code=None,
                        status_code_description="Message delivered to handset",
                        timestamp=datetime(2026, 12, 1, 10, 0, 3, 120000, tzinfo=UTC), body="on my way",
                        related_url="http://127.0.0.1:9/v2.1/messages/mdr2-c"),
    ]


def test_a_dlr_for_an_mms_has_an_empty_body():
    record = mdr_record("mdr2-d", direction="outbound", from_=OURS, to=REMOTE, body="photo", moment=MOMENT,
                         is_mms=True)
    receipt = {"level": 2, "status": "undeliverable", "status_code": 1110, "status_code_description": "Rejected"}
    parsed = parse_callback(json.dumps(delivery_receipt_body(record, receipt)).encode())
    assert (parsed.body, parsed.status, parsed.status_code, parsed.timestamp) == ("", "undeliverable", "1110", MOMENT)
    with pytest.raises(ValueError):
        delivery_receipt_body(inbound_record(), receipt)


def test_mms_from_the_sandbox_through_the_sender_parses_and_its_media_download(
        flowroute_sandbox, receiver, make_sender):
    resource = flowroute_sandbox.inject_message(REMOTE, OURS, "two photos", media_urls=[
        "https://example.com/a.jpg", "https://example.com/b.png"])
    detail = requests.get(f"{flowroute_sandbox.url}/v2.1/messages/{resource['id']}", timeout=5,
                          auth=(flowroute_sandbox.access_key, flowroute_sandbox.secret_key)).json()
    media = [{"id": item["id"], **item["attributes"], "self_url": item["links"]["self"]} for item in detail["included"]]
    sender = make_sender()
    sender.send(receiver.url + "/flowroute/callbacks/t", inbound_mms_body(resource, media))
    (hit,) = receiver.wait_hits(1)
    parsed = parse_callback(hit.body)
    assert isinstance(parsed, InboundMms)
    assert (parsed.id, parsed.from_number, parsed.to_number, parsed.body) == (resource["id"], REMOTE, OURS,
                                                                              "two photos")
    assert [item.id for item in parsed.media] == [ref["id"] for ref in resource["relationships"]["media"]["data"]]
    assert [item.file_name for item in parsed.media] == ["a.jpg", "b.png"]
    for item in parsed.media:
        download = requests.get(item.url, timeout=5)
        assert download.status_code == 200 and download.content.startswith(b"\x89PNG")
        assert item.mime_type == download.headers["Content-Type"] and item.file_size == len(download.content)
