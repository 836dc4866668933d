"""Settings: one frozen object built from an environment mapping, failing fast on every bad variable.

SETTINGS is the one list of every variable: `python -m bot --help` prints it, and a test checks that
the README's table and `.env.sample` name the same variables.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import load_dotenv

SLACK_ID = re.compile(r"^[A-Z][A-Z0-9]{2,}$")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LOG_FORMATS = ("text", "json")


@dataclass(frozen=True)
class SettingDoc:
    name: str
    default: str
    meaning: str


SETTINGS: tuple[SettingDoc, ...] = (
    SettingDoc("SLACK_BOT_TOKEN", "required (HTTP, Socket)", "bot token"),
    SettingDoc("SLACK_SIGNING_SECRET", "required (HTTP)", "verifies every request from Slack"),
    SettingDoc("SLACK_APP_TOKEN", "unset", "when set, run in Socket Mode"),
    SettingDoc("SLACK_API_URL", "https://slack.com/api/", "Web API base URL (tests point it at the emulator)"),
    SettingDoc("FLOWROUTE_ACCESS_KEY", "required", "API access key (or FR_ACCESS_KEY)"),
    SettingDoc("FLOWROUTE_SECRET_KEY", "required", "API secret key (or FR_SECRET_KEY)"),
    SettingDoc("FLOWROUTE_API_URL", "https://api.flowroute.com", "API base URL (tests point it at the sandbox)"),
    SettingDoc("PORT", "3000", "HTTP port"),
    SettingDoc("FLOWROUTE_BOT_DB", "flowroute-bot.db", "SQLite file"),
    SettingDoc("FLOWROUTE_BOT_ADMINS", "empty", "comma-separated Slack user IDs allowed to run write commands"),
    SettingDoc("FLOWROUTE_BOT_INBOX_CHANNEL", "empty",
               "channel ID for inbound messages to numbers with no subscription"),
    SettingDoc("FLOWROUTE_BOT_AUDIT_CHANNEL", "empty", "channel ID where every write is announced"),
    SettingDoc("FLOWROUTE_BOT_POLL_SECONDS", "30", "inbound poll interval"),
    SettingDoc("FLOWROUTE_BOT_BACKFILL_MINUTES", "0", "minutes of history relayed on the very first start"),
    SettingDoc("FLOWROUTE_BOT_THREAD_IDLE_HOURS", "24",
               "hours of quiet after which a conversation starts a new Slack thread"),
    SettingDoc("FLOWROUTE_BOT_SENDERS", "empty",
               "Slack user IDs (besides admins) who may answer an SMS by replying in its thread"),
    SettingDoc("FLOWROUTE_BOT_PUBLIC_URL", "empty",
               "the bot's public base URL: MMS replies' media, Flowroute callbacks"),
    SettingDoc("FLOWROUTE_BOT_CALLBACK_TOKEN", "empty",
               "secret path segment (at least 32 characters) of the callback URL; callbacks are off without it"),
    SettingDoc("FLOWROUTE_BOT_APPROVAL", "empty",
               "comma-separated commands that need a second admin's approval after their confirmation "
               "(`numbers buy`, `numbers release`, `routes delete`, `e911 disconnect`, `e911 delete`, "
               "`cnam delete`; `e911 *` covers a noun)"),
    SettingDoc("FLOWROUTE_BOT_DIGEST_CHANNEL", "empty", "channel ID for the daily digest (unset: no digest)"),
    SettingDoc("FLOWROUTE_BOT_DIGEST_TIME", "08:00", "daily digest time, HH:MM in FLOWROUTE_BOT_TIMEZONE"),
    SettingDoc("FLOWROUTE_BOT_TIMEZONE", "UTC", "IANA time zone of report days and the digest, e.g. America/Chicago"),
    SettingDoc("FLOWROUTE_BOT_STARTUP_BACKOFF", "1,60",
               "seconds before the first retry and the most between retries while Slack or Flowroute "
               "cannot be reached at start"),
    SettingDoc("LOG_LEVEL", "INFO", "DEBUG, INFO, WARNING or ERROR; INFO logs events, not scheduler ticks"),
    SettingDoc("LOG_FORMAT", "text", "text, or json for one JSON object per line"),
)


def settings_table() -> str:
    """The settings as an aligned plain-text table (for --help)."""
    width = max(len(doc.name) for doc in SETTINGS)
    default_width = max(len(doc.default) for doc in SETTINGS)
    return "\n".join(f"  {doc.name:<{width}}  {doc.default:<{default_width}}  {doc.meaning}" for doc in SETTINGS)


def load_env_file(directory: Path | None = None) -> bool:
    """Add the variables of `.env` in the working directory to os.environ; variables already set win."""
    path = (directory or Path.cwd()) / ".env"
    return path.is_file() and load_dotenv(path, override=False)


# The write commands whose confirmation step can become an approval request (core/approvals.py).
APPROVABLE = ("numbers buy", "numbers release", "routes delete", "e911 disconnect", "e911 delete", "cnam delete")


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
    callback_token: str | None = field(default=None, repr=False)  # POST /flowroute/callbacks/<token>
    startup_backoff: tuple[float, float] = (1.0, 60.0)  # first retry, longest wait while a service is down
    digest_channel: str | None = None
    digest_time: tuple[int, int] = (8, 0)  # hour, minute in `timezone`
    timezone: str = "UTC"  # an IANA zone name, checked by ZoneInfo at start-up
    log_level: str = "INFO"
    log_format: str = "text"
    approval: frozenset[str] = frozenset()  # command keys (from APPROVABLE) that a second admin approves

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
            callback_token=reader.secret("FLOWROUTE_BOT_CALLBACK_TOKEN", min_length=32),
            startup_backoff=reader.backoff("FLOWROUTE_BOT_STARTUP_BACKOFF", (1.0, 60.0)),
            digest_channel=reader.slack_id("FLOWROUTE_BOT_DIGEST_CHANNEL"),
            digest_time=reader.clock_time("FLOWROUTE_BOT_DIGEST_TIME", (8, 0)),
            timezone=reader.zone("FLOWROUTE_BOT_TIMEZONE", "UTC"),
            approval=reader.command_keys("FLOWROUTE_BOT_APPROVAL", APPROVABLE),
            **log_settings(env, reader),
        )
        reader.raise_problems()
        return settings


def log_settings(env: Mapping[str, str], reader: _Reader | None = None) -> dict[str, str]:
    """LOG_LEVEL and LOG_FORMAT alone (the console needs them without the rest); SettingsError if bad."""
    own = reader is None
    reader = reader or _Reader(env)
    values = {"log_level": reader.choice("LOG_LEVEL", LOG_LEVELS, "INFO", upper=True),
              "log_format": reader.choice("LOG_FORMAT", LOG_FORMATS, "text")}
    if own:
        reader.raise_problems()
    return values


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

    def choice(self, name: str, allowed: tuple[str, ...], default: str, *, upper: bool = False) -> str:
        raw = self.optional(name)
        if raw is None:
            return default
        value = raw.upper() if upper else raw.lower()
        if value not in allowed:
            self.problems.append(f"{name} must be one of {', '.join(allowed)}, got {raw!r}")
            return default
        return value

    def backoff(self, name: str, default: tuple[float, float]) -> tuple[float, float]:
        raw = self.optional(name)
        if raw is None:
            return default
        try:
            base, cap = (float(part) for part in raw.split(","))
        except ValueError:
            base = cap = -1.0
        if not 0 < base <= cap <= 3600:
            self.problems.append(f"{name} must be two numbers of seconds like 1,60 (first <= second), got {raw!r}")
            return default
        return base, cap

    def clock_time(self, name: str, default: tuple[int, int]) -> tuple[int, int]:
        raw = self.optional(name)
        if raw is None:
            return default
        match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", raw)
        if not match:
            self.problems.append(f"{name} must be a time like 08:00 (24-hour HH:MM), got {raw!r}")
            return default
        return int(match.group(1)), int(match.group(2))

    def zone(self, name: str, default: str) -> str:
        raw = self.optional(name)
        if raw is None:
            return default
        try:
            ZoneInfo(raw)
        except (ZoneInfoNotFoundError, ValueError):
            self.problems.append(f"{name} must be an IANA time zone like America/Chicago, got {raw!r}")
            return default
        return raw

    def secret(self, name: str, *, min_length: int) -> str | None:
        """A secret's problem names its length, never its value."""
        value = self.optional(name)
        if value is not None and (len(value) < min_length or not re.fullmatch(r"[A-Za-z0-9_-]+", value)):
            self.problems.append(f"{name} must be at least {min_length} letters, digits, '-' or '_' "
                                 f"(got {len(value)} characters)")
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

    def command_keys(self, name: str, allowed: tuple[str, ...]) -> frozenset[str]:
        """`numbers buy, e911 *`: command keys from `allowed`; `noun *` stands for every key of that noun."""
        keys: set[str] = set()
        for raw in (part for part in (self.optional(name) or "").split(",") if part.strip()):
            words = raw.lower().split()
            key = " ".join(words)
            found = ({item for item in allowed if item.split()[0] == words[0]} if words[-1:] == ["*"]
                     and len(words) == 2 else {key} & set(allowed))
            if not found:
                self.problems.append(f"{name}: {raw.strip()!r} is not a command that can need approval "
                                     f"(one of {', '.join(allowed)}, or `noun *`)")
            keys |= found
        return frozenset(keys)

    def raise_problems(self) -> None:
        if self.problems:
            raise SettingsError("Invalid settings: " + "; ".join(self.problems))
