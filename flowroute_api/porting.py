"""Porting v2: can these numbers be ported in to Flowroute?"""

from __future__ import annotations

from .phone import normalize_number

PORTABLE = "portable"
NOT_PORTABLE = "nonportable"
ON_FLOWROUTE = "hypernetwork_enabled"
# The three lists of the documented answer. They should not overlap; if a number shows up in two,
# the first of these wins (a number already on Flowroute needs no port).
PORTABILITY_LISTS = (ON_FLOWROUTE, NOT_PORTABLE, PORTABLE)


def e164(number) -> str:
    """`+12065550100`: the porting API requires the leading `+` (Flowroute's "Check Portability" page)."""
    return "+" + normalize_number(number)


class PortingMixin:
    """The portability check, POST /v2/portorders/portability."""

    def check_portability(self, numbers) -> dict:
        """Ask whether each number can be ported in; returns Flowroute's answer as it came.

        The body is JSON, `{"numbers": ["+14252081174", ...]}`, as Flowroute documents; the official
        SDK sends form data instead, which the docs do not allow. Numbers are checked locally first
        (InvalidNumberError) and repeats are sent once. The docs' example uses Content-Type
        `application/json`; `_request` sends `application/vnd.api+json`, a JSON type too, and
        whether Flowroute's porting endpoint minds the difference is not documented.
        """
        if isinstance(numbers, str | int):
            numbers = [numbers]
        wanted = list(dict.fromkeys(e164(number) for number in numbers))
        if not wanted:
            raise ValueError("give at least one number to check")
        # A check changes nothing on the account, so a retry after a 5xx is harmless.
        return self._request("POST", "/v2/portorders/portability", json={"numbers": wanted}, idempotent=True)


def portability_by_number(answer: dict | None) -> dict[str, str]:
    """`{"12065550100": "portable" | "nonportable" | "hypernetwork_enabled"}` from the API's answer.

    Numbers are keyed in Flowroute's 11-digit form whatever form the answer uses (with or without
    `+`, string or integer); entries that are not phone numbers are skipped. A number missing from
    every list is missing here too: the caller says "no answer" for it.
    """
    data = answer.get("data") if isinstance(answer, dict) else None
    verdicts: dict[str, str] = {}
    if not isinstance(data, dict):
        return verdicts
    for verdict in PORTABILITY_LISTS:
        items = data.get(verdict)
        for item in items if isinstance(items, list) else []:
            try:
                verdicts.setdefault(normalize_number(item), verdict)
            except ValueError:
                continue
    return verdicts
