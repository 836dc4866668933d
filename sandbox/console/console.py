"""The chat loop: what the user types is played to the bot as Slack would play it (slash commands, messages,
button clicks, menu picks, confirm dialogs, modal submissions, all through SlackDriver, all signed), and what the
bot posts is printed as it arrives, above the prompt when the user sits at one.

After each action the console waits until the bot has finished (its work pool is idle and the emulator has been
quiet for a moment), so a script's next line sees the whole answer. Buttons get numbers in reading order; a
message that changes gets new numbers, and the old ones stop working.
"""

from __future__ import annotations

import json
import logging
import queue
import re
import threading
import time
from typing import Any, TextIO

import requests

from relay.posts import RELAY_EVENT
from sandbox.console import forms, render
from sandbox.console.answers import pick
from sandbox.console.commands import console_command
from sandbox.console.demo import ADMIN, CHANNELS, SLASH, USERS, DemoStack
from sandbox.console.escaping import as_slack_sends
from sandbox.console.input import ignore_sigint, line_buffer, sigint_blocked
from sandbox.slack import SlackDriverError

log = logging.getLogger("flowroute_bot.console")

QUIET_FIRST = 0.5  # after an action with nothing shown yet, this long without events means "done"
QUIET_AFTER = 0.15  # once something was shown, this long without events means "done"
MAX_SETTLE = 30.0


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
        self.conversations: dict[tuple[str, str], str] = {}  # (channel, thread ts) -> "from → to", oldest first
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
            self._note_conversation(message)
            self.shown_count += 1
            self.emit([""] + lines)

    def _note_conversation(self, message) -> None:
        """Remember the SMS conversation threads the relay starts (its posts carry the relay's metadata)."""
        metadata = message.metadata or {}
        payload = metadata.get("event_payload") or {}
        if metadata.get("event_type") != RELAY_EVENT or message.ephemeral_to is not None:
            return
        key = (message.channel, message.thread_ts or message.ts)
        self.conversations.pop(key, None)
        self.conversations[key] = f"{payload.get('from', '?')} → {payload.get('to', '?')}"  # newest last

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
            ignore_sigint()  # shutting down from here on: a second Ctrl-C must not cut it short
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
            return console_command(self, line)
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
            f"  Slack emulator     {stack.slack.api_url}  (#ops #alerts #audit; users alice and dana (admins), bob)",
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
            result = self.stack.driver.command(self.escaped(text.strip()), user=self.user, channel=self.channel)
        except requests.RequestException as error:
            self.emit(f"⚠️  The bot did not answer: {error.__class__.__name__}")
            return
        if result.status != 200:
            self.emit(f"⚠️  The bot answered HTTP {result.status}; Slack would show an error.")
        elif result.elapsed > 3:
            self.emit(f"⚠️  The bot took {result.elapsed:.1f} s to answer; Slack gives up after 3 s.")
        self.settle(started)

    def escaped(self, text: str) -> str:
        """What Slack would send for the typed text (mentions resolved, `&<>` escaped)."""
        return as_slack_sends(text, self.channels, self.users)

    def say(self, text: str, thread: tuple[str, str] | None = None, files: list[dict] | None = None) -> None:
        """Post a message as the user (the bot receives the `message` event)."""
        started, shown = time.monotonic(), self.shown_count
        channel, thread_ts = thread or (self.channel, None)
        try:
            self.stack.driver.post_user_message(self.escaped(text), user=self.user, channel=channel,
                                                thread_ts=thread_ts, files=files)
        except requests.RequestException as error:
            self.emit(f"⚠️  The bot did not answer: {error.__class__.__name__}")
            return
        self.settle(started)
        if self.shown_count == shown and thread is None:
            self.note(f"(posted in #{self.stack.slack.channel_name(channel)}{' in the thread' if thread else ''};"
                      " the bot did not answer)")

    def latest_labelled(self, label: str) -> int | None:
        """The number of the newest button on screen whose label is `label` (case-insensitive; a trailing `…`
        on the button, as in `Release…`, need not be typed)."""
        def bare(text: str) -> str:
            return text.strip().rstrip("…").rstrip(".").strip().lower()

        with self._lock:
            numbers = [n for n, (_, item) in self._clickables.items() if bare(item.text) == bare(label)]
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
            try:
                answer = self.read("Confirm? [y/n] ").strip().lower()
            except (KeyboardInterrupt, EOFError):  # like dismissing Slack's dialog
                self.emit("")
                return False
            if answer in ("y", "yes", render.plain_text(dialog.get("confirm")).lower()):
                return True
            if answer in ("n", "no", "", render.plain_text(dialog.get("deny")).lower()):
                return False

    def choose(self, item: render.Clickable) -> str | None:
        self.emit([f"  {index}) {text}" for index, (text, _value) in enumerate(item.options, 1)])
        answer = self.read(f"{item.text} (number, Enter to cancel): ").strip()
        value = pick([{"text": {"text": t}, "value": v} for t, v in item.options], answer) if answer else None
        if value is None:
            self.emit("Cancelled.")
        return value

    # -- modals ---------------------------------------------------------------------------------------

    def handle_modals(self) -> None:
        """Run every modal the bot opened for this user as a form, until none is open."""
        while True:
            view = forms.ready_view(self, self.stack.slack.top_view(self.user))
            if view is None:
                return
            try:
                forms.run_form(self, view)
            except (KeyboardInterrupt, EOFError):  # like closing the modal: the form goes, the demo stays
                self.emit("")
                forms.close(self, view, "Form cancelled; nothing was submitted.")
