"""Text formats: mrkdwn escaping, one phone number format, one money format and one UTC time format."""

from __future__ import annotations

from datetime import UTC, datetime
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


def money(value: Any, *, fine: bool = False) -> str:
    """`$1,234.56`; `fine` keeps four decimals under a dollar (`$0.0040`, one SMS) where two would say $0.00."""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.0001"))
    except (TypeError, ValueError, ArithmeticError):
        return "n/a"
    if not amount.is_finite():
        return "n/a"
    return f"${amount:.4f}" if fine and 0 < abs(amount) < 1 else f"${amount:,.2f}"


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
