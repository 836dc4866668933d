"""Entry point: `python -m bot` (HTTP or Socket Mode), production only; the demo is `python -m sandbox.console`."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading


def main(argv: list[str]) -> int:
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    return run_bot()


def run_bot() -> int:
    from bot.app import create_app, shutdown
    from core.settings import Settings, SettingsError

    try:
        settings = Settings.from_env(os.environ)
    except SettingsError as error:
        print(f"flowroute-slack-ops: {error}", file=sys.stderr)
        return 2
    process = create_app(settings)
    process.scheduler.start()
    try:
        if settings.socket_mode:
            return _run_socket_mode(process.app, settings)
        return _run_http(process.app, settings, process.deps.conversations.serve_media)
    finally:
        shutdown(process)


def _run_http(app, settings, media) -> int:
    from bot.server import HttpServer, make_wsgi_app

    ready = threading.Event()
    server = HttpServer(make_wsgi_app(app, ready, media), port=settings.port)
    signal.signal(signal.SIGTERM, lambda *_: server.stop())
    ready.set()
    logging.getLogger("flowroute_bot").info("Serving Slack requests on port %s", server.port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


def _run_socket_mode(app, settings) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk.errors import SlackApiError

    handler = SocketModeHandler(app, app_token=settings.slack_app_token)
    signal.signal(signal.SIGTERM, lambda *_: handler.close())
    try:
        handler.start()
    except SlackApiError as error:
        # Typically a wrong or revoked app-level token: one clear line, not a traceback.
        print(f"flowroute-slack-ops: Socket Mode could not connect: {error.response.get('error')}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        handler.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
