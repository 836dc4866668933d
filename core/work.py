"""Work after the ack: on the work pool, guarded, and within Slack's 3-second window for modal submissions."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from core.deps import Deps
from core.errors import Reply, run_guarded

FLOWROUTE_WAIT_SECONDS = 2.0  # what a modal submission may spend on Flowroute inside Slack's 3 s


def started_pool(workers: int, name: str) -> ThreadPoolExecutor:
    """A thread pool whose `workers` threads are all running before it is returned.

    ThreadPoolExecutor starts its threads lazily, one per submit() while none is idle, and it starts each one
    while holding a lock that every pool in the process shares (`_global_shutdown_lock` in
    concurrent/futures/thread.py). On a busy interpreter a thread start takes milliseconds, so during the
    first burst after start-up every submit, Bolt's acks included, queued behind thread starts. Started here,
    a submit is a queue put.
    """
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
    all_running = threading.Barrier(workers + 1, timeout=60)
    for _ in range(workers):
        pool.submit(all_running.wait)  # no thread is idle until all have arrived, so each submit starts one
    all_running.wait()
    return pool


def in_background(deps: Deps, reply: Reply, fn: Callable, *args, **kwargs) -> None:
    """Continue work after the ack, off Bolt's listener threads, so acks never wait for Flowroute."""
    deps.executor.submit(run_guarded, reply, fn, *args, **kwargs)


def within_window(deps: Deps, fn: Callable, *args, **kwargs) -> tuple[str, Any]:
    """Run a Flowroute call for a modal submission, waiting at most FLOWROUTE_WAIT_SECONDS.

    Returns ("done", result), ("failed", error) or ("pending", future): when Flowroute is slow the modal is
    answered without it and the call carries on; `when_done` reports its outcome later. Nothing is lost.
    """
    future = deps.executor.submit(fn, *args, **kwargs)
    try:
        return "done", future.result(timeout=FLOWROUTE_WAIT_SECONDS)
    except FutureTimeout:
        return "pending", future
    except Exception as error:  # noqa: BLE001 - shown on the form; unexpected ones are logged by the caller
        return "failed", error


def when_done(future: Future, reply: Reply, fn: Callable, *args) -> None:
    """When a slow Flowroute call finishes, continue with `fn(result, *args)`, or tell the user why not."""
    future.add_done_callback(lambda done: run_guarded(reply, lambda: fn(done.result(), *args)))
