"""The one typed dependencies object every listener and job receives, built once by `bot.app.build_deps`."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypeVar

from slack_sdk import WebClient

from core.approvals import Approvals
from core.audit import Audit
from core.number_checks import NumberState
from core.settings import Settings
from core.storage import Store
from flowroute_api import FlowrouteClient
from flowroute_api.mdr_tally import MdrTally

if TYPE_CHECKING:
    # relay/ is the floor above core/: its classes are named here for readers and type checkers only,
    # never imported at run time (bot/app.py builds them and passes them in).
    from relay.conversations import Conversations
    from relay.service import Relay

T = TypeVar("T")


HOME_CACHE_SECONDS = 60.0  # the App Home's Flowroute reads: opening the tab again within this reuses them


class Cached(Generic[T]):
    """One value read at most once per `seconds`; `clear()` makes the next `get` read again.

    `get` holds the lock while fetching, so two App Home opens at once call Flowroute once.
    """

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic):
        self.seconds, self._clock = seconds, clock
        self._lock = threading.Lock()
        self._value: T | None = None
        self._read_at: float | None = None

    def get(self, fetch: Callable[[], T]) -> T:
        with self._lock:
            if self._read_at is None or self._clock() - self._read_at >= self.seconds:
                self._value, self._read_at = fetch(), self._clock()
            return self._value  # type: ignore[return-value]

    def clear(self) -> None:
        with self._lock:
            self._read_at = None


@dataclass
class Caches:
    """Flowroute reads kept in memory: lists that rarely change for the life of the process, the App Home's
    for HOME_CACHE_SECONDS."""

    edge_strategies: list[dict] | None = None
    account_numbers: Cached[list[NumberState]] = field(default_factory=lambda: Cached(HOME_CACHE_SECONDS))
    month_tally: Cached[MdrTally] = field(default_factory=lambda: Cached(HOME_CACHE_SECONDS))
    # users who opened the App Home since the start -> the app's DM with them (from app_home_opened)
    home_viewers: dict[str, str | None] = field(default_factory=dict)
    _home_locks: dict[str, threading.Lock] = field(default_factory=dict)
    _home_locks_guard: threading.Lock = field(default_factory=threading.Lock)

    def clear_home(self) -> None:
        self.account_numbers.clear()
        self.month_tally.clear()

    def home_lock(self, user_id: str) -> threading.Lock:
        """One lock per viewer, so that their Home is read and published one publish at a time."""
        with self._home_locks_guard:
            return self._home_locks.setdefault(user_id, threading.Lock())


@dataclass(frozen=True)
class Deps:
    """Everything a listener needs, passed in (never read from globals or the environment)."""

    settings: Settings
    store: Store
    flowroute: FlowrouteClient
    slack: WebClient
    executor: Executor  # the work pool: Flowroute calls and other slow work after an ack
    audit: Audit
    relay: Relay
    conversations: Conversations
    approvals: Approvals  # two-person approval of the commands in FLOWROUTE_BOT_APPROVAL
    caches: Caches = field(default_factory=Caches)
