"""The two kinds of failure: a `UserError` the user reads, and anything else, logged with a reference id."""

from __future__ import annotations

import logging
import socket
import ssl
import uuid
from collections.abc import Callable
from typing import Any

from slack_bolt.context.respond import Respond

from flowroute_api import FlowrouteError, InvalidNumberError

log = logging.getLogger("flowroute_bot.handlers")

Reply = Callable[..., Any]  # Bolt's `respond` or a Respond built from a stored response_url
STALE_BUTTON = "That button is out of date; run the command again."


class UserError(Exception):
    """A refusal or mistake the user should read; never logged as a crash."""


class UsageError(Exception):
    """A `/flowroute` line the parser cannot read; the text says what was wrong and shows the usage line."""

    def __init__(self, problem: str, usage: str | None = None):
        super().__init__(problem)
        self.problem = problem
        self.usage = usage

    def __str__(self) -> str:
        if self.usage:
            return f"{self.problem}\nUsage: `{self.usage}`"
        return self.problem


def failure_text(error: BaseException, logger: logging.Logger = log) -> str:
    """The one line a user sees for `error`; unexpected errors are logged with a reference id."""
    if isinstance(error, (UserError, UsageError)):
        return str(error)
    if isinstance(error, (FlowrouteError, InvalidNumberError)):
        return f":warning: {error}"
    reference = uuid.uuid4().hex[:8]
    logger.error("Unexpected error (reference %s)", reference, exc_info=error)
    return f":boom: Something went wrong on our side (reference `{reference}`). It has been logged."


def run_guarded(reply: Reply, fn: Callable, *args, **kwargs) -> None:
    """Run `fn`, turning any failure into one reply to the user."""
    try:
        fn(*args, **kwargs)
    except Exception as error:  # noqa: BLE001 - this is the one place failures become replies
        text = failure_text(error)
        try:
            reply(text=text, response_type="ephemeral", replace_original=False)
        except Exception:  # noqa: BLE001
            log.exception("Could not tell the user about a failure")


def reply_to(response_url: str) -> Respond:
    """A reply through a stored response_url (Slack accepts posts there for 30 minutes)."""
    return Respond(response_url=response_url)


def metadata_reply(metadata: dict) -> Reply:
    """Reply through the response_url a modal remembered (`blocks.kit.form_metadata`), else only log."""
    url = metadata.get("url")
    return reply_to(url) if url else log_only


def log_only(text: str = "", **_) -> None:
    log.warning("No response_url to tell the user: %s", text)


def connection_problem(error: BaseException) -> str:
    """What went wrong with a connection, in words: refused, timed out, DNS, reset, TLS."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, socket.gaierror):
            return "host name not found (DNS)"
        if isinstance(current, ConnectionRefusedError):
            return "connection refused"
        if isinstance(current, TimeoutError):  # socket.timeout is TimeoutError
            return "timed out"
        if isinstance(current, ConnectionResetError):
            return "connection reset"
        if isinstance(current, ssl.SSLError):
            return "TLS handshake failed"
        reason = getattr(current, "reason", None)  # urllib's URLError keeps the socket error here
        current = reason if isinstance(reason, BaseException) else (current.__cause__ or current.__context__)
    return type(error).__name__
