"""Message history and a bigger account for the sandbox: what `report`, the App Home and the digest read.

The default sandbox seed keeps 20 MDRs of the last three days (the relay tests rely on that), so history is
a switch: `FlowrouteSandbox.seed_history()` adds weeks of both directions over the seeded numbers, with a few
failed deliveries and the captured prices ($0.0040 per SMS segment, $0.0095 per MMS); `seed_history(total=
100_000)` the bench's volume. `seed_numbers(count)` adds account numbers with a mix of missing settings.

Everything is deterministic for a seed, so a test can compute the expected totals from the records.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

# Numbers of ours the history uses (the sandbox's seeded account) and the people they talk to.
HISTORY_NUMBERS = ("12065550100", "12065550101", "13125550123", "16465550199", "18885550142")
REMOTES = ("12065559876", "14255551234", "15035550177", "17735550100", "13125559001", "16465559002")
BODIES = ("Is the office open?", "Yes, until 6pm.", "Ticket 5120 updated.", "Please call me back.",
          "Thanks, that fixed it.", "Reminder: maintenance tonight 22:00-23:00 UTC, expect short outages.")
FAILURE_STATUS = "delivery failure"  # the SMSC negative outcome Flowroute's delivery receipt guide shows
FAILURE_SHARE = 0.04  # of outbound messages
EXTRA_NUMBER_PREFIX = "1509555"  # area code 509: not in the sandbox's inventory or account


def history_records(make_record: Callable[..., dict], now: datetime, *, days: int = 35, per_day: int = 30,
                    total: int | None = None, seed: int = 14) -> Iterator[dict]:
    """MDRs spread over the `days` days before `now` (oldest first); `total` fixes the count instead of
    about `per_day` a day. `make_record(mdr_id, direction=, from_=, to=, body=, moment=, is_mms=, status=)`
    is the sandbox's record factory."""
    rng = random.Random(seed)
    count = total if total is not None else days * per_day
    span = days * 86400 - 120
    for index in range(count):
        moment = now - timedelta(seconds=60 + span * (count - index) / count + rng.random())
        yield _one(make_record, rng, index, moment)


def _one(make_record: Callable[..., dict], rng: random.Random, index: int, moment: datetime) -> dict:
    ours, remote = rng.choice(HISTORY_NUMBERS), rng.choice(REMOTES)
    outbound = rng.random() < 0.5
    failed = outbound and rng.random() < FAILURE_SHARE
    is_mms = not outbound and rng.random() < 0.05
    record = make_record(
        f"mdr2-{rng.getrandbits(128):032x}", direction="outbound" if outbound else "inbound",
        from_=ours if outbound else remote, to=remote if outbound else ours, body=rng.choice(BODIES),
        moment=moment, is_mms=is_mms, status=FAILURE_STATUS if failed else None,
    )
    if failed:  # the carrier's final receipt says so too
        for receipt in record["attributes"]["delivery_receipts"][1:]:
            receipt.update(status=FAILURE_STATUS, status_code_description="Message delivery failed")
    return record


def extra_numbers(count: int) -> list[dict]:
    """`count` account-number settings, `+1 509-555-0000` upwards: every fourth fully set up, the others each
    missing something (alias, failover, E911, messaging), so audits and the App Home have problems to show."""
    if not 0 <= count <= 10000:
        raise ValueError("count must be between 0 and 10000")
    rows = []
    for index in range(count):
        kind = index % 4
        rows.append({
            "value": f"{EXTRA_NUMBER_PREFIX}{index:04d}",
            "alias": None if kind == 1 else f"Line {index}",
            "primary_route": "1",
            "failover_route": None if kind == 2 else "0",
            "e911": None if kind == 3 else "1",
            "messaging_enabled": kind != 1,
        })
    return rows
