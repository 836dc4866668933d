"""`python -m sandbox.console` (`make demo`): the whole bot in a terminal, with no Slack and no Flowroute account.

One process runs the Flowroute sandbox and the Slack emulator on loopback ports, the real bot wired to them
(the same app factory and HTTP endpoint; every request is signed, the console plays Slack's part through
SlackDriver) and the scheduler. You type `/flowroute ...` as in Slack and read what the bot posts, rendered
from its Block Kit (sandbox/console/render.py). Buttons are numbered (`click N` or `N`), modals become forms
asked field by field, and `:` commands drive the console itself (`:help`).

`--script FILE` (or a stdin that is not a terminal) runs lines without prompting and echoes them; answers
to confirm dialogs and form fields come from the following lines. The tests use this path.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
import threading
from typing import TextIO

from sandbox.console import render
from sandbox.console.console import Console
from sandbox.console.demo import POLL_SECONDS, DemoStack
from sandbox.console.input import ScriptInput, TerminalInput, quietly, readline_completer, sigint_blocked


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sandbox.console", description=__doc__.split("\n\n")[0])
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
        quietly(stack.stop)
        return 0
    except Exception as error:  # noqa: BLE001 - one line, not a traceback
        print(f"console: could not start the demo: {error}", file=sys.stderr)
        return 1
    styled = stdout.isatty() and not args.no_color and not os.environ.get("NO_COLOR")
    console = Console(stack, None, stdout, style=render.AnsiStyle() if styled else render.Style())
    console.reader = TerminalInput(readline_completer(console)) if interactive else ScriptInput(script or stdin)
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
                quietly(stack.stop)
    finally:
        if saved_handler is not None:
            signal.signal(signal.SIGINT, saved_handler)

