"""Flowroute callbacks into the relay: inbound messages in about a second, delivery receipts on our own sends.

Flowroute POSTs an inbound SMS/MMS to the account's `sms_callback`/`mms_callback` URL and a delivery receipt
(DLR) to its DLR callback URL (developer.flowroute.com/api/messages/v2.1/receive-an-sms, receive-an-mms,
receive-a-dlr). bot/server.py parses the body (flowroute_api.callbacks) and hands it to the Relay, which mixes
this class in:

- an inbound message goes into the same store and outbox as a polled record, deduplicated on its record id,
  with its media downloaded from the callback's pre-signed `included` URLs, all committed before the 200;
  then the sender is woken (a thread of its own) instead of waiting for the next tick. The poll keeps running:
  a record it finds first is posted once all the same, and counted as a callback missed.
- a receipt is kept (one row per record and level) and applied to what the bot said about that send: the
  thread reply's reaction, or the `sms`/`mms` confirmation edited through its response_url. A receipt that
  comes before the bot has noted the send's record id waits for `apply_receipts(mdr_id)`.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta

import requests
from slack_sdk.errors import SlackApiError

from blocks.text import escape, iso_utc
from core.settings import Settings
from core.storage import Store
from flowroute_api import DeliveryReceipt, InboundMms, InboundSms
from relay.poll import MediaError, media_row
from relay.recover import STARTED

log = logging.getLogger("flowroute_bot.relay")

CALLBACK_PATH = "/flowroute/callbacks/"
CALLBACKS_ON = "callbacks_on"  # state: {"at", "by", "url"} while `inbox callbacks on` is in force
DELIVERED_REACTION = "white_check_mark"
FAILED_REACTION = "x"
# Guess: the DLR page gives no list of statuses; these are the failure words SMPP (and Flowroute MDRs) use.
FAILED_STATUSES = frozenset({"undelivered", "undeliverable", "failed", "rejected", "expired", "deleted"})
CONFIRMATION_TTL = 30 * 60  # Slack's response_url takes posts for 30 minutes


def callback_url(settings: Settings) -> str | None:
    """<FLOWROUTE_BOT_PUBLIC_URL>/flowroute/callbacks/<token>, or None when either is missing."""
    if not settings.public_url or not settings.callback_token:
        return None
    return f"{settings.public_url}{CALLBACK_PATH}{settings.callback_token}"


def shown_callback_url(settings: Settings) -> str:
    """The callback URL as the bot shows it: the token left out."""
    return f"{settings.public_url}{CALLBACK_PATH}<FLOWROUTE_BOT_CALLBACK_TOKEN>"


def dlr_callback(store: Store, settings: Settings) -> str | None:
    """The `dlr_callback` our sends carry: the callback URL while callbacks are on, else None."""
    url = callback_url(settings)
    return url if url and store.get_state(CALLBACKS_ON) else None


def today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")


def receipt_outcome(status: str) -> str | None:
    """"delivered", "failed", or None for a step on the way (level 1's "message buffered", "smsc submit")."""
    word = (status or "").strip().lower()
    if word == "delivered":
        return "delivered"
    return "failed" if word in FAILED_STATUSES else None


class CallbackIntake:
    """The callback half of the Relay (relay/service.py), which owns the store, clients, config and sender."""

    def init_callbacks(self) -> None:
        self._wake = threading.Event()
        self._waker: threading.Thread | None = None
        self._waker_lock = threading.Lock()

    # --- inbound --------------------------------------------------------------------------------------------

    def take_inbound(self, message: InboundSms | InboundMms) -> bool:
        """Store a callback's message durably (True when new), then wake the sender."""
        self.store.count_callback("inbound", today())
        if self.store.get_known_ids([message.id]):
            self.store.note_callback(message.id)
            return False
        if self.store.get_state(STARTED) is None:  # checked first: recover_if_empty waits for a running poll
            self.recover_if_empty()  # a first start decides the floor and the recovered posts before anything new
        record = message.as_record()
        row = self._inbound_row(record)
        channels, kind = self._router()(row["to_number"])
        row["channels"] = len(channels)
        done = self.store.get_outbox_pairs([message.id])
        todo = [channel for channel in channels if (message.id, channel) not in done]
        outbox = [{"mdr_id": message.id, "channel_id": channel, "at": row["at"], "route": kind} for channel in todo]
        media = self._callback_media(message) if row["is_mms"] and todo else []
        added = self.store.save_callback_inbound(row, outbox, media)
        if added and outbox:
            self.wake_sender()
        return added

    def _callback_media(self, message: InboundMms) -> list[dict]:
        """Download an MMS's files from the callback's own pre-signed links (they expire)."""
        rows = []
        for position, item in enumerate(message.media):
            row = media_row(message.id, position, item.file_name or item.id or "media", mime_type=item.mime_type)
            try:
                row["content"] = self._download(item.url)
                row["size"] = len(row["content"])
            except MediaError as error:
                row["error"] = str(error)
                log.warning("MMS %s: media %s not downloaded: %s", message.id, position, error)
            rows.append(row)
        return rows

    def wake_sender(self) -> None:
        """Post what is pending now, on the waker thread (started on first use), not at the next tick."""
        with self._waker_lock:
            if self._waker is None or not self._waker.is_alive():
                self._waker = threading.Thread(target=self._wake_loop, name="relay-callback-sender", daemon=True)
                self._waker.start()
        self._wake.set()

    def _wake_loop(self) -> None:
        while not self._stopping.is_set():
            if not self._wake.wait(1.0):
                continue
            self._wake.clear()
            try:
                # Waits for a send round already running (it read the outbox before this row was there).
                self.send_pending(self.config.send_budget_seconds, wait=self.config.send_budget_seconds)
            except Exception:  # noqa: BLE001 - a background thread: log, keep serving the next callback
                log.exception("Posting after a callback failed; the send job will retry")

    # --- delivery receipts ---------------------------------------------------------------------------------

    def take_receipt(self, receipt: DeliveryReceipt) -> None:
        """Keep a receipt (duplicates ignored) and apply it to our send, if the bot knows that send yet."""
        self.store.count_callback("receipts", today())
        fresh = self.store.save_receipt({
            "mdr_id": receipt.id, "level": receipt.level or 0, "status": receipt.status,
            "status_code": receipt.status_code, "description": receipt.status_code_description,
            "at": iso_utc(receipt.timestamp) if receipt.timestamp else None,
        })
        if fresh:
            self.apply_receipts(receipt.id)

    def apply_receipts(self, mdr_id: str) -> None:
        """Show a record's receipts on the thread reply or the sms/mms confirmation that sent it."""
        receipts = [row for row in self.store.get_receipts(mdr_id) if not row["applied"]]
        outcome = next((row for row in reversed(receipts) if receipt_outcome(row["status"])), None)
        if outcome is None:
            return
        reply, confirmation = self.store.get_reply_by_mdr(mdr_id), self.store.get_confirmation(mdr_id)
        if reply is None and confirmation is None:
            return  # not ours, or not noted yet: the send calls apply_receipts once it has the id
        try:
            if reply is not None:
                self._show_on_reply(reply, outcome)
            if confirmation is not None:
                self._show_on_confirmation(confirmation, outcome)
        except (SlackApiError, requests.RequestException, OSError) as error:
            log.warning("Receipt for %s not shown: %s", mdr_id, type(error).__name__)
            return
        self.store.mark_receipts_applied(mdr_id)

    def _show_on_reply(self, reply: dict, receipt: dict) -> None:
        channel, ts = reply["channel_id"], reply["ts"]
        delivered = receipt_outcome(receipt["status"]) == "delivered"
        self._add_reaction(channel, ts, DELIVERED_REACTION if delivered else FAILED_REACTION)
        if delivered:
            self.store.mark_reply(channel, ts, delivered_at=iso_utc())
            return
        self.store.mark_reply(channel, ts, status="undelivered", error=failure_words(receipt))
        self.slack.chat_postMessage(channel=channel, thread_ts=reply["thread_ts"], unfurl_links=False,
                                    text=f":x: <@{reply['user_id']}>, that SMS was not delivered: "
                                         f"{failure_words(receipt)}.")

    def _add_reaction(self, channel: str, ts: str, name: str) -> None:
        try:
            self.slack.reactions_add(channel=channel, timestamp=ts, name=name)
        except SlackApiError as error:
            if error.response.get("error") not in ("already_reacted", "message_not_found"):
                raise

    def _show_on_confirmation(self, confirmation: dict, receipt: dict) -> None:
        if time.time() - confirmation["created_at"] > CONFIRMATION_TTL:
            return  # Slack no longer takes edits through that response_url
        message = dict(confirmation["message"])
        delivered = receipt_outcome(receipt["status"]) == "delivered"
        line = (":white_check_mark: Delivered to the handset." if delivered
                else f":x: Not delivered: {failure_words(receipt)}.")
        message["blocks"] = [*message.get("blocks", []), {"type": "context", "elements": [
            {"type": "mrkdwn", "text": line}]}]
        message["text"] = f"{message.get('text', '')} - {'delivered' if delivered else 'not delivered'}"
        answer = self.http.post(confirmation["response_url"], json={**message, "replace_original": True},
                                timeout=(5, 15))
        if answer.status_code != 200:
            raise requests.HTTPError(f"response_url answered {answer.status_code}")

    # --- status --------------------------------------------------------------------------------------------

    def callback_status(self) -> dict:
        """On/off, the last callback, today's counts, and the poll's finds no callback brought (last 24 h)."""
        on = self.store.get_state(CALLBACKS_ON)
        since = iso_utc(datetime.now(UTC) - timedelta(hours=24))
        if on and on.get("at", "") > since:
            since = on["at"]
        return {"on": on, "last_at": self.store.get_last_callback_at(), "today": self.store.get_callback_day(today()),
                "missed": self.store.count_missed_callbacks(since) if on else None}


def failure_words(receipt: dict) -> str:
    """The receipt's reason in plain words (escaped: it comes from outside), with its status and code."""
    description = receipt.get("description") or receipt.get("status") or "no reason given"
    code = f", code {receipt['status_code']}" if receipt.get("status_code") else ""
    return escape(f"{description} ({receipt.get('status') or 'failed'}{code})")
