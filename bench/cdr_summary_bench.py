"""Benchmark the CDR export summary: rows per second and peak Python memory on a large gzip CSV.

Usage: .venv/bin/python bench/cdr_summary_bench.py [ROWS]   (default 200000)

The rows are the sandbox's generated calls for 30 days, repeated until ROWS; the file is written
to a temporary directory and summarised twice: once timed, once under tracemalloc for the peak.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import itertools
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flowroute_api import summarise_cdr_export  # noqa: E402
from sandbox.flowroute.porting import CDR_COLUMNS, export_calls  # noqa: E402

NUMBERS = {f"1206555{line:04d}": {"alias": f"Line {line}"} for line in range(100, 150)}
WINDOW = {"start_call_start_time": "2026-10-01 00:00:00", "start_call_end_time": "2026-10-31 00:00:00"}


def write_export(path: Path, rows: int) -> None:
    month = export_calls(SimpleNamespace(numbers=NUMBERS), WINDOW)
    with gzip.open(path, "wt", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=CDR_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(itertools.islice(itertools.cycle(month), rows))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="?", type=int, default=200_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.csv.gz"
        write_export(path, args.rows)
        started = time.perf_counter()
        summary = summarise_cdr_export(path)
        elapsed = time.perf_counter() - started
        tracemalloc.start()
        summarise_cdr_export(path)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        size = path.stat().st_size
        with gzip.open(path, "rb") as file:
            unpacked = sum(len(chunk) for chunk in iter(lambda: file.read(io.DEFAULT_BUFFER_SIZE * 64), b""))
    print(f"file: {args.rows} rows, {size / 1e6:.1f} MB gzip, {unpacked / 1e6:.1f} MB CSV")
    print(f"summary: {summary.calls} calls, {summary.billed_minutes:.0f} billed minutes, ${summary.cost:.2f}")
    print(f"time: {elapsed:.2f} s, {args.rows / elapsed:,.0f} rows/s")
    print(f"peak traced memory: {peak / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
