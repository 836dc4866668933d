"""Benchmark `report --days 30` over 100,000 MDRs, and the App Home publish for 200 numbers.

Usage: .venv/bin/python bench/report_bench.py [--mdrs N] [--numbers N] [--opens N]

The Flowroute sandbox runs in a child process (its 100,000 records would otherwise count in the bot's
memory); the bot, the Slack emulator and the driver run here, over loopback HTTP, as in the tests.
Printed: the report's seconds from the slash command to the uploaded chart, the bot process's peak RSS
(ru_maxrss: the process's high-water mark, so it includes start-up), and the App Home publish times
(first open: every number's details read; then cached opens).
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sandbox.flowroute import FlowrouteSandbox  # noqa: E402
from sandbox.slack import SlackEmulator  # noqa: E402
from sandbox.stack import LocalBot  # noqa: E402

ADMIN = "U0ADMIN"


def serve_sandbox(mdrs: int, numbers: int, pipe) -> None:
    """The child: a sandbox with `mdrs` records over 30 days and `numbers` account numbers in all."""
    sandbox = FlowrouteSandbox()
    sandbox.seed_history(days=30, total=mdrs)
    sandbox.seed_numbers(max(0, numbers - 5))  # the seed has 5
    sandbox.start()
    pipe.send((sandbox.url, sandbox.access_key, sandbox.secret_key))
    pipe.recv()  # until the parent is done
    sandbox.stop()


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def time_report(bot: LocalBot, emulator: SlackEmulator) -> tuple[float, str]:
    started = time.perf_counter()
    bot.driver.command("report --days 30", user=ADMIN, channel="C0OPS")
    message = emulator.wait_for(lambda: next((m for m in emulator.messages("C0OPS") if m.files), None), timeout=120)
    return time.perf_counter() - started, message.text.splitlines()[1]


def time_home_open(bot: LocalBot, emulator: SlackEmulator) -> float:
    before = (emulator.home_view(ADMIN) or {}).get("hash")
    started = time.perf_counter()
    bot.driver.send_event({"type": "app_home_opened", "user": ADMIN, "channel": "D0HOME", "tab": "home",
                           "event_ts": f"{time.time():.6f}"})
    emulator.wait_for(lambda: (view := emulator.home_view(ADMIN)) and view["hash"] != before, timeout=60,
                      interval=0.002)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mdrs", type=int, default=100_000)
    parser.add_argument("--numbers", type=int, default=200)
    parser.add_argument("--opens", type=int, default=5, help="cached App Home opens timed after the first")
    args = parser.parse_args(argv)
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(target=serve_sandbox, args=(args.mdrs, args.numbers, child))
    process.start()
    url, access_key, secret_key = parent.recv()
    sandbox = SimpleNamespace(url=url, access_key=access_key, secret_key=secret_key)
    with SlackEmulator() as emulator, tempfile.TemporaryDirectory() as folder:
        bot = LocalBot(sandbox, emulator, db_path=str(Path(folder) / "bench.db"), signing_secret="bench-secret",
                       env={"FLOWROUTE_BOT_ADMINS": ADMIN})
        try:
            start_rss = rss_mb()
            seconds, totals = time_report(bot, emulator)
            report_rss = rss_mb()
            first = time_home_open(bot, emulator)
            cached = [time_home_open(bot, emulator) for _ in range(args.opens)]
        finally:
            bot.stop()
    parent.send("done")
    process.join(timeout=30)
    print(f"report --days 30 over {args.mdrs:,} MDRs: {seconds:.2f} s ({totals})")
    print(f"bot process peak RSS: {report_rss:.0f} MB after the report ({start_rss:.0f} MB before it)")
    print(f"App Home, {args.numbers} numbers: first open {first * 1000:.0f} ms; cached opens median "
          f"{statistics.median(cached) * 1000:.0f} ms, max {max(cached) * 1000:.0f} ms ({args.opens} opens)")


if __name__ == "__main__":
    main()
