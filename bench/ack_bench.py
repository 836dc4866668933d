"""Ack latency under load: signed slash commands at 20 concurrent while Flowroute is slow.

The sandbox adds 1 s of latency to every Flowroute call. For each command we measure the time until
the bot's HTTP response (the ack Slack waits for, 3 s limit) and the time until the result reaches the
response_url. The ack must not wait for Flowroute.

    .venv/bin/python bench/ack_bench.py [--commands 100] [--concurrency 20] [--latency 1.0]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sandbox.flowroute import FlowrouteSandbox  # noqa: E402
from sandbox.slack import SlackEmulator  # noqa: E402
from tests.helpers.bot import BotHarness  # noqa: E402


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--latency", type=float, default=1.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, FlowrouteSandbox("bench-ak", "bench-sk") as sandbox, \
            SlackEmulator() as slack:
        bot = BotHarness(Path(tmp) / "bench.db", sandbox, slack)
        try:
            sandbox.set_latency(args.latency)

            def one(_):
                sent = time.monotonic()
                result = bot.command("numbers list")
                acked = time.monotonic()
                bot.reply(result, timeout=600)
                return acked - sent, time.monotonic() - sent, result.status

            started = time.monotonic()
            with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
                samples = list(pool.map(one, range(args.commands)))
            wall = time.monotonic() - started
        finally:
            bot.stop()

    acks = [ack for ack, _, _ in samples]
    results = [done for _, done, _ in samples]
    statuses = {status for _, _, status in samples}
    print(f"commands: {args.commands} at {args.concurrency} concurrent, Flowroute latency {args.latency:.1f} s")
    print(f"ack HTTP statuses: {sorted(statuses)}")
    print(f"ack p50 ms: {statistics.median(acks) * 1000:.1f}")
    print(f"ack p99 ms: {percentile(acks, 0.99) * 1000:.1f}")
    print(f"ack max ms: {max(acks) * 1000:.1f}")
    print(f"result via response_url p50 s: {statistics.median(results):.2f}")
    print(f"result via response_url p99 s: {percentile(results, 0.99):.2f}")
    print(f"result via response_url max s: {max(results):.2f}")
    print(f"wall time s: {wall:.2f}")


if __name__ == "__main__":
    main()
