"""The argument kinds of the `/flowroute` command table: each converts one typed word or says what is wrong."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flowroute_api import InvalidNumberError, normalize_number
from handlers.parser_more import MORE_CONVERTERS

MAX_LIST_LIMIT = 100
MAX_SEARCH_LIMIT = 25  # one Buy button per result, and a message holds at most 50 blocks
REPORT_DEFAULT_DAYS, REPORT_MAX_DAYS = 7, 90
ROUTE_TYPES = ("host", "number", "uri")
CHANNEL_REF = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$|^([CG][A-Z0-9]{2,})$")


def _int_in(value: str, low: int, high: int) -> int:
    if not re.fullmatch(r"\d{1,9}", value):
        raise ValueError(f"`{value}` is not a whole number")
    number = int(value)
    if not low <= number <= high:
        raise ValueError(f"must be between {low} and {high}, got {number}")
    return number


def _money(_, value: str) -> float:
    try:
        amount = float(value.lstrip("$"))
    except ValueError:
        raise ValueError(f"`{value}` is not an amount in dollars") from None
    if not 0 <= amount < 10000:
        raise ValueError(f"`{value}` is not a sensible amount")
    return amount


def _digits(_, value: str) -> str:
    if not re.fullmatch(r"\+?\d{1,11}", value):
        raise ValueError(f"`{value}` must be digits")
    return value


def _state(_, value: str) -> str:
    if not re.fullmatch(r"[A-Za-z]{2}", value):
        raise ValueError(f"`{value}` is not a two-letter state or province code")
    return value.upper()


def _date(_, value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"`{value}` is not a date like 2026-01-31 or 2026-01-31T08:00:00Z") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _choice(options: tuple[str, ...]):
    def convert(_, value: str) -> str:
        if value.lower() not in options:
            raise ValueError(f"`{value}` must be one of {', '.join(options)}")
        return value.lower()

    return convert


def _channel(parser, value: str) -> str:
    """`parser` is the running handlers.parser._Parser: `here` is its channel."""
    if value.lower() == "here":
        if not parser.channel_id:
            raise ValueError("`here` needs a channel")
        return parser.channel_id
    match = CHANNEL_REF.match(value)
    if not match:
        raise ValueError(f"`{value}` is not a channel (use #channel, a channel ID, or `here`)")
    return match.group(1) or match.group(2)


def _phone(value: str) -> str:
    try:
        return normalize_number(value)
    except InvalidNumberError:
        raise ValueError(f"`{value}` is not a valid phone number") from None


def _pattern(regex: str, what: str):
    def convert(_, value: str) -> str:
        if not re.fullmatch(regex, value):
            raise ValueError(f"`{value}` is not {what}")
        return value

    return convert


def _urls(_, value: str) -> list[str]:
    urls = [part for part in value.split(",") if part]
    if not urls or any(not re.fullmatch(r"https?://\S+", url) for url in urls):
        raise ValueError(f"`{value}` is not a comma-separated list of http(s) URLs")
    return urls


CONVERTERS = {
    "word": lambda _, value: value,
    "limit": lambda _, value: _int_in(value, 1, MAX_LIST_LIMIT),
    "search_limit": lambda _, value: _int_in(value, 1, MAX_SEARCH_LIMIT),
    "offset": lambda _, value: _int_in(value, 0, 10**9),
    "money": _money,
    "digits": _digits,
    "state": _state,
    "date": _date,
    "areacode": _pattern(r"[2-9]\d\d", "a three-digit area code"),
    "id": _pattern(r"\d{1,18}", "an id (digits)"),
    "mdr_id": _pattern(r"mdr[12]-[0-9a-fA-F]{8,64}", "a message record id like mdr2-0123abcd..."),
    "report_days": lambda _, value: _int_in(value, 1, REPORT_MAX_DAYS),
    "phone": lambda _, value: _phone(value),
    "route_type": _choice(ROUTE_TYPES),
    "on_off_status": _choice(("on", "off", "status")),
    "direction": _choice(("inbound", "outbound")),
    "status": _pattern(r"[A-Za-z_-]{1,30}", "a delivery status like delivered or failed"),
    "route_type_any": _choice(ROUTE_TYPES + ("sip-reg",)),
    "channel": _channel,
    "urls": _urls,
    **MORE_CONVERTERS,
}
