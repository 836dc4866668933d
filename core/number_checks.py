"""What each account number is missing: an E911 address, a distinct failover route, messaging, an alias.

Shared by `numbers audit`, the App Home and the daily digest. `account_numbers` reads every page of
GET /v2/numbers, then each number's details (routes and E911 live only there) a few at a time: Flowroute
publishes no rate limit for these endpoints and answers 429 when one is exceeded (the client waits as told
and retries), so a small pool keeps 500 numbers to seconds without provoking a throttle.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from flowroute_api import FlowrouteClient, attributes, iter_records

DETAIL_CONCURRENCY = 4  # details read at a time
LIST_PAGE_SIZE = 200  # GET /v2/numbers: default 10, max 200 (Numbers v2 reference)

NO_E911, NO_FAILOVER, SAME_FAILOVER, MESSAGING_OFF, NO_ALIAS = (
    "no E911 address", "no failover route", "failover route is the primary", "messaging off", "no alias")


@dataclass(frozen=True)
class NumberState:
    """One account number as the checks see it; route ids as text, None when unset."""

    number: str
    alias: str | None
    primary_route: str | None
    failover_route: str | None
    e911_id: str | None
    messaging: bool | None  # None: the details did not say
    primary_name: str | None = None  # the routes' and address's aliases/labels from `included`, when given
    failover_name: str | None = None
    e911_label: str | None = None

    @property
    def problems(self) -> list[str]:
        found = []
        if self.e911_id is None:
            found.append(NO_E911)
        if self.failover_route is None:
            found.append(NO_FAILOVER)
        elif self.failover_route == self.primary_route:
            found.append(SAME_FAILOVER)
        if self.messaging is False:
            found.append(MESSAGING_OFF)
        if not self.alias:
            found.append(NO_ALIAS)
        return found


def number_state(details: dict) -> NumberState:
    """Read GET /v2/numbers/{id}'s answer liberally (relationships may be missing or null)."""
    data = details.get("data") or {}
    fields, relations = attributes(data), data.get("relationships") or {}

    def related_id(name: str) -> str | None:
        ref = (relations.get(name) or {}).get("data")
        return str(ref["id"]) if isinstance(ref, dict) and ref.get("id") is not None else None

    def included_name(name: str, kind: str, key: str) -> str | None:
        ident = related_id(name)
        for item in details.get("included") or []:
            if ident is not None and str(item.get("id")) == ident and str(item.get("type")).startswith(kind):
                return attributes(item).get(key) or None
        return None

    # The details example in the Numbers v2 reference has no `messaging_enabled`; newer examples and the
    # PATCH body do. Only an explicit false counts as off.
    messaging = fields.get("messaging_enabled")
    return NumberState(
        number=str(fields.get("value") or data.get("id")),
        alias=(fields.get("alias") or None),
        primary_route=related_id("primary_route"),
        failover_route=related_id("failover_route"),
        e911_id=related_id("e911_address"),
        messaging=messaging if isinstance(messaging, bool) else None,
        primary_name=included_name("primary_route", "route", "alias"),
        failover_name=included_name("failover_route", "route", "alias"),
        e911_label=included_name("e911_address", "e911", "label"),
    )


def account_numbers(client: FlowrouteClient, *, concurrency: int = DETAIL_CONCURRENCY) -> list[NumberState]:
    """Every number on the account with its details, in the account list's order."""
    numbers = [str(attributes(item).get("value") or item.get("id"))
               for item in iter_records(client.list_numbers, page_size=LIST_PAGE_SIZE)]
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="number-details") as pool:
        return list(pool.map(lambda number: number_state(client.get_number(number)), numbers))
