"""What keeps acks fast in the first burst after start-up: pools already running, a frozen start-up heap,
and the slash command tried before every button and form (bench/ack_bench.py --burst measures the effect)."""

import gc
import threading

from bot.app import LISTENER_THREADS, WORK_THREADS, freeze_startup_heap
from core.work import started_pool


def _threads_named(prefix: str) -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name.startswith(prefix + "_")]


def test_a_started_pool_has_every_thread_running_before_the_first_submit():
    pool = started_pool(6, "test-started")
    try:
        assert len(_threads_named("test-started")) == 6
        assert pool.submit(lambda: 41 + 1).result(timeout=5) == 42
        assert len(_threads_named("test-started")) == 6  # a submit starts no thread
    finally:
        pool.shutdown(wait=True)
    assert _threads_named("test-started") == []


def test_the_bot_starts_its_work_and_listener_threads_at_start_up(bot):
    assert len(_threads_named("flowroute-work")) >= WORK_THREADS
    assert len(_threads_named("bolt-listener")) >= LISTENER_THREADS


def test_the_slash_command_is_the_first_listener_bolt_tries(bot):
    first = bot.app._listeners[0]  # Bolt keeps no public list; its order is the order of registration
    assert first.ack_function.__name__ == "flowroute_command"


def test_freezing_moves_the_start_up_heap_out_of_collections():
    gc.unfreeze()
    try:
        freeze_startup_heap()
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
