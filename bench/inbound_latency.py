"""Inbound latency: from a message arriving at Flowroute to its Slack post, with callbacks on and poll only.

Usage: .venv/bin/python bench/inbound_latency.py [N] [--poll-seconds P] [--gap SECONDS]
       (default 40 messages, P = 10, one message every 1.5 s)

One run, one Flowroute sandbox, one Slack emulator, two real bots side by side, both with the same poll
interval and their schedulers running as in production (poll every P seconds, the 1 s send job, Slack
pacing on): bot "callbacks" has `inbox callbacks on` (the sandbox POSTs each new message to it) and posts
into C0OPS; bot "poll only" has no callback URL and posts into C0ALERTS. Each message is injected once and
so reaches both; its latency is the Slack post's ts (the emulator's clock) minus the injection time.
Messages are spaced by --gap so Slack's one-post-per-second pacing per channel is not what is measured.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from relay.posts import RELAY_EVENT  # noqa: E402
from sandbox.flowroute import FlowrouteSandbox  # noqa: E402
from sandbox.slack import SlackEmulator  # noqa: E402
from sandbox.stack import LocalBot  # noqa: E402
from tests.helpers.bot import free_port  # noqa: E402

ADMIN, OURS, REMOTE = "U0ADMIN", "12065550100", "12065559876"
TOKEN = "bench-callback-token-0123456789abcdefghij"
SECRET = "bench-signing-secret"


def start_bot(sandbox, emulator, directory: str, name: str, channel: str, poll_seconds: int, callbacks: bool):
    env = {"FLOWROUTE_BOT_ADMINS": ADMIN, "FLOWROUTE_BOT_INBOX_CHANNEL": channel,
           "FLOWROUTE_BOT_POLL_SECONDS": str(poll_seconds), "LOG_LEVEL": "WARNING"}
    if callbacks:
        port = free_port()
        env.update(PORT=str(port), FLOWROUTE_BOT_PUBLIC_URL=f"http://127.0.0.1:{port}",
                   FLOWROUTE_BOT_CALLBACK_TOKEN=TOKEN)
    bot = LocalBot(sandbox, emulator, db_path=f"{directory}/{name}.db", signing_secret=SECRET, env=env)
    bot.relay.poll_now()  # the first start (no history replayed) before anything is measured
    if callbacks:
        bot.driver.command("inbox callbacks on", user=ADMIN, channel="C0AUDIT")
        emulator.wait_for(lambda: sandbox.account_callbacks().get("sms_callback"), timeout=10)
    bot.scheduler.start()
    return bot


def post_times(emulator, channel: str) -> dict[str, float]:
    messages = emulator.messages(channel, include_ephemeral=False)
    return {m.metadata["event_payload"]["mdr_id"]: float(m.ts) for m in messages
            if (m.metadata or {}).get("event_type") == RELAY_EVENT}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=40)
    parser.add_argument("--poll-seconds", type=int, default=10)
    parser.add_argument("--gap", type=float, default=1.5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as directory, FlowrouteSandbox() as sandbox:
        emulator = SlackEmulator()
        emulator.start()
        bots = [start_bot(sandbox, emulator, directory, "callbacks", "C0OPS", args.poll_seconds, True),
                start_bot(sandbox, emulator, directory, "poll", "C0ALERTS", args.poll_seconds, False)]
        try:
            injected = {}
            for n in range(args.n):
                at = time.time()
                injected[sandbox.inject_message(REMOTE, OURS, f"bench message {n}")["id"]] = at
                time.sleep(args.gap)  # the bench's pacing between arrivals, not a wait for work
            deadline = time.monotonic() + 3 * args.poll_seconds + args.n + 30
            while time.monotonic() < deadline and not all(
                    len(post_times(emulator, channel)) >= args.n for channel in ("C0OPS", "C0ALERTS")):
                time.sleep(0.1)
            rows = []
            for label, channel in (("callbacks on", "C0OPS"), ("poll only", "C0ALERTS")):
                posted = post_times(emulator, channel)
                latencies = [posted[mdr_id] - at for mdr_id, at in injected.items() if mdr_id in posted]
                rows.append((label, len(latencies), len(set(posted) & set(injected))))
                if latencies:
                    rows[-1] += (statistics.median(latencies), percentile(latencies, 0.99), max(latencies))
        finally:
            for bot in bots:
                bot.stop()
            emulator.stop()
    print(f"inbound latency: {args.n} messages, one every {args.gap:g} s, poll every {args.poll_seconds} s "
          "(both bots), injection -> Slack post")
    print(f"{'':14}{'posted':>8}{'p50 s':>9}{'p99 s':>9}{'max s':>9}")
    for label, count, _unique, *figures in rows:
        shown = "".join(f"{value:9.3f}" for value in figures) if figures else "   (none posted)"
        print(f"{label:14}{count:>8}{shown}")


if __name__ == "__main__":
    main()
