"""The relay's recovery: on a database with no relay state, rebuild the watermark, the deliveries, the
subscriptions and the conversation threads from the bot's own posts (their Slack message metadata)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from slack_sdk.errors import SlackApiError

from blocks.text import iso_utc, parse_time
from relay.optouts import rebuild_from_posts
from relay.poll import FLOOR, WATERMARK
from relay.posts import RELAY_EVENT, SUBSCRIPTION_EVENT, is_own, thread_start
from relay.slack_reads import CHANNEL_ERRORS, NO_METHOD_ERRORS, cursor_pages, history, replies

log = logging.getLogger("flowroute_bot.relay")

STARTED = "relay_started"  # set once the relay has recovered from Slack or started fresh


class Recovery:
    """The recovery part of the Relay (relay/service.py), run under its poll lock before the first poll."""

    def recover_if_empty(self) -> dict | None:
        """With no relay state (a new disk), rebuild it from our own posts instead of replaying or skipping."""
        with self._poll_lock:
            if self.store.get_state(STARTED) is not None:
                return None
            posts, events, threads = self._scan_own_posts()
            now = datetime.now(UTC)
            self.store.save_threads(threads)
            if posts:
                self.store.save_recovered(posts)
                newest = max(moment for moment in (parse_time(post["at"]) for post in posts) if moment)
                self.store.save_state(WATERMARK, iso_utc(min(newest, now)))
            else:  # a first start: history stays history, unless a backfill window is asked for
                # Whole seconds: a record stamped just after start-up must not fall below the floor by rounding.
                start = (now - timedelta(minutes=self.settings.backfill_minutes)).replace(microsecond=0)
                self.store.save_state(WATERMARK, iso_utc(start))
                self.store.save_state(FLOOR, iso_utc(start))
            optouts = rebuild_from_posts(self.store, posts)
            subscriptions = replay_subscriptions(events)
            for number, channel in sorted(subscriptions):
                self.store.save_subscription(number, channel, "recovered")
            summary = {"at": iso_utc(now), "posts": len(posts), "subscriptions": len(subscriptions),
                       "threads": len(threads), "optouts": optouts}
            self.store.save_state(STARTED, summary)
            log.info("Relay state %s: %d earlier post(s), %d subscription(s), %d thread(s) rebuilt from Slack",
                     "recovered" if posts else "started fresh", len(posts), len(subscriptions), len(threads))
            return summary

    def _scan_own_posts(self) -> tuple[list[dict], list[tuple], list[dict]]:
        identity = self._whoami()
        posts, events, starts = [], [], []
        for channel in self._own_channels():
            try:
                messages = list(history(self.slack, channel, pages=self.config.recovery_pages))
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
            for message in replies(self.slack, channel, thread["thread_ts"], pages=self.config.check_pages):
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
            for page in cursor_pages(self.slack.users_conversations, types="public_channel,private_channel",
                                     exclude_archived=True, limit=200):
                channels += [item["id"] for item in page.get("channels") or []]
        except SlackApiError as error:
            if error.response.get("error") not in NO_METHOD_ERRORS:
                raise
            log.warning("users.conversations unavailable (%s): recovering from the inbox channel only",
                        error.response.get("error"))
        extra = [self.settings.inbox_channel] + [row["channel_id"] for row in self.store.get_subscriptions()]
        return channels + [channel for channel in dict.fromkeys(extra) if channel and channel not in channels]


def read_metadata(message: dict, channel: str) -> tuple[dict | None, tuple | None]:
    """A recovered delivery and/or a subscription event (ts, action, number, channel) from one of our posts."""
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    order = float(message.get("ts") or 0)
    if metadata.get("event_type") == RELAY_EVENT and payload.get("mdr_id") and parse_time(payload.get("timestamp")):
        post = {"mdr_id": payload["mdr_id"], "channel_id": channel, "at": iso_utc(parse_time(payload["timestamp"])),
                "route": payload.get("route") or "recovered", "slack_ts": message.get("ts"),
                "keyword": payload.get("optout"), "from_number": payload.get("from"), "to_number": payload.get("to")}
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
