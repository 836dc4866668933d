"""The relay's promise under random fault sequences: every inbound record reaches its channels once, in order.

A hypothesis RuleBasedStateMachine drives the real bot (a LocalBot on loopback, against the Flowroute sandbox
and the Slack emulator) through random sequences of inbound SMS/MMS (to numbers with their own subscription,
to numbers only `all` covers, to unrouted numbers), outbound records, subscribe/unsubscribe commands, polls
and send rounds, Flowroute 5xx/429s, Slack 429s (with Retry-After), 5xx and lost answers (the post stored,
the answer a 5xx or a dropped connection), page caps on both sides, a crash and restart (a new LocalBot on
the same database file: every in-memory state is gone, an unanswered attempt stays in flight) and a wiped
database (a new LocalBot on a new, empty file: the relay rebuilds its state from its own Slack posts).
Polls and sends are called directly (`poll_now`, `send_pending`), never left to the scheduler, so a
sequence is reproducible from its seed.

After a sequence (and whenever the `settle_and_check` rule runs) the relay is polled and sent until nothing
is pending, with a deadline, and these hold:

  1. every inbound record routed to a channel was posted there exactly once;
  2. per channel, the posts come in message-time order (ties in any order);
  3. no outbound record, seeded history or unrouted record was posted; nothing reached a channel it was not
     routed to.

"Routed": the channels the relay's routing rule gives for the record's `to` number (the number's own
subscriptions, else the `all` subscriptions, else none; no inbox channel is set) under the subscriptions in
force when the poll that saved the record ran. After a wiped database a record is saved again by the new
database's first poll, so its channels are then the ones it was already posted in plus the routing at that
save.

Bounds the relay cannot do better than, kept out of the generated sequences:

  * A record Flowroute lists later than the overlap window (10 minutes behind the newest record of the last
    complete poll) is never seen. Every record here is listed within seconds.
  * Subscribe/unsubscribe racing a poll gives either routing. Here a subscription changes only after every
    listed record was saved (the rule polls first), so the routing at save time is known.
  * A subscription announcement Slack never stored cannot be recovered after a wipe: commands run with no
    Slack failure armed.
  * A database wiped before the relay's first post starts fresh: what arrived before is history. The wipe
    rule runs only once something was posted.
  * Recovery and the look-up of an unanswered post read a bounded number of pages (recovery_pages of each
    channel, check_pages of a thread); with Slack's page cap a thread with more than check_pages x cap posts
    in the look-up window could hide the post. Sequences here stay below MAX_MESSAGES < check_pages x cap.
  * Rows still pending when the database is wiped are gone with it; they are posted again only because
    their records are re-listed inside the overlap window (the wipe here comes seconds after them).
  * A wiped database cannot know how a record it sees again was routed: it is routed by today's
    subscriptions to the channels it was not posted in (an unrouted one may now be posted), and those
    posts come after newer ones, so the order check leaves them out, as it does records listed late.

Seeded and bounded for `make test` (the "relay-invariants" settings profile: derandomize, max_examples,
stateful_step_count). `make soak` runs this machine with random seeds for a while and prints the figures.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections import Counter

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule
from slack_sdk.errors import SlackApiError

from blocks.text import parse_time
from flowroute_api import FlowrouteError
from sandbox.flowroute import FlowrouteSandbox
from sandbox.slack import SlackEmulator
from tests.conftest import ACCESS_KEY, SECRET_KEY
from tests.helpers.bot import BotHarness
from tests.helpers.relay import CHICAGO, REMOTE, SALES, SEATTLE, fast_config, relay_posts

OURS = (SEATTLE, SALES, CHICAGO)
REMOTES = (REMOTE, "14155550199")
CHANNELS = ("C0OPS", "C0ALERTS", "C0AUDIT")
MAX_MESSAGES = 30  # per sequence: below check_pages (5) x the smallest Slack page cap (7)
SETTLE_SECONDS = 30.0
READ_TIMEOUT, STALL_SECONDS = 1.0, 1.3  # the bot's Flowroute read timeout here, and a stalled call's wait

settings.register_profile(
    "relay-invariants", max_examples=8, stateful_step_count=20, deadline=None, derandomize=True,
    database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Figures for `make soak` (tests/relay/soak.py prints them): counted by the machine, never guessed.
STATS: Counter = Counter()

SLACK_METHODS = ("chat.postMessage", "conversations.history", "conversations.replies",
                 "files.completeUploadExternal")
SLACK_FAULTS = ("429", "500", "503", "lost-503", "lost-dropped")


class RelayMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.workdir = tempfile.mkdtemp(prefix="relay-invariants-")
        self.sandbox = FlowrouteSandbox(access_key=ACCESS_KEY, secret_key=SECRET_KEY)
        self.sandbox.start()
        self.slack = SlackEmulator()
        self.slack.start()
        self.history = {m["id"] for m in self.sandbox.messages()}  # the seed: before the relay's first start
        self.subscriptions: set[tuple[str, str]] = set()  # (number or "all", channel): the model
        self.records: dict[str, dict] = {}  # mdr_id -> {"to", "time", "inbound", "listed", "late"}
        self.routed: dict[str, set[str]] = {}  # mdr_id -> channels, fixed when the model sees it saved
        self.kept: dict[str, set[str]] = {}  # after a wipe: channels a record was already posted in
        self.unordered: set[tuple[str, str]] = set()  # (channel, record) exempt from the order check
        self.databases = 0
        self.faults = 0
        self.page_size = 50
        self.bot: BotHarness | None = None

    # --- the bot ------------------------------------------------------------------------------------------

    def _new_bot(self, *, wiped: bool) -> None:
        if wiped or self.bot is None:
            self.databases += 1
        if self.bot is not None:
            self.bot.stop()
        path = os.path.join(self.workdir, f"bot{self.databases}.db")
        self.bot = BotHarness(path, self.sandbox, self.slack)
        self.bot.flowroute.timeout = (5, READ_TIMEOUT)
        self.bot.relay.config = fast_config(page_size=self.page_size)

    @property
    def relay(self):
        return self.bot.relay

    def _poll(self) -> bool:
        try:
            self.relay.poll_now()
        except (FlowrouteError, SlackApiError, OSError):
            return False
        finally:
            self._note_saved()
        return True

    def _route(self, number: str) -> set[str]:
        own = {channel for target, channel in self.subscriptions if target == number}
        return own or {channel for target, channel in self.subscriptions if target == "all"}

    def _waiting(self) -> list[str]:
        """Listed inbound records the model has not yet seen saved by the current database."""
        return [mdr_id for mdr_id, record in self.records.items()
                if record["inbound"] and record["listed"] and mdr_id not in self.routed]

    def _note_saved(self) -> None:
        """Fix the routing of every record the relay saved since the last look (subscriptions are unchanged)."""
        waiting = self._waiting()
        for mdr_id in self.bot.store.get_known_ids(waiting) if waiting else ():
            kept, routed = self.kept.pop(mdr_id, None), self._route(self.records[mdr_id]["to"])
            if kept is not None:  # saved again after a wipe: new channels get it now, after newer posts
                self.unordered |= {(channel, mdr_id) for channel in routed - kept}
            self.routed[mdr_id] = (kept or set()) | routed

    def _save_everything_listed(self) -> None:
        deadline = time.monotonic() + SETTLE_SECONDS
        while self._waiting():
            assert time.monotonic() < deadline, f"records never saved: {self._waiting()}"
            self._poll()

    # --- rules ----------------------------------------------------------------------------------------------

    @initialize(page_size=st.sampled_from([3, 50]), slack_cap=st.sampled_from([None, 7]),
                subscriptions=st.sets(st.tuples(st.sampled_from((*OURS, "all")), st.sampled_from(CHANNELS)),
                                      min_size=1, max_size=3))
    def start(self, page_size, slack_cap, subscriptions):
        self.page_size, self.slack.page_cap = page_size, slack_cap
        self._new_bot(wiped=False)
        assert self._poll()  # the first start: the seed is history
        for number, channel in sorted(subscriptions):
            self.subscribe(number, channel)

    @precondition(lambda self: len(self.records) < MAX_MESSAGES)
    @rule(to=st.sampled_from(OURS), remote=st.sampled_from(REMOTES), count=st.integers(1, 3),
          mms=st.booleans(), outbound=st.booleans(), late=st.sampled_from([False, False, True]))
    def messages_arrive(self, to, remote, count, mms, outbound, late):
        """One batch (one clock reading: with coarse timestamps they share one); `late`: listed later."""
        sender, receiver = (to, remote) if outbound else (remote, to)
        batch = [{"from": sender, "to": receiver, "body": f"message {len(self.records) + i}",
                  "media_urls": ["https://example.com/photo.png"] if mms and i == 0 else None,
                  "direction": "outbound" if outbound else "inbound", "listed": not late} for i in range(count)]
        for mdr_id in self.sandbox.inject_messages(batch):
            moment = parse_time(self.sandbox.message(mdr_id)["attributes"]["timestamp"])
            self.records[mdr_id] = {"to": to, "time": moment, "inbound": not outbound, "listed": not late,
                                    "late": late}

    @rule()
    def late_records_listed(self):
        """Flowroute lists the late records now (seconds after their timestamp: inside the overlap window)."""
        self.sandbox.show_late_records()
        for record in self.records.values():
            record["listed"] = True

    @rule(page_cap=st.sampled_from([None, None, 2, 20]), integer_numbers=st.booleans(),
          string_amounts=st.booleans(), internal_next_links=st.booleans(), coarse_timestamps=st.booleans())
    def flowroute_behaves(self, **switches):
        self.sandbox.set_behaviour(**switches)

    @rule(number=st.sampled_from((*OURS, "all")), channel=st.sampled_from(CHANNELS))
    def subscribe(self, number, channel):
        self._command_ready()
        result = self.bot.command(f"inbox subscribe {number} {channel}")
        self.bot.reply(result)
        self.subscriptions.add((number, channel))
        assert (number, channel) in {(s["number"], s["channel_id"]) for s in self.bot.store.get_subscriptions()}

    @precondition(lambda self: self.subscriptions)
    @rule(data=st.data())
    def unsubscribe(self, data):
        number, channel = data.draw(st.sampled_from(sorted(self.subscriptions)))
        self._command_ready()
        self.bot.reply(self.bot.command(f"inbox unsubscribe {number} {channel}"))
        self.subscriptions.discard((number, channel))
        assert (number, channel) not in {(s["number"], s["channel_id"]) for s in self.bot.store.get_subscriptions()}

    def _command_ready(self) -> None:
        self.faults -= self.slack.clear_failures()  # announcements must reach Slack (see the docstring)
        self._save_everything_listed()

    @rule(budget=st.sampled_from([0.0, 0.5]))
    def poll_and_send(self, budget):
        self._poll()
        self.relay.send_pending(budget)

    @rule()
    def send(self):
        self.relay.send_pending(0.5)

    @rule(count=st.integers(1, 4), status=st.sampled_from([429, 500, 503]))
    def flowroute_fails(self, count, status):
        """The client tries a call 4 times: count 4 fails the whole poll, fewer are retried through."""
        self.sandbox.fail_next(count, status, retry_after=0 if status == 429 else None)
        self.faults += count
        self._poll()  # the failures hit this poll's first call (nothing else reaches Flowroute in between)

    @rule(count=st.integers(1, 2))
    def flowroute_stalls(self, count):
        """Calls that answer after the client's read timeout (the client retries them)."""
        self.sandbox.fail_next(count, stall=STALL_SECONDS)
        self.faults += count
        self._poll()

    @rule(method=st.sampled_from(SLACK_METHODS), fault=st.sampled_from(SLACK_FAULTS), count=st.integers(1, 3),
          retry_after=st.sampled_from([0, 1]))
    def slack_fails(self, method, fault, count, retry_after):
        if fault == "429":
            self.slack.fail_next(method, count, status=429, retry_after=retry_after)
        elif fault.startswith("lost"):
            self.slack.lose_answer_next(method, count, status=None if fault == "lost-dropped" else 503)
        else:
            self.slack.fail_next(method, count, status=int(fault))
        self.faults += count

    @rule()
    def crash_and_restart(self):
        """Everything in memory is gone; the database file stays (an unanswered attempt stays in flight)."""
        self._new_bot(wiped=False)

    @precondition(lambda self: bool(relay_posts(self.slack)))
    @rule()
    def wipe_database(self):
        """A new disk: the relay rebuilds its state from its Slack posts on the next poll."""
        posted = self._posted_channels()
        self.kept = {mdr_id: posted.get(mdr_id, set()) for mdr_id in self.records}
        self.routed.clear()  # every record is saved again by the new database's first poll
        self._new_bot(wiped=True)

    @rule()
    def settle_and_check(self):
        self._settle()
        self._check()

    # --- settling and the invariants ------------------------------------------------------------------------

    def _settle(self) -> None:
        self.late_records_listed()
        deadline = time.monotonic() + SETTLE_SECONDS
        while True:
            polled = self._poll()
            self.relay.send_pending(1.0)
            if polled and not self._waiting() and self.relay.status()["counts"]["pending"] == 0:
                return
            assert time.monotonic() < deadline, f"not settled: {self.relay.status()}"

    def _posted_channels(self) -> dict[str, set[str]]:
        posted: dict[str, set[str]] = {}
        for message in relay_posts(self.slack):
            posted.setdefault(message.metadata["event_payload"]["mdr_id"], set()).add(message.channel)
        return posted

    def _check(self) -> None:
        posts = [(m.channel, m.metadata["event_payload"]["mdr_id"]) for m in relay_posts(self.slack)]
        counts = Counter(posts)
        expected = {(channel, mdr_id) for mdr_id, channels in self.routed.items() for channel in channels}
        lost = expected - set(counts)
        duplicated = {pair: n for pair, n in counts.items() if n > 1}
        unexpected = set(counts) - expected
        STATS["checked posts"] += len(expected)
        STATS["lost"] += len(lost)
        STATS["duplicated"] += sum(n - 1 for n in duplicated.values())
        STATS["misrouted"] += len(unexpected)
        assert not lost, f"never posted (channel, record): {sorted(lost)}"
        assert not duplicated, f"posted more than once: {duplicated}"
        assert not unexpected, f"posted where not routed: {sorted(unexpected)}"
        for channel in CHANNELS:  # a record listed late is posted when it is seen, after newer ones
            times = [self.records[mdr_id]["time"] for where, mdr_id in posts if where == channel
                     and not self.records[mdr_id]["late"] and (channel, mdr_id) not in self.unordered]
            assert times == sorted(times), f"{channel}: posts out of message-time order {times}"

    def teardown(self):
        try:
            if self.bot is not None:
                STATS["sequences"] += 1
                STATS["messages"] += len(self.records)
                self._settle()
                self.faults -= self.slack.clear_failures()
                STATS["faults injected"] += self.faults
                self._check()
        finally:
            if self.bot is not None:
                self.bot.stop()
            self.slack.stop()
            self.sandbox.stop()
            shutil.rmtree(self.workdir, ignore_errors=True)


TestRelayInvariants = RelayMachine.TestCase
TestRelayInvariants.settings = settings.get_profile("relay-invariants")
