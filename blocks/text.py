"""Text formats: mrkdwn escaping, one phone number format, one money format and one UTC time format."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from flowroute_api import InvalidNumberError, format_number


def escape(text: Any) -> str:
    """Escape user and Flowroute text for mrkdwn so it cannot ping, link or format."""
    return str(text if text is not None else "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def number_text(number: Any) -> str:
    """A phone number as people read it (`+1 206-555-0100`), or the raw text escaped when it is not one."""
    try:
        return format_number(str(number))
    except (ValueError, InvalidNumberError):
        return escape(number)


def money(value: Any) -> str:
    """`$1.00`; four decimals only below a cent (`$0.0045`), where two would read as free."""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.0001"))
    except (TypeError, ValueError, ArithmeticError):
        return "n/a"
    if not amount.is_finite():
        return "n/a"
    return f"${amount:.4f}" if 0 < abs(amount) < Decimal("0.01") else f"${amount:,.2f}"


def plural(count: int, word: str, many: str | None = None) -> str:
    """`1 number`, `2 numbers` (never `number(s)`)."""
    return f"{count} {word if count == 1 else many or word + 's'}"


def number_list(numbers: list[Any], limit: int = 10) -> str:
    """`+1 206-555-0100`, or `2 numbers (+1 206-555-0100, +1 312-555-0123)`, cut after `limit`."""
    shown = [number_text(number) for number in numbers[:limit]]
    if len(numbers) == 1:
        return shown[0]
    more = f" and {len(numbers) - limit} more" if len(numbers) > limit else ""
    return f"{plural(len(numbers), 'number')} ({', '.join(shown)}{more})"


def channel_text(channel_id: Any) -> str:
    """A channel as Slack shows it, `#name`: a `<#C…>` mention renders as the channel's name for every reader."""
    return f"<#{escape(channel_id)}>"


def iso_utc(moment: datetime | None = None) -> str:
    """The one stored time format, sortable as text: `2026-01-02T03:04:05.060000Z` (now when no moment)."""
    return (moment or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(value: Any) -> datetime | None:
    """An aware UTC datetime from ISO text (`Z` or an offset; none means UTC), or None when unreadable."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def utc_text(moment: datetime) -> str:
    """A time as people read it: `2026-01-02 03:04:05 UTC` (a time without a zone is taken as UTC)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def kb(size: int) -> str:
    return f"{max(1, round(size / 1024))} KB"


def shorten(text: Any, limit: int) -> str:
    """Whitespace folded to single spaces, cut to `limit` characters with an ellipsis (not escaped)."""
    flat = " ".join(str(text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def day_span(first: date, last: date) -> str:
    """`Nov 01–Nov 30` (calendar days, no time zone shift), or `Dec 01` for one day."""
    return f"{first:%b %d}" if first == last else f"{first:%b %d}–{last:%b %d}"


def range_text(noun: str, offset: int, count: int, many: str | None = None) -> str:
    """`Routes 1–20`, `Route 7` (never `1–1`): the records a page shows, counted from 1."""
    if count == 1:
        return f"{noun} {offset + 1}"
    return f"{many or noun + 's'} {offset + 1}–{offset + count}"


def title_text(text: Any) -> str:
    """Rate centers and cities as people write them: `seattle` -> `Seattle`, `san francisco` -> `San Francisco`."""
    return " ".join(word[:1].upper() + word[1:].lower() for word in str(text or "").split())


# Flowroute's number_type values (Numbers v2: `standard` in 2018 captures, `longcode`/`toll-free` in current docs).
_NUMBER_TYPES = {"longcode": "Local", "standard": "Local", "toll-free": "Toll-free", "tollfree": "Toll-free"}


def number_type_text(number_type: Any) -> str:
    return _NUMBER_TYPES.get(str(number_type or "").lower(), title_text(str(number_type or "").replace("-", " ")))


def place_text(rate_center: Any, state: Any, number_type: Any = None) -> str:
    """`Seattle, WA`. A rate center given as a telephone-industry code (letters and digits, like `nwyrcyzn01`)
    is not a place anyone can read, so only the state is shown; with neither, the number type (`Toll-free`)."""
    center = str(rate_center or "").strip()
    readable = center if center and not any(ch.isdigit() for ch in center) else ""
    parts = [title_text(readable), str(state or "").upper()]
    shown = ", ".join(escape(part) for part in parts if part)
    return shown or number_type_text(number_type) or "no rate center"


# Flowroute's route types (Routes v2 `route_type`) in words.
_ROUTE_KINDS = {"host": "host", "number": "phone number", "uri": "SIP URI", "sip-reg": "registered SIP device"}


def route_kind_text(route_type: Any) -> str:
    return _ROUTE_KINDS.get(str(route_type or ""), escape(route_type or "route"))


def plain_line(text: Any) -> str:
    """Text for places Slack shows as plain text (modal errors, confirm titles): no emoji shortcodes, no
    `*bold*` marks, since there they would show literally."""
    flat = re.sub(r"(^|\s):[a-z0-9_+-]+:(?=\s|$)", r"\1", str(text or ""))
    flat = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"\1", flat)
    return " ".join(flat.split())


def slack_time(value: Any) -> str:
    """A time as Slack shows it, in each reader's own zone (`<!date^…>`, Slack's "Formatting text for app
    surfaces": date formatting), with the UTC time as the fallback; unreadable text comes back escaped."""
    moment = value if isinstance(value, datetime) else parse_time(value)
    if moment is None:
        return escape(value) if value else "unknown time"
    fallback = utc_text(moment)
    epoch = int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp())
    return f"<!date^{epoch}^{{date_short_pretty}} at {{time_secs}}|{fallback}>"
