"""Benchmark the inbound relay: ingest 10,000 inbound MDRs into the outbox, then post them, on an empty
database, on one that already holds 100,000 seen records, and on an empty one again while Flowroute caps
every MDR page at 20 records (the sandbox's page_cap switch) whatever `limit` the relay asks.

Usage: .venv/bin/python bench/relay_bench.py [NEW_RECORDS] [HISTORY_RECORDS] [--page-cap N]
       (default 10000 100000 --page-cap 20)

The Flowroute sandbox and the Slack emulator run in their own processes, and each phase runs the relay in
a fresh process, so the CPU time and peak RSS printed are the relay's own (HTTP client, JSON, SQLite).
Pacing is switched OFF (real Slack takes about one post per second per channel), so the "post" figures
measure the bot, not Slack's rate limit.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402

ACCESS_KEY = "bench-access-key"
SECRET_KEY = "bench-secret-key"
NUMBERS = ("12065550100", "12065550101", "13125550123", "16465550199")
SUBSCRIPTIONS = (("12065550100", "C0OPS"), ("12065550101", "C0ALERTS"), ("13125550123", "C0AUDIT"), ("all", "C0OPS"))
IDLE_POLLS = 5
STALLED_CYCLES = 3  # poll cycles in a row that queue nothing new: the relay will not get the rest
INJECT_CHUNK = 20_000


# --- the servers, each in its own process -----------------------------------------------------------------

def serve(kind: str, conn) -> None:
    """Child process: run the sandbox or the emulator until told to stop; answer `posts` with the counts."""
    if kind == "flowroute":
        from sandbox.flowroute import FlowrouteSandbox

        server = FlowrouteSandbox(ACCESS_KEY, SECRET_KEY)
        conn.send(server.start())
    else:
        from sandbox.slack import SlackEmulator

        server = SlackEmulator()
        server.start()
        conn.send((server.api_url, server.token))
    while (command := conn.recv()) != "stop":
        if command == "posts":
            ids = [m.metadata["event_payload"]["mdr_id"] for m in server.messages(include_ephemeral=False)
                   if (m.metadata or {}).get("event_type") == "flowroute_inbound_message"]
            conn.send((len(ids), len(set(ids))))
    server.stop()


class Server:
    def __init__(self, kind: str):
        self.conn, child = mp.Pipe()
        self.process = mp.get_context("spawn").Process(target=serve, args=(kind, child), daemon=True)
        self.process.start()
        self.address = self.conn.recv()

    def ask(self, command: str):
        self.conn.send(command)
        return self.conn.recv()

    def stop(self) -> None:
        self.conn.send("stop")
        self.process.join(timeout=10)


def inject(sandbox_url: str, items: list[dict]) -> None:
    for start in range(0, len(items), INJECT_CHUNK):
        answer = requests.post(f"{sandbox_url}/sandbox/messages", json={"messages": items[start:start + INJECT_CHUNK]},
                               timeout=300)
        answer.raise_for_status()


def messages(count: int, start: datetime, step: timedelta, body: str) -> list[dict]:
    return [{"from": f"1206555{i % 10000:04d}", "to": NUMBERS[i % len(NUMBERS)], "body": f"{body} {i}",
             "timestamp": (start + step * i).isoformat()} for i in range(count)]


# --- one phase, in its own process ---------------------------------------------------------------------------

def phase(sandbox_url: str, slack: tuple[str, str], new: int, history: int, page_cap, workdir: str,
          results) -> None:
    from bot.relay import STARTED, WATERMARK, Relay, RelayConfig, iso
    from bot.settings import Settings
    from bot.storage import Store
    from flowroute_api import FlowrouteClient

    db_path = os.path.join(workdir, f"relay-{history}-{page_cap}.db")
    store = Store(db_path)
    store.migrate()
    for number, channel in SUBSCRIPTIONS:
        store.save_subscription(number, channel, "UBENCH")
    if history:
        seed_history(store, history)
        store.save_state(STARTED, {"at": iso(datetime.now(UTC)), "posts": 0, "subscriptions": 0})
        store.save_state(WATERMARK, iso(datetime.now(UTC)))
    settings = Settings.from_env({
        "SLACK_BOT_TOKEN": slack[1], "SLACK_SIGNING_SECRET": "bench", "SLACK_API_URL": slack[0],
        "FLOWROUTE_ACCESS_KEY": ACCESS_KEY, "FLOWROUTE_SECRET_KEY": SECRET_KEY, "FLOWROUTE_API_URL": sandbox_url,
        "FLOWROUTE_BOT_DB": db_path,
    })
    client = FlowrouteClient(ACCESS_KEY, SECRET_KEY, base_url=sandbox_url)
    relay = Relay(store, client, settings, config=RelayConfig(pace_seconds=0.0))
    relay.poll_now()  # the first start (recovery scan on the empty DB, or nothing to do with history)

    start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    inject(sandbox_url, messages(new, start, timedelta(milliseconds=1), "bench"))

    wall, cpu, cycles, pages, stalled, pending = time.perf_counter(), time.process_time(), 0, 0, 0, 0
    while pending < new and stalled < STALLED_CYCLES:
        pages += relay.poll_now().pages
        cycles += 1
        queued = store.get_relay_counts()["pending"]
        stalled, pending = (stalled + 1 if queued == pending else 0), queued
    ingest_wall, ingest_cpu = time.perf_counter() - wall, time.process_time() - cpu

    wall, cpu = time.perf_counter(), time.process_time()
    while relay.send_pending(budget=600):
        pass
    send_wall, send_cpu = time.perf_counter() - wall, time.process_time() - cpu

    idle = []
    for _ in range(IDLE_POLLS):
        began = time.perf_counter()
        idle_result = relay.poll_now()
        idle.append(time.perf_counter() - began)
    results.put({
        "history": history, "new": new, "page_cap": page_cap, "queued": pending, "cycles": cycles, "pages": pages,
        "ingest_wall": ingest_wall, "ingest_cpu": ingest_cpu, "send_wall": send_wall, "send_cpu": send_cpu,
        "counts": store.get_relay_counts(), "idle_median": statistics.median(idle), "idle_pages": idle_result.pages,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "db_mb": sum(os.path.getsize(db_path + suffix) for suffix in ("", "-wal") if os.path.exists(db_path + suffix))
        / (1024 * 1024),
    })


def seed_history(store, count: int) -> None:
    """`count` records seen and delivered days ago: the relay's history."""
    from bot.relay import iso

    old = datetime.now(UTC) - timedelta(days=30)
    for start in range(0, count, 10_000):
        batch = range(start, min(count, start + 10_000))
        records = [{"mdr_id": f"mdr2-hist{i:027d}", "at": iso(old + timedelta(seconds=i)),
                    "from_number": "12065559999", "to_number": NUMBERS[i % 4], "to_alias": None,
                    "body": f"old message {i}", "is_mms": 0, "channels": 1} for i in batch]
        outbox = [{"mdr_id": r["mdr_id"], "channel_id": "C0OPS", "at": r["at"], "route": "number"} for r in records]
        store.save_inbound(records, outbox, [])
    with store.db() as db:
        db.execute("UPDATE outbox SET status = 'delivered', slack_ts = '1.0'")


def run_phase(new: int, history: int, workdir: str, page_cap: int | None = None) -> dict:
    sandbox, slack = Server("flowroute"), Server("slack")
    try:
        if history:  # Flowroute's side holds the same history, outside the relay's window
            old = datetime.now(UTC) - timedelta(days=30)
            inject(sandbox.address, messages(history, old, timedelta(seconds=1), "old"))
        if page_cap:
            requests.post(f"{sandbox.address}/sandbox/behaviour", json={"page_cap": page_cap},
                          timeout=30).raise_for_status()
        results = mp.get_context("spawn").Queue()
        worker = mp.get_context("spawn").Process(target=phase, args=(sandbox.address, slack.address, new, history,
                                                                      page_cap, workdir, results))
        worker.start()
        outcome = results.get(timeout=600)
        worker.join(timeout=30)
        outcome["posted"], outcome["posted_unique"] = slack.ask("posts")
        return outcome
    finally:
        sandbox.stop()
        slack.stop()


def report(outcome: dict) -> None:
    new, queued = outcome["new"], max(1, outcome["queued"])
    cap = f", Flowroute pages capped at {outcome['page_cap']}" if outcome["page_cap"] else ""
    print(f"\n== {new:,} new inbound MDRs, {outcome['history']:,} records already in the database{cap} ==")
    if outcome["queued"] < new:
        print(f"LOST: only {outcome['queued']:,} of {new:,} records reached the outbox; "
              f"{STALLED_CYCLES} poll cycles in a row added none")
    print(f"ingest into the outbox: {outcome['ingest_wall']:.2f} s wall in {outcome['cycles']} poll cycle(s), "
          f"{outcome['pages']} page(s) -> {queued / outcome['ingest_wall']:,.0f} records/s, "
          f"CPU {outcome['ingest_cpu'] / queued * 1e6:,.0f} µs/record")
    print(f"post to Slack (emulator, pacing OFF): {outcome['send_wall']:.2f} s wall -> "
          f"{queued / outcome['send_wall']:,.0f} posts/s, CPU {outcome['send_cpu'] / queued * 1e6:,.0f} µs/post")
    print(f"idle poll (nothing new; re-reads the {outcome['idle_pages']} page(s) inside the overlap window): "
          f"median {outcome['idle_median'] * 1000:,.0f} ms")
    print(f"outbox: {outcome['counts']}; Slack got {outcome['posted']:,} relay posts, "
          f"{outcome['posted_unique']:,} distinct records")
    print(f"peak RSS of the relay process: {outcome['peak_rss_mb']:,.1f} MB; database size: {outcome['db_mb']:,.1f} MB")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("new", nargs="?", type=int, default=10_000)
    parser.add_argument("history", nargs="?", type=int, default=100_000)
    parser.add_argument("--page-cap", type=int, default=20, help="records per MDR page in the third run")
    args = parser.parse_args(argv)
    print("Relay benchmark. Pacing: OFF (pace_seconds=0; real Slack allows ~1 post/s per channel). "
          "Page size 200, overlap window 10 min.")
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPU(s); servers and relay in separate processes.")
    with tempfile.TemporaryDirectory(prefix="relay-bench-") as workdir:
        outcomes = [run_phase(args.new, 0, workdir), run_phase(args.new, args.history, workdir),
                    run_phase(args.new, 0, workdir, page_cap=args.page_cap)]
    for outcome in outcomes:
        report(outcome)
    first, second, _capped = outcomes
    print(f"\nwith {args.history:,} records of history: ingest {second['ingest_wall'] / first['ingest_wall']:.2f}x, "
          f"idle poll {second['idle_median'] / first['idle_median']:.2f}x the time on an empty database")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
