"""`make soak`: the relay invariant state machine with random seeds, for a while, then its figures.

    python -m tests.relay.soak [--seconds 600] [--examples N]

Runs rounds of RelayMachine (tests/relay/test_relay_invariants.py) with fresh random seeds until the time or
the example count is used up, stops at the first failure (hypothesis prints the shrunk sequence), and prints
sequences, messages, faults injected, lost and duplicated as the machine counted them. Exit status 1 on a
failure.
"""

from __future__ import annotations

import argparse
import sys
import time

from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

from tests.relay import test_relay_invariants as invariants

ROUND = 10  # examples per round; the time limit is checked between rounds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600.0, help="stop starting rounds after this long")
    parser.add_argument("--examples", type=int, default=0, help="stop after this many sequences (0: no limit)")
    args = parser.parse_args(argv)
    profile = settings(settings.get_profile("relay-invariants"), derandomize=False, max_examples=ROUND,
                       stateful_step_count=50, print_blob=True)
    started, failed = time.monotonic(), False
    try:
        while time.monotonic() - started < args.seconds and (
                not args.examples or invariants.STATS["sequences"] < args.examples):
            run_state_machine_as_test(invariants.RelayMachine, settings=profile)
    except Exception as error:  # hypothesis has printed the failing sequence
        failed = True
        print(f"FAILED: {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}")
    stats = invariants.STATS
    print(f"soak: {time.monotonic() - started:.0f} s, {stats['sequences']} sequences, {stats['messages']} messages "
          f"({stats['checked posts']} routed posts checked), {stats['faults injected']} faults injected, "
          f"{stats['lost']} lost, {stats['duplicated']} duplicated, {stats['misrouted']} misrouted")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
