"""Flowroute's side of callbacks, for the sandbox: the bodies it POSTs and a sender that retries like it.

What Flowroute documents (https://developer.flowroute.com/docs/receive-an-inbound-message and the v2.1
pages receive-an-sms, receive-an-mms, receive-a-dlr):
- an HTTP POST with a JSON body, `Content-Type: application/json`, `Accept-Encoding: gzip` (headers shown
  in the v2 guide; the v2.1 pages show none, so the sandbox sends the same);
- anything but a 200, or no answer, is resent "a total of four (4) times at 30-second intervals".

`CallbackSender.send()` only queues: worker threads POST, and a callback waiting for its retry does not
hold up the others. Switches imitate what a receiver must survive: callbacks never sent (`drop`,
`drop_next`), late (`delay`), repeated (`repeat`) or out of order (`reorder`).
"""

from __future__ import annotations

import heapq
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

RETRIES = 4
RETRY_INTERVAL = 30.0
HEADERS = {"Content-Type": "application/json", "Accept-Encoding": "gzip"}
API_BASE = "https://api.flowroute.com"


@dataclass
class _Delivery:
    """One POST to make, and how many times it was already tried."""

    url: str
    payload: bytes
    tries: int = 0


@dataclass(frozen=True)
class Attempt:
    """One POST made: the try number (1 = first), the status, or the error when no answer came."""

    url: str
    number: int
    status: int | None
    error: str | None
    at: float  # time.monotonic() when the answer (or the failure) came

    def __repr__(self) -> str:  # the URL's last segment is a secret token: leave it out
        return f"Attempt(number={self.number}, status={self.status}, error={self.error!r})"


class CallbackSender:
    """POSTs callbacks on its own threads with Flowroute's retry policy; counters and switches for tests."""

    def __init__(self, *, retry_interval: float = RETRY_INTERVAL, retries: int = RETRIES, timeout: float = 10.0,
                 workers: int = 2):
        """`workers` POST in parallel; with one, callbacks go out in the order they are due."""
        if retry_interval < 0 or retries < 0 or workers < 1:
            raise ValueError("retry_interval and retries must be >= 0 and workers >= 1")
        self.retry_interval = retry_interval
        self.retries = retries
        self.timeout = timeout  # Guess: Flowroute's own timeout is not documented
        self._due: list[tuple[float, int, _Delivery]] = []
        self._order = itertools.count()
        self._held: list[_Delivery] = []
        self._busy = 0
        self._stopping = False
        self._changed = threading.Condition()
        self._counts = {"sent": 0, "failed": 0, "dropped": 0, "attempts": 0}
        self._attempts: list[Attempt] = []
        self._drop, self._drop_next, self._delay, self._repeat, self._reorder = False, 0, 0.0, 1, 0
        self._threads = [threading.Thread(target=self._work, name=f"callback-sender-{n}", daemon=True)
                         for n in range(workers)]
        for thread in self._threads:
            thread.start()

    def __enter__(self) -> CallbackSender:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- the caller's side ---------------------------------------------------------------------------------

    def send(self, url: str, body: Mapping | bytes) -> None:
        """Queue one callback (a dict is sent as JSON, bytes as they are); returns at once."""
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        with self._changed:
            if self._stopping:
                raise RuntimeError("the callback sender is stopped")
            if self._drop or self._drop_next:
                if not self._drop:
                    self._drop_next -= 1
                self._counts["dropped"] += 1
                return
            for _ in range(self._repeat):
                self._hold_or_queue(_Delivery(url, payload), delay=self._delay)

    def set_faults(self, *, drop: bool | None = None, delay: float | None = None, repeat: int | None = None,
                   reorder: int | None = None) -> None:
        """Change the switches; those not given stay as they are.

        drop: every callback vanishes (counted as dropped), as if Flowroute never sent it.
        delay: seconds each callback waits before its first POST.
        repeat: each callback is POSTed this many times (each with its own retries), as after a lost 200.
        reorder: callbacks are held until this many wait, then sent last first; 0 or 1 releases the held.
        """
        with self._changed:
            if drop is not None:
                self._drop = bool(drop)
            if delay is not None:
                self._delay = max(0.0, float(delay))
            if repeat is not None:
                self._repeat = max(1, int(repeat))
            if reorder is not None:
                self._reorder = max(0, int(reorder))
                if self._reorder < 2:
                    self._release_held()
            self._changed.notify_all()

    def drop_next(self, count: int) -> None:
        """The next `count` callbacks vanish (counted as dropped); later ones are sent."""
        with self._changed:
            self._drop_next = max(0, int(count))

    @property
    def counts(self) -> dict[str, int]:
        """sent: POSTs answered 200; failed: deliveries given up after every retry; dropped; attempts: POSTs."""
        with self._changed:
            return {**self._counts, "pending": self._pending()}

    def attempts(self) -> list[Attempt]:
        """Every POST made so far, in the order the answers came."""
        with self._changed:
            return list(self._attempts)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is queued, held, retrying or in flight; False if `timeout` passed first."""
        return self.wait_for(lambda counts: not counts["pending"], timeout)

    def wait_for(self, condition: Callable[[dict[str, int]], bool], timeout: float) -> bool:
        """Wait until `condition(counts)` holds; False if `timeout` passed first."""
        with self._changed:
            return self._changed.wait_for(lambda: condition({**self._counts, "pending": self._pending()}), timeout)

    def stop(self) -> None:
        """Stop the workers; queued callbacks and pending retries are abandoned."""
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        for thread in self._threads:
            thread.join(self.timeout + 1)

    # -- the workers' side ---------------------------------------------------------------------------------

    def _pending(self) -> int:
        return len(self._due) + len(self._held) + self._busy

    def _hold_or_queue(self, delivery: _Delivery, *, delay: float) -> None:
        if self._reorder >= 2:
            self._held.append(delivery)
            if len(self._held) >= self._reorder:
                self._release_held()
            return
        self._queue(delivery, time.monotonic() + delay)

    def _release_held(self) -> None:
        now = time.monotonic()
        for delivery in reversed(self._held):
            self._queue(delivery, now + self._delay)
        self._held.clear()

    def _queue(self, delivery: _Delivery, due: float) -> None:
        heapq.heappush(self._due, (due, next(self._order), delivery))
        self._changed.notify_all()

    def _next_due(self) -> _Delivery | None:
        """Block until a delivery is due (then it is in flight) or the sender stops (None)."""
        with self._changed:
            while not self._stopping:
                wait = self._due[0][0] - time.monotonic() if self._due else None
                if wait is not None and wait <= 0:
                    self._busy += 1
                    return heapq.heappop(self._due)[2]
                self._changed.wait(wait)
            return None

    def _work(self) -> None:
        with requests.Session() as session:
            while (delivery := self._next_due()) is not None:
                status, error = self._post(session, delivery)
                self._settle(delivery, status, error)

    def _post(self, session: requests.Session, delivery: _Delivery) -> tuple[int | None, str | None]:
        try:
            # Redirects are not followed: only a 200 counts, and Flowroute documents nothing about 3xx.
            with session.post(delivery.url, data=delivery.payload, headers=HEADERS, timeout=self.timeout,
                              allow_redirects=False) as response:
                return response.status_code, None
        except requests.RequestException as error:
            return None, type(error).__name__

    def _settle(self, delivery: _Delivery, status: int | None, error: str | None) -> None:
        with self._changed:
            self._busy -= 1
            delivery.tries += 1
            self._counts["attempts"] += 1
            self._attempts.append(Attempt(delivery.url, delivery.tries, status, error, time.monotonic()))
            if status == 200:
                self._counts["sent"] += 1
            elif self._stopping:
                pass  # abandoned, like the queued ones
            elif delivery.tries <= self.retries:
                self._queue(delivery, time.monotonic() + self.retry_interval)
            else:
                self._counts["failed"] += 1
            self._changed.notify_all()


# --- the bodies Flowroute sends -----------------------------------------------------------------------------


def inbound_sms_body(record: Mapping, *, callback_url: str | None = None, numbers_as_integers: bool = False,
                     amount_as_string: bool = False) -> dict:
    """The v2.1 inbound SMS callback for an MDR record (the sandbox's internal record or an MDR resource).

    As captured in 2022: no `delivery_receipts`, and `message_callback_url` (the receiving URL). That
    capture had `to` as a JSON integer and `amount_nanodollars` as a string: the two switches.
    """
    fields = _inbound_fields(record, numbers_as_integers, amount_as_string)
    fields.pop("delivery_receipts", None)
    if callback_url is not None:
        fields["message_callback_url"] = callback_url
    return {"data": {"type": "message", "id": record["id"], "attributes": fields}}


def inbound_mms_body(record: Mapping, media: Iterable[Mapping], *, numbers_as_integers: bool = False,
                     amount_as_string: bool = False, api_base: str = API_BASE) -> dict:
    """The v2.1 inbound MMS callback: media referenced in `relationships`, described in `included`.

    Each `media` item gives `id`, `url` (the pre-signed download link), and optionally `file_name`,
    `mime_type`, `file_size` and `self_url` (else `<api_base>/v2.1/media/<id>`). Captured MMS bodies
    carry `delivery_receipts: []` and no `message_callback_url`.
    """
    fields = _inbound_fields(record, numbers_as_integers, amount_as_string)
    fields["is_mms"] = True
    fields["delivery_receipts"] = []
    included = [_media_object(item, api_base) for item in media]
    ids = _media_ids(record) or [item["id"] for item in included]
    resource = {"type": "message", "id": record["id"], "attributes": fields,
                "relationships": {"media": {"data": [{"type": "media", "id": media_id} for media_id in ids]}}}
    return {"data": resource, "included": included}


def delivery_receipt_body(record: Mapping, receipt: Mapping, *, api_base: str = API_BASE) -> dict:
    """The v2.1 DLR callback for one receipt (an item of the record's `delivery_receipts`)."""
    fields = record["attributes"]
    if fields.get("direction") != "outbound":
        raise ValueError("delivery receipts are for outbound messages")
    code = receipt.get("status_code")
    attributes = {
        "body": "" if fields.get("is_mms") else fields.get("body", ""),  # "Always empty for MMS"
        "level": receipt["level"],
        "status": receipt.get("status", ""),
        # The DLR page types status_code as a string; MDRs carry an integer or null. Guess: null stays null.
        "status_code": None if code is None else str(code),
        "status_code_description": receipt.get("status_code_description", ""),
        "timestamp": receipt.get("timestamp") or fields.get("timestamp"),
    }
    link = f"{api_base}/v2.1/messages/{quote(record['id'], safe='')}"
    return {"data": {"type": "delivery_receipt", "id": record["id"], "attributes": attributes,
                     "links": {"related": link}}}


def delivery_receipt_bodies(record: Mapping, *, api_base: str = API_BASE) -> list[dict]:
    """One DLR callback per receipt the record carries (usually level 1, then level 2)."""
    return [delivery_receipt_body(record, receipt, api_base=api_base)
            for receipt in record["attributes"].get("delivery_receipts") or []]


def _inbound_fields(record: Mapping, numbers_as_integers: bool, amount_as_string: bool) -> dict[str, Any]:
    fields = json.loads(json.dumps(record["attributes"]))  # a deep copy that is also JSON-safe
    if fields.get("direction") != "inbound":
        raise ValueError("inbound callbacks are for inbound messages")
    if numbers_as_integers:
        fields.update({name: int(fields[name]) for name in ("from", "to") if str(fields.get(name, "")).isdigit()})
    if amount_as_string and fields.get("amount_nanodollars") is not None:
        fields["amount_nanodollars"] = str(fields["amount_nanodollars"])
    return fields


def _media_ids(record: Mapping) -> list[str]:
    """`media_ids` of the sandbox's internal record, or the relationships of an MDR resource."""
    if record.get("media_ids"):
        return list(record["media_ids"])
    refs = ((record.get("relationships") or {}).get("media") or {}).get("data") or []
    return [ref["id"] for ref in refs]


def _media_object(item: Mapping, api_base: str) -> dict:
    attributes = {"url": item["url"]}
    attributes.update({key: item[key] for key in ("file_name", "mime_type", "file_size") if key in item})
    self_url = item.get("self_url") or f"{api_base}/v2.1/media/{quote(item['id'], safe='')}"
    return {"type": "media", "id": item["id"], "attributes": attributes, "links": {"self": self_url}}
