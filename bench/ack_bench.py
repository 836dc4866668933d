"""Ack and result latency under load: signed slash commands while Flowroute is slow.

The sandbox adds 1 s of latency to every Flowroute call. For each command we measure the time until
the bot's HTTP response (the ack Slack waits for, 3 s limit) and the time until the result reaches the
response_url. The ack must not wait for Flowroute.

Two modes:
  default   each of --concurrency senders sends a command and waits for its result before the next
  --burst   --concurrency senders send all --commands as fast as they can (each waits only for the ack);
            results are collected afterwards from the response_url posts' arrival times

    .venv/bin/python bench/ack_bench.py [--commands 100] [--concurrency 20] [--latency 1.0]
    .venv/bin/python bench/ack_bench.py --burst --commands 200 --concurrency 20 --latency 1.0
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
from tests.harness import BotHarness  # noqa: E402

COMMAND = "numbers list"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def paced(bot: BotHarness, commands: int, concurrency: int) -> list[tuple[float, float, int]]:
    """Each sender waits for its result before sending again: (ack s, result s, ack status) per command."""

    def one(_):
        sent = time.monotonic()
        result = bot.command(COMMAND)
        acked = time.monotonic()
        bot.reply(result, timeout=600)
        return acked - sent, time.monotonic() - sent, result.status

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return list(pool.map(one, range(commands)))


def burst(bot: BotHarness, commands: int, concurrency: int) -> list[tuple[float, float, int]]:
    """Send everything as fast as the senders can, then read when each result arrived."""

    def send(_):
        sent_wall, sent = time.time(), time.monotonic()
        result = bot.command(COMMAND)
        return sent_wall, time.monotonic() - sent, result

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        sent = list(pool.map(send, range(commands)))
    urls = {result.response_url for _, _, result in sent}

    def arrivals():
        first = {}
        for record in bot.slack.response_post_records():
            if record["url"] in urls:
                first.setdefault(record["url"], record["at"])
        return len(first) == len(urls) and first

    arrived = bot.slack.wait_for(arrivals, timeout=600, interval=0.2)
    return [(ack, arrived[result.response_url] - sent_wall, result.status) for sent_wall, ack, result in sent]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--latency", type=float, default=1.0)
    parser.add_argument("--burst", action="store_true", help="send all commands as fast as the senders can")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, FlowrouteSandbox("bench-ak", "bench-sk") as sandbox, \
            SlackEmulator() as slack:
        bot = BotHarness(Path(tmp) / "bench.db", sandbox, slack)
        try:
            sandbox.set_latency(args.latency)
            started = time.monotonic()
            samples = (burst if args.burst else paced)(bot, args.commands, args.concurrency)
            wall = time.monotonic() - started
        finally:
            bot.stop()

    acks = [ack for ack, _, _ in samples]
    results = [done for _, done, _ in samples]
    statuses = {status for _, _, status in samples}
    mode = "burst" if args.burst else "paced"
    print(f"{mode}: {args.commands} x /flowroute {COMMAND} from {args.concurrency} senders, "
          f"Flowroute latency {args.latency:.1f} s")
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
