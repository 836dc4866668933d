"""The one typed dependencies object every listener and job receives, built once by `bot.app.build_deps`."""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from slack_sdk import WebClient

from core.approvals import Approvals
from core.audit import Audit
from core.settings import Settings
from core.storage import Store
from flowroute_api import FlowrouteClient

if TYPE_CHECKING:
    # relay/ is the floor above core/: its classes are named here for readers and type checkers only,
    # never imported at run time (bot/app.py builds them and passes them in).
    from relay.conversations import Conversations
    from relay.service import Relay


@dataclass
class Caches:
    """Flowroute lists that rarely change, fetched once and kept for the life of the process."""

    edge_strategies: list[dict] | None = None


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
