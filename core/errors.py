"""The two kinds of failure: a `UserError` the user reads, and anything else, logged with a reference id."""

from __future__ import annotations

import logging
import socket
import ssl
import uuid
from collections.abc import Callable
from typing import Any

from slack_bolt.context.respond import Respond

from blocks.text import escape, number_text
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


# The one mapping from (command, HTTP status) to plain words; "*" is any command. `{subject}` names what the
# command was about (`+1 646-555-0199`, route `office-pbx`, E911 address `7`); Flowroute's own line follows in
# parentheses. Statuses: Flowroute's error reference (developer.flowroute.com, "Errors").
REFUSALS: dict[tuple[str, int], str] = {
    ("*", 400): "Flowroute could not read the request for {subject}",
    ("*", 401): "Flowroute refused the bot's API keys; check FLOWROUTE_ACCESS_KEY and FLOWROUTE_SECRET_KEY",
    ("*", 403): "Flowroute does not allow `{command}` for {subject} on this account",
    ("*", 404): "{Subject} is not on your Flowroute account",
    ("*", 422): "Flowroute refused `{command}` for {subject}",
    ("numbers buy", 404): "{Subject} is not for sale on Flowroute",
    ("numbers alias", 422): "Flowroute refused the alias for {subject}; an alias can be at most 64 characters",
    ("routes delete", 403): ("{Subject} is still used by one or more numbers, so Flowroute kept it. Point them at "
                             "another route with `/flowroute routes set NUMBER`, then delete it again"),
    ("e911 associate", 422): "Flowroute refused to give {subject} that E911 address",
    ("e911 delete", 403): ("{Subject} is still used by numbers, so Flowroute kept it. Disconnect them with "
                           "`/flowroute e911 disconnect NUMBER`, then delete it again"),
    ("sms", 403): "Flowroute refused to send from {subject}",
    ("mms", 403): "Flowroute refused to send from {subject}",
}


def refusal_text(command: str, error: FlowrouteError, subject: str) -> str:
    """Flowroute's refusal of `command` about `subject` in plain words, with its own line in parentheses.
    Errors without a 4xx status (5xx, 429, no answer) keep the plain one-line form of `failure_text`."""
    wording = REFUSALS.get((command, error.status)) or REFUSALS.get(("*", error.status))
    if wording is None:
        return f":warning: {error}"
    text = wording.format(command=command, subject=subject, Subject=subject[:1].upper() + subject[1:])
    return f":no_entry_sign: {text} ({escape(error)})."


def explained(command: str, subject: str, fn: Callable) -> Callable:
    """`fn` with Flowroute refusals turned into a UserError that says `refusal_text`."""
    def run(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except FlowrouteError as error:
            if error.status is None or not 400 <= error.status < 500 or error.status == 429:
                raise  # no answer, a server failure or throttling: not a refusal of this request
            raise UserError(refusal_text(command, error, subject)) from error
    return run


# Which argument a command is about, first match wins (sms/mms: the number it is sent from).
_SUBJECT_ARGS = (("NUMBER", "{number}"), ("FROM", "{number}"), ("ROUTE", "route `{text}`"),
                 ("ADDRESS_ID", "E911 address `{text}`"), ("MDR_ID", "message record `{text}`"))


def subject_for(args: dict) -> str:
    """What a parsed command is about, as `refusal_text` names it: `+1 646-555-0199`, route `office-pbx`…"""
    for name, shape in _SUBJECT_ARGS:
        value = args.get(name)
        if value not in (None, "", "all"):
            return shape.format(number=number_text(value), text=escape(value))
    return "this request"


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
