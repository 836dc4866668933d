"""SlackEmulator: the Slack Web API, a response_url receiver and a file upload endpoint on loopback.

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

Lower-level pieces (used by the driver and the console; all thread-safe):
    open_view(spec, *, user_id=None) / replace_view(view_id, spec) / push_view(below_id, spec) /
    close_view(view_id, *, clear=False) / set_view_state(view_id, values) / set_view_errors(view_id, errors)
    show_ack(response_url, body) -> Message;  add_user_file(name, content, *, user, ...) -> file object
    api_message(message, *, include_metadata=True) -> dict (the Web API shape);  file_object(record) -> dict
    channel_name(channel_id), user_name(user_id)
    module functions: blocks_errors(blocks), view_errors(view) (lists of "<problem> [json-pointer:...]"),
    state_entry(element, value), view_state(view, values), find_element(blocks, action_id)
    errors: ApiError (a Slack error answer), SlackDriverError (an AssertionError: the driver can't do it)
"""

from __future__ import annotations

import copy
import json
import logging
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from sandbox.loopback import LoopbackServer
from sandbox.slack.conversations import ConversationsApi
from sandbox.slack.files import FilesApi
from sandbox.slack.records import ApiError, Call, Channel, FailRule, Message, ResponseUrl, Trigger, UploadedFile
from sandbox.slack.response_urls import ResponseUrls
from sandbox.slack.views import ViewsApi
from sandbox.slack.wire import parse_body, ts_key

log = logging.getLogger("sandbox.slack")  # one logger for the whole emulator


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
class SlackEmulator(ViewsApi, ConversationsApi, FilesApi, ResponseUrls):
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
        self._failures: list[FailRule] = []
        self.page_cap: int | None = None
        self._channels: dict[str, Channel] = {}
        self._users: dict[str, dict] = {}
        self._messages: list[Message] = []
        self._by_id: dict[str, Message] = {}
        self._by_ts: dict[tuple[str, str], Message] = {}
        self._triggers: dict[str, Trigger] = {}
        self._response_urls: dict[str, ResponseUrl] = {}
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
            self._channels[channel_id] = Channel(channel_id, name, is_private, is_archived, bot_member)

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
            self._triggers[trigger_id] = Trigger(self._now(), user_id, view_id)
        return trigger_id

    # -- failure injection ----------------------------------------------------------------------------

    def fail_next(self, method: str, count: int = 1, *, status: int = 429, error: str | None = None,
                  retry_after: int | float | None = None) -> None:
        """Make the next `count` calls to `method` (or "*": any method) fail with HTTP `status`."""
        if error is None:
            error = "ratelimited" if status == 429 else "internal_error" if status >= 500 else "fatal_error"
        with self._lock:
            self._failures.append(FailRule(method, count, status, error, retry_after))

    def lose_answer_next(self, method: str, count: int = 1, *, status: int | None = 500) -> None:
        """Carry out the next `count` successful calls to `method` (or "*"), then lose their answers:
        HTTP `status` (a 5xx), or with status=None a connection closed without an answer."""
        with self._lock:
            self._failures.append(FailRule(method, count, status or 0, "internal_error", None, after_effect=True))

    def clear_failures(self) -> int:
        """Forget every armed failure; returns how many calls they would still have hit."""
        with self._lock:
            unused = sum(rule.remaining for rule in self._failures)
            self._failures.clear()
            return unused

    def _take_failure(self, method: str, *, after_effect: bool = False) -> FailRule | None:
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
            return copy.deepcopy(sorted(found, key=lambda m: ts_key(m.ts)))

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
            args.update(parse_body(raw, content_type))
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

    def _locked_then_flush(self, func, *args, **kwargs):
        """Run a state change for a caller outside the server threads, then tell the subscribers."""
        with self._lock:
            result = func(*args, **kwargs)
        self._flush_events()
        return result
