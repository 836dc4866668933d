"""The real bot on a loopback port, wired to a Flowroute sandbox and a Slack emulator.

One way to build it for the tests, the console and the benchmarks: the same app factory and the same
signed HTTP path as production, with a SlackDriver playing Slack's part.
"""

from __future__ import annotations

from bot.app import build_deps, create_app, shutdown
from bot.health import Health
from bot.server import EVENTS_PATH, HttpServer, SlackGate, make_wsgi_app
from bot.settings import Settings
from flowroute_api import FlowrouteClient
from sandbox.flowroute import FlowrouteSandbox
from sandbox.slack import SlackDriver, SlackEmulator


class LocalBot:
    """Start with `LocalBot(sandbox, emulator, db_path=..., signing_secret=..., env={...})`; `stop()` ends it."""

    def __init__(
        self,
        sandbox: FlowrouteSandbox,
        emulator: SlackEmulator,
        *,
        db_path: str,
        signing_secret: str,
        env: dict | None = None,
        flowroute: FlowrouteClient | None = None,
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
        self.deps = build_deps(self.settings, flowroute=flowroute)
        try:
            self.app = create_app(self.settings, self.deps)
            self.health = Health(self.settings.poll_seconds, self.deps.extras.get("relay"))
            self.gate = SlackGate(self.health)
            self.server = HttpServer(make_wsgi_app(self.gate), host="127.0.0.1", port=0)
        except BaseException:
            shutdown(self.deps)
            raise
        self.url = self.server.start()
        self.gate.open(self.app, self.deps.extras.get("media"))
        self.driver = SlackDriver(emulator, self.url + EVENTS_PATH, signing_secret)

    @property
    def store(self):
        return self.deps.store

    @property
    def relay(self):
        return self.deps.extras.get("relay")

    @property
    def scheduler(self):
        return self.deps.extras.get("scheduler")

    def stop(self) -> None:
        """Stop serving, then the scheduler and the worker pools."""
        response, self.driver.last_response = self.driver.last_response, None
        if response is not None:
            response.close()  # its keep-alive connection would hold a server thread
        self.server.stop()
        shutdown(self.deps)
