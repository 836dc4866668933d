"""Ack and result latency under load: signed slash commands while Flowroute is slow.

The sandbox adds 1 s of latency to every Flowroute call. The bot runs as its own process (`python -m bot`,
as in production) and so does the Flowroute sandbox (`python -m sandbox.flowroute`; Flowroute is never on
the bot's machine), so that neither shares an interpreter with the senders and the Slack emulator; with the
sandbox in this process, its thread per Flowroute call held up the senders and counted as ack time.
`--in-process` runs the bot and the sandbox in this process instead (as the tests do).

For each command we measure the time until the bot's HTTP response (the ack Slack waits for, 3 s limit)
and the time until the result reaches the response_url. The ack must not wait for Flowroute.

Two modes:
  default   each of --concurrency senders sends a command and waits for its result before the next
  --burst   --concurrency senders send all --commands as fast as they can (each waits only for the ack);
            results are collected afterwards from the response_url posts' arrival times

    .venv/bin/python bench/ack_bench.py [--commands 100] [--concurrency 20] [--latency 1.0]
    .venv/bin/python bench/ack_bench.py --burst --commands 200 --concurrency 20 --latency 1.0
"""

from __future__ import annotations

import argparse
import gc
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402

from sandbox.flowroute import FlowrouteSandbox  # noqa: E402
from sandbox.slack import SlackDriver, SlackEmulator  # noqa: E402
from tests.helpers.bot import ADMIN, OPS, SIGNING_SECRET, BotHarness, free_port  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
COMMAND = "numbers list"


class SandboxProcess:
    """`python -m sandbox.flowroute` on a free loopback port; latency is set through its control endpoint."""

    access_key, secret_key = "bench-ak", "bench-sk"

    def __init__(self):
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sandbox.flowroute", "--port", str(port), "--access-key", self.access_key,
             "--secret-key", self.secret_key], cwd=ROOT, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the Flowroute sandbox did not start")
            time.sleep(0.1)

    def _answers(self) -> bool:
        try:
            return requests.get(self.url + "/sandbox/behaviour", timeout=2).status_code == 200
        except requests.ConnectionError:
            return False

    def set_latency(self, seconds: float) -> None:
        requests.post(self.url + "/sandbox/latency", json={"seconds": seconds}, timeout=5).raise_for_status()

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(self, *exc_info) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


class BotProcess:
    """`python -m bot` on a free loopback port, with the same commands and replies as BotHarness."""

    def __init__(self, db_path: Path, sandbox: SandboxProcess, slack: SlackEmulator):
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FLOWROUTE_", "FR_"))}
        env.update(SLACK_BOT_TOKEN=slack.token, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=slack.api_url,
                   FLOWROUTE_ACCESS_KEY=sandbox.access_key, FLOWROUTE_SECRET_KEY=sandbox.secret_key,
                   FLOWROUTE_API_URL=sandbox.url, FLOWROUTE_BOT_DB=str(db_path), FLOWROUTE_BOT_ADMINS=ADMIN,
                   FLOWROUTE_BOT_POLL_SECONDS="3600", PORT=str(port), LOG_LEVEL="WARNING")
        self.slack = slack
        self.process = subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT, env=env)
        url = f"http://127.0.0.1:{port}"
        slack.wait_for(lambda: self._healthy(url), timeout=60, interval=0.1)
        self.driver = SlackDriver(slack, url + "/slack/events", SIGNING_SECRET)

    def _healthy(self, url: str) -> bool:
        if self.process.poll() is not None:
            raise SystemExit(f"the bot exited with {self.process.returncode}")
        try:
            return requests.get(url + "/healthz", timeout=2).status_code == 200
        except requests.ConnectionError:
            return False

    def command(self, text: str):
        return self.driver.command(text, user=ADMIN, channel=OPS)

    def reply(self, result, timeout: float) -> dict:
        return self.slack.wait_for(lambda: self.slack.response_posts(result.response_url), timeout=timeout)[0]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def paced(bot, commands: int, concurrency: int) -> list[tuple[float, float, int]]:
    """Each sender waits for its result before sending again: (ack s, result s, ack status) per command."""

    def one(_):
        sent = time.monotonic()
        result = bot.command(COMMAND)
        acked = time.monotonic()
        bot.reply(result, timeout=600)
        return acked - sent, time.monotonic() - sent, result.status

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return list(pool.map(one, range(commands)))


def burst(bot, commands: int, concurrency: int) -> list[tuple[float, float, int]]:
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
    parser.add_argument("--in-process", action="store_true",
                        help="run the bot and the Flowroute sandbox in this process, as the tests do")
    args = parser.parse_args()

    sandbox = FlowrouteSandbox(SandboxProcess.access_key, SandboxProcess.secret_key) if args.in_process \
        else SandboxProcess()
    with tempfile.TemporaryDirectory() as tmp, sandbox, SlackEmulator() as slack:
        bot = (BotHarness if args.in_process else BotProcess)(Path(tmp) / "bench.db", sandbox, slack)
        try:
            sandbox.set_latency(args.latency)
            # This process plays Slack and Flowroute; without this, a full collection of its own start-up
            # objects (about 30 ms, measured with gc.callbacks) stalled the senders at the start of the
            # burst and counted as ack time. The bot does the same for itself (bot.app.freeze_startup_heap).
            gc.collect()
            gc.freeze()
            started = time.monotonic()
            samples = (burst if args.burst else paced)(bot, args.commands, args.concurrency)
            wall = time.monotonic() - started
        finally:
            bot.stop()

    acks = [ack for ack, _, _ in samples]
    results = [done for _, done, _ in samples]
    statuses = {status for _, _, status in samples}
    mode = ("burst" if args.burst else "paced") + (
        ", bot and sandbox in process" if args.in_process else ", bot and sandbox as processes")
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
