"""The emulator's records (messages, calls, files, command results), its two errors and Slack's limits.

Message: one store for API posts, response_url posts, command acks and user messages, so all render alike.
    id, channel, ts ("1700000000.000100", unique and increasing), user, text, blocks, metadata
    ({"event_type", "event_payload"} or None), thread_ts, ephemeral_to, source ("api" | "response_url" |
    "ack" | "user"), files, reply_count, deleted, attachments, reply_broadcast, edited_ts, reactions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TRIGGER_TTL = 3.0
RESPONSE_URL_TTL = 30 * 60.0
RESPONSE_URL_MAX_USES = 5
MAX_TEXT = 40000
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_VIEW_STACK = 3
MAX_VIEW_BYTES = 250_000


# ---------------------------------------------------------------------------------------------------------
# Records


@dataclass
class Call:
    """One Web API call as the emulator saw and answered it (the token is never kept)."""

    method: str
    args: dict
    status: int
    response: dict
    at: float


@dataclass
class Message:
    """A message in the emulated workspace, whoever posted it."""

    id: str
    channel: str
    ts: str
    user: str | None
    text: str = ""
    blocks: list = field(default_factory=list)
    metadata: dict | None = None
    thread_ts: str | None = None
    ephemeral_to: str | None = None
    source: str = "api"
    files: list = field(default_factory=list)
    reply_count: int = 0
    deleted: bool = False
    attachments: list = field(default_factory=list)
    reply_broadcast: bool = False
    edited_ts: str | None = None
    reactions: list = field(default_factory=list)
    reply_users: list = field(default_factory=list)
    latest_reply: str | None = None

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts


@dataclass
class UploadedFile:
    """A file announced by files.getUploadURLExternal (content arrives with the upload POST)."""

    id: str
    name: str
    length: int
    title: str | None = None
    content: bytes | None = None
    mimetype: str = "application/octet-stream"
    alt_txt: str | None = None
    snippet_type: str | None = None
    completed: bool = False
    channels: list = field(default_factory=list)
    user: str | None = None
    created: int = 0


@dataclass
class CommandResult:
    """What the bot answered to a slash command."""

    status: int
    body: str
    json: dict | None
    response_url: str
    trigger_id: str
    elapsed: float
    message: Message | None = None
    ack_error: str | None = None


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool = False
    is_archived: bool = False
    bot_member: bool = True
    created: int = 1600000000


@dataclass
class Trigger:
    created: float
    user_id: str | None
    view_id: str | None
    used: bool = False


@dataclass
class ResponseUrl:
    id: str
    channel_id: str
    user_id: str
    source_message_id: str | None
    created: float
    uses: int = 0


@dataclass
class FailRule:
    method: str
    remaining: int
    status: int
    error: str
    retry_after: int | float | None
    after_effect: bool = False  # the call is carried out, only its answer is lost


class ApiError(Exception):
    """A Slack error answer: {"ok": false, "error": error, **extra}."""

    def __init__(self, error: str, **extra: Any):
        super().__init__(error)
        self.error = error
        self.extra = extra

    def body(self) -> dict:
        return {"ok": False, "error": self.error, **self.extra}


class SlackDriverError(AssertionError):
    """The driver could not do what a test asked (no such button, view not open, bad view from the bot)."""
