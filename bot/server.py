"""The HTTP side: Bolt's WSGI handler at POST /slack/events plus GET /healthz, served by waitress."""

from __future__ import annotations

import json
import threading

from slack_bolt import App
from waitress.server import create_server

from bot.slack_request import SlackEventsHandler

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MEDIA_PATH = "/media/"


def make_wsgi_app(app: App, ready: threading.Event, media=None):
    """Route /healthz ourselves (200 once `ready` is set, 503 before) and everything else to Bolt.

    `media(name) -> (status, headers, body)` answers GET /media/<name>: the images of MMS replies, fetched
    by Flowroute (handlers/conversations.py puts it in `deps.extras["media"]`).
    """
    bolt = SlackEventsHandler(app, path=EVENTS_PATH)  # Bolt's handler, form bodies parsed by their keys

    def wsgi(environ, start_response):
        path, method = environ.get("PATH_INFO") or "", environ.get("REQUEST_METHOD")
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            ok = ready.is_set()
            body = json.dumps({"ok": ok}).encode()
            start_response("200 OK" if ok else "503 Service Unavailable",
                           [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        if media is not None and path.startswith(MEDIA_PATH) and method in ("GET", "HEAD"):
            status, headers, body = media(path[len(MEDIA_PATH):])
            start_response(status, headers)
            return [] if method == "HEAD" else [body]
        return bolt(environ, start_response)

    return wsgi


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
