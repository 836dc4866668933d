"""Settings: one frozen object built from an environment mapping, failing fast on every bad variable."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

SLACK_ID = re.compile(r"^[A-Z][A-Z0-9]{2,}$")


class SettingsError(Exception):
    """Start-up cannot continue; the message names every missing or malformed variable."""


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str = field(repr=False)
    slack_signing_secret: str | None = field(repr=False)
    flowroute_access_key: str = field(repr=False)
    flowroute_secret_key: str = field(repr=False)
    slack_app_token: str | None = field(default=None, repr=False)
    slack_api_url: str = "https://slack.com/api/"
    flowroute_api_url: str = "https://api.flowroute.com"
    port: int = 3000
    db_path: str = "flowroute-bot.db"
    admins: frozenset[str] = frozenset()
    inbox_channel: str | None = None
    audit_channel: str | None = None
    poll_seconds: int = 30
    backfill_minutes: int = 0
    thread_idle_hours: int = 24
    senders: frozenset[str] = frozenset()  # may answer SMS in conversation threads, like admins
    public_url: str | None = None  # where Flowroute can fetch the images of MMS replies (GET /media/...)

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)

    def is_admin(self, user_id: str) -> bool:
        return user_id in self.admins

    def can_send(self, user_id: str) -> bool:
        """Allowed to answer an SMS by replying in its Slack thread."""
        return user_id in self.admins or user_id in self.senders

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Build settings from `env` (normally os.environ); raise SettingsError naming every problem."""
        reader = _Reader(env)
        app_token = reader.optional("SLACK_APP_TOKEN")
        settings = cls(
            slack_bot_token=reader.required("SLACK_BOT_TOKEN"),
            slack_signing_secret=(
                reader.optional("SLACK_SIGNING_SECRET") if app_token else reader.required("SLACK_SIGNING_SECRET")
            ),
            slack_app_token=app_token,
            flowroute_access_key=reader.required("FLOWROUTE_ACCESS_KEY", "FR_ACCESS_KEY"),
            flowroute_secret_key=reader.required("FLOWROUTE_SECRET_KEY", "FR_SECRET_KEY"),
            slack_api_url=reader.url("SLACK_API_URL", "https://slack.com/api/"),
            flowroute_api_url=reader.url("FLOWROUTE_API_URL", "https://api.flowroute.com"),
            port=reader.integer("PORT", 3000, low=1, high=65535),
            db_path=reader.optional("FLOWROUTE_BOT_DB") or "flowroute-bot.db",
            admins=reader.id_list("FLOWROUTE_BOT_ADMINS"),
            inbox_channel=reader.slack_id("FLOWROUTE_BOT_INBOX_CHANNEL"),
            audit_channel=reader.slack_id("FLOWROUTE_BOT_AUDIT_CHANNEL"),
            poll_seconds=reader.integer("FLOWROUTE_BOT_POLL_SECONDS", 30, low=1, high=86400),
            backfill_minutes=reader.integer("FLOWROUTE_BOT_BACKFILL_MINUTES", 0, low=0, high=60 * 24 * 30),
            thread_idle_hours=reader.integer("FLOWROUTE_BOT_THREAD_IDLE_HOURS", 24, low=1, high=24 * 365),
            senders=reader.id_list("FLOWROUTE_BOT_SENDERS"),
            public_url=reader.optional_url("FLOWROUTE_BOT_PUBLIC_URL"),
        )
        reader.raise_problems()
        return settings


class _Reader:
    """Reads variables and collects every problem instead of stopping at the first."""

    def __init__(self, env: Mapping[str, str]):
        self.env = env
        self.problems: list[str] = []

    def optional(self, *names: str) -> str | None:
        for name in names:
            value = (self.env.get(name) or "").strip()
            if value:
                return value
        return None

    def required(self, *names: str) -> str:
        value = self.optional(*names)
        if value is None:
            self.problems.append(f"{' or '.join(names)} is missing")
            return ""
        return value

    def url(self, name: str, default: str) -> str:
        value = self.optional(name) or default
        if not re.match(r"^https?://[^/\s]+", value):
            self.problems.append(f"{name} must be an http(s) URL")
        return value

    def optional_url(self, name: str) -> str | None:
        value = self.optional(name)
        if value is not None and not re.match(r"^https?://[^/\s]+", value):
            self.problems.append(f"{name} must be an http(s) URL")
        return value.rstrip("/") if value else None

    def integer(self, name: str, default: int, *, low: int, high: int) -> int:
        raw = self.optional(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            self.problems.append(f"{name} must be a whole number, got {raw!r}")
            return default
        if not low <= value <= high:
            self.problems.append(f"{name} must be between {low} and {high}, got {value}")
        return value

    def slack_id(self, name: str) -> str | None:
        value = self.optional(name)
        if value is not None and not SLACK_ID.match(value):
            self.problems.append(f"{name} must be a Slack ID like C0123ABCD, got {value!r}")
        return value

    def id_list(self, name: str) -> frozenset[str]:
        ids = [part.strip() for part in (self.optional(name) or "").split(",") if part.strip()]
        bad = [value for value in ids if not SLACK_ID.match(value)]
        if bad:
            self.problems.append(f"{name} must be comma-separated Slack user IDs, got {', '.join(bad)!r}")
        return frozenset(ids)

    def raise_problems(self) -> None:
        if self.problems:
            raise SettingsError("Invalid settings: " + "; ".join(self.problems))
