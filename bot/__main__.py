"""Entry point: `python -m bot` (HTTP or Socket Mode) and `--help`; production only (the demo is
`python -m sandbox.console`)."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading

PROGRAM = "flowroute-slack-ops"
USAGE = """usage: python -m bot            run the bot (HTTP, or Socket Mode when SLACK_APP_TOKEN is set)
       python -m bot --help     this text
       (the demo, a terminal chat against local stand-ins of Slack and Flowroute: python -m sandbox.console)

Settings come from the environment, then from .env in the working directory (the environment wins):
"""

log = logging.getLogger("flowroute_bot")


def main(argv: list[str]) -> int:
    from bot.logs import configure_logging
    from core.settings import SettingsError, load_env_file, log_settings, settings_table

    if argv[:1] in (["--help"], ["-h"]):
        print(USAGE + "\n" + settings_table())
        return 0
    if argv:
        print(f"{PROGRAM}: unknown argument {argv[0]!r} (try --help)", file=sys.stderr)
        return 2
    load_env_file()
    try:
        levels = log_settings(os.environ)
        configure_logging(levels["log_level"], levels["log_format"])
    except SettingsError as error:
        print(f"{PROGRAM}: {error}", file=sys.stderr)
        return 2
    return run_bot()


def run_bot() -> int:
    from bot.startup import CredentialRefused
    from core.settings import Settings, SettingsError

    try:
        settings = Settings.from_env(os.environ)
    except SettingsError as error:
        print(f"{PROGRAM}: {error}", file=sys.stderr)
        return 2
    try:
        return _serve(settings)
    except CredentialRefused as error:
        print(f"{PROGRAM}: {error}", file=sys.stderr)
        return 2


def _serve(settings) -> int:
    """HTTP server first (/healthz says why not ready), then the checks, then Slack and the scheduler."""
    from bot.app import build_deps, close_deps, freeze_startup_heap, shutdown
    from bot.callbacks import callback_endpoint
    from bot.health import Health
    from bot.scheduler import new_scheduler
    from bot.server import HttpServer, SlackGate, make_wsgi_app

    log.info("Starting in %s on port %s; relay polls every %s s; %s", _mode(settings), settings.port,
             settings.poll_seconds, _features(settings))
    scheduler = new_scheduler()
    deps = build_deps(settings, scheduler=scheduler)
    health = Health(settings.poll_seconds, deps.relay)
    gate = SlackGate(health)
    try:
        server = HttpServer(make_wsgi_app(gate), port=settings.port)
    except OSError as error:
        close_deps(deps)
        print(f"{PROGRAM}: PORT {settings.port} cannot be used: {error.strerror or error}", file=sys.stderr)
        return 2
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    server.start()
    process = None
    try:
        process = _build_process(settings, deps, scheduler, health, stopping)
        if process is None:
            return 0  # stopped while waiting
        freeze_startup_heap()
        if settings.socket_mode:
            return _run_socket_mode(process, settings, gate, stopping)
        gate.open(process.app, deps.conversations.serve_media, callbacks=callback_endpoint(deps))
        process.scheduler.start()
        log.info("Serving Slack requests at POST /slack/events on port %s", server.port)
        stopping.wait()
        return 0
    finally:
        log.info("Shutting down")
        server.stop()
        if process is not None:
            shutdown(process)
        else:
            close_deps(deps)
        log.info("Stopped")


def _build_process(settings, deps, scheduler, health, stopping: threading.Event):
    """Wait until Slack and Flowroute answer, then build Bolt's app and the jobs (None if stopped first).

    Bolt calls auth.test itself while building (and caches it for every request); should Slack stop
    answering between our check and that call, we go back to waiting instead of crashing.
    """
    from slack_bolt.error import BoltError
    from slack_sdk.errors import SlackClientError

    from bot.app import build_process
    from bot.startup import wait_for_services
    from core.errors import connection_problem

    while True:
        slack_auth = wait_for_services(settings, health, stopping)
        if slack_auth is None:
            return None
        log.info("Slack (team %s, bot %s) and Flowroute answer", slack_auth.get("team_id"), slack_auth.get("user_id"))
        try:
            return build_process(settings, deps, scheduler)
        except (BoltError, SlackClientError, OSError) as error:
            problem = connection_problem(error) if isinstance(error, OSError) else str(error)
            log.warning("Slack's auth.test failed while building the app (%s); checking again", problem)


def _mode(settings) -> str:
    return "Socket Mode" if settings.socket_mode else "HTTP mode"


def _features(settings) -> str:
    features = {
        "inbox channel": settings.inbox_channel, "audit channel": settings.audit_channel,
        "MMS replies (public URL)": settings.public_url, "thread senders": settings.senders,
        "callback endpoint": bool(settings.callback_token),
    }
    listed = ", ".join(f"{name} {'on' if value else 'off'}" for name, value in features.items())
    return f"{listed}; {len(settings.admins)} admin(s)"


def _run_socket_mode(process, settings, gate, stopping: threading.Event) -> int:
    """Connect to Slack over a WebSocket; the HTTP server keeps serving /healthz (and media)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk.errors import SlackApiError

    from bot.callbacks import callback_endpoint

    handler = SocketModeHandler(process.app, app_token=settings.slack_app_token)
    try:
        handler.connect()
    except SlackApiError as error:
        # Typically a wrong or revoked app-level token: one clear line, not a traceback.
        print(f"{PROGRAM}: Socket Mode could not connect: {error.response.get('error')}", file=sys.stderr)
        return 1
    gate.open(process.app, process.deps.conversations.serve_media, events=False,  # events come over the WebSocket
              callbacks=callback_endpoint(process.deps))
    process.scheduler.start()
    log.info("Connected to Slack in Socket Mode")
    try:
        stopping.wait()
    finally:
        handler.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
