"""The command types: the parser's table entries, a parsed command, a handler and the context it runs with."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from slack_sdk import WebClient

from blocks.kit import read_value
from core.deps import Deps
from core.errors import STALE_BUTTON, Reply, UserError


@dataclass(frozen=True)
class Arg:
    name: str  # as shown in usage, e.g. "NUMBER"
    kind: str
    required: bool = True
    rest: bool = False  # takes the rest of the line as typed


@dataclass(frozen=True)
class CommandSpec:
    key: str  # "numbers search", "sms"
    usage: str
    summary: str
    args: tuple[Arg, ...] = ()
    options: dict[str, str] = field(default_factory=dict)  # option name (underscored) -> kind
    write: bool = False


PAGE_OPTIONS = {"limit": "limit", "offset": "offset"}  # what every list command takes


def command_spec(key, usage, summary, args=(), options=None, write=False) -> CommandSpec:
    """One row of the `/flowroute` command table (handlers/parser.py and handlers/parser_more.py)."""
    return CommandSpec(key, usage, summary, tuple(args), dict(options or {}), write)


@dataclass(frozen=True)
class ParsedCommand:
    spec: CommandSpec
    args: dict
    options: dict

    @property
    def key(self) -> str:
        return self.spec.key


@dataclass
class CommandContext:
    parsed: ParsedCommand
    user_id: str
    channel_id: str
    trigger_id: str
    response_url: str
    respond: Reply
    client: WebClient
    deps: Deps

    @property
    def args(self) -> dict:
        return self.parsed.args

    @property
    def options(self) -> dict:
        return self.parsed.options


@dataclass(frozen=True)
class Command:
    """A command handler. `page` commands are lists rendered by `page(deps, opts) -> message`.

    `inline` handlers run on the listener thread right after the ack (modals must open within
    Slack's 3-second trigger window); the others run on the background executor.
    """

    run: Callable[[CommandContext], None] | None = None
    page: Callable[[Deps, dict], dict] | None = None
    inline: bool = False


def bind(deps: Deps, listener: Callable):
    """`listener(deps, ...)` as a Bolt listener: Bolt injects the remaining arguments by name."""
    bound = functools.partial(listener, deps)
    bound.__name__ = listener.__name__
    return bound


def refuse_non_admin(deps: Deps, ack, user_id: str, what: str, block_id: str) -> bool:
    """Answer a modal submission by a non-admin with the refusal on `block_id`; True when refused."""
    errors = deps.audit.form_refusal(user_id, what, block_id)
    if errors:
        ack(response_action="errors", errors=errors)
    return bool(errors)


def decode_value(value: str) -> dict:
    """Parse a JSON button value or view metadata; a malformed one becomes a UserError, never a crash."""
    data = read_value(value)
    if data is None:
        raise UserError(STALE_BUTTON)
    return data
