"""Benchmark the Flowroute client against the in-process sandbox: throughput and latency of a typical mix.

Usage: .venv/bin/python bench/client_bench.py [ITERATIONS]   (default 300; each iteration makes 3 calls)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flowroute_api import FlowrouteClient  # noqa: E402
from sandbox.flowroute import FlowrouteSandbox  # noqa: E402

ACCESS_KEY = "bench-access-key"
SECRET_KEY = "bench-secret-key"
WARM_UP_ITERATIONS = 10


def typical_mix(client: FlowrouteClient, since: datetime):
    """The calls a busy bot makes most: list numbers, one number's details, recent MDRs."""
    return [
        ("list_numbers", lambda: client.list_numbers(limit=10)),
        ("get_number", lambda: client.get_number("12065550100")),
        ("list_messages", lambda: client.list_messages(since, limit=50)),
    ]


def run(iterations: int) -> tuple[dict[str, list[float]], float]:
    """Return per-call latencies in seconds keyed by call name, and the wall time of the measured loop."""
    sandbox = FlowrouteSandbox(ACCESS_KEY, SECRET_KEY)
    base_url = sandbox.start()
    try:
        with FlowrouteClient(ACCESS_KEY, SECRET_KEY, base_url=base_url) as client:
            mix = typical_mix(client, datetime.now(UTC) - timedelta(days=4))
            for _ in range(WARM_UP_ITERATIONS):
                for _name, call in mix:
                    call()
            latencies: dict[str, list[float]] = {name: [] for name, _ in mix}
            loop_started = time.perf_counter()
            for _ in range(iterations):
                for name, call in mix:
                    started = time.perf_counter()
                    call()
                    latencies[name].append(time.perf_counter() - started)
            return latencies, time.perf_counter() - loop_started
    finally:
        sandbox.stop()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def report(latencies: dict[str, list[float]], wall_seconds: float) -> None:
    every_call = [value for values in latencies.values() for value in values]
    print(f"calls: {len(every_call)}")
    print(f"calls per second: {len(every_call) / wall_seconds:.1f}")
    print(f"median latency ms: {statistics.median(every_call) * 1000:.2f}")
    print(f"p95 latency ms: {percentile(every_call, 0.95) * 1000:.2f}")
    for name, values in latencies.items():
        print(f"{name} median ms: {statistics.median(values) * 1000:.2f}")
        print(f"{name} p95 ms: {percentile(values, 0.95) * 1000:.2f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("iterations", nargs="?", type=int, default=300, help="rounds of the 3-call mix")
    args = parser.parse_args(argv)
    if args.iterations < 1:
        parser.error("iterations must be at least 1")
    report(*run(args.iterations))


if __name__ == "__main__":
    main()
