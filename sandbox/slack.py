"""A Slack Web API emulator on loopback, and a driver that plays Slack's part towards the bot.

Nothing here talks to the internet. Tests, the benchmark and the terminal console build on it.

SlackEmulator (the Slack side the bot calls)
--------------------------------------------
    emu = SlackEmulator(token="xoxb-test-token", team_id="T0001", bot_user_id="UBOT", bot_id="BBOT")
    emu.start()                    # ThreadingHTTPServer in a daemon thread; returns emu.api_url
    WebClient(token=emu.token, base_url=emu.api_url)
    emu.stop()                     # also usable as a context manager: `with SlackEmulator() as emu:`

Attributes: token, team_id, bot_user_id, bot_id, app_id, url ("http://127.0.0.1:PORT"), api_url (url + "/api/").

Seeded workspace:
    channels  C0OPS "ops", C0ALERTS "alerts", C0AUDIT "audit" (public, bot member);
              C0RANDOM "random" (public, bot NOT member); G0SECRET "secret-ops" (private, bot NOT member);
              C0OLD "old" (archived, bot member)
    users     U0ADMIN "alice" (is_admin), U0BOB "bob", and the bot user (UBOT "flowroute-bot")
    add_channel(channel_id, name, *, is_private=False, is_archived=False, bot_member=True)
    add_user(user_id, name, *, is_admin=False, is_bot=False)

Web API (POST or GET /api/<method>; JSON, form-encoded and query parameters all accepted; token from
`Authorization: Bearer` or a `token` parameter; missing -> not_authed, wrong -> invalid_auth; unknown method
-> unknown_method; every answer is HTTP 200 with Slack's {"ok": ..., "error": ...} envelope, except
injected failures):
    auth.test, users.info, users.conversations (the bot's channels; types, exclude_archived, limit, cursor),
    conversations.info / .history / .replies / .join,
    chat.postMessage / .postEphemeral / .update / .delete / .getPermalink,
    reactions.add / .remove,
    views.open / .update / .push, views.publish (App Home; home_view(user_id) returns the last one),
    files.getUploadURLExternal, POST <upload_url> (raw bytes, as slack_sdk sends them), files.completeUploadExternal,
    GET <file url_private> with the bot token (the stored bytes).
  Channels the bot is not in: a public one answers not_in_channel (to posts too: the bot has no
  chat:write.public, a simplification); a private one is invisible and answers channel_not_found to every
  method, as Slack does for private channels a bot was not invited to.
  Blocks are checked against Slack's main limits (see _block_errors); message blocks -> invalid_blocks,
  view problems -> invalid_arguments, both with response_metadata.messages like Slack. Blocks and
  elements without block_id / action_id get random ones, as Slack does.

Inspection (all return copies, safe to use from the test thread):
    calls -> list[Call]                 every Web API call in order: Call(method, args, status, response, at)
    calls_to(method) -> list[Call];     clear_calls()
    messages(channel=None, *, include_ephemeral=True, include_deleted=False) -> list[Message] (post order)
    message(message_id) -> Message;     last_message(channel=None, *, include_ephemeral=True) -> Message | None
    thread(channel, thread_ts) -> list[Message]   parent first
    views -> dict[view_id, dict]        every view ever opened, in Slack's view shape (id, hash, state,
                                        root_view_id, previous_view_id, ...), closed ones included
    view_stack(view_id) -> list[str];   is_view_open(view_id);  top_view(user_id=None) -> dict | None
    view_errors -> dict[view_id, dict]  the last response_action=errors the bot answered for that view
    uploaded_files -> dict[file_id, UploadedFile]   (content bytes + meta)
    response_posts(url=None) -> list[dict]  the JSON bodies POSTed to response_urls (all, or one url's)
    response_post_records(url=None)     the same with {url, payload, raw, status, answer, message_id, at}
    message_for(ref) -> Message         current state of a message given as Message, id, API message dict
                                        (matched by ts) or a response_posts() payload (the message it made)
    wait_for(predicate, timeout=5.0, interval=0.02)  polls predicate() until truthy and returns its value
                                        (a LookupError inside counts as not yet); AssertionError naming the
                                        predicate and the last Web API calls on timeout
    subscribe(callback)                 callback(event, obj): "posted" / "updated" / "deleted" with a Message,
                                        "view_opened" / "view_updated" / "view_pushed" / "view_closed" with a view
                                        dict. Called from server threads, after the state change.

Control:
    new_trigger_id(*, user_id=None, view_id=None) -> str   valid 3 s, single use (views.open / views.push)
    new_response_url(*, channel_id, user_id, source_message_id=None) -> str   url + "/response/<id>"
    fail_next(method, count=1, *, status=429, error=None, retry_after=None)
        the next `count` calls to `method` ("chat.postMessage", or "*" for any method) answer HTTP `status`
        with {"ok": false, "error": error} and a Retry-After header when retry_after is given. error
        defaults to "ratelimited" for 429, "internal_error" for 5xx and "fatal_error" otherwise; status=200
        with an error fakes any Slack error. Injected failures are recorded in `calls` and change nothing.
    lose_answer_next(method, count=1, *, status=500)
        the next `count` calls to `method` (or "*") that succeed take effect (a post is stored and shows in
        conversations.history) but their answer is lost: HTTP `status` with {"ok": false, "error":
        "internal_error"}, or with status=None the connection is closed with no answer at all (the client
        sees a dropped connection). Recorded in `calls` with that status (0 for a dropped connection).
    clear_failures() -> int             forgets every armed fail_next / lose_answer_next; returns how many
                                        calls they would still have hit
    page_cap = None                     an int: conversations.history / .replies and users.conversations
                                        return at most that many items per page whatever `limit` asks,
                                        with response_metadata.next_cursor while more exist (Slack may
                                        return fewer items than `limit` before the end of a list)
    advance_clock(seconds)              moves the clock used for trigger_id and response_url expiry
    post_as_user(text, *, user, channel, thread_ts=None, files=None) -> Message  (no event; see the driver)

response_url receiver (POST JSON to url + "/response/<id>"), like Slack: up to 5 uses within 30 minutes,
then HTTP 404 "used_url" / "expired_url" (unknown id: 404 "no_service"); response_type "ephemeral"
(default, visible to the invoking user) or "in_channel"; replace_original edits the source message in
place (same id and ts); delete_original deletes it; thread_ts; text / blocks / metadata. Invalid blocks ->
400 "invalid_blocks", nothing to show -> 400 "no_text"; success -> 200 "ok".

Lower-level pieces (used by the driver and the console; all thread-safe):
    open_view(spec, *, user_id=None) / replace_view(view_id, spec) / push_view(below_id, spec) /
    close_view(view_id, *, clear=False) / set_view_state(view_id, values) / set_view_errors(view_id, errors)
    show_ack(response_url, body) -> Message;  add_user_file(name, content, *, user, ...) -> file object
    api_message(message, *, include_metadata=True) -> dict (the Web API shape);  file_object(record) -> dict
    channel_name(channel_id), user_name(user_id)
    module functions: blocks_errors(blocks), view_errors(view) (lists of "<problem> [json-pointer:...]"),
    state_entry(element, value), view_state(view, values), find_element(blocks, action_id)
    errors: ApiError (a Slack error answer), SlackDriverError (an AssertionError: the driver can't do it)

Message: one store for API posts, response_url posts, command acks and user messages, so all render alike.
    id, channel, ts ("1700000000.000100", unique and increasing), user, text, blocks, metadata
    ({"event_type", "event_payload"} or None), thread_ts, ephemeral_to, source ("api" | "response_url" |
    "ack" | "user"), files, reply_count, deleted, attachments, reply_broadcast, edited_ts, reactions.

SlackDriver (Slack towards the bot's HTTP endpoint; every request signed like Slack's)
-------------------------------------------------------------------------------------
    drv = SlackDriver(emu, "http://127.0.0.1:PORT/slack/events", signing_secret, timeout=10)
    command(text, *, user="U0ADMIN", channel="C0OPS", command="/flowroute") -> CommandResult
        (status, body, json, response_url, trigger_id, elapsed, message, ack_error); a non-empty ack body
        is shown like Slack does (stored as a Message with source "ack").
    buttons(message) -> list[dict]      action_id, block_id, text, value, style, url, confirm
    click(message, *, action_id=None, text=None, value=None, user="U0ADMIN", channel=None)
        presses the first matching button (confirm dialogs count as confirmed); the response_url in the
        payload is bound to that message, so replace_original / delete_original act on it. `message` is
        anything message_for() takes. Payloads from ephemeral messages carry no `message` (a guess about
        Slack; set include_ephemeral_message = True to include it).
    select(message, action_id, option_value, *, user="U0ADMIN", channel=None)   static_select / overflow /
        radio_buttons (a list of values for checkboxes / multi_static_select) in a message
    submit_view(view_id, values=None, *, user="U0ADMIN")    values: block_id or action_id -> value;
        applies the bot's response_action (errors / update / push / clear) to the view store like Slack.
    close_view(view_id, *, user="U0ADMIN")  closes it; sends view_closed only when notify_on_close
    block_action_in_view(view_id, action_id, value=None, *, user="U0ADMIN")
    post_user_message(text, *, user="U0BOB", channel="C0OPS", thread_ts=None, files=None) -> Message
        stores the message and sends the matching `message` event_callback
    send_event(event, *, retry_num=None, retry_reason=None, event_id=None)
    url_verification(challenge)
    sign(body, timestamp=None) -> dict  X-Slack-Request-Timestamp + X-Slack-Signature headers
    resend_last(extra_headers=None)     the previous request again, freshly signed (double click; with
                                        {"X-Slack-Retry-Num": "1", ...} a Slack retry)
    last_response                       the bot's answer to the latest request sent
All sending methods return the `requests.Response` unless noted.
"""

from __future__ import annotations

import base64
import copy
import email.parser
import email.policy
import json
import logging
import mimetypes
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests
from slack_sdk.signature import SignatureVerifier

from sandbox.loopback import LoopbackServer

log = logging.getLogger(__name__)

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
class _Channel:
    id: str
    name: str
    is_private: bool = False
    is_archived: bool = False
    bot_member: bool = True
    created: int = 1600000000


@dataclass
class _Trigger:
    created: float
    user_id: str | None
    view_id: str | None
    used: bool = False


@dataclass
class _ResponseUrl:
    id: str
    channel_id: str
    user_id: str
    source_message_id: str | None
    created: float
    uses: int = 0


@dataclass
class _FailRule:
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


# ---------------------------------------------------------------------------------------------------------
# Block Kit validation (pure functions; each problem is "<what> [json-pointer:<path>]")

_BLOCK_TYPES = {
    "section", "divider", "header", "actions", "context", "input", "image", "markdown", "rich_text",
    "file", "video", "call", "table", "context_actions",
}
_OPTION_ELEMENTS = {"static_select", "multi_static_select", "overflow", "radio_buttons", "checkboxes"}


def _too_long(limit: int, path: str) -> str:
    return f"must be less than {limit + 1} characters [json-pointer:{path}]"


def _text_errors(obj: Any, path: str, limit: int | None = None, *, plain_only: bool = False) -> list[str]:
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        return [f"must provide a text object [json-pointer:{path}]"]
    allowed = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
    if obj.get("type") not in allowed:
        return [f"must be one of {', '.join(allowed)} [json-pointer:{path}/type]"]
    if not obj["text"]:
        return [f"must be more than 0 characters [json-pointer:{path}/text]"]
    if limit is not None and len(obj["text"]) > limit:
        return [_too_long(limit, f"{path}/text")]
    return []


def _str_errors(value: Any, limit: int, path: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, str):
        return [f"must be a string [json-pointer:{path}]"]
    return [_too_long(limit, path)] if len(value) > limit else []


def _options_errors(element: dict, path: str, max_options: int) -> list[str]:
    options, groups = element.get("options"), element.get("option_groups")
    if options is None and groups is None:
        return [f"must provide options or option_groups [json-pointer:{path}]"]
    errors: list[str] = []
    plain = element.get("type") in ("static_select", "multi_static_select", "overflow")
    lists = [(options, f"{path}/options")] if options is not None else []
    for gi, group in enumerate(groups or []):
        gpath = f"{path}/option_groups/{gi}"
        errors += _text_errors(group.get("label") if isinstance(group, dict) else None, f"{gpath}/label", 75,
                               plain_only=True)
        lists.append((group.get("options") if isinstance(group, dict) else None, f"{gpath}/options"))
    if groups is not None and len(groups) > 100:
        errors.append(f"must be less than 101 items [json-pointer:{path}/option_groups]")
    for items, ipath in lists:
        if not isinstance(items, list) or not items:
            errors.append(f"must provide at least 1 item [json-pointer:{ipath}]")
            continue
        if len(items) > max_options:
            errors.append(f"must be less than {max_options + 1} items [json-pointer:{ipath}]")
        for oi, option in enumerate(items):
            opath = f"{ipath}/{oi}"
            if not isinstance(option, dict):
                errors.append(f"must be an object [json-pointer:{opath}]")
                continue
            errors += _text_errors(option.get("text"), f"{opath}/text", 75, plain_only=plain)
            errors += _str_errors(option.get("value"), 150, f"{opath}/value")
    return errors


def _confirm_errors(confirm: Any, path: str) -> list[str]:
    if confirm is None:
        return []
    if not isinstance(confirm, dict):
        return [f"must be an object [json-pointer:{path}]"]
    errors = _text_errors(confirm.get("title"), f"{path}/title", 100, plain_only=True)
    errors += _text_errors(confirm.get("text"), f"{path}/text", 300)
    errors += _text_errors(confirm.get("confirm"), f"{path}/confirm", 30, plain_only=True)
    errors += _text_errors(confirm.get("deny"), f"{path}/deny", 30, plain_only=True)
    if confirm.get("style") not in (None, "primary", "danger"):
        errors.append(f"must be primary or danger [json-pointer:{path}/style]")
    return errors


def _element_errors(element: Any, path: str) -> list[str]:
    if not isinstance(element, dict) or not isinstance(element.get("type"), str):
        return [f"missing required field: type [json-pointer:{path}]"]
    kind = element["type"]
    errors = _str_errors(element.get("action_id"), 255, f"{path}/action_id")
    if kind == "button":
        errors += _text_errors(element.get("text"), f"{path}/text", 75, plain_only=True)
        errors += _str_errors(element.get("value"), 2000, f"{path}/value")
        errors += _str_errors(element.get("url"), 3000, f"{path}/url")
        if element.get("style") not in (None, "primary", "danger"):
            errors.append(f"must be primary or danger [json-pointer:{path}/style]")
    elif kind in _OPTION_ELEMENTS:
        max_options = {"overflow": 5, "radio_buttons": 10, "checkboxes": 10}.get(kind, 100)
        errors += _options_errors(element, path, max_options)
    elif kind == "plain_text_input":
        for key in ("min_length", "max_length"):
            value = element.get(key)
            if value is not None and (not isinstance(value, int) or not 0 <= value <= 3000):
                errors.append(f"must be between 0 and 3000 [json-pointer:{path}/{key}]")
        errors += _str_errors(element.get("initial_value"), 3000, f"{path}/initial_value")
    if element.get("placeholder") is not None:
        errors += _text_errors(element["placeholder"], f"{path}/placeholder", 150, plain_only=True)
    return errors + _confirm_errors(element.get("confirm"), f"{path}/confirm")


def _section_errors(block: dict, path: str) -> list[str]:
    errors: list[str] = []
    if block.get("text") is None and block.get("fields") is None:
        errors.append(f"must provide text or fields [json-pointer:{path}]")
    if block.get("text") is not None:
        errors += _text_errors(block["text"], f"{path}/text", 3000)
    fields = block.get("fields")
    if fields is not None:
        if not isinstance(fields, list) or len(fields) > 10:
            errors.append(f"must be less than 11 items [json-pointer:{path}/fields]")
        else:
            for i, item in enumerate(fields):
                errors += _text_errors(item, f"{path}/fields/{i}", 2000)
    if block.get("accessory") is not None:
        errors += _element_errors(block["accessory"], f"{path}/accessory")
    return errors


def _elements_errors(block: dict, path: str, max_items: int, *, context: bool = False) -> list[str]:
    elements = block.get("elements")
    if not isinstance(elements, list) or not elements:
        return [f"must provide at least 1 item [json-pointer:{path}/elements]"]
    if len(elements) > max_items:
        return [f"must be less than {max_items + 1} items [json-pointer:{path}/elements]"]
    errors: list[str] = []
    action_ids: set = set()
    for i, element in enumerate(elements):
        epath = f"{path}/elements/{i}"
        if context and isinstance(element, dict) and element.get("type") in ("plain_text", "mrkdwn"):
            errors += _text_errors(element, epath)
        elif context and isinstance(element, dict) and element.get("type") == "image":
            continue
        else:
            errors += _element_errors(element, epath)
            action_id = element.get("action_id") if isinstance(element, dict) else None
            if action_id is not None and action_id in action_ids:
                errors.append(f"action_id already exists: {action_id} [json-pointer:{epath}/action_id]")
            action_ids.add(action_id)
    return errors


def _block_errors(block: Any, path: str) -> list[str]:
    """Problems with one block, checked against Slack's main published limits."""
    if not isinstance(block, dict) or not isinstance(block.get("type"), str):
        return [f"missing required field: type [json-pointer:{path}]"]
    kind = block["type"]
    errors = _str_errors(block.get("block_id"), 255, f"{path}/block_id")
    if kind not in _BLOCK_TYPES:
        errors.append(f"unsupported type: {kind} [json-pointer:{path}/type]")
    elif kind == "section":
        errors += _section_errors(block, path)
    elif kind == "header":
        errors += _text_errors(block.get("text"), f"{path}/text", 150, plain_only=True)
    elif kind == "actions":
        errors += _elements_errors(block, path, 25)
    elif kind == "context":
        errors += _elements_errors(block, path, 10, context=True)
    elif kind == "input":
        errors += _text_errors(block.get("label"), f"{path}/label", 2000, plain_only=True)
        if block.get("hint") is not None:
            errors += _text_errors(block["hint"], f"{path}/hint", 2000, plain_only=True)
        if block.get("element") is None:
            errors.append(f"missing required field: element [json-pointer:{path}]")
        else:
            errors += _element_errors(block["element"], f"{path}/element")
    elif kind == "image":
        errors += _str_errors(block.get("alt_text"), 2000, f"{path}/alt_text")
        if not block.get("alt_text") or not (block.get("image_url") or block.get("slack_file")):
            errors.append(f"must provide image_url and alt_text [json-pointer:{path}]")
    elif kind == "markdown":
        if not isinstance(block.get("text"), str) or len(block["text"]) > 12000:
            errors.append(_too_long(12000, f"{path}/text"))
    return errors


def blocks_errors(blocks: Any, path: str = "/blocks", max_blocks: int = MAX_MESSAGE_BLOCKS) -> list[str]:
    """All problems with a list of blocks (empty list: valid)."""
    if not isinstance(blocks, list):
        return [f"must be an array [json-pointer:{path}]"]
    if len(blocks) > max_blocks:
        return [f"must be less than {max_blocks + 1} items [json-pointer:{path}]"]
    errors: list[str] = []
    block_ids: set = set()
    for i, block in enumerate(blocks):
        errors += _block_errors(block, f"{path}/{i}")
        block_id = block.get("block_id") if isinstance(block, dict) else None
        if block_id is not None:
            if block_id in block_ids:
                errors.append(f"block_id already exists: {block_id} [json-pointer:{path}/{i}/block_id]")
            block_ids.add(block_id)
    return errors


def view_errors(view: Any, kinds: tuple = ("modal",)) -> list[str]:
    """All problems with a view as views.open / update / push would see them."""
    if not isinstance(view, dict):
        return ["must be an object [json-pointer:/view]"]
    if view.get("type") not in kinds:
        return [f"must be one of {', '.join(kinds)} [json-pointer:/view/type]"]
    if view["type"] == "home":  # a Home tab needs no title and may not have submit or close
        errors = [f"is not allowed in a home view [json-pointer:/view/{key}]"
                  for key in ("submit", "close") if view.get(key) is not None]
    else:
        errors = _text_errors(view.get("title"), "/view/title", 24, plain_only=True)
        for key in ("submit", "close"):
            if view.get(key) is not None:
                errors += _text_errors(view[key], f"/view/{key}", 24, plain_only=True)
    blocks = view.get("blocks")
    errors += blocks_errors(blocks, "/view/blocks", MAX_VIEW_BLOCKS)
    has_input = isinstance(blocks, list) and any(isinstance(b, dict) and b.get("type") == "input"
                                                 for b in blocks)
    if has_input and view.get("submit") is None:
        # Slack refuses a modal with input blocks but no submit button.
        errors.append("must provide submit when input blocks are present [json-pointer:/view/submit]")
    errors += _str_errors(view.get("callback_id"), 255, "/view/callback_id")
    errors += _str_errors(view.get("external_id"), 255, "/view/external_id")
    errors += _str_errors(view.get("private_metadata"), 3000, "/view/private_metadata")
    if len(json.dumps(view)) > MAX_VIEW_BYTES:
        errors.append("view_too_large [json-pointer:/view]")
    return errors


def _png_size(content: bytes | None) -> dict:
    """original_w / original_h, as Slack's file objects give them for images (PNG only here: its IHDR)."""
    if not content or not content.startswith(b"\x89PNG\r\n\x1a\n") or len(content) < 24:
        return {}
    width, height = int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")
    return {"original_w": width, "original_h": height}


def _as_messages(errors: list[str]) -> dict:
    return {"response_metadata": {"messages": [f"[ERROR] {e}" for e in errors]}}


def _random_id(length: int = 5) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _fill_ids(blocks: list) -> list:
    """Give blocks and interactive elements the random block_id / action_id Slack assigns when absent."""
    for block in blocks:
        if not isinstance(block, dict):
            continue
        block.setdefault("block_id", _random_id(4))
        for element in _block_elements(block):
            if element.get("type") not in ("plain_text", "mrkdwn", "image"):
                element.setdefault("action_id", _random_id(5))
    return blocks


def _block_elements(block: dict) -> list[dict]:
    """Interactive elements held by a block (actions elements, section accessory, input element)."""
    found = []
    if block.get("type") in ("actions", "context"):
        found = [e for e in block.get("elements") or [] if isinstance(e, dict)]
    for key in ("accessory", "element"):
        if isinstance(block.get(key), dict):
            found.append(block[key])
    return found


# ---------------------------------------------------------------------------------------------------------
# Argument helpers (form bodies carry strings, JSON bodies native values)


def _truthy(value: Any) -> bool:
    return value is True or value == 1 or str(value).lower() in ("1", "true")


def _int_arg(args: dict, name: str, default: int) -> int:
    value = args.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiError("invalid_arguments", **_as_messages([f"must be an integer [json-pointer:/{name}]"])) from None


def _json_arg(args: dict, name: str, error: str) -> Any:
    """A parameter that may arrive as a JSON string (form bodies) or as a native value (JSON bodies)."""
    value = args.get(name)
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise ApiError(error) from None
    return value


def _ts_key(ts: str) -> tuple[int, int]:
    seconds, _, micros = str(ts).partition(".")
    try:
        return int(seconds or 0), int((micros or "0").ljust(6, "0")[:6])
    except ValueError:
        return 0, 0


def _plain(text: str) -> dict:
    return {"type": "plain_text", "text": text, "emoji": True}


def _encode_cursor(ts: str) -> str:
    return base64.b64encode(f"next_ts:{ts}".encode()).decode()


def _decode_cursor(cursor: str) -> str:
    try:
        decoded = base64.b64decode(cursor.encode(), validate=True).decode()
    except ValueError:
        raise ApiError("invalid_cursor") from None
    if not decoded.startswith("next_ts:"):
        raise ApiError("invalid_cursor")
    return decoded[len("next_ts:"):]


def _parse_body(raw: bytes, content_type: str) -> dict:
    if not raw:
        return {}
    if "json" in content_type:
        try:
            body = json.loads(raw.decode("utf-8"))
        except ValueError:
            raise ApiError("invalid_json") from None
        if not isinstance(body, dict):
            raise ApiError("invalid_json")
        return body
    return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))


def _multipart_file(raw: bytes, content_type: str) -> bytes:
    """The first file part of a multipart/form-data body (the upload URL also accepts that form)."""
    parser = email.parser.BytesParser(policy=email.policy.HTTP)
    message = parser.parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw)
    for part in message.iter_parts():
        if part.get_filename() is not None:
            return part.get_payload(decode=True) or b""
    return raw


# ---------------------------------------------------------------------------------------------------------
# The HTTP front


class _RequestHandler(BaseHTTPRequestHandler):
    server_version = "SlackEmulator/1.0"

    def do_POST(self) -> None:
        self.server.emulator._serve(self)  # type: ignore[attr-defined]

    do_GET = do_POST

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("slack emulator: " + format, *args)


def _reply(handler: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str,
           headers: dict | None = None) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


# ---------------------------------------------------------------------------------------------------------
# The emulator


class SlackEmulator:
    """The Slack Web API, a response_url receiver and a file upload endpoint on loopback."""

    def __init__(self, token: str = "xoxb-test-token", *, team_id: str = "T0001", bot_user_id: str = "UBOT",
                 bot_id: str = "BBOT", app_id: str = "A0FLOWROUTE", team_domain: str = "flowroute-ops"):
        self.token = token
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.team_domain = team_domain
        self.url = ""
        self.api_url = ""
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._clock_offset = 0.0
        self._last_ts_micros = 0
        self._counter = 0
        self._calls: list[Call] = []
        self._failures: list[_FailRule] = []
        self.page_cap: int | None = None
        self._channels: dict[str, _Channel] = {}
        self._users: dict[str, dict] = {}
        self._messages: list[Message] = []
        self._by_id: dict[str, Message] = {}
        self._by_ts: dict[tuple[str, str], Message] = {}
        self._triggers: dict[str, _Trigger] = {}
        self._response_urls: dict[str, _ResponseUrl] = {}
        self._response_posts: list[dict] = []
        self._views: dict[str, dict] = {}
        self._stacks: dict[str, list[str]] = {}
        self._stack_order: list[str] = []
        self._view_errors: dict[str, dict] = {}
        self._files: dict[str, UploadedFile] = {}
        self._home_views: dict[str, str] = {}  # user id -> the view id of their published App Home
        self._subscribers: list = []
        self._pending_events: list[tuple[str, Any]] = []
        self._api_methods = {
            "auth.test": self._auth_test,
            "users.info": self._users_info,
            "conversations.info": self._conversations_info,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "conversations.join": self._conversations_join,
            "users.conversations": self._users_conversations,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.getPermalink": self._chat_get_permalink,
            "reactions.add": self._reactions_add,
            "reactions.remove": self._reactions_remove,
            "views.open": self._views_open,
            "views.update": self._views_update,
            "views.push": self._views_push,
            "views.publish": self._views_publish,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
        }
        self._seed()

    def __repr__(self) -> str:
        return f"SlackEmulator(url={self.url!r}, team_id={self.team_id!r})"

    def __enter__(self) -> SlackEmulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- lifecycle ------------------------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on host:port (0 = any free port) in a daemon thread; returns api_url."""
        if self._server is not None:
            return self.api_url
        server = LoopbackServer((host, port), _RequestHandler)
        server.emulator = self  # type: ignore[attr-defined]
        self._server = server
        self.url = f"http://{host}:{server.server_address[1]}"
        self.api_url = self.url + "/api/"
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="slack-emulator", daemon=True)
        self._thread.start()
        return self.api_url

    def stop(self) -> None:
        """Stop serving and join the server thread."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    # -- workspace ------------------------------------------------------------------------------------

    def _seed(self) -> None:
        for channel_id, name in (("C0OPS", "ops"), ("C0ALERTS", "alerts"), ("C0AUDIT", "audit")):
            self.add_channel(channel_id, name)
        self.add_channel("C0RANDOM", "random", bot_member=False)
        self.add_channel("G0SECRET", "secret-ops", is_private=True, bot_member=False)
        self.add_channel("C0OLD", "old", is_archived=True)
        self.add_user("U0ADMIN", "alice", is_admin=True)
        self.add_user("U0BOB", "bob")
        self.add_user(self.bot_user_id, "flowroute-bot", is_bot=True)

    def add_channel(self, channel_id: str, name: str, *, is_private: bool = False, is_archived: bool = False,
                    bot_member: bool = True) -> None:
        with self._lock:
            self._channels[channel_id] = _Channel(channel_id, name, is_private, is_archived, bot_member)

    def add_user(self, user_id: str, name: str, *, is_admin: bool = False, is_bot: bool = False) -> None:
        with self._lock:
            self._users[user_id] = {
                "id": user_id, "team_id": self.team_id, "name": name, "real_name": name.title(),
                "deleted": False, "is_admin": is_admin, "is_owner": False, "is_bot": is_bot,
                "tz": "America/Los_Angeles",
                "profile": {"display_name": name, "real_name": name.title()},
            }

    def channel_name(self, channel_id: str) -> str | None:
        with self._lock:
            channel = self._channels.get(channel_id)
            return channel.name if channel else None

    def user_name(self, user_id: str) -> str | None:
        with self._lock:
            user = self._users.get(user_id)
            return user["name"] if user else None

    # -- clock and ids --------------------------------------------------------------------------------

    def advance_clock(self, seconds: float) -> None:
        """Pretend `seconds` passed, for trigger_id and response_url expiry."""
        with self._lock:
            self._clock_offset += seconds

    def _now(self) -> float:
        return time.monotonic() + self._clock_offset

    def _next_ts(self) -> str:
        with self._lock:
            micros = max(int(time.time() * 1_000_000), self._last_ts_micros + 1)
            self._last_ts_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _next_number(self) -> int:
        with self._lock:
            self._counter += 1
            return self._counter

    def new_trigger_id(self, *, user_id: str | None = None, view_id: str | None = None) -> str:
        """A trigger_id valid for 3 s and one use; view_id binds it to an open view (for views.push)."""
        number = self._next_number()
        trigger_id = f"{number}.{int(time.time())}.{secrets.token_hex(16)}"
        with self._lock:
            self._triggers[trigger_id] = _Trigger(self._now(), user_id, view_id)
        return trigger_id

    def new_response_url(self, *, channel_id: str, user_id: str, source_message_id: str | None = None) -> str:
        """A response_url (5 uses, 30 minutes) whose replace/delete_original act on source_message_id."""
        rid = f"{self._next_number()}-{secrets.token_hex(12)}"
        with self._lock:
            self._response_urls[rid] = _ResponseUrl(rid, channel_id, user_id, source_message_id, self._now())
        return f"{self.url}/response/{rid}"

    def _bind_response_url(self, url: str, message_id: str) -> None:
        with self._lock:
            record = self._response_urls.get(url.rsplit("/", 1)[-1])
            if record is not None:
                record.source_message_id = message_id

    # -- failure injection ----------------------------------------------------------------------------

    def fail_next(self, method: str, count: int = 1, *, status: int = 429, error: str | None = None,
                  retry_after: int | float | None = None) -> None:
        """Make the next `count` calls to `method` (or "*": any method) fail with HTTP `status`."""
        if error is None:
            error = "ratelimited" if status == 429 else "internal_error" if status >= 500 else "fatal_error"
        with self._lock:
            self._failures.append(_FailRule(method, count, status, error, retry_after))

    def lose_answer_next(self, method: str, count: int = 1, *, status: int | None = 500) -> None:
        """Carry out the next `count` successful calls to `method` (or "*"), then lose their answers:
        HTTP `status` (a 5xx), or with status=None a connection closed without an answer."""
        with self._lock:
            self._failures.append(_FailRule(method, count, status or 0, "internal_error", None, after_effect=True))

    def clear_failures(self) -> int:
        """Forget every armed failure; returns how many calls they would still have hit."""
        with self._lock:
            unused = sum(rule.remaining for rule in self._failures)
            self._failures.clear()
            return unused

    def _take_failure(self, method: str, *, after_effect: bool = False) -> _FailRule | None:
        for rule in self._failures:
            if rule.remaining > 0 and rule.method in (method, "*") and rule.after_effect == after_effect:
                rule.remaining -= 1
                if rule.remaining == 0:
                    self._failures.remove(rule)
                return rule
        return None

    # -- inspection -----------------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return copy.deepcopy(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return copy.deepcopy([c for c in self._calls if c.method == method])

    def clear_calls(self) -> None:
        with self._lock:
            self._calls.clear()

    def messages(self, channel: str | None = None, *, include_ephemeral: bool = True,
                 include_deleted: bool = False) -> list[Message]:
        """Current messages in post order (a reply sits where it was posted)."""
        with self._lock:
            return copy.deepcopy([
                m for m in self._messages
                if (channel is None or m.channel == channel)
                and (include_ephemeral or m.ephemeral_to is None)
                and (include_deleted or not m.deleted)
            ])

    def message(self, message_id: str) -> Message:
        with self._lock:
            if message_id not in self._by_id:
                raise KeyError(f"no message with id {message_id!r}")
            return copy.deepcopy(self._by_id[message_id])

    def last_message(self, channel: str | None = None, *, include_ephemeral: bool = True) -> Message | None:
        found = self.messages(channel, include_ephemeral=include_ephemeral)
        return found[-1] if found else None

    def thread(self, channel: str, thread_ts: str) -> list[Message]:
        """The parent and its replies, oldest first."""
        with self._lock:
            found = [m for m in self._messages if m.channel == channel and not m.deleted
                     and m.ephemeral_to is None and (m.ts == thread_ts or m.thread_ts == thread_ts)]
            return copy.deepcopy(sorted(found, key=lambda m: _ts_key(m.ts)))

    @property
    def views(self) -> dict[str, dict]:
        with self._lock:
            return {view_id: self._public_view(view_id) for view_id in self._views}

    @property
    def view_errors(self) -> dict[str, dict]:
        with self._lock:
            return copy.deepcopy(self._view_errors)

    def view_stack(self, view_id: str) -> list[str]:
        """The open stack (root first) that holds view_id; [] if it is closed or unknown."""
        with self._lock:
            view = self._views.get(view_id)
            stack = self._stacks.get(view["root_view_id"], []) if view else []
            return list(stack) if view_id in stack else []

    def is_view_open(self, view_id: str) -> bool:
        return bool(self.view_stack(view_id))

    def top_view(self, user_id: str | None = None) -> dict | None:
        """The top view of the most recently opened (or changed) open stack, optionally for one user."""
        with self._lock:
            for root in reversed(self._stack_order):
                stack = self._stacks.get(root)
                if stack and (user_id is None or self._views[stack[-1]].get("user_id") == user_id):
                    return self._public_view(stack[-1])
            return None

    @property
    def uploaded_files(self) -> dict[str, UploadedFile]:
        with self._lock:
            return copy.deepcopy(self._files)

    def response_posts(self, url: str | None = None) -> list[dict]:
        """The JSON bodies POSTed to response_urls (all, or one url's), in order; unparseable ones as {}."""
        return [record["payload"] if isinstance(record["payload"], dict) else {}
                for record in self.response_post_records(url)]

    def response_post_records(self, url: str | None = None) -> list[dict]:
        """Every POST to a response_url: {url, payload, raw, status, answer, message_id, at}."""
        with self._lock:
            return copy.deepcopy([p for p in self._response_posts if url is None or p["url"] == url])

    def message_for(self, ref: Message | str | dict) -> Message:
        """The current state of a message given as a Message, an id, an API message dict (by ts) or a
        response_url post payload (the message that post created or replaced)."""
        if isinstance(ref, Message):
            return self.message(ref.id)
        if isinstance(ref, str):
            return self.message(ref)
        with self._lock:
            if isinstance(ref.get("ts"), str):
                found = [m for m in self._messages if m.ts == ref["ts"]]
                if found:
                    return copy.deepcopy(found[-1])
            for record in reversed(self._response_posts):
                if record["payload"] == ref and record["message_id"]:
                    return copy.deepcopy(self._by_id[record["message_id"]])
        raise KeyError(f"no stored message matches {str(ref)[:200]}")

    def wait_for(self, predicate, timeout: float = 5.0, interval: float = 0.02):
        """Poll predicate() until it returns something truthy and return that; AssertionError on timeout.

        A LookupError raised by the predicate (e.g. `posts[0]` before anything arrived) counts as not yet.
        """
        deadline = time.monotonic() + timeout
        while True:
            try:
                value, problem = predicate(), None
            except LookupError as err:
                value, problem = None, err
            if value:
                return value
            if time.monotonic() >= deadline:
                break
            time.sleep(interval)
        recent = [f"{c.method} -> {c.status} {c.response.get('error') or 'ok'}" for c in self.calls[-8:]]
        name = getattr(predicate, "__qualname__", repr(predicate))
        outcome = f"raised {problem!r}" if problem else f"still {value!r}"
        raise AssertionError(f"wait_for({name}) {outcome} after {timeout}s; last Web API calls: {recent or 'none'}")

    def subscribe(self, callback) -> None:
        """callback(event, obj) after every message or view change (see the module docstring)."""
        with self._lock:
            self._subscribers.append(callback)

    def _emit(self, event: str, obj: Any) -> None:
        self._pending_events.append((event, copy.deepcopy(obj)))

    def _flush_events(self) -> None:
        with self._lock:
            events, self._pending_events = self._pending_events, []
            subscribers = list(self._subscribers)
        for event, obj in events:
            for callback in subscribers:
                try:
                    callback(event, obj)
                except Exception:
                    log.exception("slack emulator subscriber failed on %s", event)

    # -- HTTP dispatch --------------------------------------------------------------------------------

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        content_type = handler.headers.get("Content-Type") or ""
        head, _, rest = parts.path.lstrip("/").partition("/")
        try:
            if head == "api" and rest:
                answer = self._serve_api(rest, parts.query, raw, content_type, handler.headers)
            elif head == "response" and rest:
                answer = self._serve_response_url(rest, raw)
            elif head == "upload" and rest:
                answer = self._serve_upload(rest, raw, content_type)
            elif head == "files" and rest:
                answer = self._serve_file_download(rest, handler.headers)
            else:
                answer = (404, b"not_found", "text/plain; charset=utf-8", {})
        except Exception:
            log.exception("slack emulator failed on %s", parts.path)
            answer = (500, b'{"ok": false, "error": "emulator_error"}', "application/json", {})
        finally:
            self._flush_events()
        if answer[0] == 0:  # lose_answer_next(status=None): the post is stored, the answer never leaves
            handler.close_connection = True
            return
        _reply(handler, *answer)

    def _serve_api(self, method: str, query: str, raw: bytes, content_type: str, headers) -> tuple:
        args = dict(parse_qsl(query, keep_blank_values=True))
        token = None
        try:
            args.update(_parse_body(raw, content_type))
        except ApiError as err:
            status, response, extra_headers = 200, err.body(), {}
        else:
            auth = headers.get("Authorization") or ""
            token = auth[len("Bearer "):] if auth.startswith("Bearer ") else None
            token = args.pop("token", None) or token
            with self._lock:
                status, response, extra_headers = self._answer_api(method, args, token)
        with self._lock:
            self._calls.append(Call(method, args, status, copy.deepcopy(response), time.time()))
        body = json.dumps(response).encode()
        return status, body, "application/json; charset=utf-8", extra_headers

    def _answer_api(self, method: str, args: dict, token: str | None) -> tuple[int, dict, dict]:
        handler = self._api_methods.get(method)
        if handler is None:
            return 200, {"ok": False, "error": "unknown_method"}, {}
        rule = self._take_failure(method)
        if rule is not None:
            headers = {"Retry-After": str(rule.retry_after)} if rule.retry_after is not None else {}
            return rule.status, {"ok": False, "error": rule.error}, headers
        if not token:
            return 200, {"ok": False, "error": "not_authed"}, {}
        if token != self.token:
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        try:
            answer = {"ok": True, **handler(args)}
        except ApiError as err:
            return 200, err.body(), {}
        lost = self._take_failure(method, after_effect=True)
        if lost is not None:
            return lost.status, {"ok": False, "error": lost.error}, {}
        return 200, answer, {}

    # -- messages: shared helpers ---------------------------------------------------------------------

    def _channel(self, ref: Any) -> _Channel:
        """A channel by id, name or #name; channel_not_found otherwise."""
        ref = str(ref or "").lstrip("#")
        channel = self._channels.get(ref)
        if channel is None:
            channel = next((c for c in self._channels.values() if c.name == ref), None)
        if channel is None:
            raise ApiError("channel_not_found")
        return channel

    def _writable_channel(self, ref: Any) -> _Channel:
        channel = self._channel(ref)
        if channel.is_private and not channel.bot_member:
            raise ApiError("channel_not_found")
        if channel.is_archived:
            raise ApiError("is_archived")
        if not channel.bot_member:
            # Simplification: the bot has no chat:write.public, so public non-member channels refuse too.
            raise ApiError("not_in_channel")
        return channel

    def _content(self, args: dict, *, for_update: bool = False) -> dict:
        """Validated text / blocks / attachments / metadata of a post; only the keys that were given."""
        content: dict[str, Any] = {}
        if args.get("text") is not None:
            content["text"] = str(args["text"])
        blocks = _json_arg(args, "blocks", "invalid_blocks_format")
        if blocks is not None:
            errors = blocks_errors(blocks)
            if errors:
                raise ApiError("invalid_blocks", errors=errors, **_as_messages(errors))
            content["blocks"] = _fill_ids(copy.deepcopy(blocks))
        attachments = _json_arg(args, "attachments", "invalid_attachments")
        if attachments is not None:
            content["attachments"] = attachments
        if not (content.get("text") or content.get("blocks") or content.get("attachments")) and (
            not for_update or not content
        ):
            raise ApiError("no_text")
        if len(content.get("text", "")) > MAX_TEXT:
            raise ApiError("msg_too_long")
        metadata = _json_arg(args, "metadata", "invalid_metadata_format")
        if metadata is not None:
            if not isinstance(metadata, dict) or not isinstance(metadata.get("event_type"), str):
                raise ApiError("invalid_metadata_schema")
            content["metadata"] = {"event_type": metadata["event_type"],
                                   "event_payload": metadata.get("event_payload") or {}}
        return content

    def _find(self, channel_id: str, ts: Any) -> Message:
        message = self._by_ts.get((channel_id, str(ts or "")))
        if message is None or message.deleted or message.ephemeral_to is not None:
            raise ApiError("message_not_found")
        return message

    def _thread_parent(self, channel_id: str, thread_ts: Any) -> Message:
        message = self._by_ts.get((channel_id, str(thread_ts)))
        if message is None or message.deleted or message.ephemeral_to is not None:
            raise ApiError("thread_not_found")
        if message.is_reply:
            return self._thread_parent(channel_id, message.thread_ts)
        return message

    def _store(self, channel_id: str, user: str | None, content: dict, *, source: str,
               parent: Message | None = None, ephemeral_to: str | None = None, broadcast: bool = False,
               files: list | None = None) -> Message:
        """Add a message (and count it on its thread parent); emits "posted"."""
        message = Message(
            id=f"M{self._next_number():07d}", channel=channel_id, ts=self._next_ts(), user=user,
            text=content.get("text", ""), blocks=content.get("blocks") or [], metadata=content.get("metadata"),
            thread_ts=parent.ts if parent else None, ephemeral_to=ephemeral_to, source=source,
            files=files or [], attachments=content.get("attachments") or [], reply_broadcast=broadcast,
        )
        if parent is not None and ephemeral_to is None:
            parent.thread_ts = parent.ts
            parent.reply_count += 1
            parent.latest_reply = message.ts
            if user and user not in parent.reply_users:
                parent.reply_users.append(user)
            self._emit("updated", parent)
        self._messages.append(message)
        self._by_id[message.id] = message
        self._by_ts[(channel_id, message.ts)] = message
        self._emit("posted", message)
        return message

    def _delete(self, message: Message) -> None:
        message.deleted = True
        if message.is_reply and message.ephemeral_to is None:
            parent = self._by_ts.get((message.channel, message.thread_ts or ""))
            if parent is not None:
                parent.reply_count = max(0, parent.reply_count - 1)
                self._emit("updated", parent)
        self._emit("deleted", message)

    def _edit(self, message: Message, content: dict, *, replace_all: bool) -> None:
        """Apply new content; replace_all (response_url replace) drops blocks and text not given."""
        if replace_all:
            message.text = content.get("text", "")
            message.blocks = content.get("blocks") or []
            message.attachments = content.get("attachments") or []
        else:
            for key in ("text", "blocks", "attachments"):
                if key in content:
                    setattr(message, key, content[key])
        if "metadata" in content:
            message.metadata = content["metadata"]
        message.edited_ts = self._next_ts()
        self._emit("updated", message)

    def api_message(self, message: Message, *, include_metadata: bool = True) -> dict:
        """A message as the Web API and interaction payloads show it."""
        out: dict[str, Any] = {"type": "message", "user": message.user, "text": message.text,
                               "ts": message.ts, "team": self.team_id}
        if message.user == self.bot_user_id:
            out.update(bot_id=self.bot_id, app_id=self.app_id)
        if message.blocks:
            out["blocks"] = copy.deepcopy(message.blocks)
        if message.attachments:
            out["attachments"] = copy.deepcopy(message.attachments)
        if message.files:
            out["files"] = copy.deepcopy(message.files)
            out["upload"] = False
            if message.source == "user":
                out["subtype"] = "file_share"
        if message.thread_ts:
            out["thread_ts"] = message.thread_ts
        if message.is_reply:
            with self._lock:
                parent = self._by_ts.get((message.channel, message.thread_ts or ""))
            out["parent_user_id"] = parent.user if parent else None
            if message.reply_broadcast:
                out["subtype"] = "thread_broadcast"
        elif message.reply_count:
            out.update(reply_count=message.reply_count, reply_users_count=len(message.reply_users),
                       reply_users=list(message.reply_users), latest_reply=message.latest_reply)
        if message.edited_ts:
            out["edited"] = {"user": message.user, "ts": message.edited_ts}
        if message.reactions:
            out["reactions"] = copy.deepcopy(message.reactions)
        if include_metadata and message.metadata:
            out["metadata"] = copy.deepcopy(message.metadata)
        return out

    # -- Web API: identity and conversations ----------------------------------------------------------

    def _auth_test(self, args: dict) -> dict:
        return {"url": f"https://{self.team_domain}.slack.com/", "team": "Flowroute Ops (emulated)",
                "user": self._users[self.bot_user_id]["name"], "team_id": self.team_id,
                "user_id": self.bot_user_id, "bot_id": self.bot_id, "is_enterprise_install": False}

    def _users_info(self, args: dict) -> dict:
        user = self._users.get(str(args.get("user") or ""))
        if user is None:
            raise ApiError("user_not_found")
        return {"user": copy.deepcopy(user)}

    def _channel_info(self, channel: _Channel) -> dict:
        return {"id": channel.id, "name": channel.name, "name_normalized": channel.name,
                "is_channel": not channel.is_private, "is_group": channel.is_private, "is_im": False,
                "is_private": channel.is_private, "is_archived": channel.is_archived,
                "is_member": channel.bot_member, "created": channel.created, "creator": "U0ADMIN"}

    def _conversations_info(self, args: dict) -> dict:
        channel = self._channel(args.get("channel"))
        if channel.is_private and not channel.bot_member:
            raise ApiError("channel_not_found")  # private channels are invisible to non-members
        return {"channel": self._channel_info(channel)}

    def _readable_channel(self, ref: Any) -> _Channel:
        channel = self._channel(ref)
        if channel.is_private and not channel.bot_member:
            raise ApiError("channel_not_found")  # private channels are invisible to non-members
        if not channel.bot_member:
            raise ApiError("not_in_channel")
        return channel

    def _page(self, items: list[Message], args: dict, *, newest_first: bool) -> tuple[list[Message], str]:
        limit = _int_arg(args, "limit", 100 if newest_first else 1000) or 100
        limit = max(1, min(limit, 1000, self.page_cap or 1000))
        if args.get("cursor"):
            start = _ts_key(_decode_cursor(str(args["cursor"])))
            items = [m for m in items if (_ts_key(m.ts) <= start if newest_first else _ts_key(m.ts) >= start)]
        page, rest = items[:limit], items[limit:]
        return page, _encode_cursor(rest[0].ts) if rest else ""

    def _in_range(self, message: Message, args: dict) -> bool:
        key, inclusive = _ts_key(message.ts), _truthy(args.get("inclusive"))
        if args.get("oldest"):
            oldest = _ts_key(str(args["oldest"]))
            if key < oldest or (key == oldest and not inclusive):
                return False
        if args.get("latest"):
            latest = _ts_key(str(args["latest"]))
            if key > latest or (key == latest and not inclusive):
                return False
        return True

    def _conversations_history(self, args: dict) -> dict:
        channel = self._readable_channel(args.get("channel"))
        items = [m for m in self._messages
                 if m.channel == channel.id and not m.deleted and m.ephemeral_to is None
                 and (not m.is_reply or m.reply_broadcast) and self._in_range(m, args)]
        items.sort(key=lambda m: _ts_key(m.ts), reverse=True)
        page, next_cursor = self._page(items, args, newest_first=True)
        with_metadata = _truthy(args.get("include_all_metadata"))
        return {"messages": [self.api_message(m, include_metadata=with_metadata) for m in page],
                "has_more": bool(next_cursor), "pin_count": 0,
                "response_metadata": {"next_cursor": next_cursor}}

    def _conversations_replies(self, args: dict) -> dict:
        channel = self._readable_channel(args.get("channel"))
        parent = self._thread_parent(channel.id, args.get("ts"))
        items = [m for m in self._messages
                 if m.channel == channel.id and not m.deleted and m.ephemeral_to is None
                 and (m is parent or m.thread_ts == parent.ts) and (m is parent or self._in_range(m, args))]
        items.sort(key=lambda m: _ts_key(m.ts))
        page, next_cursor = self._page(items, args, newest_first=False)
        with_metadata = _truthy(args.get("include_all_metadata"))
        return {"messages": [self.api_message(m, include_metadata=with_metadata) for m in page],
                "has_more": bool(next_cursor), "response_metadata": {"next_cursor": next_cursor}}

    def _conversations_join(self, args: dict) -> dict:
        channel = self._channel(args.get("channel"))
        if channel.is_private:
            raise ApiError("method_not_supported_for_channel_type" if channel.bot_member else "channel_not_found")
        if channel.is_archived:
            raise ApiError("is_archived")
        channel.bot_member = True
        return {"channel": self._channel_info(channel)}

    def _users_conversations(self, args: dict) -> dict:
        """The channels the bot is a member of (the only user asked about here), in id order, paged."""
        types = {t.strip() for t in str(args.get("types") or "public_channel").split(",") if t.strip()}
        unknown = types - {"public_channel", "private_channel", "mpim", "im"}
        if unknown:
            raise ApiError("invalid_types")
        channels = sorted(
            (c for c in self._channels.values()
             if c.bot_member and ("private_channel" if c.is_private else "public_channel") in types
             and not (c.is_archived and _truthy(args.get("exclude_archived")))),
            key=lambda c: c.id,
        )
        if args.get("cursor"):
            start = _decode_cursor(str(args["cursor"]))
            channels = [c for c in channels if c.id >= start]
        limit = max(1, min(_int_arg(args, "limit", 100) or 100, 1000, self.page_cap or 1000))
        page, rest = channels[:limit], channels[limit:]
        return {"channels": [self._channel_info(c) for c in page],
                "response_metadata": {"next_cursor": _encode_cursor(rest[0].id) if rest else ""}}

    # -- Web API: chat --------------------------------------------------------------------------------

    def _chat_post_message(self, args: dict) -> dict:
        channel = self._writable_channel(args.get("channel"))
        content = self._content(args)
        parent = self._thread_parent(channel.id, args["thread_ts"]) if args.get("thread_ts") else None
        broadcast = parent is not None and _truthy(args.get("reply_broadcast"))
        message = self._store(channel.id, self.bot_user_id, content, source="api", parent=parent,
                              broadcast=broadcast)
        return {"channel": channel.id, "ts": message.ts, "message": self.api_message(message)}

    def _chat_post_ephemeral(self, args: dict) -> dict:
        channel = self._writable_channel(args.get("channel"))
        user = str(args.get("user") or "")
        if user not in self._users:
            raise ApiError("user_not_found")
        content = self._content(args)
        if args.get("thread_ts"):
            self._thread_parent(channel.id, args["thread_ts"])
        message = self._store(channel.id, self.bot_user_id, content, source="api", ephemeral_to=user)
        if args.get("thread_ts"):
            message.thread_ts = str(args["thread_ts"])
        return {"message_ts": message.ts}

    def _owned_message(self, args: dict, error: str) -> tuple[_Channel, Message]:
        channel = self._channel(args.get("channel"))
        message = self._find(channel.id, args.get("ts"))
        if message.user != self.bot_user_id:
            raise ApiError(error)
        return channel, message

    def _chat_update(self, args: dict) -> dict:
        channel, message = self._owned_message(args, "cant_update_message")
        content = self._content(args, for_update=True)
        self._edit(message, content, replace_all=False)
        return {"channel": channel.id, "ts": message.ts, "text": message.text,
                "message": self.api_message(message)}

    def _chat_delete(self, args: dict) -> dict:
        channel, message = self._owned_message(args, "cant_delete_message")
        self._delete(message)
        return {"channel": channel.id, "ts": message.ts}

    def _chat_get_permalink(self, args: dict) -> dict:
        channel = self._channel(args.get("channel"))
        message = self._find(channel.id, args.get("message_ts"))
        link = f"https://{self.team_domain}.slack.com/archives/{channel.id}/p{message.ts.replace('.', '')}"
        return {"channel": channel.id, "permalink": link}

    def _reactions_add(self, args: dict) -> dict:
        channel = self._readable_channel(args.get("channel"))
        message = self._find(channel.id, args.get("timestamp"))
        name = str(args.get("name") or "").strip(":")
        if not name:
            raise ApiError("invalid_name")
        reaction = next((r for r in message.reactions if r["name"] == name), None)
        if reaction is None:
            reaction = {"name": name, "users": [], "count": 0}
            message.reactions.append(reaction)
        if self.bot_user_id in reaction["users"]:
            raise ApiError("already_reacted")
        reaction["users"].append(self.bot_user_id)
        reaction["count"] += 1
        self._emit("updated", message)
        return {}

    def _reactions_remove(self, args: dict) -> dict:
        channel = self._readable_channel(args.get("channel"))
        message = self._find(channel.id, args.get("timestamp"))
        name = str(args.get("name") or "").strip(":")
        reaction = next((r for r in message.reactions if r["name"] == name), None)
        if reaction is None or self.bot_user_id not in reaction["users"]:
            raise ApiError("no_reaction")
        reaction["users"].remove(self.bot_user_id)
        reaction["count"] -= 1
        if not reaction["count"]:
            message.reactions.remove(reaction)
        self._emit("updated", message)
        return {}

    # -- Web API: views -------------------------------------------------------------------------------

    def _use_trigger(self, args: dict) -> _Trigger:
        trigger = self._triggers.get(str(args.get("trigger_id") or ""))
        if trigger is None:
            raise ApiError("invalid_trigger_id")
        if trigger.used:
            raise ApiError("exchanged_trigger_id")
        if self._now() - trigger.created > TRIGGER_TTL:
            raise ApiError("expired_trigger_id")
        return trigger

    def _view_arg(self, args: dict) -> dict:
        view = _json_arg(args, "view", "invalid_arguments")
        errors = view_errors(view)
        if errors:
            raise ApiError("invalid_arguments", **_as_messages(errors))
        return copy.deepcopy(view)

    def _new_hash(self) -> str:
        return f"{int(time.time())}.{secrets.token_hex(4)}"

    def _build_view(self, spec: dict, *, view_id: str, root_id: str, previous_id: str | None,
                    user_id: str | None, state: dict | None = None) -> dict:
        """A stored view in Slack's shape, from a validated view spec."""
        return {
            "id": view_id, "team_id": self.team_id, "type": spec.get("type", "modal"),
            "blocks": _fill_ids(spec.get("blocks") or []),
            "private_metadata": spec.get("private_metadata", ""), "callback_id": spec.get("callback_id", ""),
            "state": state or {"values": {}}, "hash": self._new_hash(), "title": spec.get("title"),
            "clear_on_close": bool(spec.get("clear_on_close", False)),
            "notify_on_close": bool(spec.get("notify_on_close", False)),
            "close": spec.get("close"), "submit": spec.get("submit"),
            "previous_view_id": previous_id, "root_view_id": root_id, "app_id": self.app_id,
            "external_id": spec.get("external_id", ""), "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id, "user_id": user_id,
        }

    def _public_view(self, view_id: str) -> dict:
        """A stored view without the emulator's own bookkeeping keys."""
        view = copy.deepcopy(self._views[view_id])
        view.pop("user_id", None)
        return view

    def _check_external_id(self, spec: dict, ignore: str | None = None) -> None:
        external_id = spec.get("external_id")
        # [guess] only views still open count; how long Slack remembers a closed view's external_id is unknown
        if external_id and any(v["external_id"] == external_id and v["id"] != ignore and self.view_stack(v["id"])
                               for v in self._views.values()):
            raise ApiError("duplicate_external_id")

    def _views_publish(self, args: dict) -> dict:
        """views.publish: one App Home view per user, replaced in place (same id); `hash` guards races."""
        user_id = str(args.get("user_id") or "")
        if user_id not in self._users:
            raise ApiError("user_not_found")
        spec = _json_arg(args, "view", "invalid_arguments")
        errors = view_errors(spec, kinds=("home",))
        if errors:
            raise ApiError("invalid_arguments", **_as_messages(errors))
        view_id = self._home_views.get(user_id)
        if view_id and args.get("hash") and args["hash"] != self._views[view_id]["hash"]:
            raise ApiError("hash_conflict")
        view_id = view_id or f"V{self._next_number():08d}"
        self._views[view_id] = self._build_view(copy.deepcopy(spec), view_id=view_id, root_id=view_id,
                                                previous_id=None, user_id=user_id)
        self._home_views[user_id] = view_id
        return {"view": self._public_view(view_id)}

    def home_view(self, user_id: str) -> dict | None:
        """The App Home view last published for `user_id` (views.publish), or None."""
        with self._lock:
            view_id = self._home_views.get(user_id)
            return self._public_view(view_id) if view_id else None

    def _views_open(self, args: dict) -> dict:
        trigger = self._use_trigger(args)
        spec = self._view_arg(args)
        self._check_external_id(spec)
        trigger.used = True  # consumed only when the call succeeds [guess]
        return {"view": self._open_view(spec, user_id=trigger.user_id)}

    def _locked_then_flush(self, func, *args, **kwargs):
        """Run a state change for a caller outside the server threads, then tell the subscribers."""
        with self._lock:
            result = func(*args, **kwargs)
        self._flush_events()
        return result

    def open_view(self, spec: dict, *, user_id: str | None = None) -> dict:
        """Open a new root view without a trigger (spec is not validated); emits "view_opened"."""
        return self._locked_then_flush(self._open_view, spec, user_id=user_id)

    def replace_view(self, view_id: str, spec: dict) -> dict:
        """Swap a view's content in place (same id, new hash); emits "view_updated"."""
        return self._locked_then_flush(self._replace_view, view_id, spec)

    def push_view(self, below_id: str, spec: dict) -> dict:
        """Push a view onto the stack holding below_id (ApiError push_limit_reached); emits "view_pushed"."""
        return self._locked_then_flush(self._push_view, below_id, spec)

    def close_view(self, view_id: str, *, clear: bool = False) -> list[str]:
        """Close view_id and the views above it (clear: its whole stack); returns the closed view ids."""
        return self._locked_then_flush(self._close_view, view_id, clear=clear)

    def _open_view(self, spec: dict, *, user_id: str | None = None) -> dict:
        with self._lock:
            view_id = f"V{self._next_number():08d}"
            self._views[view_id] = self._build_view(spec, view_id=view_id, root_id=view_id, previous_id=None,
                                                    user_id=user_id)
            self._stacks[view_id] = [view_id]
            self._touch_stack(view_id)
            self._emit("view_opened", self._public_view(view_id))
            return self._public_view(view_id)

    def _touch_stack(self, root_id: str) -> None:
        if root_id in self._stack_order:
            self._stack_order.remove(root_id)
        self._stack_order.append(root_id)

    def _views_update(self, args: dict) -> dict:
        view_id = str(args.get("view_id") or "")
        if not view_id and args.get("external_id"):
            view_id = next((v["id"] for v in self._views.values() if v["external_id"] == args["external_id"]), "")
        if view_id not in self._views or not self.view_stack(view_id):
            raise ApiError("not_found")
        if args.get("hash") and args["hash"] != self._views[view_id]["hash"]:
            raise ApiError("hash_conflict")
        spec = self._view_arg(args)
        self._check_external_id(spec, ignore=view_id)
        return {"view": self._replace_view(view_id, spec)}

    def _replace_view(self, view_id: str, spec: dict) -> dict:
        """Keeps the state of blocks that still exist."""
        with self._lock:
            old = self._views[view_id]
            spec = {"external_id": old["external_id"], **spec}  # [guess] an update without one keeps it
            view = self._build_view(spec, view_id=view_id, root_id=old["root_view_id"],
                                    previous_id=old["previous_view_id"], user_id=old.get("user_id"))
            block_ids = {b.get("block_id") for b in view["blocks"]}
            view["state"] = {"values": {k: v for k, v in old["state"]["values"].items() if k in block_ids}}
            self._views[view_id] = view
            self._emit("view_updated", self._public_view(view_id))
            return self._public_view(view_id)

    def _views_push(self, args: dict) -> dict:
        trigger = self._use_trigger(args)
        spec = self._view_arg(args)
        top = self._trigger_view(trigger)
        if top is None:
            raise ApiError("not_found")  # no open modal to push onto [guess: Slack's exact error unknown]
        self._check_external_id(spec)
        if len(self.view_stack(top)) >= MAX_VIEW_STACK:
            raise ApiError("push_limit_reached")
        trigger.used = True
        return {"view": self._push_view(top, spec)}

    def _trigger_view(self, trigger: _Trigger) -> str | None:
        """The top of the stack a trigger came from (its view, else its user's latest open stack)."""
        if trigger.view_id and self.view_stack(trigger.view_id):
            return self.view_stack(trigger.view_id)[-1]
        top = self.top_view(trigger.user_id)
        return top["id"] if top else None

    def _push_view(self, below_id: str, spec: dict) -> dict:
        with self._lock:
            below = self._views[below_id]
            root_id = below["root_view_id"]
            stack = self._stacks[root_id]
            if len(stack) >= MAX_VIEW_STACK:
                raise ApiError("push_limit_reached")
            view_id = f"V{self._next_number():08d}"
            self._views[view_id] = self._build_view(spec, view_id=view_id, root_id=root_id,
                                                    previous_id=stack[-1], user_id=below.get("user_id"))
            stack.append(view_id)
            self._touch_stack(root_id)
            self._emit("view_pushed", self._public_view(view_id))
            return self._public_view(view_id)

    def _close_view(self, view_id: str, *, clear: bool = False) -> list[str]:
        with self._lock:
            view = self._views.get(view_id)
            stack = self._stacks.get(view["root_view_id"], []) if view else []
            if view_id not in stack:
                return []
            cut = 0 if clear else stack.index(view_id)
            closed, stack[cut:] = stack[cut:], []
            for closed_id in closed:
                self._emit("view_closed", self._public_view(closed_id))
            return closed

    def set_view_state(self, view_id: str, values: dict) -> None:
        """Merge state values ({block_id: {action_id: {...}}}) into a stored view."""
        with self._lock:
            state = self._views[view_id]["state"]["values"]
            for block_id, actions in values.items():
                state.setdefault(block_id, {}).update(copy.deepcopy(actions))

    def set_view_errors(self, view_id: str, errors: dict) -> None:
        with self._lock:
            self._view_errors[view_id] = copy.deepcopy(errors)

    # -- Web API and HTTP: files ----------------------------------------------------------------------

    def _files_get_upload_url(self, args: dict) -> dict:
        filename = str(args.get("filename") or "")
        length = _int_arg(args, "length", -1)
        if not filename or length < 0:
            raise ApiError("invalid_arguments",
                           **_as_messages(["missing required field: filename or length [json-pointer:/]"]))
        file_id = f"F{self._next_number():09d}"
        self._files[file_id] = UploadedFile(
            id=file_id, name=filename, length=length,
            mimetype=mimetypes.guess_type(filename)[0] or "application/octet-stream",
            alt_txt=args.get("alt_txt"), snippet_type=args.get("snippet_type"), created=int(time.time()),
        )
        return {"upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _serve_upload(self, file_id: str, raw: bytes, content_type: str) -> tuple:
        """The upload URL: slack_sdk POSTs the raw bytes (no multipart); multipart is accepted too."""
        data = _multipart_file(raw, content_type) if content_type.startswith("multipart/") else raw
        with self._lock:
            record = self._files.get(file_id)
            if record is None or record.completed:
                return 404, b"file_not_found", "text/plain; charset=utf-8", {}
            record.content = data
        return 200, f"OK - {len(data)}".encode(), "text/plain; charset=utf-8", {}

    def _serve_file_download(self, rest: str, headers) -> tuple:
        if (headers.get("Authorization") or "") != f"Bearer {self.token}":
            return 403, b"forbidden", "text/plain; charset=utf-8", {}
        with self._lock:
            record = self._files.get(rest.split("/", 1)[0])
            content = record.content if record and record.completed else None
        if content is None:
            return 404, b"file_not_found", "text/plain; charset=utf-8", {}
        return 200, content, record.mimetype, {}

    def file_object(self, record: UploadedFile) -> dict:
        """A file as Slack's Web API and message payloads show it (images with their pixel size)."""
        return {**_png_size(record.content),
            "id": record.id, "created": record.created, "timestamp": record.created, "name": record.name,
            "title": record.title or record.name, "mimetype": record.mimetype,
            "filetype": record.name.rsplit(".", 1)[-1] if "." in record.name else "binary",
            "user": record.user, "size": len(record.content or b""), "mode": "hosted", "is_external": False,
            "url_private": f"{self.url}/files/{record.id}/{record.name}",
            "permalink": f"https://{self.team_domain}.slack.com/files/{record.user}/{record.id}/{record.name}",
            "channels": list(record.channels),
        }

    def _files_complete_upload(self, args: dict) -> dict:
        items = _json_arg(args, "files", "invalid_arguments")
        if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
            raise ApiError("invalid_arguments", **_as_messages(["must provide files [json-pointer:/files]"]))
        records = []
        for item in items:
            record = self._files.get(str(item.get("id") or ""))
            if record is None or record.content is None or record.completed:
                raise ApiError("file_not_found")  # [guess] Slack's exact code for a file never uploaded
            records.append((record, item.get("title")))
        channel_refs = [args["channel_id"]] if args.get("channel_id") else []
        channel_refs += [c for c in str(args.get("channels") or "").split(",") if c]
        channels = [self._writable_channel(ref) for ref in channel_refs]
        parents = {c.id: self._thread_parent(c.id, args["thread_ts"]) if args.get("thread_ts") else None
                   for c in channels}
        for record, title in records:
            record.title = title or record.name
            record.completed = True
            record.user = self.bot_user_id
            record.channels = [c.id for c in channels]
        file_objects = [self.file_object(record) for record, _ in records]
        content = {"text": str(args.get("initial_comment") or "")}
        for channel in channels:
            self._store(channel.id, self.bot_user_id, content, source="api", parent=parents[channel.id],
                        files=copy.deepcopy(file_objects))
        return {"files": file_objects}

    def add_user_file(self, name: str, content: bytes, *, user: str, mimetype: str | None = None,
                      title: str | None = None) -> dict:
        """Store a completed file as if a user had uploaded it; returns its Slack file object."""
        with self._lock:
            file_id = f"F{self._next_number():09d}"
            record = UploadedFile(
                id=file_id, name=name, length=len(content), title=title or name, content=content,
                mimetype=mimetype or mimetypes.guess_type(name)[0] or "application/octet-stream",
                completed=True, user=user, created=int(time.time()),
            )
            self._files[file_id] = record
            return self.file_object(record)

    # -- user messages --------------------------------------------------------------------------------

    def post_as_user(self, text: str, *, user: str, channel: str, thread_ts: str | None = None,
                     files: list | None = None) -> Message:
        """Store a message typed by a user (no event is sent; SlackDriver.post_user_message does both)."""
        with self._lock:
            channel_id = self._channel(channel).id
            parent = self._thread_parent(channel_id, thread_ts) if thread_ts else None
            blocks = [{"type": "rich_text", "block_id": _random_id(4), "elements": [
                {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}]}]
            message = self._store(channel_id, user, {"text": text, "blocks": blocks}, source="user",
                                  parent=parent, files=files)
            result = copy.deepcopy(message)
        self._flush_events()
        return result

    def show_ack(self, response_url: str, body: dict) -> Message:
        """Show a slash command's ack body like Slack does (ephemeral unless in_channel); source "ack"."""
        with self._lock:
            record = self._response_urls[response_url.rsplit("/", 1)[-1]]
            content = self._content(body)
            ephemeral_to = None if body.get("response_type") == "in_channel" else record.user_id
            message = self._store(record.channel_id, self.bot_user_id, content, source="ack",
                                  ephemeral_to=ephemeral_to)
            if record.source_message_id is None:
                record.source_message_id = message.id
            result = copy.deepcopy(message)
        self._flush_events()
        return result

    # -- response_url receiver ------------------------------------------------------------------------

    def _serve_response_url(self, rid: str, raw: bytes) -> tuple:
        with self._lock:
            try:
                payload = json.loads(raw.decode("utf-8")) if raw else None
            except ValueError:
                payload = None
            status, answer, message_id = self._response_post(rid, payload)
            self._response_posts.append({
                "url": f"{self.url}/response/{rid}", "payload": copy.deepcopy(payload),
                "raw": raw.decode("utf-8", "replace"), "status": status, "answer": answer,
                "message_id": message_id, "at": time.time(),
            })
        return status, answer.encode(), "text/plain; charset=utf-8", {}

    def _response_post(self, rid: str, payload: Any) -> tuple[int, str, str | None]:
        """(status, answer, id of the message created, replaced or deleted)."""
        record = self._response_urls.get(rid)
        if record is None:
            return 404, "no_service", None  # [guess] what Slack answers for an unknown hook URL
        if self._now() - record.created > RESPONSE_URL_TTL:
            return 404, "expired_url", None
        if record.uses >= RESPONSE_URL_MAX_USES:
            return 404, "used_url", None
        if not isinstance(payload, dict):
            return 400, "invalid_payload", None
        source = self._by_id.get(record.source_message_id or "")
        source = source if source is not None and not source.deleted else None
        if _truthy(payload.get("delete_original")):
            record.uses += 1
            if source is not None:
                self._delete(source)
            return 200, "ok", source.id if source else None
        try:
            content = self._content(payload)
        except ApiError as err:
            return 400, err.error, None
        record.uses += 1
        if _truthy(payload.get("replace_original")) and source is not None:
            # [guess] metadata not given in the replacement is kept, like chat.update.
            self._edit(source, content, replace_all=True)
            return 200, "ok", source.id
        return 200, "ok", self._post_from_response_url(record, payload, content)

    def _post_from_response_url(self, record: _ResponseUrl, payload: dict, content: dict) -> str:
        # [guess] with neither replace_original nor delete_original a new message is posted (Slack's exact
        # default for interactive-message response_urls is not confirmed).
        ephemeral_to = None if payload.get("response_type") == "in_channel" else record.user_id
        parent = None
        if payload.get("thread_ts"):
            try:
                parent = self._thread_parent(record.channel_id, payload["thread_ts"])
            except ApiError:
                parent = None  # [guess] an unknown thread_ts posts at the top level
        message = self._store(record.channel_id, self.bot_user_id, content, source="response_url",
                              parent=parent, ephemeral_to=ephemeral_to)
        if parent is not None and ephemeral_to is not None:
            message.thread_ts = parent.ts
        if record.source_message_id is None:
            # [guess] a later replace_original on a command's response_url replaces this response.
            record.source_message_id = message.id
        return message.id


# ---------------------------------------------------------------------------------------------------------
# View state: how Slack reports what a user entered

_TEXT_INPUTS = {"plain_text_input", "email_text_input", "url_text_input", "number_input", "rich_text_input"}
_SINGLE_OPTION = {"static_select", "external_select", "radio_buttons", "overflow"}
_MULTI_OPTION = {"multi_static_select", "multi_external_select", "checkboxes"}
_PICKERS = {
    "users_select": ("selected_user", "initial_user"),
    "multi_users_select": ("selected_users", "initial_users"),
    "conversations_select": ("selected_conversation", "initial_conversation"),
    "multi_conversations_select": ("selected_conversations", "initial_conversations"),
    "channels_select": ("selected_channel", "initial_channel"),
    "multi_channels_select": ("selected_channels", "initial_channels"),
    "datepicker": ("selected_date", "initial_date"),
    "timepicker": ("selected_time", "initial_time"),
    "datetimepicker": ("selected_date_time", "initial_date_time"),
}


def _all_options(element: dict) -> list[dict]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += group.get("options") or []
    return options


def _pick_option(element: dict, value: Any) -> dict:
    if isinstance(value, dict):
        return copy.deepcopy(value)
    if element["type"] in ("external_select", "multi_external_select"):
        return {"text": _plain(str(value)), "value": str(value)}
    options = _all_options(element)
    for option in options:
        if option.get("value") == str(value):
            return copy.deepcopy(option)
    known = [o.get("value") for o in options]
    raise SlackDriverError(f"option {value!r} not in {element.get('action_id')!r}; options: {known}")


def state_entry(element: dict, value: Any = None, *, given: bool = True) -> dict:
    """One view.state.values entry ({"type": ..., <value key>: ...}); not given -> the initial value."""
    kind = element.get("type")
    entry: dict[str, Any] = {"type": kind}
    if kind in _TEXT_INPUTS:
        value = value if given else element.get("initial_value")
        entry["value"] = None if value is None else str(value)
    elif kind in _SINGLE_OPTION:
        if not given:
            entry["selected_option"] = copy.deepcopy(element.get("initial_option"))
        else:
            entry["selected_option"] = None if value is None else _pick_option(element, value)
    elif kind in _MULTI_OPTION:
        if not given:
            entry["selected_options"] = copy.deepcopy(element.get("initial_options") or [])
        else:
            values = value if isinstance(value, list | tuple) else ([] if value is None else [value])
            entry["selected_options"] = [_pick_option(element, v) for v in values]
    elif kind in _PICKERS:
        key, initial = _PICKERS[kind]
        entry[key] = copy.deepcopy(value if given else element.get(initial))
    return entry


def view_state(view: dict, values: dict, previous: dict | None = None) -> dict:
    """view.state for a submission: every input block, from values (block_id or action_id -> value)."""
    result: dict[str, dict] = copy.deepcopy(previous or {})
    used: set = set()
    for block in view.get("blocks") or []:
        if block.get("type") != "input" or not isinstance(block.get("element"), dict):
            continue
        element = block["element"]
        block_id, action_id = block["block_id"], element["action_id"]
        key = block_id if block_id in values else action_id if action_id in values else None
        if key is not None:
            used.add(key)
            entry = state_entry(element, values[key])
        elif action_id in result.get(block_id, {}):
            continue  # set earlier by a block action inside the view
        else:
            entry = state_entry(element, given=False)
        result.setdefault(block_id, {})[action_id] = entry
    unknown = set(values) - used
    if unknown:
        raise SlackDriverError(f"no input block or action_id {sorted(unknown)} in view {view.get('id')}")
    return {"values": result}


def find_element(blocks: list, action_id: str) -> tuple[dict, dict]:
    """(block, element) for an action_id anywhere in blocks."""
    for block in blocks:
        for element in _block_elements(block):
            if element.get("action_id") == action_id:
                return block, element
    raise SlackDriverError(f"no element with action_id {action_id!r}")


# ---------------------------------------------------------------------------------------------------------
# The driver


class SlackDriver:
    """Plays Slack towards the bot: signed slash commands, interactions and events, like Slack sends them."""

    # [guess] Slack leaves `message` out of block_actions payloads from ephemeral messages (the container
    # still says message_ts and is_ephemeral); set True to include it anyway.
    include_ephemeral_message = False

    def __init__(self, emulator: SlackEmulator, bot_url: str, signing_secret: str, *, timeout: float = 10,
                 verification_token: str = "legacy-verification-token"):
        self.emulator = emulator
        self.bot_url = bot_url
        self.timeout = timeout
        self.verification_token = verification_token
        self._verifier = SignatureVerifier(signing_secret)
        self.last_response: requests.Response | None = None
        self._last_sent: tuple | None = None

    def __repr__(self) -> str:
        return f"SlackDriver(bot_url={self.bot_url!r})"

    # -- transport ------------------------------------------------------------------------------------

    def sign(self, body: bytes | str, timestamp: int | str | None = None) -> dict:
        """The two signature headers Slack adds to every request."""
        timestamp = str(int(time.time()) if timestamp is None else timestamp)
        signature = self._verifier.generate_signature(timestamp=timestamp, body=body)
        return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}

    def _post(self, body: str, content_type: str, extra_headers: dict | None = None) -> requests.Response:
        headers = {"Content-Type": content_type, "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
                   **self.sign(body), **(extra_headers or {})}
        response = requests.post(self.bot_url, data=body.encode("utf-8"), headers=headers, timeout=self.timeout)
        self._last_sent = (body, content_type, extra_headers)
        self.last_response = response
        return response

    def resend_last(self, extra_headers: dict | None = None) -> requests.Response:
        """Send the previous request body again, freshly signed: a double click, or Slack retrying."""
        if self._last_sent is None:
            raise SlackDriverError("nothing was sent yet")
        body, content_type, headers = self._last_sent
        return self._post(body, content_type, {**(headers or {}), **(extra_headers or {})})

    def _post_payload(self, payload: dict) -> requests.Response:
        return self._post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")

    # -- shared payload parts -------------------------------------------------------------------------

    def _user(self, user_id: str) -> dict:
        name = self.emulator.user_name(user_id) or user_id
        return {"id": user_id, "username": name, "name": name, "team_id": self.emulator.team_id}

    def _team(self) -> dict:
        return {"id": self.emulator.team_id, "domain": self.emulator.team_domain}

    def _base_payload(self, kind: str, user: str) -> dict:
        return {"type": kind, "user": self._user(user), "api_app_id": self.emulator.app_id,
                "token": self.verification_token, "team": self._team(), "enterprise": None,
                "is_enterprise_install": False}

    @staticmethod
    def _action_ts() -> str:
        return f"{time.time():.6f}"

    # -- slash commands -------------------------------------------------------------------------------

    def command(self, text: str, *, user: str = "U0ADMIN", channel: str = "C0OPS",
                command: str = "/flowroute") -> CommandResult:
        """Send a slash command as Slack does; a non-empty ack body is shown like Slack shows it."""
        response_url = self.emulator.new_response_url(channel_id=channel, user_id=user)
        trigger_id = self.emulator.new_trigger_id(user_id=user)
        fields = [
            ("token", self.verification_token), ("team_id", self.emulator.team_id),
            ("team_domain", self.emulator.team_domain), ("channel_id", channel),
            ("channel_name", self.emulator.channel_name(channel) or "unknown"), ("user_id", user),
            ("user_name", self.emulator.user_name(user) or user), ("command", command), ("text", text),
            ("api_app_id", self.emulator.app_id), ("is_enterprise_install", "false"),
            ("response_url", response_url), ("trigger_id", trigger_id),
        ]
        started = time.monotonic()
        response = self._post(urlencode(fields), "application/x-www-form-urlencoded")
        elapsed = time.monotonic() - started
        result = CommandResult(response.status_code, response.text, _json_or_none(response), response_url,
                               trigger_id, elapsed)
        if response.status_code == 200 and response.text.strip():
            body = result.json if isinstance(result.json, dict) else {"text": response.text}
            try:
                result.message = self.emulator.show_ack(response_url, body)
            except ApiError as err:
                result.ack_error = err.error
        return result

    # -- message interactions -------------------------------------------------------------------------

    def _fresh(self, message: Message | str | dict) -> Message:
        try:
            current = self.emulator.message_for(message)
        except KeyError as err:
            raise SlackDriverError(str(err)) from None
        if current.deleted:
            raise SlackDriverError(f"message {current.id} was deleted; nobody can click it any more")
        return current

    @staticmethod
    def buttons(message: Message) -> list[dict]:
        """Every button in a message: action_id, block_id, text, value, style, url, confirm."""
        found = []
        for block in message.blocks:
            for element in _block_elements(block):
                if element.get("type") == "button":
                    found.append({
                        "action_id": element.get("action_id"), "block_id": block.get("block_id"),
                        "text": (element.get("text") or {}).get("text"), "value": element.get("value"),
                        "style": element.get("style"), "url": element.get("url"),
                        "confirm": element.get("confirm"),
                    })
        return found

    def _message_payload(self, message: Message, user: str, channel: str | None, action: dict) -> dict:
        channel_id = channel or message.channel
        response_url = self.emulator.new_response_url(channel_id=channel_id, user_id=user,
                                                      source_message_id=message.id)
        payload = self._base_payload("block_actions", user)
        payload.update({
            "container": {"type": "message", "message_ts": message.ts, "channel_id": channel_id,
                          "is_ephemeral": message.ephemeral_to is not None},
            "trigger_id": self.emulator.new_trigger_id(user_id=user),
            "channel": {"id": channel_id, "name": self.emulator.channel_name(channel_id) or channel_id},
            "state": {"values": {}},
            "response_url": response_url,
            "actions": [action],
        })
        if message.ephemeral_to is None or self.include_ephemeral_message:
            payload["message"] = self.emulator.api_message(message, include_metadata=False)
        return payload

    def click(self, message: Message | str | dict, *, action_id: str | None = None, text: str | None = None,
              value: str | None = None, user: str = "U0ADMIN", channel: str | None = None) -> requests.Response:
        """Press the first button matching action_id / text / value (its confirm dialog is taken as yes)."""
        message = self._fresh(message)
        # The pressed element itself: several buttons may share an action_id (one Buy per search result).
        match = next(((block, element) for block in message.blocks for element in _block_elements(block)
                      if element.get("type") == "button"
                      and (action_id is None or element.get("action_id") == action_id)
                      and (text is None or (element.get("text") or {}).get("text") == text)
                      and (value is None or element.get("value") == value)), None)
        if match is None:
            listing = [(b["action_id"], b["text"], b["value"]) for b in self.buttons(message)]
            raise SlackDriverError(f"no button action_id={action_id!r} text={text!r} value={value!r} "
                                   f"in message {message.id}; buttons (action_id, text, value): {listing}")
        block, element = match
        action = {"type": "button", "action_id": element["action_id"], "block_id": block["block_id"],
                  "text": copy.deepcopy(element.get("text")), "action_ts": self._action_ts()}
        for key in ("value", "style", "url"):
            if element.get(key) is not None:
                action[key] = element[key]
        return self._post_payload(self._message_payload(message, user, channel, action))

    def select(self, message: Message | str | dict, action_id: str, option_value: Any, *, user: str = "U0ADMIN",
               channel: str | None = None) -> requests.Response:
        """Choose an option of a select / overflow / radio (list of values for multi-selects) in a message."""
        message = self._fresh(message)
        block, element = find_element(message.blocks, action_id)
        action = {**state_entry(element, option_value), "action_id": action_id, "block_id": block["block_id"],
                  "action_ts": self._action_ts()}
        if element.get("placeholder"):
            action["placeholder"] = element["placeholder"]
        return self._post_payload(self._message_payload(message, user, channel, action))

    # -- modals ---------------------------------------------------------------------------------------

    def _open_view(self, view_id: str) -> dict:
        view = self.emulator.views.get(view_id)
        # A published App Home (views.publish) stays usable: it has no stack to be open in.
        if view is None or not (self.emulator.is_view_open(view_id) or view.get("type") == "home"):
            raise SlackDriverError(f"view {view_id!r} is not open; open stacks end in "
                                   f"{(self.emulator.top_view() or {}).get('id')!r}")
        view.pop("user_id", None)
        return view

    def block_action_in_view(self, view_id: str, action_id: str, value: Any = None, *,
                             user: str = "U0ADMIN") -> requests.Response:
        """Use an element inside an open modal (button press, select, ...): block_actions, no response_url."""
        view = self._open_view(view_id)
        block, element = find_element(view["blocks"], action_id)
        if element.get("type") == "button":
            entry = {"type": "button", "text": copy.deepcopy(element.get("text"))}
            if element.get("value") is not None:
                entry["value"] = element["value"]
        else:
            entry = state_entry(element, value)
            self.emulator.set_view_state(view_id, {block["block_id"]: {action_id: entry}})
            view = self._open_view(view_id)
        payload = self._base_payload("block_actions", user)
        payload.update({
            "container": {"type": "view", "view_id": view_id},
            "trigger_id": self.emulator.new_trigger_id(user_id=user, view_id=view_id),
            "view": view,
            "actions": [{**entry, "action_id": action_id, "block_id": block["block_id"],
                         "action_ts": self._action_ts()}],
        })
        return self._post_payload(payload)

    def submit_view(self, view_id: str, values: dict | None = None, *, user: str = "U0ADMIN") -> requests.Response:
        """Submit the top view of a stack with values (block_id or action_id -> value), then apply the answer.

        Input blocks not in values carry their initial value or None (Slack's client would block an empty
        required field; the driver sends it anyway so the bot's own checks can be tested).
        """
        view = self._open_view(view_id)
        stack = self.emulator.view_stack(view_id)
        if stack[-1] != view_id:
            raise SlackDriverError(f"view {view_id} is under {stack[-1]}; only the top view can be submitted")
        view["state"] = view_state(view, values or {}, view["state"]["values"])
        self.emulator.set_view_state(view_id, view["state"]["values"])
        payload = self._base_payload("view_submission", user)
        payload.update({"trigger_id": self.emulator.new_trigger_id(user_id=user, view_id=view_id),
                        "view": view, "response_urls": []})
        response = self._post_payload(payload)
        self._apply_submission_answer(view_id, response)
        return response

    def _apply_submission_answer(self, view_id: str, response: requests.Response) -> None:
        """Do to the view store what Slack does with the bot's answer to a view_submission."""
        if response.status_code != 200:
            return  # Slack shows a connection error and leaves the modal open
        if not response.text.strip():
            self.emulator.close_view(view_id)  # [guess] a pushed view pops back to the one below it
            return
        answer = _json_or_none(response)
        action = answer.get("response_action") if isinstance(answer, dict) else None
        if action == "errors":
            self.emulator.set_view_errors(view_id, answer.get("errors") or {})
        elif action == "clear":
            self.emulator.close_view(view_id, clear=True)
        elif action in ("update", "push"):
            errors = view_errors(answer.get("view"))
            if errors:
                raise SlackDriverError(f"bot answered response_action={action} with an invalid view: {errors}")
            spec = copy.deepcopy(answer["view"])
            try:
                if action == "update":
                    self.emulator.replace_view(view_id, spec)
                else:
                    self.emulator.push_view(view_id, spec)
            except ApiError as err:
                raise SlackDriverError(f"response_action={action} failed: {err.error}") from None
        else:
            raise SlackDriverError(f"unexpected answer to view_submission: {response.text[:300]!r}")

    def close_view(self, view_id: str, *, user: str = "U0ADMIN") -> requests.Response | None:
        """Press Close/Cancel; sends view_closed only when the view asked for notify_on_close."""
        view = self._open_view(view_id)
        cleared = bool(view.get("clear_on_close"))
        self.emulator.close_view(view_id, clear=cleared)
        if not view.get("notify_on_close"):
            return None
        payload = self._base_payload("view_closed", user)
        payload.update({"view": view, "is_cleared": cleared})
        return self._post_payload(payload)

    # -- events ---------------------------------------------------------------------------------------

    def send_event(self, event: dict, *, retry_num: int | None = None, retry_reason: str | None = None,
                   event_id: str | None = None) -> requests.Response:
        """A signed event_callback envelope around `event`, with Slack's retry headers when asked."""
        envelope = {
            "token": self.verification_token, "team_id": self.emulator.team_id,
            "api_app_id": self.emulator.app_id, "event": event, "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}", "event_time": int(time.time()),
            "authorizations": [{"enterprise_id": None, "team_id": self.emulator.team_id,
                                "user_id": self.emulator.bot_user_id, "is_bot": True,
                                "is_enterprise_install": False}],
            "is_ext_shared_channel": False,
            "event_context": f"4-{uuid.uuid4().hex}",
        }
        headers = {}
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
        return self._post(json.dumps(envelope), "application/json", headers)

    def message_event(self, message: Message) -> dict:
        """The Events API `message` event for a stored message."""
        channel_type = "group" if message.channel.startswith("G") else "channel"
        event = {"type": "message", "channel": message.channel, "user": message.user, "text": message.text,
                 "ts": message.ts, "event_ts": message.ts, "channel_type": channel_type,
                 "team": self.emulator.team_id, "client_msg_id": str(uuid.uuid4()),
                 "blocks": copy.deepcopy(message.blocks)}
        if message.thread_ts:
            event["thread_ts"] = message.thread_ts
            parent = next((m for m in self.emulator.thread(message.channel, message.thread_ts)
                           if m.ts == message.thread_ts), None)
            event["parent_user_id"] = parent.user if parent else None
        if message.files:
            event.update(subtype="file_share", files=copy.deepcopy(message.files), upload=False)
        return event

    def post_user_message(self, text: str, *, user: str = "U0BOB", channel: str = "C0OPS",
                          thread_ts: str | None = None, files: list | None = None) -> Message:
        """A user types a message: stored in the emulator, then the `message` event goes to the bot.

        files: dicts with name, content (bytes) and optional mimetype / title. The bot's answer to the
        event is in self.last_response.
        """
        file_objects = [self.emulator.add_user_file(f["name"], f["content"], user=user,
                                                    mimetype=f.get("mimetype"), title=f.get("title"))
                        for f in files or []]
        message = self.emulator.post_as_user(text, user=user, channel=channel, thread_ts=thread_ts,
                                             files=file_objects)
        self.send_event(self.message_event(message))
        return message

    def url_verification(self, challenge: str) -> requests.Response:
        body = {"token": self.verification_token, "challenge": challenge, "type": "url_verification"}
        return self._post(json.dumps(body), "application/json")


def _json_or_none(response: requests.Response) -> Any:
    text = response.text.strip()
    if not text.startswith(("{", "[")):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


__all__ = [
    "ApiError", "Call", "CommandResult", "Message", "SlackDriver", "SlackDriverError", "SlackEmulator",
    "UploadedFile", "blocks_errors", "view_errors",
]
