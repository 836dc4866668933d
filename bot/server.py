"""The HTTP side: Bolt's WSGI handler at POST /slack/events plus GET /healthz, served by waitress."""

from __future__ import annotations

import json
import threading

from slack_bolt import App
from waitress.server import create_server

from bot.health import Health
from bot.slack_request import SlackEventsHandler
from relay.conversations import MEDIA_PATH

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"


class SlackGate:
    """Slack's side of the HTTP server: 503 until `open()` is given the Bolt app (start-up still
    checking Slack and Flowroute), then Bolt's WSGI handler; /healthz asks `health` at any time."""

    def __init__(self, health: Health):
        self.health = health
        self.bolt = None
        self.media = None
        self.callbacks = None

    def open(self, app: App, media=None, *, events: bool = True, callbacks=None) -> None:
        """Serve Slack; `events=False` (Socket Mode, whose app does not verify signatures) answers
        POST /slack/events with 404 instead of handing unsigned requests to Bolt. `callbacks` (a
        bot.callbacks.CallbackEndpoint) serves Flowroute's callbacks, in either mode."""
        self.media = media
        self.callbacks = callbacks
        # Bolt's handler, with form bodies parsed by their keys (bot/slack_request.py)
        self.bolt = SlackEventsHandler(app, path=EVENTS_PATH) if events else _not_found
        self.health.serving()


def make_wsgi_app(gate: SlackGate):
    """Route /healthz and /media ourselves and everything else to Bolt once the gate is open.

    `media(name) -> (status, headers, body)` answers GET /media/<name>: the images of MMS replies, fetched
    by Flowroute (`deps.conversations.serve_media`).
    """

    def wsgi(environ, start_response):
        path, method = environ.get("PATH_INFO") or "", environ.get("REQUEST_METHOD")
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            healthy, body = gate.health.report()
            return _json(start_response, "200 OK" if healthy else "503 Service Unavailable", body, method)
        bolt, media = gate.bolt, gate.media
        if bolt is None:
            body = {"ok": False, "reason": gate.health.report()[1].get("reason") or "starting"}
            return _json(start_response, "503 Service Unavailable", body, method)
        callbacks = gate.callbacks
        if callbacks is not None and callbacks.matches(path):
            return callbacks(environ, start_response)  # the one path served without Slack's signature
        if media is not None and path.startswith(MEDIA_PATH) and method in ("GET", "HEAD"):
            status, headers, body = media(path[len(MEDIA_PATH):])
            start_response(status, headers)
            return [] if method == "HEAD" else [body]
        return bolt(environ, start_response)

    return wsgi


def _not_found(environ, start_response):
    start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "9")])
    return [b"Not Found"]


def _json(start_response, status: str, body: dict, method: str) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [] if method == "HEAD" else [data]


class HttpServer:
    """A waitress server that can run in the foreground (production) or a thread (tests, console).

    waitress's own `run()` only returns on a signal, so we drive its event loop ourselves and stop it
    by flag: `stop()` is prompt and leaves no thread behind.
    """

    def __init__(self, wsgi, *, host: str = "0.0.0.0", port: int = 3000, threads: int = 16):
        self._server = create_server(wsgi, host=host, port=port, threads=threads, ident="flowroute-slack-ops")
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.effective_port

    def url(self, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}"

    def serve_forever(self) -> None:
        server = self._server
        try:
            while not self._stopping.is_set():
                server.asyncore.loop(timeout=1.0, map=server._map, use_poll=server.adj.asyncore_use_poll, count=1)
        finally:
            for channel in list(server._map.values()):
                channel.close()
            server.task_dispatcher.shutdown()

    def start(self) -> str:
        self._thread = threading.Thread(target=self.serve_forever, name="http-server", daemon=True)
        self._thread.start()
        return self.url()

    def stop(self) -> None:
        """Stop serving (safe from a signal handler or another thread)."""
        self._stopping.set()
        try:
            self._server.pull_trigger()  # wake the loop now rather than at its next 1 s timeout
        except OSError:
            pass  # the loop already saw the flag and closed its trigger
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
