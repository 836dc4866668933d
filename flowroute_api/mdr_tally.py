"""Streaming tally of message detail records (MDRs): per-day counts, failures and spend.

Feed the resource objects `GET /v2.1/messages` returns one at a time (`add`) or from any iterable
(`add_all`, e.g. `client.iter_messages(...)`). Memory holds one bucket per day of the period and one
per number of ours, never the records, so a 90-day report over 100,000 MDRs costs the same as a
7-day one over ten.

Days are calendar days in an IANA zone. Both ends of the period are inclusive.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from zoneinfo import ZoneInfo

from .errors import InvalidNumberError
from .phone import normalize_number

NANODOLLARS_PER_DOLLAR = 1_000_000_000

# Which `status` values mean "not delivered". Flowroute's MDR reference ("Look up a set of messages",
# https://developer.flowroute.com/api/messages/v2.0/look-up-set-of-messages/ and its v2.1 sibling) gives
# `status` as free text; the captures in Flowroute's SDK READMEs show only `delivered`, `message buffered`,
# `smsc submit` and "" (inbound MMS).
# The delivery receipt guide (https://developer.flowroute.com/docs/delivery-receipts) reports each hop of an
# outbound message (level 1: ESME to carrier, level 2: later processing) in that SMSC vocabulary, the Kannel/SMPP
# delivery-report states, whose negative outcomes are "delivery failure" and "smsc reject" (SMPP's final states
# add EXPIRED, UNDELIVERABLE, REJECTED). No Flowroute page found lists the failure strings verbatim, so we match
# words rather than exact values: a status (of the MDR or of any of its delivery receipts) containing one counts.
_FAILURE_WORDS = ("fail", "reject", "undeliver", "expire", "error")


@dataclass
class Counts:
    """Messages in each direction, failed deliveries and spend (integer nanodollars)."""

    inbound: int = 0
    outbound: int = 0
    failed: int = 0
    nanodollars: int = 0

    @property
    def messages(self) -> int:
        return self.inbound + self.outbound

    def add(self, other: Counts) -> None:
        self.inbound += other.inbound
        self.outbound += other.outbound
        self.failed += other.failed
        self.nanodollars += other.nanodollars


@dataclass(kw_only=True)
class DayCounts(Counts):
    """One calendar day of the period, in the tally's zone."""

    day: date


@dataclass(frozen=True)
class ParsedMdr:
    """What the tally needs from one MDR; `our_number` is `to` for inbound, `from` for outbound."""

    moment: datetime
    direction: str
    our_number: str
    failed: bool
    nanodollars: int


class MdrTally:
    """Per-day and per-number totals of the MDRs of a period, built one record at a time."""

    def __init__(self, start: date, end: date, zone: str | ZoneInfo = "UTC", number: str | int | None = None):
        if end < start:
            raise ValueError(f"the period ends ({end}) before it starts ({start})")
        self.start, self.end = start, end
        self.zone = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
        self.number = None if number is None else normalize_number(number)
        self._days = {start + timedelta(days=offset): DayCounts(day=start + timedelta(days=offset))
                      for offset in range((end - start).days + 1)}  # fmt: skip
        self._numbers: dict[str, Counts] = {}
        self.ignored = 0  # outside the period, another number, or unreadable

    @classmethod
    def last_days(cls, days: int, today: date, zone: str | ZoneInfo = "UTC", number=None) -> MdrTally:
        """The `days` calendar days ending with `today` (inclusive)."""
        if days < 1:
            raise ValueError("days must be at least 1")
        return cls(today - timedelta(days=days - 1), today, zone, number)

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """The period as UTC instants [start, end): what to ask `GET /v2.1/messages` for.

        Whether Flowroute's `end_date` is inclusive is not documented; it does not matter here, since
        `add` ignores anything outside the period.
        """
        first = datetime.combine(self.start, time(), self.zone)
        after = datetime.combine(self.end + timedelta(days=1), time(), self.zone)
        return first.astimezone(UTC), after.astimezone(UTC)

    def add(self, record: dict) -> bool:
        """Count one MDR resource object; False (and `ignored` + 1) when it is not part of this tally.

        Records are not deduplicated here (that would keep every id): feed each once, as
        `FlowrouteClient.iter_messages` does.
        """
        parsed = parse_mdr(record)
        if parsed is None or (self.number is not None and parsed.our_number != self.number):
            self.ignored += 1
            return False
        bucket = self._days.get(parsed.moment.astimezone(self.zone).date())
        if bucket is None:
            self.ignored += 1
            return False
        counts = _counts_of(parsed)
        bucket.add(counts)
        self._numbers.setdefault(parsed.our_number, Counts()).add(counts)
        return True

    def add_all(self, records: Iterable[dict]) -> MdrTally:
        for record in records:
            self.add(record)
        return self

    @property
    def days(self) -> list[DayCounts]:
        """Every day of the period, oldest first, including days with no messages."""
        return list(self._days.values())

    @property
    def totals(self) -> Counts:
        total = Counts()
        for day in self._days.values():
            total.add(day)
        return total

    @property
    def numbers(self) -> dict[str, Counts]:
        """Totals per number of ours (11-digit form), busiest first."""
        return dict(sorted(self._numbers.items(), key=lambda item: (-item[1].messages, item[0])))


def _counts_of(parsed: ParsedMdr) -> Counts:
    inbound = parsed.direction == "inbound"
    return Counts(inbound=int(inbound), outbound=int(not inbound), failed=int(parsed.failed),
                  nanodollars=parsed.nanodollars)  # fmt: skip


def parse_mdr(record: dict) -> ParsedMdr | None:
    """Read one MDR liberally; None when it has no usable direction or timestamp."""
    attributes = (record or {}).get("attributes") or {}
    direction = str(attributes.get("direction") or "").strip().lower()
    moment = parse_timestamp(attributes.get("timestamp"))
    if direction not in ("inbound", "outbound") or moment is None:
        return None
    ours = attributes.get("to") if direction == "inbound" else attributes.get("from")
    return ParsedMdr(
        moment=moment,
        direction=direction,
        our_number=_number_key(ours if isinstance(ours, str | int) else None),
        failed=is_failed(attributes),
        nanodollars=amount_nanodollars(attributes),
    )


def parse_timestamp(value) -> datetime | None:
    """An aware UTC datetime from an MDR timestamp; naive means UTC.

    Seen: `2017-12-22T01:52:39.39Z` (v2.1 MDRs, two-digit fraction), `2022-02-06T17:52:33Z` (callbacks),
    six-digit fractions with `+00:00` (other Flowroute APIs). Python 3.11's `fromisoformat` reads all of them.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().upper())
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def amount_nanodollars(attributes: dict) -> int:
    """`amount_nanodollars` as an int (a number, or a string in some callbacks); else `amount_display`; else 0.

    Flowroute defines nanodollars as the USD `amount_display` value times 1,000,000,000 (MDR reference above).
    """
    amount = _decimal(attributes.get("amount_nanodollars"))
    if amount is None:
        display = _decimal(str(attributes.get("amount_display") or "").replace("$", "").replace(",", ""))
        amount = None if display is None else display * NANODOLLARS_PER_DOLLAR
    return 0 if amount is None else int(amount.to_integral_value())


def is_failed(attributes: dict) -> bool:
    """Whether the MDR's status, or any of its delivery receipts' statuses, reports a failure."""
    statuses = [attributes.get("status")]
    statuses += [receipt.get("status") for receipt in attributes.get("delivery_receipts") or []
                 if isinstance(receipt, dict)]  # fmt: skip
    return any(_is_failure_status(status) for status in statuses)


def _is_failure_status(status) -> bool:
    text = str(status or "").lower()
    return any(word in text for word in _FAILURE_WORDS)


def _decimal(value) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


@lru_cache(maxsize=1024)  # an account has few numbers; parsing each of 100,000 MDRs' would dominate the tally
def _number_key(value) -> str:
    """Our 11-digit form when the value is a NANP number (string or JSON integer), else its text."""
    try:
        return normalize_number(value)
    except InvalidNumberError:
        return str(value if value is not None else "").strip()
