"""What GET /healthz says: serving or why not, and the relay's state (never a secret).

200 while the bot serves Slack and its last poll succeeded within three poll intervals (or, right
after start, no poll has had three intervals to happen yet); 503 with the same body and a "reason"
otherwise. Load balancers and uptime checks read the status; operators read the body.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime

STALE_INTERVALS = 3


class Health:
    """Start-up sets `waiting(reason)` while Slack or Flowroute cannot be reached, then `serving()`."""

    def __init__(self, poll_seconds: int, relay=None, *, clock=time.time):
        self.poll_seconds = poll_seconds
        self.relay = relay  # its status(): last_poll, counts, channel_errors (read from the store)
        self.clock = clock
        self._lock = threading.Lock()
        self._reason: str | None = "starting: checking Slack and Flowroute"
        self._serving_since: float | None = None

    def waiting(self, reason: str) -> None:
        with self._lock:
            self._reason, self._serving_since = reason, None

    def serving(self) -> None:
        with self._lock:
            self._reason, self._serving_since = None, self.clock()

    @property
    def is_serving(self) -> bool:
        return self._serving_since is not None

    def report(self) -> tuple[bool, dict]:
        """(healthy, body): body has ok, serving, last_poll, last_poll_age_seconds, pending,
        failing_channels, last_error, and reason when not healthy."""
        with self._lock:
            waiting_reason, serving_since = self._reason, self._serving_since
        now = self.clock()
        relay_state, polled_at = self._relay_state(now)
        body = {"ok": False, "serving": serving_since is not None, **relay_state}
        reason = waiting_reason or self._poll_problem(body["last_poll"], polled_at, serving_since, now)
        body["ok"] = reason is None
        if reason:
            body["reason"] = reason
        return reason is None, body

    def _relay_state(self, now: float) -> tuple[dict, float | None]:
        """The body's relay part and when the last poll started (epoch seconds)."""
        if self.relay is None:
            return {"last_poll": None, "last_poll_age_seconds": None, "pending": None, "failing_channels": [],
                    "last_error": None}, None
        status = self.relay.status()
        poll = status.get("last_poll") or None
        polled_at = _epoch(poll.get("at")) if poll else None
        failing = self.relay.store.get_failing_channels()
        last_error = None
        if poll and not poll.get("ok"):
            last_error = f"the last poll of Flowroute failed: {poll.get('result')}"
        elif failing:
            last_error = f"posting to {failing[0]['channel_id']} failed: {failing[0]['last_error']}"
        return {
            "last_poll": {"at": poll.get("at"), "ok": bool(poll.get("ok")), "result": poll.get("result")} if poll
            else None,
            "last_poll_age_seconds": None if polled_at is None else round(max(0.0, now - polled_at), 1),
            "pending": (status.get("counts") or {}).get("pending", 0),
            "failing_channels": failing,
            "last_error": last_error,
        }, polled_at

    def _poll_problem(self, poll: dict | None, polled_at: float | None, serving_since: float,
                      now: float) -> str | None:
        """Why the relay is unhealthy, or None."""
        limit = STALE_INTERVALS * self.poll_seconds
        if poll is None or polled_at is None or polled_at < serving_since - 1:  # none yet in this run
            if now - serving_since <= limit:
                return None  # the first poll has not had three intervals to happen yet
            return f"no poll of Flowroute since start {now - serving_since:.0f} s ago (interval {self.poll_seconds} s)"
        if not poll["ok"]:
            return f"polls are failing: {poll['result']}"
        if now - polled_at > limit:
            return f"no successful poll for {now - polled_at:.0f} s (interval {self.poll_seconds} s)"
        return None


def _epoch(value) -> float | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
