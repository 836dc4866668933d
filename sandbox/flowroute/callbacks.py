"""The Flowroute sandbox's callbacks: new inbound messages and delivery receipts POSTed to the URLs set.

The sandbox (server.py) hands every new MDR to `SandboxCallbacks.records_added(state, records)` (its state
calls it while the sandbox lock is held; sending only queues). Which URL, as Flowroute documents the three
levels (developer.flowroute.com/api/numbers/v2.0/set-a-messaging-callback-url and the v2.1 messages pages),
most specific first:

  inbound SMS / MMS   the `to` number's sms_callback / mms_callback, else the account's
  receipts (SMS)      the send's `dlr_callback`, else the `from` number's sms_dlr_callback (or the
                      deprecated dlr_callback), else the account's

Bodies are those of sandbox/callbacks.py (the captured v2.1 shapes); the behaviour switches
integer_numbers / string_amounts apply to them too. Delivery goes through a CallbackSender: retried up to
4 more times `retry_interval` seconds apart (30 by default, like Flowroute) on anything but a 200, with the
switches drop / drop_next / delay / repeat / reorder, and `fail_receipts` making the next sends' level 2
receipts (and their MDRs) say undelivered.

Control endpoint (no auth):
  GET  /sandbox/callbacks   -> 200 {"counts": {...}, "switches": {...}}
  POST /sandbox/callbacks   {"drop"?, "drop_next"?, "delay"?, "repeat"?, "reorder"?, "retry_interval"?,
                            "fail_receipts"?} -> 200 the same; an unknown name 400
"""

from __future__ import annotations

import threading

from sandbox.callbacks import (
    RETRY_INTERVAL,
    CallbackSender,
    delivery_receipt_bodies,
    inbound_mms_body,
    inbound_sms_body,
)

SWITCHES = ("drop", "drop_next", "delay", "repeat", "reorder", "retry_interval", "fail_receipts")
FAILED_RECEIPT = {"level": 2, "status": "undelivered", "status_code": 1110,
                  "status_code_description": "Message accepted by the SMSC but the phone rejected the message"}


class SandboxCallbacks:
    """Sends the callbacks of one FlowrouteSandbox; its sender starts on the first callback."""

    def __init__(self, sandbox):
        self._sandbox = sandbox  # its .url (links in the bodies) and .behaviour()
        self._lock = threading.Lock()
        self._sender: CallbackSender | None = None
        self._switches = {"drop": False, "delay": 0.0, "repeat": 1, "reorder": 0}
        self.retry_interval = RETRY_INTERVAL
        self.fail_receipts = False

    @property
    def sender(self) -> CallbackSender:
        with self._lock:
            return self._sender or self._start_sender()

    def _start_sender(self) -> CallbackSender:
        self._sender = CallbackSender(retry_interval=self.retry_interval)
        self._sender.set_faults(**self._switches)
        return self._sender

    def set_faults(self, *, drop=None, drop_next=None, delay=None, repeat=None, reorder=None, retry_interval=None,
                   fail_receipts=None) -> dict:
        """Change some switches (see the module docstring); returns them all. No sender is started for this."""
        faults = {name: value for name, value in
                  {"drop": drop, "delay": delay, "repeat": repeat, "reorder": reorder}.items() if value is not None}
        if retry_interval is not None and float(retry_interval) < 0:
            raise ValueError("retry_interval must be >= 0")
        if retry_interval is not None:
            self.retry_interval = float(retry_interval)
        with self._lock:
            self._switches.update(faults)  # what a sender started later begins with
            sender = self._start_sender() if self._sender is None and drop_next else self._sender
        if sender is not None:
            sender.set_faults(**faults)
            sender.retry_interval = self.retry_interval
            if drop_next is not None:
                sender.drop_next(int(drop_next))
        if fail_receipts is not None:
            self.fail_receipts = bool(fail_receipts)
        return self.switches()

    def switches(self) -> dict:
        return {**self._switches, "retry_interval": self.retry_interval, "fail_receipts": self.fail_receipts}

    def control(self, payload: dict) -> dict:
        """The body of GET/POST /sandbox/callbacks."""
        unknown = sorted(set(payload) - set(SWITCHES))
        if unknown:
            raise ValueError(f"unknown callback switch(es): {', '.join(unknown)}")
        switches = self.set_faults(**payload) if payload else self.switches()
        counts = self.sender.counts if self._sender is not None else {}
        return {"counts": counts, "switches": switches}

    def reset(self) -> None:
        self.set_faults(drop=False, delay=0.0, repeat=1, reorder=0, retry_interval=RETRY_INTERVAL,
                        fail_receipts=False)
        if self._sender is not None:
            self._sender.drop_next(0)

    def stop(self) -> None:
        with self._lock:
            sender, self._sender = self._sender, None
        if sender is not None:
            sender.stop()

    # -- the hook ------------------------------------------------------------------------------------------

    def records_added(self, state, records: list[dict]) -> None:
        for record in records:
            fields = record["attributes"]
            if fields["direction"] == "inbound":
                self._inbound(state, record)
            elif fields["direction"] == "outbound" and fields["delivery_receipts"]:
                self._receipts(state, record)

    def _inbound(self, state, record: dict) -> None:
        kind = "mms_callback" if record["attributes"]["is_mms"] else "sms_callback"
        url = _url(state, record["attributes"]["to"], kind)
        if url is None:
            return
        behaviour = self._sandbox.behaviour()
        style = {"numbers_as_integers": behaviour.get("integer_numbers", False),
                 "amount_as_string": behaviour.get("string_amounts", False)}
        if kind == "mms_callback":
            base = self._sandbox.url
            media = [{"id": media_id, "url": state.presigned_url(media_id, base),
                      **{key: state.media[media_id][key] for key in ("file_name", "mime_type", "file_size")}}
                     for media_id in record["media_ids"]]
            body = inbound_mms_body(record, media, api_base=base, **style)
        else:
            body = inbound_sms_body(record, callback_url=url, **style)
        self.sender.send(url, body)

    def _receipts(self, state, record: dict) -> None:
        fields = record["attributes"]
        if self.fail_receipts:
            level2 = {**FAILED_RECEIPT, "timestamp": fields["delivery_receipts"][-1]["timestamp"]}
            fields["delivery_receipts"] = [*fields["delivery_receipts"][:-1], level2]
            fields["status"] = "undelivered"
        url = (record.get("dlr_callback") or _url(state, fields["from"], "sms_dlr_callback")
               or _url(state, fields["from"], "dlr_callback"))
        if url is None:
            return
        for body in delivery_receipt_bodies(record, api_base=self._sandbox.url):
            self.sender.send(url, body)


def _url(state, number: str, kind: str) -> str | None:
    """The number's own callback URL of that kind, else the account's."""
    own = (state.numbers.get(number) or {}).get("callbacks") or {}
    return own.get(kind) or state.account_callbacks.get(kind)
