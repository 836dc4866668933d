"""The app factory: build the dependencies from settings, then wire Bolt's app around them (unstarted)."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

import handlers
from bot.relay import Relay
from bot.scheduler import build_scheduler
from bot.settings import Settings
from bot.storage import Store
from flowroute_api import FlowrouteClient
from handlers.common import Deps

log = logging.getLogger("flowroute_bot")

LISTENER_THREADS = 16  # Bolt's pool: acks, modals opening; Flowroute work goes to the work pool
# Flowroute work is I/O-bound (each call mostly waits on the network), so a burst of commands gets one
# thread each instead of queueing behind a few; bounded, and Flowroute's 429s are still honoured by the
# client's Retry-After handling.
WORK_THREADS = 128


def build_deps(settings: Settings, *, flowroute: FlowrouteClient | None = None) -> Deps:
    """Create the clients, the store (migrated) and the work pool from settings."""
    store = Store(settings.db_path)
    store.migrate()
    slack = WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        retry_handlers=[ConnectionErrorRetryHandler(), RateLimitErrorRetryHandler(max_retry_count=2)],
    )
    client = flowroute or FlowrouteClient(
        settings.flowroute_access_key, settings.flowroute_secret_key, base_url=settings.flowroute_api_url,
        pool_size=WORK_THREADS,
    )
    executor = ThreadPoolExecutor(max_workers=WORK_THREADS, thread_name_prefix="flowroute-work")
    deps = Deps(settings=settings, flowroute=client, store=store, slack=slack, executor=executor)
    relay = Relay(store, client, settings)
    deps.extras["relay"] = relay
    deps.extras["scheduler"] = build_scheduler(relay, settings)  # unstarted: only `python -m bot` starts it
    return deps


def create_app(settings: Settings, deps: Deps) -> App:
    """Bolt's app with every listener registered.

    Bolt calls auth.test here and keeps the answer for every request (without it, the first requests
    of a burst would each call auth.test); a refused token raises BoltError. `python -m bot` checks
    Slack first (bot/startup.py), so this call is not what reports a bad token or an outage.
    """
    listeners = ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="bolt-listener")
    deps.extras["listener_executor"] = listeners
    bolt_log = logging.getLogger("flowroute_bot.bolt")
    bolt_log.addFilter(_not_token_skipped)
    app = App(
        client=deps.slack,
        signing_secret=settings.slack_signing_secret or None,
        request_verification_enabled=not settings.socket_mode,
        listener_executor=listeners,
        logger=bolt_log,
    )
    deps.extras["commands"] = handlers.register(app, deps)
    return app


def _not_token_skipped(record: logging.LogRecord) -> bool:
    """Drop Bolt's start-up warning that SLACK_BOT_TOKEN (read from the environment by Bolt itself) is
    unused because we pass our own client, which carries that same token."""
    return "`token` will be unused" not in record.getMessage()


def shutdown(deps: Deps) -> None:
    """Stop background work: relay and scheduler first (they feed the pools), then Bolt's and the work pool."""
    relay = deps.extras.get("relay")
    if relay is not None:
        relay.stop()
    scheduler = deps.extras.get("scheduler")
    if scheduler is not None and scheduler.running:
        scheduler.shutdown(wait=True)
    listeners = deps.extras.get("listener_executor")
    if listeners is not None:
        listeners.shutdown(wait=True)
    deps.executor.shutdown(wait=True, cancel_futures=True)
