"""`python -m sandbox.console` under a pseudo-terminal: the interactive path, tab completion and Ctrl-C."""

import os
import pty
import select
import signal
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PROMPT = b"alice@#ops> "


class Terminal:
    """A child process on a pty; `expect` reads until a pattern shows up or the deadline passes."""

    def __init__(self, argv: list[str], env: dict):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: becomes the console, with the pty as its controlling terminal
            signal.signal(signal.SIGINT, signal.SIG_DFL)  # a test run in the background inherits SIG_IGN
            os.chdir(REPO)
            os.execve(argv[0], argv, env)
        self.output = b""
        self.status: int | None = None

    def expect(self, pattern: bytes, timeout: float = 15.0) -> bytes:
        """Everything read up to and including the first `pattern` after what earlier expects consumed."""
        deadline = time.monotonic() + timeout
        while pattern not in self.output:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._read(remaining):
                raise AssertionError(f"{pattern!r} not seen; output so far:\n{self.output.decode(errors='replace')}")
        head, _, self.output = self.output.partition(pattern)
        return head + pattern

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:  # EIO: the child has gone and closed its side
            return False
        self.output += chunk
        return bool(chunk)

    def send(self, data: bytes) -> None:
        os.write(self.fd, data)

    def wait(self, timeout: float = 15.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._read(0.05)  # keep draining so the child never blocks on a full pty
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
                return self.status
        raise AssertionError("the console did not exit")

    def close(self) -> None:
        if self.status is None:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        os.close(self.fd)


@pytest.fixture
def terminal():
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SLACK_", "FLOWROUTE_"))}
    env.update(TERM="xterm", NO_COLOR="1", PYTHONUNBUFFERED="1")
    term = Terminal([sys.executable, "-m", "sandbox.console", "--poll-seconds", "1"], env)
    try:
        yield term
    finally:
        term.close()


def test_interactive_session_with_completion_then_ctrl_c(terminal):
    banner = terminal.expect(PROMPT)
    assert b"flowroute-slack-ops demo" in banner
    assert b"/flowroute numbers search --starts-with 206" in banner

    terminal.send(b"/flowroute help audit\r")  # typed at the prompt, answered by the real bot
    answer = terminal.expect(PROMPT)
    assert b"only visible to you" in answer and b"Recent changes made through the bot" in answer

    terminal.send(b"/flo\tnum\tsh\t12065550100\r")  # Tab completes the command, the noun and the verb
    shown = terminal.expect(PROMPT)
    assert b"/flowroute numbers show 12065550100" in shown
    assert b"Seattle support" in shown and b"[1] Set routes" in shown

    terminal.send(b"/flowroute inbox subscribe 12065550100 here\r")
    assert b"will be posted in #ops" in terminal.expect(PROMPT)
    terminal.send(b":sms 12065559876 12065550100 ping from the pty\r")
    terminal.expect(PROMPT)
    terminal.send(b"/flowroute nu")  # half typed when the scheduler's poll relays the SMS
    relayed = terminal.expect(b"ping from the pty")
    assert b"SMS from +1 206-555-9876 to +1 206-555-0100" in relayed
    terminal.expect(PROMPT + b"/flowroute nu")  # the prompt is drawn again below it, with what was typed
    terminal.send(b"mbers list --limit 1\r")  # and typing goes on where it was
    assert b"Numbers on the account" in terminal.expect(PROMPT)

    terminal.send(b"\x03")  # Ctrl-C at the prompt
    try:
        status = terminal.wait(timeout=5)
    except AssertionError:
        # CPython's readline only notices a signal that interrupts its select(): one that lands in the instant
        # before the call (a loaded machine, the prompt just drawn) waits for the next. A user presses again.
        terminal.send(b"\x03")
        status = terminal.wait()
    assert status == 0
    rest = terminal.output
    assert b"Interrupted." in rest
    assert b"Traceback" not in rest


def test_ctrl_c_and_ctrl_d_inside_a_form_cancel_the_form_and_ctrl_d_at_the_prompt_quits(terminal):
    terminal.expect(PROMPT)
    terminal.send(b"/flowroute routes create\r")
    terminal.expect(b"Route type: ")
    terminal.send(b"\x03")  # Ctrl-C while a field is asked: like closing the modal
    try:
        cancelled = terminal.expect(b"Form cancelled; nothing was submitted.", timeout=5)
    except AssertionError:
        terminal.send(b"\x03")  # readline may miss a signal landing just before its select() (see above)
        cancelled = terminal.expect(b"Form cancelled; nothing was submitted.")
    assert b"Interrupted." not in cancelled
    terminal.expect(PROMPT)

    terminal.send(b"/flowroute routes create\r")
    terminal.expect(b"Route type: ")
    terminal.send(b"\x04")  # Ctrl-D in a field
    terminal.expect(b"Form cancelled; nothing was submitted.")
    terminal.expect(PROMPT)

    terminal.send(b"\x04")  # Ctrl-D at the prompt quits
    assert terminal.wait() == 0
    assert b"Traceback" not in terminal.output
