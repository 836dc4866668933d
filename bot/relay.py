"""The inbound SMS/MMS relay: Flowroute message records -> an outbox in SQLite -> Slack, each message once.

poll_now()          lists MDRs from (watermark - overlap) and follows every page; new inbound records are
                    saved with their outbox rows and media in one transaction per page; the watermark
                    moves only after every page is stored.
send_pending()      posts pending outbox rows per channel in message-time order, paced, and marks each
                    delivered only after Slack answered ok.
recover_if_empty()  on a database with no relay state, rebuilds the watermark, the deliveries, the
                    subscriptions and the conversation threads from the bot's own posts (Slack message
                    metadata), reading the replies of recently active threads.

Conversations: the messages between one of our numbers and one remote number share a thread per channel;
the first starts it, later ones are replies, and a quiet period (FLOWROUTE_BOT_THREAD_IDLE_HOURS) starts a
new one. Replies typed in those threads are answered by handlers/conversations.py; `check_replies()` (run
after each poll) follows them up.

Exactly once: the attempt and the thread it goes to are committed before chat.postMessage; a row whose last
attempt got no clear answer (a crash, a timeout, a 5xx) is looked up by its metadata in the channel's history
and in that thread before it is posted again.
"""

from __future__ import annotations

import http.client
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import requests
import urllib3
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from flowroute_api import FlowrouteError, InvalidNumberError, NotFoundError, iter_pages, normalize_number
from handlers.conversations import Conversations, thread_start
from handlers.inbox import RELAY_EVENT, SUBSCRIPTION_EVENT, relay_post

log = logging.getLogger("flowroute_bot.relay")

WATERMARK = "relay_watermark"  # newest MDR time of the last complete poll (Flowroute's clock, capped at ours)
FLOOR = "relay_floor"  # records older than this were history when the relay first started: never posted
STARTED = "relay_started"  # set once the relay has recovered from Slack or started fresh
LAST_POLL = "relay_last_poll"

# Slack errors that say the channel will not take posts: fail its rows, keep the other channels going.
CHANNEL_ERRORS = frozenset({"channel_not_found", "not_in_channel", "is_archived"})
# Slack errors about one post's content: fail that row only.
ROW_ERRORS = frozenset({
    "invalid_blocks", "invalid_blocks_format", "msg_too_long", "no_text", "invalid_metadata_format",
    "invalid_metadata_schema", "metadata_too_large", "invalid_arguments", "too_many_attachments",
})
NO_METHOD_ERRORS = frozenset({"unknown_method", "missing_scope", "not_allowed_token_type"})
# Guess: what chat.postMessage answers when a thread's parent was deleted (the emulator says thread_not_found).
THREAD_GONE_ERRORS = frozenset({"thread_not_found", "message_not_found", "invalid_thread_ts"})

DELIVERED, RETRY, SKIP, STOP = "delivered", "retry", "skip", "stop"
SLACK_CLOCK_MARGIN = 900  # seconds of history either side of an unsure attempt searched for its post


@dataclass
class RelayConfig:
    page_size: int = 200
    overlap: timedelta = timedelta(minutes=10)  # guess: how late Flowroute may list a record
    pace_seconds: float = 1.0  # chat.postMessage allows about one message per second per channel
    backoff_seconds: float = 2.0
    max_backoff_seconds: float = 300.0
    send_budget_seconds: float = 25.0
    check_pages: int = 5  # history pages read to find an unsure post
    recovery_pages: int = 10  # history pages read per channel when rebuilding an empty database
    recovery_threads: int = 300  # conversation threads whose replies are read when rebuilding
    alias_ttl_seconds: float = 600.0
    media_timeout: float = 30.0
    max_media_bytes: int = 25 * 1024 * 1024


@dataclass
class PollResult:
    pages: int = 0
    inbound: int = 0  # inbound records listed in the window, new or not
    new: int = 0
    queued: int = 0  # outbox rows created
    unrouted: int = 0
    watermark: str | None = None

    def summary(self) -> str:
        return (f"{self.new} new inbound message(s), {self.queued} queued for Slack, {self.unrouted} unrouted "
                f"({self.pages} page(s) read)")


class MediaError(Exception):
    """A media file could not be downloaded; the text is still posted with a line saying so."""


class UploadError(Exception):
    """Slack's upload URL refused the bytes; retried like a connection error."""


def sender_client(settings) -> WebClient:
    """No retry handlers: a 429 must not stall the other channels, and a resent post could duplicate."""
    return WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=15,
                     retry_handlers=[])


class Relay:
    """The relay service; handlers, the scheduler, tests and the console all use this object."""

    def __init__(self, store, flowroute, settings, *, slack: WebClient | None = None,
                 config: RelayConfig | None = None):
        self.store, self.flowroute, self.settings = store, flowroute, settings
        self.slack = slack or sender_client(settings)
        self.config = config or RelayConfig()
        self.http = requests.Session()
        self.next_poll_at: Callable[[], datetime | None] = lambda: None  # set by the scheduler
        self._poll_lock = threading.RLock()
        self._send_lock = threading.Lock()
        self._stopping = threading.Event()
        self._ready_at: dict[str, float] = {}  # channel -> epoch before which it gets no post (pace, 429)
        self._aliases: dict[str, tuple[float, str | None]] = {}
        self._identity: dict | None = None
        self.conversations = Conversations(store, flowroute, settings, slack=self.slack)
        self.threads = self.conversations.db

    def stop(self) -> None:
        """Make a running send round return instead of waiting for pacing or Retry-After."""
        self._stopping.set()

    def run_cycle(self, send_budget: float | None = None) -> PollResult:
        """One poll job: fetch and save, then notify (post what is ready, follow up thread replies).

        The scheduler, `/flowroute inbox poll` and the console's `:poll` all run this; a failed poll
        still posts what was already queued, then raises.
        """
        try:
            return self.poll_now()
        finally:
            self.send_pending(send_budget)
            self.check_replies()

    def scheduled_cycle(self, send_budget: float | None = None) -> None:
        """The scheduler's job: a failed poll is logged (and shown by `inbox status`), not raised."""
        try:
            self.run_cycle(send_budget)
        except (FlowrouteError, SlackApiError, OSError) as error:
            log.warning("Inbound poll failed: %s", failure_line(error))

    def check_replies(self) -> None:
        """Follow up the SMS replies typed in conversation threads (delivered reactions, cut-off sends)."""
        try:
            self.conversations.check_replies()
        except (FlowrouteError, SlackApiError, OSError) as error:
            log.warning("Checking thread replies failed: %s", failure_line(error))

    # --- poll: fetch and save ---------------------------------------------------------------------------

    def poll_now(self) -> PollResult:
        with self._poll_lock:
            started = datetime.now(UTC)
            try:
                self.recover_if_empty()
                result = self._poll()
            except Exception as error:
                self._save_last_poll(started, ok=False, text=failure_line(error))
                raise
            self._save_last_poll(started, ok=True, text=result.summary())
            return result

    def _save_last_poll(self, started: datetime, *, ok: bool, text: str) -> None:
        self.store.save_state(LAST_POLL, {"at": iso(started), "ok": ok, "result": text,
                                          "seconds": round((datetime.now(UTC) - started).total_seconds(), 3)})

    def _poll(self) -> PollResult:
        floor = parse_time(self.store.get_state(FLOOR))
        watermark = parse_time(self.store.get_state(WATERMARK)) or datetime.now(UTC)
        start = watermark - self.config.overlap
        if floor is not None and start < floor:
            start = floor
        route = self._router()
        result = PollResult()
        newest = watermark

        def fetch(limit, offset):
            return self.flowroute.list_messages(start, limit=limit, offset=offset)

        # A page shorter than page_size is not the end while it has links.next (a server-side page cap).
        for page in iter_pages(fetch, page_size=self.config.page_size):
            fresh = [record for record in page if record.get("id")]
            newest = max([newest, *(moment for moment in map(record_time, fresh) if moment is not None)])
            self._ingest(fresh, route, floor, result)
            result.pages += 1
        newest = min(newest, datetime.now(UTC))  # a record stamped in the future must not skip the present
        result.watermark = iso(newest)
        self.store.save_state(WATERMARK, result.watermark)
        return result

    def _ingest(self, records: list[dict], route, floor: datetime | None, result: PollResult) -> None:
        inbound = [record for record in records if attributes(record).get("direction") == "inbound"
                   and not (floor and (record_time(record) or floor) < floor)]
        result.inbound += len(inbound)
        if not inbound:
            return
        ids = [record["id"] for record in inbound]
        known, done = self.store.get_known_ids(ids), self.store.get_outbox_pairs(ids)
        rows, outbox, media = [], [], []
        for record in inbound:
            if record["id"] in known:
                continue
            row = self._inbound_row(record)
            channels, kind = route(row["to_number"])
            row["channels"] = len(channels)
            todo = [channel for channel in channels if (row["mdr_id"], channel) not in done]
            outbox += [{"mdr_id": row["mdr_id"], "channel_id": channel, "at": row["at"], "route": kind}
                       for channel in todo]
            if row["is_mms"] and todo:
                media += self._fetch_media(record)
            rows.append(row)
            result.unrouted += not channels
        result.new += self.store.save_inbound(rows, outbox, media)
        result.queued += len(outbox)

    def _inbound_row(self, record: dict) -> dict:
        fields = attributes(record)
        to_number = clean_number(fields.get("to"))
        return {
            "mdr_id": record["id"], "at": iso(record_time(record) or datetime.now(UTC)),
            "from_number": clean_number(fields.get("from")), "to_number": to_number,
            "to_alias": self._alias(to_number), "body": str(fields.get("body") or ""),
            "is_mms": int(str(fields.get("is_mms")).lower() in ("true", "1") or bool(media_refs(record))),
        }

    def _router(self) -> Callable[[str], tuple[list[str], str | None]]:
        """A number's own channels, else the `all` channels, else the inbox channel, else nowhere."""
        by_number: dict[str, list[str]] = {}
        for row in self.store.get_subscriptions():
            by_number.setdefault(row["number"], []).append(row["channel_id"])
        everyone, inbox = by_number.pop("all", []), self.settings.inbox_channel

        def route(number: str) -> tuple[list[str], str | None]:
            if by_number.get(number):
                return by_number[number], "number"
            if everyone:
                return everyone, "all"
            return ([inbox], "inbox") if inbox else ([], None)

        return route

    def _alias(self, number: str) -> str | None:
        cached = self._aliases.get(number)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        ttl = self.config.alias_ttl_seconds
        try:
            alias = attributes((self.flowroute.get_number(number) or {}).get("data") or {}).get("alias")
        except (FlowrouteError, InvalidNumberError):
            alias, ttl = None, min(ttl, 60)
        self._aliases[number] = (time.monotonic() + ttl, alias)
        return alias

    def _fetch_media(self, record: dict) -> list[dict]:
        """Download an MMS's files now: Flowroute's links are pre-signed and expire."""
        mdr_id = record["id"]
        try:
            document = self.flowroute.get_message(mdr_id) or {}
        except NotFoundError as error:
            return [media_row(mdr_id, 0, "media", error=f"the media list could not be read: {error}")]
        included = {item.get("id"): item for item in document.get("included") or [] if item.get("type") == "media"}
        rows = []
        for position, ref in enumerate(media_refs(document.get("data") or record)):
            fields = attributes(included.get(ref.get("id")) or {})
            row = media_row(mdr_id, position, fields.get("file_name") or str(ref.get("id") or "media"),
                            mime_type=fields.get("mime_type"))
            try:
                row["content"] = self._download(fields.get("url"))
                row["size"] = len(row["content"])
            except MediaError as error:
                row["error"] = str(error)
                log.warning("MMS %s: media %s not downloaded: %s", mdr_id, position, error)
            rows.append(row)
        return rows

    def _download(self, url: str | None) -> bytes:
        if not url or not str(url).startswith(("https://", "http://")):
            raise MediaError("Flowroute gave no download link")
        for attempt in (1, 2):
            try:
                with self.http.get(url, timeout=(5, self.config.media_timeout), stream=True) as response:
                    if response.status_code >= 500 and attempt == 1:
                        continue
                    if response.status_code != 200:
                        raise MediaError(f"HTTP {response.status_code}, the link may have expired")
                    content = response.raw.read(self.config.max_media_bytes + 1, decode_content=True)
            except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as error:
                if attempt == 1:
                    continue
                raise MediaError(f"download failed ({type(error).__name__})") from None
            if len(content) > self.config.max_media_bytes:
                raise MediaError(f"larger than {self.config.max_media_bytes // (1024 * 1024)} MB")
            return content
        raise MediaError("Flowroute's media server kept failing")

    # --- send: notify -----------------------------------------------------------------------------------

    def send_pending(self, budget: float | None = None) -> int:
        """Post pending rows for about `budget` seconds; returns how many were delivered.

        One sender at a time (others return at once). Rows not yet ready (pacing, Retry-After, backoff) are
        waited for only within the budget; the scheduler's send job comes back for them.
        """
        if not self._send_lock.acquire(blocking=False):
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
        self.threads.set_outbox_thread(mdr_id, channel, thread)
        self.store.mark_attempt(mdr_id, channel)
        row.update(thread_ts=thread, attempts=row["attempts"] + 1)
        post = relay_post(row, media, route=row["route"], conversation={"thread_ts": thread})
        try:
            response = self.slack.chat_postMessage(channel=channel, thread_ts=thread, **post)
        except SlackApiError as error:
            if clearly_not_done(error):
                self.store.mark_not_in_flight(mdr_id, channel)
                if thread and error.response.get("error") in THREAD_GONE_ERRORS:
                    self.threads.forget_thread(channel, thread)  # its parent was deleted: the retry starts anew
            raise
        self._ready_at[channel] = time.time() + self.config.pace_seconds
        return response["ts"]

    def _choose_thread(self, row: dict) -> str | None:
        """The conversation's current thread unless it has been quiet for longer than the idle period."""
        current = self.threads.get_current_thread(row["channel_id"], row["to_number"], row["from_number"])
        if current is None:
            return None
        last, at = parse_time(current["last_at"]), parse_time(row["at"])
        if last is None or at is None or at - last > timedelta(hours=self.settings.thread_idle_hours):
            return None
        return current["thread_ts"]

    def _remember_thread(self, row: dict, ts: str) -> None:
        channel, thread = row["channel_id"], row.get("thread_ts")
        if thread:
            self.threads.touch_thread(channel, thread, row["at"])
        else:
            self.threads.save_threads([{"channel_id": channel, "thread_ts": ts, "our_number": row["to_number"],
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
        places = [self._history(row["channel_id"], **bounds)]
        if row.get("thread_ts"):
            places.append(self._replies(row["channel_id"], row["thread_ts"], **bounds))
        for messages in places:
            for message in messages:
                payload = relay_payload(message)
                if payload and payload.get("mdr_id") == row["mdr_id"]:
                    return message["ts"]
        return None

    def _files_shared(self, channel: str, ts: str, file_ids: list[str]) -> bool:
        cursor = None
        for _ in range(self.config.check_pages):
            page = self.slack.conversations_replies(channel=channel, ts=ts, limit=200, cursor=cursor)
            if any(item.get("id") in file_ids for message in page.get("messages") or []
                   for item in message.get("files") or []):
                return True
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return False
        return False

    def _history(self, channel: str, *, pages: int, oldest: float | None = None,
                 latest: float | None = None) -> Iterator[dict]:
        """The channel's top-level messages, newest first, with metadata."""
        cursor = None
        bounds = {name: f"{max(0.0, value):.6f}" for name, value in (("oldest", oldest), ("latest", latest))
                  if value is not None}
        for _ in range(pages):
            page = self.slack.conversations_history(channel=channel, include_all_metadata=True, limit=200,
                                                    cursor=cursor, **bounds)
            yield from page.get("messages") or []
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return

    def _replies(self, channel: str, thread_ts: str, *, pages: int, oldest: float | None = None,
                 latest: float | None = None) -> Iterator[dict]:
        """A thread's messages, oldest first, with metadata; nothing when the thread is gone."""
        cursor = None
        bounds = {name: f"{max(0.0, value):.6f}" for name, value in (("oldest", oldest), ("latest", latest))
                  if value is not None}
        for _ in range(pages):
            try:
                page = self.slack.conversations_replies(channel=channel, ts=thread_ts, include_all_metadata=True,
                                                        limit=200, cursor=cursor, **bounds)
            except SlackApiError as error:
                if error.response.get("error") in THREAD_GONE_ERRORS:
                    return
                raise
            yield from page.get("messages") or []
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return

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

    # --- status -----------------------------------------------------------------------------------------

    def status(self) -> dict:
        now = time.time()
        blocked = {channel: iso(datetime.fromtimestamp(until, UTC)) for channel, until in dict(self._ready_at).items()
                   if until - now > self.config.pace_seconds}  # beyond pacing: a Retry-After wait
        return {
            "last_poll": self.store.get_state(LAST_POLL),
            "watermark": self.store.get_state(WATERMARK),
            "next_poll": self.next_poll_at(),
            "counts": self.store.get_relay_counts(),
            "channel_errors": self.store.get_channel_errors(),
            "blocked": blocked,
            "pace_seconds": self.config.pace_seconds,
        }

    # --- recovery on an empty database ------------------------------------------------------------------

    def recover_if_empty(self) -> dict | None:
        """With no relay state (a new disk), rebuild it from our own posts instead of replaying or skipping."""
        with self._poll_lock:
            if self.store.get_state(STARTED) is not None:
                return None
            posts, events, threads = self._scan_own_posts()
            now = datetime.now(UTC)
            self.threads.save_threads(threads)
            if posts:
                self.store.save_recovered(posts)
                newest = max(moment for moment in (parse_time(post["at"]) for post in posts) if moment)
                self.store.save_state(WATERMARK, iso(min(newest, now)))
            else:  # a first start: history stays history, unless a backfill window is asked for
                # Whole seconds: a record stamped just after start-up must not fall below the floor by rounding.
                start = (now - timedelta(minutes=self.settings.backfill_minutes)).replace(microsecond=0)
                self.store.save_state(WATERMARK, iso(start))
                self.store.save_state(FLOOR, iso(start))
            subscriptions = replay_subscriptions(events)
            for number, channel in sorted(subscriptions):
                self.store.save_subscription(number, channel, "recovered")
            summary = {"at": iso(now), "posts": len(posts), "subscriptions": len(subscriptions),
                       "threads": len(threads)}
            self.store.save_state(STARTED, summary)
            log.info("Relay state %s: %d earlier post(s), %d subscription(s), %d thread(s) rebuilt from Slack",
                     "recovered" if posts else "started fresh", len(posts), len(subscriptions), len(threads))
            return summary

    def _scan_own_posts(self) -> tuple[list[dict], list[tuple], list[dict]]:
        identity = self._whoami()
        posts, events, starts = [], [], []
        for channel in self._own_channels():
            try:
                messages = list(self._history(channel, pages=self.config.recovery_pages))
            except SlackApiError as error:
                if error.response.get("error") in CHANNEL_ERRORS:
                    continue
                if error.response.get("error") in NO_METHOD_ERRORS:
                    # A permanent refusal would stop the relay for good; start from this channel's silence instead
                    # (nothing is replayed; what arrived while the bot was down there may be skipped).
                    log.warning("Cannot read #%s's history (%s): nothing to recover there", channel,
                                error.response.get("error"))
                    continue
                raise
            for message in messages:
                if not is_own(message, identity):
                    continue
                self._collect(message, channel, posts, events)
                thread = thread_start(message, channel)
                if thread:
                    starts.append((thread, message))
        return posts, events, self._read_threads(starts, identity, posts, events)

    @staticmethod
    def _collect(message: dict, channel: str, posts: list[dict], events: list[tuple]) -> None:
        post, event = read_metadata(message, channel)
        if post:
            posts.append(post)
        if event:
            events.append(event)

    def _read_threads(self, starts: list[tuple[dict, dict]], identity: dict, posts: list[dict],
                      events: list[tuple]) -> list[dict]:
        """Read the replies of the conversation threads active within an idle period of the newest one.

        Older threads are quiet: the next message starts a new thread, and their records are far behind the
        watermark, so only their parent (already read) matters.
        """
        def activity(item: tuple[dict, dict]) -> float:
            return float(item[1].get("latest_reply") or item[1]["ts"])

        starts = sorted(starts, key=activity, reverse=True)
        newest = activity(starts[0]) if starts else 0.0
        window = (self.settings.thread_idle_hours + 1) * 3600
        active = [item for item in starts if item[1].get("reply_count") and activity(item) >= newest - window]
        for thread, _parent in active[:self.config.recovery_threads]:
            channel = thread["channel_id"]
            for message in self._replies(channel, thread["thread_ts"], pages=self.config.check_pages):
                if message["ts"] == thread["thread_ts"] or not is_own(message, identity):
                    continue
                before = len(posts)
                self._collect(message, channel, posts, events)
                if len(posts) > before:
                    thread["last_at"] = max(thread["last_at"], posts[-1]["at"])
        return [thread for thread, _parent in starts]

    def _whoami(self) -> dict:
        if self._identity is None:
            answer = self.slack.auth_test()
            self._identity = {"user_id": answer.get("user_id"), "bot_id": answer.get("bot_id")}
        return self._identity

    def _own_channels(self) -> list[str]:
        channels: list[str] = []
        try:
            cursor = None
            while True:
                page = self.slack.users_conversations(types="public_channel,private_channel", exclude_archived=True,
                                                      limit=200, cursor=cursor)
                channels += [item["id"] for item in page.get("channels") or []]
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    break
        except SlackApiError as error:
            if error.response.get("error") not in NO_METHOD_ERRORS:
                raise
            log.warning("users.conversations unavailable (%s): recovering from the inbox channel only",
                        error.response.get("error"))
        extra = [self.settings.inbox_channel] + [row["channel_id"] for row in self.store.get_subscriptions()]
        return channels + [channel for channel in dict.fromkeys(extra) if channel and channel not in channels]


# --- small pure helpers ------------------------------------------------------------------------------------

def attributes(resource: dict) -> dict:
    return resource.get("attributes") or {}


def media_refs(resource: dict) -> list[dict]:
    return ((resource.get("relationships") or {}).get("media") or {}).get("data") or []


def media_row(mdr_id: str, position: int, file_name: str, *, mime_type=None, error=None) -> dict:
    return {"mdr_id": mdr_id, "position": position, "file_name": file_name, "mime_type": mime_type,
            "size": None, "content": None, "error": error}


def clean_number(value) -> str:
    try:
        return normalize_number(value if isinstance(value, int) else str(value or ""))
    except InvalidNumberError:
        return "".join(ch for ch in str(value or "") if ch.isdigit()) or str(value or "")


def record_time(record: dict) -> datetime | None:
    return parse_time(attributes(record).get("timestamp"))


def parse_time(value) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def iso(moment: datetime) -> str:
    """Sortable UTC text: `2026-01-02T03:04:05.060000Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


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


def failure_line(error: BaseException) -> str:
    if isinstance(error, SlackApiError):
        return f"Slack {error.response.status_code} {error.response.get('error')}"
    if isinstance(error, FlowrouteError):
        return str(error)
    return type(error).__name__


def relay_payload(message: dict) -> dict | None:
    metadata = message.get("metadata") or {}
    if metadata.get("event_type") != RELAY_EVENT:
        return None
    return metadata.get("event_payload") or {}


def is_own(message: dict, identity: dict) -> bool:
    return bool((identity.get("bot_id") and message.get("bot_id") == identity["bot_id"])
                or (identity.get("user_id") and message.get("user") == identity["user_id"]))


def read_metadata(message: dict, channel: str) -> tuple[dict | None, tuple | None]:
    """A recovered delivery and/or a subscription event (ts, action, number, channel) from one of our posts."""
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    order = float(message.get("ts") or 0)
    if metadata.get("event_type") == RELAY_EVENT and payload.get("mdr_id") and parse_time(payload.get("timestamp")):
        post = {"mdr_id": payload["mdr_id"], "channel_id": channel, "at": iso(parse_time(payload["timestamp"])),
                "route": payload.get("route") or "recovered", "slack_ts": message.get("ts")}
        # A post routed by a subscription shows the subscription existed when the record was routed: at the
        # latest its message time (the poll that routed it came after), not when it was posted, which may be
        # after an unsubscribe (a backlog, a retry). Ordered by the post's ts, that unsubscribe would be undone.
        target = {"number": payload.get("to"), "all": "all"}.get(payload.get("route"))
        routed_by = min(order, parse_time(payload["timestamp"]).timestamp())
        return post, (routed_by, "subscribe", target, channel) if target else None
    if metadata.get("event_type") == SUBSCRIPTION_EVENT and payload.get("number"):
        return None, (order, payload.get("action"), payload["number"], payload.get("channel_id") or channel)
    return None, None


def replay_subscriptions(events: list[tuple]) -> set[tuple[str, str]]:
    """Apply subscribe/unsubscribe events in Slack order; what is left is the subscription list."""
    current: set[tuple[str, str]] = set()
    for _order, action, number, channel in sorted(events, key=lambda event: event[0]):
        if action == "subscribe":
            current.add((number, channel))
        elif action == "unsubscribe":
            current.discard((number, channel))
    return current
