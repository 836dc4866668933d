"""bench/ack_bench.py runs end to end (tiny sizes): the bot and the Flowroute sandbox as processes, every
command acked with 200 and every result seen at its response_url. The figures themselves are not judged here."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_burst_bench_prints_its_figures_for_every_command():
    run = subprocess.run(
        [sys.executable, "bench/ack_bench.py", "--burst", "--commands", "6", "--concurrency", "3", "--latency", "0.2"],
        cwd=ROOT, capture_output=True, text=True, timeout=240,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.stdout.splitlines()
    assert lines[0].startswith("burst, bot and sandbox as processes: 6 x /flowroute numbers list from 3 senders")
    assert "ack HTTP statuses: [200]" in lines
    for figure in ("ack p50 ms", "ack p99 ms", "result via response_url p50 s", "result via response_url p99 s"):
        assert any(line.startswith(figure + ": ") and float(line.split(": ")[1]) > 0 for line in lines), figure
