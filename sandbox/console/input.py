"""What the user types: lines at a terminal (readline history, editing, tab completion) or from a script, and
Ctrl-C, which always reaches the main thread and never cuts a shutdown short."""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import TextIO

from handlers.parser import COMMANDS, NOUNS
from sandbox.console.commands import CONSOLE_COMMANDS
from sandbox.console.demo import SLASH


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


def readline_completer(console):
    """Tab completion for readline, with the console's current channels and users."""
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


def ignore_sigint():
    """Ignore Ctrl-C (main thread only); returns the handler to restore, or None."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGINT, signal.SIG_IGN)


def quietly(fn) -> None:
    """Run a shutdown step with Ctrl-C ignored, so a second Ctrl-C cannot leave threads behind."""
    previous = ignore_sigint()
    try:
        fn()
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
