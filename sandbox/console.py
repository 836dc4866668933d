"""`python -m bot console` (`make demo`): the whole bot in a terminal, with no Slack and no Flowroute account.

One process runs the Flowroute sandbox and the Slack emulator on loopback ports, the real bot wired to them
(the same app factory and HTTP endpoint; every request is signed, the console plays Slack's part through
SlackDriver) and the scheduler. You type `/flowroute ...` as in Slack and read what the bot posts, rendered
from its Block Kit (sandbox/render.py). Buttons are numbered (`click N` or `N`), modals become forms asked
field by field, and `:` commands drive the console itself (`:help`).

`--script FILE` (or a stdin that is not a terminal) runs lines without prompting and echoes them; answers
to confirm dialogs and form fields come from the following lines. The tests use this path.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import queue
import re
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from datetime import date
from typing import Any, TextIO

import requests

from handlers.parser import COMMANDS, NOUNS
from sandbox import render
from sandbox.flowroute import FlowrouteSandbox
from sandbox.slack import SlackDriver, SlackDriverError, SlackEmulator

log = logging.getLogger("flowroute_bot.console")

ADMIN = "U0ADMIN"
SLASH = "/flowroute"
POLL_SECONDS = 5
QUIET_FIRST = 0.5  # after an action with nothing shown yet, this long without events means "done"
QUIET_AFTER = 0.15  # once something was shown, this long without events means "done"
MAX_SETTLE = 30.0
LOADING_TIMEOUT = 15.0
# The emulator's seeded workspace (sandbox/slack.py); `:channel NEW` and `:user NEW` add to these.
CHANNELS = {"ops": "C0OPS", "alerts": "C0ALERTS", "audit": "C0AUDIT", "random": "C0RANDOM",
            "secret-ops": "G0SECRET", "old": "C0OLD"}
USERS = {"alice": "U0ADMIN", "bob": "U0BOB"}
CONSOLE_COMMANDS = {  # name -> (arguments, what it does)
    ":help": ("", "this help"),
    ":channel": ("NAME", "switch channel (no NAME: list them; a new name creates one)"),
    ":user": ("NAME", "act as another user (bob is not an admin; alice is)"),
    ":sms": ("FROM TO TEXT", "an inbound SMS arrives at the Flowroute sandbox"),
    ":mms": ("FROM TO URL TEXT", "an inbound MMS (URL: the media; comma-separated for several)"),
    ":reply": ("TEXT", "reply in the last thread (two-way conversations)"),
    ":poll": ("", "poll Flowroute for inbound messages now"),
    ":quit": ("", "stop everything and leave (Ctrl-C and Ctrl-D too)"),
}
_MISSING, _KEEP, _SKIP, _CANCEL = object(), object(), object(), object()


# --- the running stack ------------------------------------------------------------------------------------

class TrackedExecutor(Executor):
    """The bot's work pool, counting work in flight so the console knows when the bot has finished."""

    def __init__(self, inner: Executor):
        self._inner = inner
        self._lock = threading.Lock()
        self._in_flight = 0

    @property
    def busy(self) -> bool:
        with self._lock:
            return self._in_flight > 0

    def submit(self, fn, /, *args, **kwargs) -> Future:
        with self._lock:
            self._in_flight += 1
        try:
            future = self._inner.submit(fn, *args, **kwargs)
        except BaseException:
            self._done(None)
            raise
        future.add_done_callback(self._done)
        return future

    def _done(self, _future) -> None:
        with self._lock:
            self._in_flight -= 1

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._inner.shutdown(wait=wait, cancel_futures=cancel_futures)


class DemoStack:
    """The Flowroute sandbox, the Slack emulator and the real bot wired to them, all in this process."""

    def __init__(self, *, poll_seconds: int = POLL_SECONDS):
        self.poll_seconds = poll_seconds
        self._exit = contextlib.ExitStack()
        self.sandbox: FlowrouteSandbox | None = None
        self.slack: SlackEmulator | None = None
        self.driver: SlackDriver | None = None
        self.deps = None
        self.work: TrackedExecutor | None = None
        self.server = None

    def start(self) -> None:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        from bot.app import WORK_THREADS
        from sandbox.stack import LocalBot

        workdir = tempfile.mkdtemp(prefix="flowroute-demo-")
        self._exit.callback(shutil.rmtree, workdir, ignore_errors=True)
        self.sandbox = FlowrouteSandbox(access_key="demo-" + secrets.token_hex(6), secret_key=secrets.token_hex(16))
        self.sandbox.start()
        self._exit.callback(self.sandbox.stop)
        self.slack = SlackEmulator()
        self.slack.start()
        self._exit.callback(self.slack.stop)
        self.work = TrackedExecutor(ThreadPoolExecutor(max_workers=WORK_THREADS, thread_name_prefix="flowroute-work"))
        self.bot = LocalBot(
            self.sandbox, self.slack, db_path=os.path.join(workdir, "demo.db"), signing_secret=secrets.token_hex(16),
            env={"FLOWROUTE_BOT_ADMINS": ADMIN, "FLOWROUTE_BOT_AUDIT_CHANNEL": "C0AUDIT",
                 "FLOWROUTE_BOT_POLL_SECONDS": str(self.poll_seconds)}, executor=self.work,
        )
        self._exit.callback(self.bot.stop)
        self.deps, self.driver, self.server = self.bot.deps, self.bot.driver, self.bot.server
        if self.bot.scheduler is not None:
            self.bot.scheduler.start()

    @property
    def relay(self):
        return self.bot.relay if self.deps else None

    @property
    def scheduler_running(self) -> bool:
        scheduler = self.bot.scheduler if self.deps else None
        return bool(scheduler is not None and scheduler.running)

    def stop(self) -> None:
        """Stop in reverse order: HTTP server, Bolt's listeners, scheduler and work pool, emulator, sandbox."""
        self._exit.close()


# --- input ----------------------------------------------------------------------------------------------

class TerminalInput:
    """Lines typed at a terminal, with readline history, editing and tab completion."""

    interactive = True

    def __init__(self, completer=None):
        try:
            import readline
        except ImportError:  # pragma: no cover - Windows without pyreadline
            return
        readline.set_completer_delims(" \t\n")
        if completer is not None:
            readline.set_completer(completer)
        binding = "bind ^I rl_complete" if "libedit" in (readline.__doc__ or "") else "tab: complete"
        readline.parse_and_bind(binding)

    def read(self, prompt: str) -> str:
        return input(prompt)


class ScriptInput:
    """Lines from a file or a pipe, read without prompting (the console echoes them)."""

    interactive = False

    def __init__(self, stream: TextIO):
        self._stream = stream

    def read(self, prompt: str) -> str:
        line = self._stream.readline()
        if not line:
            raise EOFError
        return line.rstrip("\r\n")


def line_buffer() -> str:
    try:
        import readline
    except ImportError:  # pragma: no cover
        return ""
    return readline.get_line_buffer()


def completions(before: str, word: str, *, channels=(), users=()) -> list[str]:
    """What Tab offers for `word`, given the line `before` it: console commands, nouns, verbs, options."""
    words = before.split()
    if not words:
        pool = [SLASH, "click", *CONSOLE_COMMANDS]
    elif words[0] == SLASH:
        pool = _flowroute_words(words[1:])
    elif words[0] == ":channel" and len(words) == 1:
        pool = list(channels)
    elif words[0] == ":user" and len(words) == 1:
        pool = list(users)
    else:
        pool = []
    return [candidate + " " for candidate in sorted(set(pool)) if candidate.startswith(word)]


def _flowroute_words(args: list[str]) -> list[str]:
    if not args:
        return list(NOUNS)
    noun = args[0].lower()
    if len(args) == 1 and noun == "help":
        return list(NOUNS)
    if len(args) == 1 and noun not in COMMANDS:
        return [spec.key.split()[1] for spec in NOUNS.get(noun, []) if " " in spec.key]
    spec = COMMANDS.get(f"{noun} {args[1].lower()}" if len(args) > 1 else noun) or COMMANDS.get(noun)
    if spec is None:
        return []
    pool = ["--" + name.replace("_", "-") for name in spec.options]
    kinds = {arg.kind for arg in spec.args}
    if "channel" in kinds:
        pool.append("here")
    if "number_or_all" in kinds:
        pool.append("all")
    return pool


# --- form answers -------------------------------------------------------------------------------------

def _options(element: dict) -> list[dict]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += group.get("options") or []
    return options


def _pick(options: list[dict], answer: str) -> str | None:
    """An option's value from its number, text or value (case-insensitive)."""
    if answer.isdigit() and 1 <= int(answer) <= len(options):
        return options[int(answer) - 1].get("value")
    for option in options:
        if answer.lower() in (render.plain_text(option.get("text")).lower(), str(option.get("value")).lower()):
            return option.get("value")
    return None


def parse_answer(element: dict, answer: str, *, users: dict, channels: dict) -> tuple[Any, str | None]:
    """(value for SlackDriver.submit_view, problem) for one typed answer."""
    kind = element.get("type")
    if kind in ("static_select", "radio_buttons"):
        value = _pick(_options(element), answer)
        return (value, None) if value is not None else (None, "Pick one of the numbers shown.")
    if kind in ("checkboxes", "multi_static_select"):
        values = [_pick(_options(element), part.strip()) for part in answer.split(",") if part.strip()]
        if not values or None in values:
            return None, "Pick one or more of the numbers shown, separated by commas."
        return values, None
    if kind == "number_input":
        return _number_answer(element, answer)
    if kind == "datepicker":
        try:
            return date.fromisoformat(answer).isoformat(), None
        except ValueError:
            return None, "Type a date like 2026-01-31."
    if kind == "timepicker":
        return (answer, None) if re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", answer) else (None, "Type a time like 09:30.")
    if kind in ("users_select", "multi_users_select"):
        return _lookup(answer.lstrip("@"), users, "user", multi=kind.startswith("multi"))
    if kind in ("conversations_select", "channels_select", "multi_conversations_select", "multi_channels_select"):
        return _lookup(answer.lstrip("#"), channels, "channel", multi=kind.startswith("multi"))
    return _text_answer(element, answer)


def _text_answer(element: dict, answer: str) -> tuple[Any, str | None]:
    answer = answer.replace("\\n", "\n") if element.get("multiline") else answer
    low, high = element.get("min_length"), element.get("max_length")
    if low is not None and len(answer) < low:
        return None, f"Type at least {low} characters."
    if high is not None and len(answer) > high:
        return None, f"Type at most {high} characters."
    if element.get("type") == "email_text_input" and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", answer):
        return None, "Type an email address."
    if element.get("type") == "url_text_input" and not re.match(r"https?://\S+$", answer):
        return None, "Type a URL starting with http:// or https://."
    return answer, None


def _number_answer(element: dict, answer: str) -> tuple[Any, str | None]:
    pattern = r"-?\d+(\.\d+)?" if element.get("is_decimal_allowed") else r"-?\d+"
    if not re.fullmatch(pattern, answer):
        return None, "Type a number." if element.get("is_decimal_allowed") else "Type a whole number."
    number = float(answer)
    low, high = element.get("min_value"), element.get("max_value")
    if (low is not None and number < float(low)) or (high is not None and number > float(high)):
        return None, f"Type a number between {low if low is not None else '…'} and {high if high is not None else '…'}."
    return answer, None


def _lookup(answer: str, directory: dict, what: str, *, multi: bool) -> tuple[Any, str | None]:
    ids = []
    for name in [part.strip() for part in answer.split(",") if part.strip()] if multi else [answer.strip()]:
        found = directory.get(name.lower()) or (name if name in directory.values() else None)
        if found is None:
            return None, f"No {what} called {name!r}; known: {', '.join(sorted(directory))}."
        ids.append(found)
    return (ids if multi else ids[0]), None


def _initial_text(element: dict) -> str:
    """The element's initial value as shown in [brackets]."""
    if element.get("initial_option"):
        return render.plain_text(element["initial_option"].get("text"))
    if element.get("initial_options"):
        return ", ".join(render.plain_text(o.get("text")) for o in element["initial_options"])
    for key in ("initial_value", "initial_date", "initial_time", "initial_user", "initial_conversation",
                "initial_channel"):
        if element.get(key):
            return str(element[key])
    return ""


def _answer_text(element: dict, value: Any) -> str:
    """A given answer as shown in [brackets] when the field is asked again."""
    labels = {o.get("value"): render.plain_text(o.get("text")) for o in _options(element)}
    if isinstance(value, list):
        return ", ".join(labels.get(v, str(v)) for v in value)
    return labels.get(value, "" if value is None else str(value))


# --- the console ------------------------------------------------------------------------------------------

class Console:
    """The chat loop: reads lines, plays them to the bot as Slack would, and prints what the bot posts."""

    def __init__(self, stack: DemoStack, reader, out: TextIO, *, style: render.Style | None = None):
        self.stack, self.reader, self.out = stack, reader, out
        self.style = style or render.Style()
        self.user, self.channel = ADMIN, CHANNELS["ops"]
        self.users, self.channels = dict(USERS), dict(CHANNELS)
        self.names = render.Names(user=stack.slack.user_name, channel=stack.slack.channel_name)
        self._lock = threading.RLock()  # output, screen state (numbers, prompt)
        self._prompt: str | None = None  # set while waiting at a prompt (for redrawing it)
        self._clickables: dict[int, tuple[str, render.Clickable]] = {}
        self._numbers_of: dict[str, list[int]] = {}
        self._next_number = 1
        self._shown: dict[str, str] = {}  # message id -> content last rendered
        self.last_thread: tuple[str, str] | None = None
        self.shown_count = 0  # messages rendered so far
        self._events: queue.Queue = queue.Queue()
        self._pending = 0
        self._last_event_at = 0.0
        self._printer = threading.Thread(target=self._print_events, name="console-printer", daemon=True)

    # -- output ---------------------------------------------------------------------------------------

    def emit(self, lines: list[str] | str) -> None:
        """Print lines; if the user sits at a prompt, print above it and redraw it with what was typed."""
        text = lines if isinstance(lines, str) else "\n".join(lines)
        with self._lock:
            if self._prompt is not None and self.reader.interactive:
                self.out.write("\r\x1b[2K" + text + "\n" + self._prompt + line_buffer())
            else:
                self.out.write(text + "\n")
            self.out.flush()

    def note(self, text: str) -> None:
        self.emit(self.style.dim(text))

    def read(self, prompt: str) -> str:
        with self._lock:
            self._prompt = prompt
        try:
            line = self.reader.read(prompt)
        finally:
            with self._lock:
                self._prompt = None
        if not self.reader.interactive:
            self.emit(prompt + line)
        return line

    def prompt(self) -> str:
        return f"{self.stack.slack.user_name(self.user)}@#{self.stack.slack.channel_name(self.channel)}> "

    # -- events from the emulator ---------------------------------------------------------------------

    def _on_event(self, event: str, obj: Any) -> None:
        """Called on emulator threads: queue it for the printer."""
        with self._lock:
            self._pending += 1
            self._last_event_at = time.monotonic()
        self._events.put((event, obj))

    def _print_events(self) -> None:
        while True:
            item = self._events.get()
            if item is None:
                return
            try:
                self._show_event(*item)
            except Exception:  # noqa: BLE001 - one bad message must not stop the screen
                log.exception("Could not show %s", item[0])
            finally:
                with self._lock:
                    self._pending -= 1

    def _show_event(self, event: str, obj: Any) -> None:
        if event in ("posted", "updated") and self._visible(obj):
            self._show_message(obj, updated=event == "updated")
        elif event == "updated" and obj.source == "user" and obj.reactions:
            marks = " ".join(render.emoji(f":{reaction['name']}:") for reaction in obj.reactions)
            self.note(f"  (reactions on “{render.summary(obj)}”: {marks})")
        elif event == "deleted" and self._visible(obj):
            with self._lock:
                self._forget(obj.id)
            self.note(f"  (message removed: {render.summary(obj)})")

    def _visible(self, message) -> bool:
        """What this user would see: not their own typing, and ephemeral messages only if meant for them."""
        return message.source != "user" and message.ephemeral_to in (None, self.user)

    def _forget(self, message_id: str) -> None:
        for number in self._numbers_of.pop(message_id, []):
            self._clickables.pop(number, None)

    def _show_message(self, message, *, updated: bool) -> None:
        content = json.dumps([message.text, message.blocks, message.files, message.attachments], default=str)
        with self._lock:
            if self._shown.get(message.id) == content:
                return  # e.g. a thread parent whose reply count changed
            self._shown[message.id] = content
            self._forget(message.id)
            rendered = render.render_message(
                message, names=self.names, style=self.style, first_number=self._next_number,
                author=self.stack.slack.user_name(message.user or "") or message.user or "?",
                where=f"#{self.stack.slack.channel_name(message.channel) or message.channel}",
                note=" · ".join(n for n in ("only visible to you" if message.ephemeral_to else "",
                                            "edited" if updated else "") if n),
            )
            for item in rendered.clickables:
                self._clickables[item.number] = (message.id, item)
            self._numbers_of[message.id] = [item.number for item in rendered.clickables]
            self._next_number += len(rendered.clickables)
            lines = rendered.lines
            if message.is_reply:
                parent = self.stack.slack.thread(message.channel, message.thread_ts)
                lines = render.thread_lines(lines, render.summary(parent[0]) if parent else "…")
            if message.ephemeral_to is None and message.source == "api" and message.channel == self.channel:
                self.last_thread = (message.channel, message.thread_ts or message.ts)
            self.shown_count += 1
            self.emit([""] + lines)

    def settle(self, started: float) -> None:
        """Wait until the bot has finished reacting to an action and everything it posted is on screen."""
        deadline = started + MAX_SETTLE
        while True:
            now = time.monotonic()
            with self._lock:
                pending, last_event = self._pending, self._last_event_at
            quiet = QUIET_AFTER if last_event > started else QUIET_FIRST
            if not pending and not self.stack.work.busy and now - max(last_event, started) >= quiet:
                return
            if now > deadline:
                self.note("(the bot is still working; its answer will show up when it is ready)")
                return
            time.sleep(0.02)

    # -- the loop -------------------------------------------------------------------------------------

    def run(self) -> int:
        self.stack.slack.subscribe(self._on_event)
        with sigint_blocked():
            self._printer.start()
        try:
            self.emit(self.banner())
            self._loop()
        except KeyboardInterrupt:
            _ignore_sigint()  # shutting down from here on: a second Ctrl-C must not cut it short
            self.emit(["", "Interrupted."])
        except EOFError:
            if self.reader.interactive:
                self.emit("")
        finally:
            self._events.put(None)
            self._printer.join(timeout=5)
        return 0

    def _loop(self) -> None:
        while True:
            self.handle_modals()
            line = self.read(self.prompt()).strip()
            if not self.dispatch(line):
                return

    def dispatch(self, line: str) -> bool:
        """Act on one line; False means quit."""
        if not line or (line.startswith("#") and not self.reader.interactive):  # comments in scripts
            return True
        if line.startswith(":"):
            return self.console_command(line)
        click = re.fullmatch(r"(?:click\s+)?(\d+)", line, re.I)
        label = re.fullmatch(r"click\s+(\D.*)", line, re.I)
        if click:
            self.click(int(click.group(1)))
        elif label:
            self.click(self.latest_labelled(label.group(1)))
        elif line.startswith("/"):
            self.slash(line)
        else:
            self.say(line)
        return True

    def banner(self) -> list[str]:
        stack, bold = self.stack, self.style.bold
        relay = (f"relays inbound SMS/MMS every {stack.poll_seconds} s" if stack.scheduler_running
                 else "inbound relay not running in this build")
        return [
            bold("flowroute-slack-ops demo") + " — the real bot, a fake Slack and a fake Flowroute, all local.",
            f"  Flowroute sandbox  {stack.sandbox.url}  (seeded account: 5 numbers, routes, E911 addresses)",
            f"  Slack emulator     {stack.slack.api_url}  (#ops #alerts #audit; users alice, bob)",
            f"  the bot            {stack.server.url()}/slack/events  ({relay})",
            "You are alice (admin) in #ops. Type :help for console commands; Tab completes.",
            "Try:",
            f"  {SLASH} numbers search --starts-with 206",
            f"  {SLASH} numbers show 12065550100",
            "  :sms 12065559876 12065550100 Hello from the demo   (after: /flowroute inbox subscribe 12065550100 here)",
            "",
        ]

    # -- talking to the bot ---------------------------------------------------------------------------

    def slash(self, line: str) -> None:
        command, _, text = line.partition(" ")
        if command != SLASH:
            self.emit(f"Only {SLASH} is installed in this workspace (try {SLASH} help).")
            return
        started = time.monotonic()
        try:
            result = self.stack.driver.command(text.strip(), user=self.user, channel=self.channel)
        except requests.RequestException as error:
            self.emit(f"⚠️  The bot did not answer: {error.__class__.__name__}")
            return
        if result.status != 200:
            self.emit(f"⚠️  The bot answered HTTP {result.status}; Slack would show an error.")
        elif result.elapsed > 3:
            self.emit(f"⚠️  The bot took {result.elapsed:.1f} s to answer; Slack gives up after 3 s.")
        self.settle(started)

    def say(self, text: str, thread: tuple[str, str] | None = None) -> None:
        """Post a message as the user (the bot receives the `message` event)."""
        started, shown = time.monotonic(), self.shown_count
        channel, thread_ts = thread or (self.channel, None)
        try:
            self.stack.driver.post_user_message(text, user=self.user, channel=channel, thread_ts=thread_ts)
        except requests.RequestException as error:
            self.emit(f"⚠️  The bot did not answer: {error.__class__.__name__}")
            return
        self.settle(started)
        if self.shown_count == shown:
            self.note(f"(posted in #{self.stack.slack.channel_name(channel)}{' in the thread' if thread else ''};"
                      " the bot did not answer)")

    def latest_labelled(self, label: str) -> int | None:
        """The number of the newest button on screen whose label is `label` (case-insensitive)."""
        with self._lock:
            numbers = [n for n, (_, item) in self._clickables.items() if item.text.lower() == label.strip().lower()]
        return max(numbers, default=None)

    def click(self, number: int | None) -> None:
        with self._lock:
            entry = self._clickables.get(number) if number is not None else None
        if entry is None:
            self.emit("There is no such button on screen (messages that changed get new numbers).")
            return
        message_id, item = entry
        if item.kind == "button":
            if item.confirm and not self.confirm(item.confirm):
                self.emit("Cancelled.")
                return
            self._press(lambda: self.stack.driver.click(message_id, action_id=item.action_id, value=item.value,
                                                        text=item.text, user=self.user))
            return
        value = self.choose(item)
        if value is not None and (not item.confirm or self.confirm(item.confirm)):
            self._press(lambda: self.stack.driver.select(message_id, item.action_id, value, user=self.user))

    def _press(self, send) -> None:
        started = time.monotonic()
        try:
            response = send()
        except (SlackDriverError, KeyError):
            self.emit("That message has changed or is gone; use the buttons of its new version.")
            return
        except requests.RequestException as error:
            self.emit(f"⚠️  The bot did not answer: {error.__class__.__name__}")
            return
        if response.status_code != 200:
            self.emit(f"⚠️  The bot answered HTTP {response.status_code}; Slack would show an error.")
        self.settle(started)

    def confirm(self, dialog: dict) -> bool:
        self.emit(render.confirm_lines(dialog, self.names, self.style))
        while True:
            answer = self.read("Confirm? [y/n] ").strip().lower()
            if answer in ("y", "yes", render.plain_text(dialog.get("confirm")).lower()):
                return True
            if answer in ("n", "no", "", render.plain_text(dialog.get("deny")).lower()):
                return False

    def choose(self, item: render.Clickable) -> str | None:
        self.emit([f"  {index}) {text}" for index, (text, _value) in enumerate(item.options, 1)])
        answer = self.read(f"{item.text} (number, Enter to cancel): ").strip()
        value = _pick([{"text": {"text": t}, "value": v} for t, v in item.options], answer) if answer else None
        if value is None:
            self.emit("Cancelled.")
        return value

    # -- modals ---------------------------------------------------------------------------------------

    def handle_modals(self) -> None:
        """Run every modal the bot opened for this user as a form, until none is open."""
        while True:
            view = self._ready_view(self.stack.slack.top_view(self.user))
            if view is None:
                return
            self.run_form(view)

    def _ready_view(self, view: dict | None, *, updated: bool = False) -> dict | None:
        """The view once it has something to fill in: a "Loading…" modal is waited for until the bot updates it.

        A view with nothing to fill in that the bot already updated (or never updates) is a notice: it is
        shown and closed, as a reader would.
        """
        if view is None or _has_inputs(view) or view.get("submit"):
            return view
        deadline = time.monotonic() + (0 if updated else LOADING_TIMEOUT)
        while time.monotonic() < deadline:
            current = self.stack.slack.top_view(self.user)
            if current is None or current["id"] != view["id"] or current["hash"] != view["hash"]:
                return self._ready_view(current, updated=True)
            time.sleep(0.05)
        self.emit([""] + render.render_view(view, names=self.names, style=self.style).lines)
        self._close(view, "  (closed)")
        return None

    def _close(self, view: dict, note: str) -> None:
        started = time.monotonic()
        with contextlib.suppress(SlackDriverError):
            self.stack.driver.close_view(view["id"], user=self.user)
        self.note(note)
        self.settle(started)

    def run_form(self, view: dict) -> None:
        """Show the modal, ask each input in turn, submit; ask again the fields the bot rejects."""
        intro = [""] + self._static_lines(view)
        inputs = [b for b in view.get("blocks") or [] if b.get("type") == "input"]
        if inputs:
            intro.append(self.style.dim("  (Enter keeps [the value shown] or skips an optional field; "
                                        "- clears it; :cancel closes the form)"))
        self.emit(intro)
        if not inputs and not self._yes(f"Submit “{render.view_title(view)}”? [y/n] "):
            self._close(view, "Form closed.")
            return
        answers: dict[str, Any] = {}
        errors: dict[str, str] = {}
        while True:
            to_ask = [b for b in inputs if b.get("block_id") in errors] or inputs
            if errors and (not inputs or to_ask is inputs):  # errors on no field we know: show them all
                self.emit([f"  ⚠️  {text}" for text in errors.values()])
                if not inputs:
                    self._close(view, "Form closed.")
                    return
            for block in to_ask:
                if block.get("block_id") in errors:
                    self.emit(f"  ⚠️  {errors[block['block_id']]}")
                answer = self.ask_field(block, answers.get(block["block_id"], _MISSING))
                if answer is _CANCEL:
                    self._close(view, "Form closed.")
                    return
                if answer not in (_KEEP, _SKIP):
                    answers[block["block_id"]] = answer
            errors = self._submit(view, answers)
            if not errors:
                return

    def _static_lines(self, view: dict) -> list[str]:
        shown = {**view, "blocks": [b for b in view.get("blocks") or [] if b.get("type") != "input"]}
        return render.render_view(shown, names=self.names, style=self.style).lines

    def _yes(self, prompt: str) -> bool:
        return self.read(prompt).strip().lower() in ("y", "yes")

    def _submit(self, view: dict, answers: dict) -> dict[str, str]:
        """Submit; return the field errors the bot answered (empty when the form was accepted)."""
        started = time.monotonic()
        self.note(f"  (submitting “{render.view_title(view)}”)")
        try:
            response = self.stack.driver.submit_view(view["id"], answers, user=self.user)
        except (SlackDriverError, requests.RequestException) as error:
            self.emit(f"⚠️  Could not submit the form: {error}")
            self._close(view, "Form closed.")
            return {}
        answer = response.json() if response.text.strip().startswith("{") else {}
        if response.status_code == 200 and answer.get("response_action") == "errors":
            return {key: str(value) for key, value in (answer.get("errors") or {}).items()} or {"": "?"}
        if response.status_code != 200:
            self.emit(f"⚠️  The bot answered HTTP {response.status_code}; Slack would keep the form open.")
            self._close(view, "Form closed.")
        self.settle(started)
        return {}

    def ask_field(self, block: dict, previous: Any) -> Any:
        """One input block: its value, _KEEP (initial value), _SKIP (optional, left empty) or _CANCEL."""
        element = block.get("element") or {}
        label = render.emoji(render.plain_text(block.get("label")))
        optional = bool(block.get("optional"))
        options = _options(element)
        hint = render.emoji(render.plain_text(block.get("hint")))
        if hint or options:
            self.emit([f"  {label}" + (self.style.dim(f" — {hint}") if hint else "")]
                      + [f"    {index}) {render.plain_text(o.get('text'))}" for index, o in enumerate(options, 1)])
        shown = _answer_text(element, previous) if previous is not _MISSING else _initial_text(element)
        prompt = f"{label}{' (optional)' if optional else ''}{f' [{shown}]' if shown else ''}: "
        while True:
            answer = self.read(prompt).strip()
            if answer == ":cancel":
                return _CANCEL
            if not answer:
                if previous is not _MISSING:
                    return previous
                if shown:
                    return _KEEP
                if optional:
                    return _SKIP
                self.emit("    This field is required.")
                continue
            if answer == "-" and (optional or shown):
                return None
            value, problem = parse_answer(element, answer, users=self.users, channels=self.channels)
            if problem is None:
                return value
            self.emit(f"    {problem}")

    # -- console commands -----------------------------------------------------------------------------

    def console_command(self, line: str) -> bool:
        name, _, rest = line.partition(" ")
        name, rest = name.lower(), rest.strip()
        if name in (":quit", ":q", ":exit"):
            return False
        handler = {
            ":help": self.cmd_help, ":channel": self.cmd_channel, ":user": self.cmd_user, ":sms": self.cmd_sms,
            ":mms": self.cmd_mms, ":reply": self.cmd_reply, ":poll": self.cmd_poll,
        }.get(name)
        if handler is None:
            self.emit(f"Unknown console command {name}; :help lists them.")
        else:
            handler(rest)
        return True

    def cmd_help(self, _rest: str) -> None:
        usages = {name: f"{name} {args}".strip() for name, (args, _text) in CONSOLE_COMMANDS.items()}
        width = max(len(usage) for usage in usages.values())
        self.emit([self.style.bold("Console commands") + " (never sent to the bot):"]
                  + [f"  {usages[name].ljust(width)}  {text}" for name, (_args, text) in CONSOLE_COMMANDS.items()]
                  + [f"Anything starting with {SLASH} goes to the bot as the slash command; other text is posted",
                     "in the channel as a message. Buttons show as [N]: type N (or click N, or click LABEL for",
                     "the newest button with that label) to press one.",
                     f"{SLASH} help lists the bot's commands."])

    def cmd_channel(self, rest: str) -> None:
        if not rest:
            self.emit("Channels: " + ", ".join(f"#{name}" for name in sorted(self.channels)))
            return
        name = rest.lstrip("#").lower()
        if name not in self.channels:
            if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,79}", name):
                self.emit(f"{rest!r} is not a channel name.")
                return
            channel_id = "C0" + re.sub(r"[^A-Z0-9]", "", name.upper())[:9]
            self.stack.slack.add_channel(channel_id, name)
            self.channels[name] = channel_id
            self.note(f"(created #{name}, {channel_id}; the bot is a member)")
        self.channel = self.channels[name]

    def cmd_user(self, rest: str) -> None:
        if not rest:
            self.emit("Users: " + ", ".join(f"{name} ({uid})" for name, uid in sorted(self.users.items())))
            return
        name = rest.lstrip("@").lower()
        if name not in self.users:
            if not re.fullmatch(r"[a-z][a-z0-9._-]{0,20}", name):
                self.emit(f"{rest!r} is not a user name.")
                return
            self.users[name] = "U0" + re.sub(r"[^A-Z0-9]", "", name.upper())[:9]
            self.stack.slack.add_user(self.users[name], name)
        self.user = self.users[name]
        admin = self.stack.deps.settings.is_admin(self.user)
        self.note(f"(you are now {name}, {self.user}; {'an admin' if admin else 'not an admin: changes are refused'})")

    def cmd_sms(self, rest: str) -> None:
        parts = rest.split(maxsplit=2)
        if len(parts) < 3:
            self.emit("Usage: :sms FROM TO TEXT   e.g. :sms 12065559876 12065550100 Hello")
            return
        self._inject(parts[0], parts[1], parts[2], [])

    def cmd_mms(self, rest: str) -> None:
        parts = rest.split(maxsplit=3)
        if len(parts) < 3 or not all(re.match(r"https?://", url) for url in parts[2].split(",")):
            self.emit("Usage: :mms FROM TO URL[,URL...] [TEXT]   e.g. :mms 12065559876 12065550100 "
                      "https://example.com/cat.jpg Look")
            return
        self._inject(parts[0], parts[1], parts[3] if len(parts) > 3 else "", parts[2].split(","))

    def _inject(self, sender: str, to: str, text: str, media: list[str]) -> None:
        try:
            record = self.stack.sandbox.inject_message(sender, to, text, media_urls=media or None)
        except ValueError as error:
            self.emit(f"Could not inject the message: {error}")
            return
        kind = "MMS" if media else "SMS"
        when = "on its next poll" + (f" (every {self.stack.poll_seconds} s)" if self.stack.scheduler_running else "")
        self.note(f"(Flowroute sandbox: inbound {kind} {sender} → {to} arrived as {record.get('id')}; "
                  f"the relay posts it {when}, or type :poll)")

    def cmd_reply(self, rest: str) -> None:
        if not rest:
            self.emit("Usage: :reply TEXT")
            return
        if self.last_thread is None:
            self.emit("There is no thread to reply in yet (the relay starts one per conversation).")
            return
        self.say(rest, thread=self.last_thread)

    def cmd_poll(self, _rest: str) -> None:
        relay = self.stack.relay
        if relay is None:
            self.emit("The inbound relay is not available in this build.")
            return
        started = time.monotonic()
        try:
            result = relay.run_cycle()  # what the scheduler's job does: poll, post, follow up replies
        except Exception as error:  # noqa: BLE001 - show it, keep the console alive
            self.emit(f"⚠️  Poll failed: {error}")
            return
        self.note(f"(polled Flowroute: {result.summary()})")
        self.settle(started)


def _has_inputs(view: dict) -> bool:
    return any(block.get("type") == "input" for block in view.get("blocks") or [])


# --- entry point ----------------------------------------------------------------------------------------

def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot console", description=__doc__.split("\n\n")[0])
    parser.add_argument("--script", metavar="FILE", help="run the lines of FILE without prompting ('-': stdin)")
    parser.add_argument("--poll-seconds", type=int, default=POLL_SECONDS, help="inbound poll interval")
    parser.add_argument("--no-color", action="store_true", help="plain output even on a terminal")
    parser.add_argument("--verbose", action="store_true", help="show the bot's INFO logs")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None, *, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    args = parse_args(list(argv or []))
    try:
        script = open(args.script, encoding="utf-8") if args.script and args.script != "-" else None  # noqa: SIM115
    except OSError as error:
        print(f"console: {error}", file=sys.stderr)
        return 2
    try:
        with _log_levels(verbose=args.verbose):
            return _run(args, stdin or sys.stdin, stdout or sys.stdout, script)
    finally:
        if script is not None:
            script.close()


@contextlib.contextmanager
def _log_levels(*, verbose: bool):
    """WARNING and up for the session unless verbose (the bot logs every request at INFO), then restore."""
    root, bolt = logging.getLogger(), logging.getLogger("flowroute_bot.bolt")
    saved = root.level, bolt.level
    if not verbose:
        root.setLevel(max(root.level, logging.WARNING))
        bolt.setLevel(logging.ERROR)  # "Unhandled request" warnings for events the bot does not listen to
    try:
        yield
    finally:
        root.setLevel(saved[0])
        bolt.setLevel(saved[1])


class ConsoleLogHandler(logging.Handler):
    """Log lines printed through the console, above the prompt instead of through it."""

    def __init__(self, console: Console):
        super().__init__()
        self.console = console
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.console.note(self.format(record))
        except Exception:  # noqa: BLE001 - logging must never break the console
            self.handleError(record)


@contextlib.contextmanager
def _logs_through(console: Console):
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers = [ConsoleLogHandler(console)]
    try:
        yield
    finally:
        root.handlers = saved


def _run(args: argparse.Namespace, stdin: TextIO, stdout: TextIO, script: TextIO | None) -> int:
    interactive = script is None and args.script != "-" and stdin.isatty()
    stack = DemoStack(poll_seconds=args.poll_seconds)
    try:
        with sigint_blocked():
            stack.start()
    except KeyboardInterrupt:  # Ctrl-C while starting
        _quietly(stack.stop)
        return 0
    except Exception as error:  # noqa: BLE001 - one line, not a traceback
        print(f"console: could not start the demo: {error}", file=sys.stderr)
        return 1
    styled = stdout.isatty() and not args.no_color and not os.environ.get("NO_COLOR")
    console = Console(stack, None, stdout, style=render.AnsiStyle() if styled else render.Style())
    console.reader = TerminalInput(_readline_completer(console)) if interactive else ScriptInput(script or stdin)
    in_main = threading.current_thread() is threading.main_thread()
    saved_handler = signal.getsignal(signal.SIGINT) if in_main else None
    if interactive and in_main:
        # Ctrl-C must work even when started with SIGINT ignored (as `cmd &` does); Python then installs nothing.
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with _logs_through(console):
            try:
                return console.run()
            except KeyboardInterrupt:  # a second Ctrl-C while the first one was being handled
                return 0
            finally:
                _quietly(stack.stop)
    finally:
        if saved_handler is not None:
            signal.signal(signal.SIGINT, saved_handler)


def _readline_completer(console: Console):
    import readline

    matches: list[str] = []

    def complete(text: str, state: int) -> str | None:
        if state == 0:
            before = readline.get_line_buffer()[: readline.get_begidx()]
            matches[:] = completions(before, text, channels=console.channels, users=console.users)
        return matches[state] if state < len(matches) else None

    return complete


@contextlib.contextmanager
def sigint_blocked():
    """Threads started inside inherit a signal mask without SIGINT, so Ctrl-C always reaches the main thread.

    readline waits in select() without a timeout and only notices a signal that interrupts that call; where
    the kernel may hand a process's SIGINT to any thread, one taken by a server thread would go unnoticed.
    """
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _ignore_sigint():
    """Ignore Ctrl-C (main thread only); returns the handler to restore, or None."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGINT, signal.SIG_IGN)


def _quietly(fn) -> None:
    """Run a shutdown step with Ctrl-C ignored, so a second Ctrl-C cannot leave threads behind."""
    previous = _ignore_sigint()
    try:
        fn()
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
