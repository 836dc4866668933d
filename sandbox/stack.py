"""The real bot on a loopback port, wired to a Flowroute sandbox and a Slack emulator.

One way to build it for the tests, the console and the benchmarks: the same app factory and the same
signed HTTP path as production, with a SlackDriver playing Slack's part.
"""

from __future__ import annotations

from concurrent.futures import Executor

from apscheduler.schedulers.background import BackgroundScheduler

from bot.app import create_app, shutdown
from bot.callbacks import callback_endpoint
from bot.health import Health
from bot.server import EVENTS_PATH, HttpServer, SlackGate, make_wsgi_app
from core.commands import Command
from core.settings import Settings
from core.storage import Store
from flowroute_api import FlowrouteClient
from relay.conversations import Conversations
from relay.service import Relay
from sandbox.flowroute import FlowrouteSandbox
from sandbox.slack import SlackDriver, SlackEmulator


class LocalBot:
    """Start with `LocalBot(sandbox, emulator, db_path=..., signing_secret=..., env={...})`; `stop()` ends it.

    `executor` replaces the work pool (the console counts the work in flight with it).
    """

    def __init__(
        self,
        sandbox: FlowrouteSandbox,
        emulator: SlackEmulator,
        *,
        db_path: str,
        signing_secret: str,
        env: dict | None = None,
        flowroute: FlowrouteClient | None = None,
        executor: Executor | None = None,
    ):
        self.sandbox, self.slack = sandbox, emulator
        self.settings = Settings.from_env(
            {
                "SLACK_BOT_TOKEN": emulator.token,
                "SLACK_SIGNING_SECRET": signing_secret,
                "SLACK_API_URL": emulator.api_url,
                "FLOWROUTE_ACCESS_KEY": sandbox.access_key,
                "FLOWROUTE_SECRET_KEY": sandbox.secret_key,
                "FLOWROUTE_API_URL": sandbox.url,
                "FLOWROUTE_BOT_DB": str(db_path),
                **(env or {}),
            }
        )
        self.process = create_app(self.settings, flowroute=flowroute, executor=executor)
        self.deps, self.app = self.process.deps, self.process.app
        try:
            self.health = Health(self.settings.poll_seconds, self.deps.relay)
            self.gate = SlackGate(self.health)
            port = self.settings.port if "PORT" in (env or {}) else 0  # a fixed port: a known public URL
            self.server = HttpServer(make_wsgi_app(self.gate), host="127.0.0.1", port=port)
        except BaseException:
            shutdown(self.process)
            raise
        self.url = self.server.start()
        self.gate.open(self.app, self.deps.conversations.serve_media, callbacks=callback_endpoint(self.deps))
        self.driver = SlackDriver(emulator, self.url + EVENTS_PATH, signing_secret)

    @property
    def store(self) -> Store:
        return self.deps.store

    @property
    def relay(self) -> Relay:
        return self.deps.relay

    @property
    def conversations(self) -> Conversations:
        return self.deps.conversations

    @property
    def scheduler(self) -> BackgroundScheduler:
        return self.process.scheduler

    @property
    def commands(self) -> dict[str, Command]:
        """The registered `/flowroute` command handlers, keyed like "numbers search"."""
        return self.process.commands

    def stop(self) -> None:
        """Stop serving, then the scheduler and the worker pools."""
        response, self.driver.last_response = self.driver.last_response, None
        if response is not None:
            response.close()  # its keep-alive connection would hold a server thread
        self.server.stop()
        shutdown(self.process)
