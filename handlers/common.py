"""What every handler area shares: dependencies, command context, failure handling, audit, Block Kit bits."""

from __future__ import annotations

import functools
import json
import logging
import uuid
from collections.abc import Callable
from concurrent.futures import Executor, Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from flowroute_api import FlowrouteClient, FlowrouteError, InvalidNumberError, format_number
from handlers.parser import ParsedCommand, UsageError

log = logging.getLogger("flowroute_bot.handlers")

PAGE_ACTION = "page_nav"
Reply = Callable[..., Any]  # Bolt's `respond` or a Respond built from a stored response_url


class UserError(Exception):
    """A refusal or mistake the user should read; never logged as a crash."""


@dataclass
class Deps:
    """Everything a listener needs, passed in (never read from globals or the environment)."""

    settings: Any  # bot.settings.Settings
    flowroute: FlowrouteClient
    store: Any  # bot.storage.Store
    slack: WebClient
    executor: Executor
    extras: dict = field(default_factory=dict)  # area-specific services (the relay, for instance)


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


# --- failures -------------------------------------------------------------------------------------

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


def in_background(deps: Deps, reply: Reply, fn: Callable, *args, **kwargs) -> None:
    """Continue work after the ack, off Bolt's listener threads, so acks never wait for Flowroute."""
    deps.executor.submit(run_guarded, reply, fn, *args, **kwargs)


FLOWROUTE_WAIT_SECONDS = 2.0  # what a modal submission may spend on Flowroute inside Slack's 3 s


def within_window(deps: Deps, fn: Callable, *args, **kwargs) -> tuple[str, Any]:
    """Run a Flowroute call for a modal submission, waiting at most FLOWROUTE_WAIT_SECONDS.

    Returns ("done", result), ("failed", error) or ("pending", future): when Flowroute is slow the modal is
    answered without it and the call carries on; `when_done` reports its outcome later. Nothing is lost.
    """
    future = deps.executor.submit(fn, *args, **kwargs)
    try:
        return "done", future.result(timeout=FLOWROUTE_WAIT_SECONDS)
    except FutureTimeout:
        return "pending", future
    except Exception as error:  # noqa: BLE001 - shown on the form; unexpected ones are logged by the caller
        return "failed", error


def when_done(future: Future, reply: Reply, fn: Callable, *args) -> None:
    """When a slow Flowroute call finishes, continue with `fn(result, *args)`, or tell the user why not."""
    future.add_done_callback(lambda done: run_guarded(reply, lambda: fn(done.result(), *args)))


def notice_view(title: str, text: str) -> dict:
    """A modal that only says something (no inputs, a Close button)."""
    return {"type": "modal", "title": plain(title, 24), "close": plain("Close", 24), "blocks": [section(text)]}


def reply_to(response_url: str) -> Respond:
    return Respond(response_url=response_url)


def bind(deps: Deps, listener: Callable):
    """`listener(deps, ...)` as a Bolt listener: Bolt injects the remaining arguments by name."""
    bound = functools.partial(listener, deps)
    bound.__name__ = listener.__name__
    return bound


# --- permissions and audit -------------------------------------------------------------------------

def require_admin(deps: Deps, user_id: str, what: str = "make changes") -> None:
    if not deps.settings.is_admin(user_id):
        raise UserError(
            f":no_entry: Sorry <@{user_id}>, only Flowroute admins can {what}. "
            "Ask an admin to add your Slack ID to FLOWROUTE_BOT_ADMINS."
        )


def audit(deps: Deps, user_id: str, action: str, target: str, *, ok: bool, result: str) -> None:
    """Record a write in the audit table and announce it in the audit channel when one is set."""
    deps.store.save_audit(user_id=user_id, action=action, target=target, ok=ok, result=result)
    channel = deps.settings.audit_channel
    if not channel:
        return
    mark = ":white_check_mark:" if ok else ":x:"
    text = f"{mark} <@{user_id}> {escape(action)} {escape(target)}: {escape(result)}"
    try:
        deps.slack.chat_postMessage(channel=channel, text=text, unfurl_links=False, unfurl_media=False)
    except SlackApiError as error:
        log.warning("Could not announce audit entry in %s: %s", channel, error.response.get("error"))


def audited(deps: Deps, user_id: str, action: str, target: str, fn: Callable, *args, **kwargs):
    """Call a Flowroute write, auditing success or the Flowroute error, and return its result."""
    try:
        result = fn(*args, **kwargs)
    except FlowrouteError as error:
        audit(deps, user_id, action, target, ok=False, result=str(error))
        raise
    audit(deps, user_id, action, target, ok=True, result="done")
    return result


def act_once(deps: Deps, user_id: str, key: str, *, already: str, action: str, target: str, call: Callable[[], Any]):
    """Run a confirmed write at most once per `key` (double clicks, Slack retries), audited.

    A Flowroute refusal (4xx) frees the key: nothing happened, so the same button may be tried again.
    After a 5xx or no answer the outcome is unknown (a POST is never retried), so the key stays used.
    """
    if not deps.store.claim(key, user_id):
        raise UserError(already)
    try:
        return audited(deps, user_id, action, target, call)
    except FlowrouteError as error:
        if error.status is not None and 400 <= error.status < 500:
            deps.store.release_claim(key)
        raise


# --- formatting -------------------------------------------------------------------------------------

def escape(text: Any) -> str:
    """Escape user and Flowroute text for mrkdwn so it cannot ping, link or format."""
    return str(text if text is not None else "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def number_text(number: Any) -> str:
    try:
        return format_number(str(number))
    except (ValueError, InvalidNumberError):
        return escape(number)


def money(value: Any) -> str:
    try:
        return f"${float(value):,.2f}"
    except (TypeError, ValueError):
        return "n/a"


def attrs(resource: dict) -> dict:
    return resource.get("attributes") or {}


# --- Block Kit ------------------------------------------------------------------------------------

def plain(text: str, limit: int = 75) -> dict:
    text = str(text)
    return {"type": "plain_text", "text": text if len(text) <= limit else text[: limit - 1] + "…"}


def header(text: str) -> dict:
    return {"type": "header", "text": plain(text, 150)}


def section(text: str, accessory: dict | None = None) -> dict:
    block = {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}
    if accessory:
        block["accessory"] = accessory
    return block


def fields_section(pairs: list[tuple[str, str]]) -> dict:
    return {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": f"*{label}*\n{value}"[:2000]} for label, value in pairs[:10]],
    }


def context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:3000]}]}


def divider() -> dict:
    return {"type": "divider"}


def confirm_dialog(title: str, text: str, confirm: str = "Yes", deny: str = "Cancel", danger=False) -> dict:
    dialog = {"title": plain(title, 100), "text": {"type": "mrkdwn", "text": text[:300]},
              "confirm": plain(confirm, 30), "deny": plain(deny, 30)}
    if danger:
        dialog["style"] = "danger"
    return dialog


def button(text: str, action_id: str, value: Any = "", *, style: str | None = None,
           confirm: dict | None = None) -> dict:
    element = {"type": "button", "text": plain(text), "action_id": action_id,
               "value": value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))}
    if style:
        element["style"] = style
    if confirm:
        element["confirm"] = confirm
    return element


def actions(*elements: dict, block_id: str | None = None) -> dict:
    block = {"type": "actions", "elements": list(elements)}
    if block_id:
        block["block_id"] = block_id
    return block


def message(text: str, blocks: list[dict] | None = None) -> dict:
    """A message payload: `text` is the notification fallback, blocks carry the layout."""
    payload = {"text": text[:3000]}
    if blocks:
        payload["blocks"] = blocks[:50]
    return payload


def pager_block(key: str, opts: dict, *, has_next: bool, shown: int | None = None) -> dict | None:
    """Previous/Next buttons that re-run list `key` at another offset and replace the message.

    `shown`: the records this page got. Flowroute may answer with fewer than `limit` and still have more,
    so Next starts right after what was shown, not `limit` further on.
    """
    offset, limit = int(opts.get("offset") or 0), int(opts.get("limit") or 10)
    elements = []
    if offset > 0:
        elements.append(button("Previous", f"{PAGE_ACTION}_prev", _page_value(key, opts, max(0, offset - limit))))
    if has_next:
        step = limit if shown is None else max(1, shown)
        elements.append(button("Next", f"{PAGE_ACTION}_next", _page_value(key, opts, offset + step)))
    return actions(*elements, block_id="pager") if elements else None


def _page_value(key: str, opts: dict, offset: int) -> str:
    state = {**{k: v for k, v in opts.items() if v is not None}, "offset": offset}
    return json.dumps({"k": key, "o": state}, default=str, separators=(",", ":"))


def decode_value(value: str) -> dict:
    """Parse a JSON button value; a malformed one becomes a UserError, never a crash."""
    try:
        data = json.loads(value)
    except (TypeError, ValueError):
        raise UserError("That button is out of date; run the command again.") from None
    if not isinstance(data, dict):
        raise UserError("That button is out of date; run the command again.")
    return data


def new_nonce() -> str:
    return uuid.uuid4().hex[:16]
