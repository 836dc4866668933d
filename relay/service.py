"""The inbound SMS/MMS relay: Flowroute message records -> an outbox in SQLite -> Slack, each message once.

The Relay composes its three parts: relay/poll.py, relay/send.py and relay/recover.py.

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
new one. Replies typed in those threads are answered by relay/conversations.py; `check_replies()` (run
after each poll) follows them up.

Exactly once: the attempt and the thread it goes to are committed before chat.postMessage; a row whose last
attempt got no clear answer (a crash, a timeout, a 5xx) is looked up by its metadata in the channel's history
and in that thread before it is posted again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from blocks.text import iso_utc
from core.errors import connection_problem
from core.settings import Settings
from core.storage import Store
from flowroute_api import FlowrouteClient, FlowrouteError
from relay.callbacks import CallbackIntake
from relay.conversations import Conversations
from relay.poll import LAST_POLL, WATERMARK, Poller, PollResult
from relay.recover import Recovery
from relay.send import Sender

log = logging.getLogger("flowroute_bot.relay")


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


class Relay(Poller, Sender, Recovery, CallbackIntake):
    """The relay service; handlers, the scheduler, tests and the console all use this object."""

    def __init__(self, store: Store, flowroute: FlowrouteClient, settings: Settings, *, slack: WebClient,
                 conversations: Conversations, config: RelayConfig | None = None,
                 next_poll_at: Callable[[], datetime | None] = lambda: None):
        self.store, self.flowroute, self.settings = store, flowroute, settings
        self.slack, self.conversations = slack, conversations
        self.config = config or RelayConfig()
        self.http = requests.Session()
        self.next_poll_at = next_poll_at  # when the scheduler runs the poll next (None: not scheduled)
        self._poll_lock = threading.RLock()
        self._send_lock = threading.Lock()
        self._stopping = threading.Event()
        self._ready_at: dict[str, float] = {}  # channel -> epoch before which it gets no post (pace, 429)
        self._aliases: dict[str, tuple[float, str | None]] = {}
        self._identity: dict | None = None
        self.init_callbacks()  # relay/callbacks.py: the sender woken by Flowroute callbacks

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

    def poll_now(self) -> PollResult:
        """Recover an empty database first, then fetch and save (relay/poll.py); the outcome is kept for status."""
        with self._poll_lock:
            started = datetime.now(UTC)
            try:
                self.recover_if_empty()
                result = self._poll()
            except Exception as error:
                self._save_last_poll(started, ok=False, text=failure_line(error))
                raise
            self._save_last_poll(started, ok=True, text=result.summary())
            if result.new:
                log.info("Poll: %s", result.summary())
            return result

    def _save_last_poll(self, started: datetime, *, ok: bool, text: str) -> None:
        self.store.save_state(LAST_POLL, {"at": iso_utc(started), "ok": ok, "result": text,
                                          "seconds": round((datetime.now(UTC) - started).total_seconds(), 3)})

    # --- status -----------------------------------------------------------------------------------------

    def status(self) -> dict:
        now = time.time()
        blocked = {channel: iso_utc(datetime.fromtimestamp(until, UTC))
                   for channel, until in dict(self._ready_at).items()
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


def failure_line(error: BaseException) -> str:
    if isinstance(error, SlackApiError):
        return f"Slack {error.response.status_code} {error.response.get('error')}"
    if isinstance(error, FlowrouteError):
        return str(error)
    if isinstance(error, OSError):
        return f"Slack: {connection_problem(error)}"  # slack_sdk's URLError, socket errors
    return type(error).__name__
