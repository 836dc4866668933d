"""POST /flowroute/callbacks/<token>: Flowroute's inbound messages and delivery receipts, the one path
served without Slack's signature.

Flowroute signs nothing (its callback docs describe no signature header), so the secret is the path's
token (FLOWROUTE_BOT_CALLBACK_TOKEN), compared in constant time and never logged. The work per request is
bounded so a flood cannot starve Slack's requests, which share the server's threads: a wrong token is
refused before the body is read, at most 1 MB is read, and at most CALLBACK_SLOTS requests are handled at
once (the others get a 503, which Flowroute retries like any non-200).
"""

from __future__ import annotations

import hmac
import json
import logging
import threading

from flowroute_api import (
    MAX_CALLBACK_BYTES,
    CallbackError,
    CallbackTooLarge,
    DeliveryReceipt,
    check_callback_size,
    parse_callback,
)
from relay.callbacks import CALLBACK_PATH, today

log = logging.getLogger("flowroute_bot.callbacks")

CALLBACK_SLOTS = 4  # of the server's 16 threads; a callback is a few SQLite writes (plus MMS downloads)


class CallbackEndpoint:
    """The WSGI side of Flowroute callbacks; the relay stores them (relay/callbacks.py)."""

    def __init__(self, relay, token: str):
        self.relay = relay
        self._token = token.encode()
        self._slots = threading.BoundedSemaphore(CALLBACK_SLOTS)

    def matches(self, path: str) -> bool:
        return path.startswith(CALLBACK_PATH)

    def __call__(self, environ, start_response):
        given = (environ.get("PATH_INFO") or "")[len(CALLBACK_PATH):]
        if not hmac.compare_digest(given.encode("latin-1", "replace"), self._token):
            return _answer(start_response, "404 Not Found", {"ok": False, "error": "not found"})
        if environ.get("REQUEST_METHOD") != "POST":
            return _answer(start_response, "405 Method Not Allowed", {"ok": False, "error": "use POST"},
                           [("Allow", "POST")])
        if not self._slots.acquire(blocking=False):
            return _answer(start_response, "503 Service Unavailable", {"ok": False, "error": "busy, retry"},
                           [("Retry-After", "5")])
        try:
            return self._take(environ, start_response)
        finally:
            self._slots.release()

    def _take(self, environ, start_response):
        try:
            check_callback_size(_content_length(environ))
            body = environ["wsgi.input"].read(MAX_CALLBACK_BYTES + 1)  # the bytes read are checked too
            callback = parse_callback(body)
        except CallbackError as error:
            self.relay.store.count_callback("rejected", today())
            status = "413 Content Too Large" if isinstance(error, CallbackTooLarge) else "400 Bad Request"
            return _answer(start_response, status, {"ok": False, "error": error.reason})
        try:
            if isinstance(callback, DeliveryReceipt):
                self.relay.take_receipt(callback)
            else:
                self.relay.take_inbound(callback)
        except Exception as error:  # noqa: BLE001 - answer 500 so Flowroute resends; the path is not logged
            log.exception("A Flowroute callback (%s) could not be stored: %s", type(callback).__name__,
                          type(error).__name__)
            return _answer(start_response, "500 Internal Server Error", {"ok": False, "error": "not stored"})
        return _answer(start_response, "200 OK", {"ok": True})


def _content_length(environ) -> int | None:
    try:
        return int(environ.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None


def _answer(start_response, status: str, body: dict, headers: list | None = None) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data))),
                            *(headers or [])])
    return [data]


def callback_endpoint(deps) -> CallbackEndpoint | None:
    """The endpoint when FLOWROUTE_BOT_CALLBACK_TOKEN is set (else the path is not served at all)."""
    token = deps.settings.callback_token
    return CallbackEndpoint(deps.relay, token) if token else None
