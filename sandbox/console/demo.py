"""The running demo: the Flowroute sandbox, the Slack emulator and the real bot in one process, and the seeded
workspace (channels, users, the admin) the console starts in."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import tempfile
import threading
from concurrent.futures import Executor, Future, ThreadPoolExecutor

from sandbox.flowroute import FlowrouteSandbox
from sandbox.slack import SlackDriver, SlackEmulator

ADMIN = "U0ADMIN"
SLASH = "/flowroute"
POLL_SECONDS = 5
# The emulator's seeded workspace (sandbox/slack/emulator.py); `:channel NEW` and `:user NEW` add to these.
CHANNELS = {"ops": "C0OPS", "alerts": "C0ALERTS", "audit": "C0AUDIT", "random": "C0RANDOM",
            "secret-ops": "G0SECRET", "old": "C0OLD"}
SECOND_ADMIN = "U0DANA"  # dana approves what alice asks for (FLOWROUTE_BOT_APPROVAL below)
USERS = {"alice": "U0ADMIN", "bob": "U0BOB", "dana": SECOND_ADMIN}
# Changes that need a second admin in the demo: `:user dana` approves them. Buying stays one-person, so the
# README's first steps are unchanged.
DEMO_APPROVAL = "numbers release,routes delete,e911 *,cnam delete"


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


def callback_env() -> dict[str, str]:
    """A known port and a token, so `/flowroute inbox callbacks on` works in the demo (issue 13)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return {"PORT": str(port), "FLOWROUTE_BOT_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "FLOWROUTE_BOT_CALLBACK_TOKEN": secrets.token_urlsafe(32)}


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
        self.sandbox.seed_history()  # weeks of messages for `report`, the App Home and the digest
        self.sandbox.start()
        self._exit.callback(self.sandbox.stop)
        self.slack = SlackEmulator()
        self.slack.start()
        self.slack.add_user(SECOND_ADMIN, "dana", is_admin=True)
        self._exit.callback(self.slack.stop)
        self.work = TrackedExecutor(ThreadPoolExecutor(max_workers=WORK_THREADS, thread_name_prefix="flowroute-work"))
        self.bot = LocalBot(
            self.sandbox, self.slack, db_path=os.path.join(workdir, "demo.db"), signing_secret=secrets.token_hex(16),
            env={"FLOWROUTE_BOT_ADMINS": f"{ADMIN},{SECOND_ADMIN}", "FLOWROUTE_BOT_APPROVAL": DEMO_APPROVAL,
                 "FLOWROUTE_BOT_AUDIT_CHANNEL": "C0AUDIT",
                 "FLOWROUTE_BOT_POLL_SECONDS": str(self.poll_seconds), **callback_env()}, executor=self.work,
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
