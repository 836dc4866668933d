"""Two-way conversations: a reply typed in a relayed SMS's Slack thread goes back as an SMS (or MMS).

The relay (relay/service.py) posts the messages between one of our numbers and one remote number in one
thread per channel and remembers it in the store's `threads` table; handlers/conversations.py hands this
service the thread replies Slack sends. A person's reply in such a thread is sent from our
number to the remote number by `Conversations`, at most once:

- the reply's row (channel + message ts) is inserted before anything else, so a Slack retry, a duplicate
  delivery or a restart finds it and stops;
- the row is marked `sending` before the Flowroute call; when Flowroute answers 5xx, times out or the bot
  dies mid-call, the SMS may or may not have gone out, so the thread says that and nothing is resent.

The relay's poll calls `check_replies()`: a second reaction once an accepted reply's MDR says delivered, the
accepted reaction when Slack refused it the first time, and a note for replies a crash left unfinished.
Images of MMS replies are served to Flowroute at `<FLOWROUTE_BOT_PUBLIC_URL>/media/<token>` (bot/server.py),
an unguessable link that expires, since Flowroute cannot fetch Slack's file URLs (they need the bot token).
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import requests
import urllib3
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from blocks.text import escape, iso_utc, kb, number_text
from core.audit import Audit
from core.errors import run_guarded
from core.settings import Settings
from core.storage import Store
from flowroute_api import (
    FlowrouteClient,
    FlowrouteConnectionError,
    FlowrouteError,
    InvalidNumberError,
    NotFoundError,
    ServerError,
    plain_quotes,
    sms_segments,
)
from flowroute_api.optouts import is_opt_out_refusal
from relay.callbacks import dlr_callback
from relay.optouts import explain_flowroute_refusal, refusal
from relay.posts import is_own, thread_start
from relay.replies import (
    MAX_SEGMENTS,
    cut_off_text,
    failed_text,
    is_note,
    not_allowed_text,
    refusal_text,
    sent_notes,
    sms_text,
    too_long_text,
    unsure_text,
)

log = logging.getLogger("flowroute_bot.conversations")

ACCEPTED_REACTION = "outbox_tray"  # Flowroute accepted the message (202)
DELIVERED_REACTION = "white_check_mark"  # its MDR later says delivered
# Flowroute caps an MMS at 750 kB of text and media; its 422 names 767840 bytes (Messages v2.1 reference at
# developer.flowroute.com, "send an SMS or MMS").
MMS_MAX_BYTES = 767_840
# Guess: the image types every carrier takes in an MMS; Flowroute publishes no list.
MMS_IMAGE_TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif"}
MEDIA_PATH = "/media/"
MEDIA_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")  # secrets.token_urlsafe(32)
NOT_CONVERSATIONS_KEPT = 2000


@dataclass
class ConversationConfig:
    media_ttl_seconds: float = 3600.0  # guess: Flowroute fetches the media while sending, right after the 202
    delivery_check_hours: float = 48.0  # accepted replies are checked for delivery this long
    delivery_checks_per_cycle: int = 25
    unfinished_seconds: float = 300.0  # far beyond a send's timeouts: a reply still in progress was cut off
    download_timeout: float = 30.0


class Conversations:
    """Answers thread replies by SMS/MMS and follows them up; shared by the listener and the relay's poll."""

    def __init__(self, store: Store, flowroute: FlowrouteClient, settings: Settings, *, slack: WebClient,
                 audit: Audit, config: ConversationConfig | None = None):
        self.store, self.flowroute, self.settings, self.slack, self.audit = store, flowroute, settings, slack, audit
        self.config = config or ConversationConfig()
        self.http = requests.Session()
        self.clock = time.time  # tests move it to expire media links
        self._not_conversations: dict[tuple[str, str], None] = {}  # threads known not to be ours, oldest first
        self._lock = threading.Lock()
        self.on_sent = lambda mdr_id: None  # bot/app.py: Relay.apply_receipts, for receipts that came first

    # --- a reply arrives ------------------------------------------------------------------------------

    def take_reply(self, reply: dict, identity: dict, client: WebClient) -> None:
        """Claim a thread reply once, then answer it; failures are told in the thread, never raised."""
        try:
            self._take_reply(reply, identity, client)
        except Exception:  # noqa: BLE001 - a work-pool task: nobody else would see it
            log.exception("Thread reply %s in %s could not be handled", reply["ts"], reply["channel_id"])

    def _take_reply(self, reply: dict, identity: dict, client: WebClient) -> None:
        thread = self.find_thread(reply["channel_id"], reply["thread_ts"], identity, client)
        if thread is None or is_note(reply["text"]):
            return
        reply = {**reply, "from_number": thread["our_number"], "to_number": thread["remote_number"]}
        if not self.store.claim_reply(reply):
            log.info("Reply %s in %s was already taken (Slack retry or duplicate); not sent again",
                     reply["ts"], reply["channel_id"])
            return
        run_guarded(lambda text, **_: self._say(client, reply, text), self._answer, reply, client)

    def is_other_thread(self, channel_id: str, thread_ts: str) -> bool:
        """Known not to be a conversation (its parent is not a relay post): nothing to look up again."""
        return (channel_id, thread_ts) in self._not_conversations

    def find_thread(self, channel_id: str, thread_ts: str, identity: dict, client: WebClient) -> dict | None:
        """The conversation a thread belongs to: from the database, else from our parent post's metadata."""
        thread = self.store.get_thread(channel_id, thread_ts)
        key = (channel_id, thread_ts)
        if thread is not None or key in self._not_conversations:
            return thread
        try:
            page = client.conversations_replies(channel=channel_id, ts=thread_ts, limit=1, include_all_metadata=True)
            parent = next(iter(page.get("messages") or []), None)
        except SlackApiError as error:
            log.warning("Could not read thread %s in %s: %s", thread_ts, channel_id, error.response.get("error"))
            return None
        found = thread_start(parent, channel_id) if parent and is_own(parent, identity) else None
        if found is None:
            with self._lock:
                self._not_conversations[key] = None
                while len(self._not_conversations) > NOT_CONVERSATIONS_KEPT:
                    self._not_conversations.pop(next(iter(self._not_conversations)))
            return None
        self.store.save_threads([found])
        return found

    def _answer(self, reply: dict, client: WebClient) -> None:
        channel, ts = reply["channel_id"], reply["ts"]
        if not self.settings.can_send(reply["user_id"]):
            self.store.mark_reply(channel, ts, status="refused", error="not allowed to send")
            self._whisper(client, reply, not_allowed_text())
            return
        text, quotes_changed = plain_quotes(sms_text(reply["text"]))
        opted_out = refusal(self.store, reply["from_number"], reply["to_number"])
        if opted_out:  # before any image is published or anything reaches Flowroute
            self.store.mark_reply(channel, ts, status="refused", error=opted_out, body=text)
            self._say(client, reply, refusal_text(reply, opted_out))
            return
        if reply["files"]:
            media_urls, problem = self._publish_images(reply, text, client)
            kind, encoding, segments = "mms", None, None
        else:
            media_urls, kind = [], "sms"
            encoding, segments = sms_segments(text)
            problem = too_long_text(encoding, segments) if segments > MAX_SEGMENTS else None
            problem = problem if text else "there is no text left to send."
        if problem:
            self.store.mark_reply(channel, ts, status="refused", error=problem, body=text, kind=kind)
            self._say(client, reply, refusal_text(reply, problem))
            return
        self.store.mark_reply(channel, ts, status="sending", body=text, kind=kind)
        try:
            result = self._send(reply, kind, text, media_urls)
        except (FlowrouteError, InvalidNumberError) as error:  # a bad number is refused before any request
            self._send_failed(client, reply, kind, error)
            return
        mdr_id = ((result or {}).get("data") or {}).get("id")
        self.store.mark_reply(channel, ts, status="accepted", mdr_id=mdr_id)
        if mdr_id:
            self.on_sent(mdr_id)
        self.store.touch_thread(channel, reply["thread_ts"], iso_utc())
        if self._react(client, reply, ACCEPTED_REACTION):
            self.store.mark_reply(channel, ts, accepted_reacted=1)
        notes = sent_notes(kind, encoding, segments, quotes_changed, len(media_urls))
        if notes:
            self._say(client, reply, notes)

    def _send(self, reply: dict, kind: str, text: str, media_urls: list[str]) -> dict:
        route = f"{number_text(reply['from_number'])} → {number_text(reply['to_number'])}"
        send, receipts = self.flowroute.send_message, {"dlr_callback": dlr_callback(self.store, self.settings)}
        if kind == "mms":
            return self.audit.audited(reply["user_id"], "mms reply", route, send, reply["from_number"],
                                      reply["to_number"], text or None, media_urls=media_urls, is_mms=True, **receipts)
        return self.audit.audited(reply["user_id"], "sms reply", route, send, reply["from_number"],
                                  reply["to_number"], text, **receipts)

    def _send_failed(self, client: WebClient, reply: dict, kind: str, error: Exception) -> None:
        """A 5xx or a lost answer may hide a sent message (never resent); anything else surely sent nothing."""
        if is_opt_out_refusal(error):
            problem = explain_flowroute_refusal(self.store, reply["from_number"], reply["to_number"])
            self.store.mark_reply(reply["channel_id"], reply["ts"], status="failed", error=str(error))
            self._say(client, reply, refusal_text(reply, problem))
            return
        unsure = isinstance(error, ServerError | FlowrouteConnectionError) and not never_connected(error)
        self.store.mark_reply(reply["channel_id"], reply["ts"], status="unknown" if unsure else "failed",
                           error=str(error))
        text = unsure_text(kind, reply, str(error)) if unsure else failed_text(kind, reply, str(error))
        self._say(client, reply, text)

    # --- images for MMS --------------------------------------------------------------------------------

    def _publish_images(self, reply: dict, text: str, client: WebClient) -> tuple[list[str], str | None]:
        """Download the reply's images from Slack and give each a public link; or say why not."""
        if not self.settings.public_url or self.settings.socket_mode:
            return [], ("files go out as MMS through a link Flowroute can fetch, and this bot has no public "
                        "address for them (FLOWROUTE_BOT_PUBLIC_URL is not set, or the bot runs in Socket Mode). "
                        "Send text only, or ask an admin.")
        images, total = [], len(text.encode("utf-8"))
        for shared in reply["files"]:
            item = self._file_details(shared, client)
            name, mime_type = escape(item.get("name") or "file"), str(item.get("mimetype") or "").lower()
            if mime_type not in MMS_IMAGE_TYPES:
                return [], f"`{name}` is not an image Flowroute can send by MMS (JPEG, PNG or GIF only)."
            total += int(item.get("size") or 0)
            if total > MMS_MAX_BYTES:
                return [], f"`{name}` makes the MMS larger than Flowroute's 750 kB limit ({kb(total)} in all)."
            content = self._download(item)
            if content is None:
                return [], f"`{name}` could not be downloaded from Slack."
            total += len(content) - int(item.get("size") or 0)
            if total > MMS_MAX_BYTES:
                return [], f"`{name}` makes the MMS larger than Flowroute's 750 kB limit ({kb(total)} in all)."
            images.append((mime_type, content))
        return [self._publish(reply, mime_type, content) for mime_type, content in images], None

    @staticmethod
    def _file_details(item: dict, client: WebClient) -> dict:
        """Events may carry a file as a stub to look up (guess: `file_access: check_file_info`, no URL)."""
        if item.get("url_private") or not item.get("id"):
            return item
        try:
            return client.files_info(file=item["id"]).get("file") or item
        except SlackApiError as error:
            log.warning("Could not read file %s: %s", item["id"], error.response.get("error"))
            return item

    def _download(self, item: dict) -> bytes | None:
        url = str(item.get("url_private_download") or item.get("url_private") or "")
        if not self._is_slack_file_url(url):
            return None
        headers = {"Authorization": f"Bearer {self.settings.slack_bot_token}"}
        try:
            with self.http.get(url, headers=headers, timeout=(5, self.config.download_timeout), stream=True,
                               allow_redirects=False) as response:
                if response.status_code != 200:
                    return None
                return response.raw.read(MMS_MAX_BYTES + 1, decode_content=True)
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError):
            return None

    def _is_slack_file_url(self, url: str) -> bool:
        """The bot token only goes to Slack: its file host, or the API host the bot is configured with."""
        parts, api = urlsplit(url), urlsplit(self.settings.slack_api_url)
        if parts.netloc and parts.netloc == api.netloc and parts.scheme == api.scheme:
            return True
        return parts.scheme == "https" and (parts.hostname or "").endswith(".slack.com")

    def _publish(self, reply: dict, mime_type: str, content: bytes) -> str:
        token = secrets.token_urlsafe(32)
        expires_at = self.clock() + self.config.media_ttl_seconds
        self.store.save_reply_media(token_hash(token), reply, mime_type, content, expires_at)
        return f"{self.settings.public_url}{MEDIA_PATH}{token}{MMS_IMAGE_TYPES[mime_type]}"

    def serve_media(self, name: str) -> tuple[str, list[tuple[str, str]], bytes]:
        """GET /media/<token>[.ext]: the image while the link lives, else 404 (status, headers, body)."""
        token = name.split(".", 1)[0]
        row = self.store.get_reply_media(token_hash(token), self.clock()) if MEDIA_TOKEN.match(token) else None
        if row is None:
            body = b"Not Found"
            return "404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))], body
        content = bytes(row["content"])
        return "200 OK", [("Content-Type", row["mime_type"]), ("Content-Length", str(len(content))),
                          ("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff")], content

    # --- follow-up, from the relay's poll ---------------------------------------------------------------

    def check_replies(self) -> None:
        """Expire media links, report cut-off replies, retry accepted reactions, react once when delivered."""
        self.store.purge_reply_media(self.clock())
        self._report_unfinished()
        for row in self.store.get_unreacted_replies(self.config.delivery_checks_per_cycle):
            if self._react(self.slack, row, ACCEPTED_REACTION):
                self.store.mark_reply(row["channel_id"], row["ts"], accepted_reacted=1)
        self._check_deliveries()

    def _report_unfinished(self) -> None:
        for row in self.store.get_unfinished_replies(time.time() - self.config.unfinished_seconds):
            sending = row["status"] == "sending"
            status = "unknown" if sending else "dropped"
            if self.store.mark_reply(row["channel_id"], row["ts"], only_if=row["status"], status=status,
                                  error="the bot stopped while handling this reply"):
                self._say(self.slack, row, cut_off_text(row, sending))

    def _check_deliveries(self) -> None:
        since = iso_utc(datetime.now(UTC) - timedelta(hours=self.config.delivery_check_hours))
        for row in self.store.get_replies_to_check(since, self.config.delivery_checks_per_cycle):
            try:
                record = self.flowroute.get_message(row["mdr_id"]) or {}
            except NotFoundError:
                self.store.mark_checked(row["channel_id"], row["ts"])
                continue
            except FlowrouteError as error:
                log.info("Delivery check stopped for this cycle: %s", error)
                return
            if not is_delivered(record):
                self.store.mark_checked(row["channel_id"], row["ts"])
            elif self._react(self.slack, row, DELIVERED_REACTION):
                self.store.mark_reply(row["channel_id"], row["ts"], delivered_at=iso_utc())

    # --- Slack ------------------------------------------------------------------------------------------

    def _react(self, client: WebClient, reply: dict, name: str) -> bool:
        """Add a reaction to the reply; True once it is there (or can never be: the message is gone)."""
        try:
            client.reactions_add(channel=reply["channel_id"], timestamp=reply["ts"], name=name)
        except SlackApiError as error:
            code = error.response.get("error")
            if code in ("already_reacted", "message_not_found"):
                return True
            log.warning("Could not add :%s: to %s in %s: %s", name, reply["ts"], reply["channel_id"], code)
            return False
        return True

    def _whisper(self, client: WebClient, reply: dict, text: str) -> None:
        try:
            client.chat_postEphemeral(channel=reply["channel_id"], user=reply["user_id"],
                                      thread_ts=reply["thread_ts"], text=text)
        except SlackApiError as error:
            log.warning("Could not tell %s in %s: %s", reply["user_id"], reply["channel_id"],
                        error.response.get("error"))

    def _say(self, client: WebClient, reply: dict, text: str) -> None:
        try:
            client.chat_postMessage(channel=reply["channel_id"], thread_ts=reply["thread_ts"], text=text,
                                    unfurl_links=False, unfurl_media=False)
        except SlackApiError as error:
            log.warning("Could not post in thread %s of %s: %s", reply["thread_ts"], reply["channel_id"],
                        error.response.get("error"))


# --- pure helpers ------------------------------------------------------------------------------------------

def never_connected(error: Exception) -> bool:
    """No connection was ever made (refused, connect timeout), so Flowroute cannot have sent anything."""
    cause = error.__cause__
    reason = getattr(cause.args[0], "reason", None) if cause is not None and cause.args else None
    return (isinstance(cause, requests.exceptions.ConnectTimeout)
            or isinstance(reason, urllib3.exceptions.ConnectTimeoutError))  # NewConnectionError is one too


def is_delivered(document: dict) -> bool:
    fields = (document.get("data") or {}).get("attributes") or {}
    receipts = [str(item.get("status") or "").lower() for item in fields.get("delivery_receipts") or []
                if isinstance(item, dict)]
    return str(fields.get("status") or "").lower() == "delivered" or "delivered" in receipts


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
