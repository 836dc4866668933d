"""The app factory: build the dependencies from settings, then wire Bolt's app and the scheduler around them."""

from __future__ import annotations

import functools
import gc
import logging
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass

from apscheduler.schedulers.background import BackgroundScheduler
from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

import handlers
from bot.scheduler import POLL_JOB_ID, add_approval_job, add_digest_job, add_jobs, new_scheduler, next_run
from core.approvals import Approvals
from core.audit import Audit
from core.commands import Command
from core.deps import Deps
from core.settings import Settings
from core.storage import Store
from core.work import started_pool
from flowroute_api import FlowrouteClient
from relay.conversations import Conversations
from relay.service import Relay

log = logging.getLogger("flowroute_bot")

LISTENER_THREADS = 16  # Bolt's pool: acks, modals opening; Flowroute work goes to the work pool
# Flowroute work is I/O-bound (each call mostly waits on the network), so a burst of commands gets one
# thread each instead of queueing behind a few; bounded, and Flowroute's 429s are still honoured by the
# client's Retry-After handling.
WORK_THREADS = 128


@dataclass(frozen=True)
class Process:
    """What one running bot owns beyond its dependencies: Bolt's app and listener pool, the scheduler, the commands."""

    deps: Deps
    app: App
    listeners: ThreadPoolExecutor
    scheduler: BackgroundScheduler  # unstarted: only `python -m bot` (or a test, or the demo) starts it
    commands: dict[str, Command]


def build_deps(settings: Settings, *, flowroute: FlowrouteClient | None = None, executor: Executor | None = None,
               scheduler: BackgroundScheduler | None = None) -> Deps:
    """Create every service once: the clients, the store (migrated), the work pool, audit, conversations, relay.

    The relay asks `scheduler` (when given) for its next poll time, for `/flowroute inbox status`.
    """
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
    work = executor or started_pool(WORK_THREADS, "flowroute-work")
    audit = Audit(store, settings, slack)
    sender = sender_client(settings)
    conversations = Conversations(store, client, settings, slack=sender, audit=audit)
    next_poll_at = functools.partial(next_run, scheduler, POLL_JOB_ID) if scheduler else lambda: None
    relay = Relay(store, client, settings, slack=sender, conversations=conversations, next_poll_at=next_poll_at)
    conversations.on_sent = relay.apply_receipts  # a receipt that came before the send's record id was noted
    return Deps(settings=settings, store=store, flowroute=client, slack=slack, executor=work, audit=audit,
                relay=relay, conversations=conversations, approvals=Approvals(store, settings, slack, audit))


def sender_client(settings: Settings) -> WebClient:
    """The relay's Slack client. No retry handlers: a 429 must not stall the other channels, and a resent post
    could duplicate."""
    return WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=15,
                     retry_handlers=[])


def create_app(settings: Settings, *, flowroute: FlowrouteClient | None = None,
               executor: Executor | None = None) -> Process:
    """The dependencies, the scheduler (unstarted) and Bolt's app with every listener registered."""
    scheduler = new_scheduler()
    deps = build_deps(settings, flowroute=flowroute, executor=executor, scheduler=scheduler)
    try:
        return build_process(settings, deps, scheduler)
    except BaseException:
        close_deps(deps)
        raise


def build_process(settings: Settings, deps: Deps, scheduler: BackgroundScheduler) -> Process:
    """Bolt's app around `deps`, and the relay's jobs on `scheduler` (left unstarted).

    Bolt calls auth.test here and keeps the answer for every request (without it, the first requests
    of a burst would each call auth.test); a refused token raises BoltError. `python -m bot` checks
    Slack first (bot/startup.py), so this call is not what reports a bad token or an outage.
    """
    listeners = started_pool(LISTENER_THREADS, "bolt-listener")
    bolt_log = logging.getLogger("flowroute_bot.bolt")
    bolt_log.addFilter(_not_token_skipped)
    try:
        app = App(
            client=deps.slack,
            signing_secret=settings.slack_signing_secret or None,
            request_verification_enabled=not settings.socket_mode,
            listener_executor=listeners,
            logger=bolt_log,
        )
        commands = handlers.register(app, deps)
    except BaseException:
        listeners.shutdown(wait=False)
        raise
    add_jobs(scheduler, deps.relay, settings)
    add_digest_job(scheduler, deps)
    add_approval_job(scheduler, deps.approvals)
    return Process(deps=deps, app=app, listeners=listeners, scheduler=scheduler, commands=commands)


def freeze_startup_heap() -> None:
    """Keep the objects built at start-up (modules, Bolt's app, phone metadata) out of later collections.

    They live as long as the process, yet a full collection walks all of them: measured here, one took 28 ms
    in the middle of the first burst of commands, stalling every ack. `gc.freeze()` moves everything alive
    now into the permanent generation, which collections skip (https://docs.python.org/3/library/gc.html).
    Called once, after the app is built: what is frozen and later dies in a reference cycle is never freed,
    which bounds that cost by what start-up built.
    """
    gc.collect()
    gc.freeze()


def _not_token_skipped(record: logging.LogRecord) -> bool:
    """Drop Bolt's start-up warning that SLACK_BOT_TOKEN (read from the environment by Bolt itself) is
    unused because we pass our own client, which carries that same token."""
    return "`token` will be unused" not in record.getMessage()


def shutdown(process: Process) -> None:
    """Stop background work: relay and scheduler first (they feed the pools), then Bolt's and the work pool."""
    process.deps.relay.stop()
    if process.scheduler.running:
        process.scheduler.shutdown(wait=True)
    process.listeners.shutdown(wait=True)
    close_deps(process.deps)


def close_deps(deps: Deps) -> None:
    """Stop what `build_deps` started: the relay's sender and the work pool."""
    deps.relay.stop()
    deps.executor.shutdown(wait=True, cancel_futures=True)
