"""Phone numbers: any common North American form in, Flowroute's 11-digit form out."""

from __future__ import annotations

import re

import phonenumbers

from .errors import InvalidNumberError

# NANP shape: area code and exchange both start with 2-9 (NXX-NXX-XXXX).
_NANP_NATIONAL = re.compile(r"[2-9]\d{2}[2-9]\d{6}")


def normalize_number(text: str | int) -> str:
    """Return `12065550100` for `+1 (206) 555-0100`, `206-555-0100`, `12065550100` or `2065550100`.

    Validity is checked with `is_possible_number` plus the NANP shape rather than `is_valid_number`:
    the sandbox and tests use fictional 555-01xx numbers, which `is_valid_number` happens to accept
    in phonenumbers 9.0 but only by virtue of metadata that may change between releases; whether an
    area code is actually assigned is for Flowroute to judge (it answers 404/422).
    Callback payloads sometimes carry numbers as JSON integers, so ints are accepted too.
    """
    if isinstance(text, bool) or not isinstance(text, str | int):
        raise InvalidNumberError(text)
    try:
        parsed = phonenumbers.parse(str(text), "US")
    except phonenumbers.NumberParseException as exc:
        raise InvalidNumberError(text) from exc
    national = str(parsed.national_number)
    if (
        parsed.country_code != 1
        or parsed.extension
        or parsed.italian_leading_zero
        or not _NANP_NATIONAL.fullmatch(national)
        or not phonenumbers.is_possible_number(parsed)
    ):
        raise InvalidNumberError(text)
    return "1" + national


def format_number(number: str | int) -> str:
    """Show a number the way people read it: `+1 206-555-0100`."""
    digits = normalize_number(number)
    return f"+1 {digits[1:4]}-{digits[4:7]}-{digits[7:]}"
