"""The relay's send, notify: pending outbox rows posted per channel in message-time order, paced, each marked
delivered only after Slack answered ok; an attempt with no clear answer is looked up in Slack before a resend."""

from __future__ import annotations

import http.client
import json
import logging
import time
from collections import deque
from datetime import timedelta

from slack_sdk.errors import SlackApiError

from blocks.text import parse_time
from relay.posts import relay_payload, relay_post
from relay.slack_reads import CHANNEL_ERRORS, THREAD_GONE_ERRORS, cursor_pages, history, replies

log = logging.getLogger("flowroute_bot.relay")

# Slack errors about one post's content: fail that row only.
ROW_ERRORS = frozenset({
    "invalid_blocks", "invalid_blocks_format", "msg_too_long", "no_text", "invalid_metadata_format",
    "invalid_metadata_schema", "metadata_too_large", "invalid_arguments", "too_many_attachments",
})

DELIVERED, RETRY, SKIP, STOP = "delivered", "retry", "skip", "stop"
SLACK_CLOCK_MARGIN = 900  # seconds of history either side of an unsure attempt searched for its post


class UploadError(Exception):
    """Slack's upload URL refused the bytes; retried like a connection error."""


class Sender:
    """The notify half of the Relay (relay/service.py), which owns the store, clients, config and pacing."""

    def send_pending(self, budget: float | None = None, *, wait: float = 0.0) -> int:
        """Post pending rows for about `budget` seconds; returns how many were delivered.

        One sender at a time (others return at once, or wait up to `wait` seconds for the running one). Rows
        not yet ready (pacing, Retry-After, backoff) are waited for only within the budget; the scheduler's
        send job comes back for them.
        """
        if not (self._send_lock.acquire(timeout=wait) if wait > 0 else self._send_lock.acquire(blocking=False)):
            return 0
        try:
            seconds = self.config.send_budget_seconds if budget is None else budget
            return self._send_round(time.monotonic() + seconds)
        finally:
            self._send_lock.release()

    def _send_round(self, deadline: float) -> int:
        queues: dict[str, deque] = {}
        for row in self.store.get_pending_outbox():
            queues.setdefault(row["channel_id"], deque()).append(row)
        delivered = 0
        while queues and not self._stopping.is_set() and time.monotonic() < deadline:
            channel = min(queues, key=lambda name: self._ready_time(name, queues[name][0]))
            wait = self._ready_time(channel, queues[channel][0]) - time.time()
            if wait > 0:
                if time.monotonic() + wait > deadline:
                    break
                self._stopping.wait(wait)
                continue
            outcome = self._send_row(queues[channel].popleft())
            delivered += outcome == DELIVERED
            if outcome in (RETRY, STOP) or not queues[channel]:
                queues.pop(channel)  # a row waiting for a retry holds back the later ones: order per channel
        return delivered

    def _ready_time(self, channel: str, row: dict) -> float:
        return max(self._ready_at.get(channel, 0.0), row["next_attempt_at"] or 0.0)

    def _send_row(self, row: dict) -> str:
        try:
            self._deliver(row)
        except SlackApiError as error:
            return self._slack_failure(row, error)
        except (OSError, http.client.HTTPException, json.JSONDecodeError, UploadError) as error:
            # No usable answer (a 5xx page that is not JSON included): the post may or may not exist.
            return self._retry_later(row, f"no answer from Slack ({type(error).__name__})")
        return DELIVERED

    def _deliver(self, row: dict) -> None:
        channel, mdr_id = row["channel_id"], row["mdr_id"]
        media = self.store.get_media(mdr_id, with_content=True) if row["is_mms"] else []
        files = [item for item in media if item["content"] is not None]
        ts = row["slack_ts"] or self._post(row, media, has_files=bool(files))
        if files:
            self._attach(row, row.get("thread_ts") or ts, files)
        self.store.mark_delivered(mdr_id, channel, ts, has_media=bool(media))
        # After the delivery: a crash in between only costs the thread (the next message starts a new one).
        self._remember_thread(row, ts)

    def _post(self, row: dict, media: list[dict], *, has_files: bool) -> str:
        channel, mdr_id = row["channel_id"], row["mdr_id"]
        ts = self._find_post(row) if row["in_flight"] else None
        if ts is None:
            ts = self._post_in_thread(row, media)
        else:
            log.info("Record %s was already in %s (ts %s); not posting it again", mdr_id, channel, ts)
        if has_files:
            self.store.mark_posted(mdr_id, channel, ts)
            row.update(slack_ts=ts, in_flight=0, file_ids=None)
        return ts

    def _post_in_thread(self, row: dict, media: list[dict]) -> str:
        """Post the record in its conversation's thread, or as the first post of a new one; returns its ts."""
        channel, mdr_id = row["channel_id"], row["mdr_id"]
        thread = row.get("thread_ts") if row["in_flight"] else self._choose_thread(row)
        self.store.set_outbox_thread(mdr_id, channel, thread)
        self.store.mark_attempt(mdr_id, channel)
        row.update(thread_ts=thread, attempts=row["attempts"] + 1)
        post = relay_post(row, media, route=row["route"], conversation={"thread_ts": thread})
        try:
            response = self.slack.chat_postMessage(channel=channel, thread_ts=thread, **post)
        except SlackApiError as error:
            if clearly_not_done(error):
                self.store.mark_not_in_flight(mdr_id, channel)
                if thread and error.response.get("error") in THREAD_GONE_ERRORS:
                    self.store.forget_thread(channel, thread)  # its parent was deleted: the retry starts anew
            raise
        self._ready_at[channel] = time.time() + self.config.pace_seconds
        return response["ts"]

    def _choose_thread(self, row: dict) -> str | None:
        """The conversation's current thread unless it has been quiet for longer than the idle period."""
        current = self.store.get_current_thread(row["channel_id"], row["to_number"], row["from_number"])
        if current is None:
            return None
        last, at = parse_time(current["last_at"]), parse_time(row["at"])
        if last is None or at is None or at - last > timedelta(hours=self.settings.thread_idle_hours):
            return None
        return current["thread_ts"]

    def _remember_thread(self, row: dict, ts: str) -> None:
        channel, thread = row["channel_id"], row.get("thread_ts")
        if thread:
            self.store.touch_thread(channel, thread, row["at"])
        else:
            self.store.save_threads([{"channel_id": channel, "thread_ts": ts, "our_number": row["to_number"],
                                        "remote_number": row["from_number"], "started_at": row["at"],
                                        "last_at": row["at"]}])

    def _attach(self, row: dict, thread_ts: str, files: list[dict]) -> None:
        """Upload an MMS's files into the post's thread (metadata can only ride on chat.postMessage)."""
        channel, mdr_id, ts = row["channel_id"], row["mdr_id"], thread_ts
        if row["in_flight"] and row["file_ids"] and self._files_shared(channel, ts, json.loads(row["file_ids"])):
            return
        uploaded = []
        for item in files:
            target = self.slack.files_getUploadURLExternal(filename=item["file_name"], length=len(item["content"]))
            answer = self.http.post(target["upload_url"], data=item["content"], timeout=(5, 60))
            if answer.status_code != 200:
                raise UploadError(f"upload URL answered HTTP {answer.status_code}")
            uploaded.append({"id": target["file_id"], "title": item["file_name"]})
        self.store.mark_files_attempt(mdr_id, channel, [item["id"] for item in uploaded])
        try:
            self.slack.files_completeUploadExternal(files=uploaded, channel_id=channel, thread_ts=ts)
        except SlackApiError as error:
            if clearly_not_done(error):
                self.store.mark_not_in_flight(mdr_id, channel)
            raise

    def _find_post(self, row: dict) -> str | None:
        """The ts of our post of this record if an unanswered attempt did reach Slack (channel or thread)."""
        attempted = row["attempted_at"] or time.time()
        bounds = {"oldest": attempted - SLACK_CLOCK_MARGIN, "latest": attempted + SLACK_CLOCK_MARGIN,
                  "pages": self.config.check_pages}
        places = [history(self.slack, row["channel_id"], **bounds)]
        if row.get("thread_ts"):
            places.append(replies(self.slack, row["channel_id"], row["thread_ts"], **bounds))
        for messages in places:
            for message in messages:
                payload = relay_payload(message)
                if payload and payload.get("mdr_id") == row["mdr_id"]:
                    return message["ts"]
        return None

    def _files_shared(self, channel: str, ts: str, file_ids: list[str]) -> bool:
        pages = cursor_pages(self.slack.conversations_replies, pages=self.config.check_pages, channel=channel, ts=ts,
                             limit=200)
        return any(item.get("id") in file_ids for page in pages for message in page.get("messages") or []
                   for item in message.get("files") or [])

    def _slack_failure(self, row: dict, error: SlackApiError) -> str:
        channel, mdr_id = row["channel_id"], row["mdr_id"]
        code, status = error.response.get("error") or "unknown_error", error.response.status_code
        if status == 429:
            wait = retry_after_seconds(error.response.headers)
            self._ready_at[channel] = time.time() + wait
            self.store.mark_retry(mdr_id, channel, error=f"ratelimited (Retry-After {wait:g} s)")
            self.store.save_channel_error(channel, "ratelimited")
            return RETRY
        if status >= 500:
            return self._retry_later(row, f"Slack HTTP {status} {code}")
        if code in CHANNEL_ERRORS:
            failed = self.store.mark_channel_failed(channel, code)
            self.store.save_channel_error(channel, code)
            log.warning("Slack refuses posts in %s (%s): %d message(s) marked failed", channel, code, len(failed))
            return STOP
        if code in ROW_ERRORS:
            self.store.mark_failed(mdr_id, channel, code)
            self.store.save_channel_error(channel, f"{code} (record {mdr_id})")
            return SKIP
        return self._retry_later(row, code)  # auth or unknown errors: keep the message, try again later

    def _retry_later(self, row: dict, error: str) -> str:
        attempts = max(1, row["attempts"])
        delay = min(self.config.backoff_seconds * 2 ** (attempts - 1), self.config.max_backoff_seconds)
        self.store.mark_retry(row["mdr_id"], row["channel_id"], error=error, next_attempt_at=time.time() + delay)
        self.store.save_channel_error(row["channel_id"], error)
        log.info("Posting %s to %s failed (%s); retrying in %.1f s", row["mdr_id"], row["channel_id"], error, delay)
        return RETRY


def retry_after_seconds(headers) -> float:
    value = None
    for name, raw in (headers or {}).items():
        if str(name).lower() == "retry-after":
            value = raw[0] if isinstance(raw, list | tuple) else raw
    try:
        return min(max(float(value), 0.0), 600.0)
    except (TypeError, ValueError):
        return 1.0


def clearly_not_done(error: SlackApiError) -> bool:
    """Slack answered, and the answer says nothing was posted (unlike a 5xx, which may hide a success)."""
    return error.response.status_code < 500
