"""What the API can change (``State``, rebuilt from the seed by ``reset()``) and the behaviour switches.

Behaviour switches: ways the real API may behave that a client must survive. Set them with
``set_behaviour(**switches)`` (returns them all; an unknown name is a ValueError) or
``POST /sandbox/behaviour``; ``reset()`` restores the defaults, which are the behaviour the area modules
describe.

  page_cap: int | None = None        every list endpoint serves at most this many items per page,
                                     whatever ``limit`` asks (a server-side cap), with links.next
                                     while more exist; the next offset is offset + items served
  integer_numbers: bool = False      MDR ``to``/``from`` (list and get) as JSON integers, as a
                                     captured v2.1 callback carried them
  string_amounts: bool = False       MDR ``amount_nanodollars`` as a JSON string, as captured
  internal_next_links: bool = True   the MDR list's links.next on the internal host (messages.py);
                                     False: on the sandbox's own URL
  coarse_timestamps: bool = False    new records are stamped with the clock floored to the second
                                     (still written ``...:SS.00Z``) and one injection call reads the
                                     clock once, so records injected close together share one
                                     timestamp string. By default the clock has the 2-digit
                                     precision MDRs show, so ties happen only by chance.

Two more behaviours are per record or per call rather than switches: a record injected with
``listed: false`` exists (GET by id finds it, with its original timestamp) but lists leave it out
until ``show_late_records()`` (records Flowroute lists late); ``fail_next(stall=seconds)`` makes the
matching calls wait first, so a client with a shorter read timeout times out, then fail with the
given status or, without one, answer normally.
"""

from __future__ import annotations

import bisect
import copy
import hashlib
import hmac
import random
import time
import uuid
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from sandbox.flowroute.plumbing import ApiError
from sandbox.flowroute.porting import PortingState
from sandbox.flowroute.records import media_file_name, png_image
from sandbox.flowroute.seed import (
    E911_FIELDS,
    INVENTORY_KEYS,
    SEED_E911S,
    SEED_ROUTES,
    account_record,
    build_inventory,
    seed_account,
    seed_cnams,
    seed_mdrs,
)

DEFAULT_BEHAVIOUR: dict[str, Any] = {
    "page_cap": None,
    "integer_numbers": False,
    "string_amounts": False,
    "internal_next_links": True,
    "coarse_timestamps": False,
}


def check_switch(name: str, value: Any) -> Any:
    """The switch's value, checked; an unknown name or a wrong type is a ValueError."""
    if name not in DEFAULT_BEHAVIOUR:
        raise ValueError(f"unknown switch {name!r}; known: {', '.join(DEFAULT_BEHAVIOUR)}")
    if name == "page_cap":
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ValueError("page_cap must be a positive integer or null")
        return value
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be true or false")
    return value


class State:
    """Everything the API can change; rebuilt from the seed by reset()."""

    def __init__(self, seed: int, seed_now: datetime, media_ttl: float, media_key: bytes):
        rng = random.Random(seed)
        self.media_ttl = media_ttl
        self.media_key = media_key
        self.inventory = build_inventory(rng)
        self.numbers = seed_account()
        self.routes = copy.deepcopy(SEED_ROUTES)
        self.e911s = {key: dict(zip(E911_FIELDS, row, strict=True)) for key, row in SEED_E911S.items()}
        self.cnams = seed_cnams(seed_now)
        self.next_ids = {"route": 100, "e911": 100, "cnam": 100}
        self.mdrs: dict[str, dict] = {}
        self.mdr_index: list[tuple[datetime, str]] = []
        self.unlisted: set[str] = set()  # records that exist but are not listed yet (listed=False)
        self.media: dict[str, dict] = {}
        self.account_callbacks: dict[str, str] = {}
        self.porting = PortingState()  # portability overrides and CDR exports (porting.py)
        self.on_added = lambda state, records: None  # new MDRs, for callbacks (callbacks.py)
        seed_mdrs(self, rng, seed_now)

    # -- ids, lookups ---------------------------------------------------------------------------

    def new_id(self, kind: str) -> str:
        value = self.next_ids[kind]
        self.next_ids[kind] = value + 1
        return str(value)

    def number(self, value: str) -> dict:
        if value not in self.numbers:
            raise ApiError(404)
        return self.numbers[value]

    def found(self, table: dict, key: str) -> dict:
        if key not in table:
            raise ApiError(404)
        return table[key]

    # -- numbers -------------------------------------------------------------------------------

    def buy(self, value: str, *, cnam_lookups: bool, messaging: bool) -> dict:
        entry = self.inventory.pop(value)
        record = account_record(entry, cnam_lookups=cnam_lookups, messaging=messaging)
        self.numbers[value] = record
        return record

    def release(self, value: str) -> None:
        record = self.numbers.pop(value)
        self.inventory[value] = {key: record[key] for key in INVENTORY_KEYS}

    # -- messages ------------------------------------------------------------------------------

    def add_mdrs(self, records: list[dict]) -> None:
        for record in records:
            self.mdrs[record["id"]] = record
        self.mdr_index.extend((record["moment"], record["id"]) for record in records)
        self.mdr_index.sort()
        self.on_added(self, records)

    def listed_page(self, start: datetime, end: datetime | None, offset: int, size: int) -> tuple[list[str], int]:
        """(ids of one page, how many are listed in all) for start <= timestamp <= end, unlisted left out."""
        low, high = self.mdr_window(start, end)
        if not self.unlisted:  # the common case stays O(page) for bulk volumes
            window = self.mdr_index[low + offset : min(high, low + offset + size)]
            return [mdr_id for _moment, mdr_id in window], high - low
        ids = [mdr_id for _moment, mdr_id in self.mdr_index[low:high] if mdr_id not in self.unlisted]
        return ids[offset : offset + size], len(ids)

    def mdr_window(self, start: datetime, end: datetime | None) -> tuple[int, int]:
        """Index positions [low, high) of the MDRs with start <= timestamp <= end."""
        low = bisect.bisect_left(self.mdr_index, (start,))
        high = len(self.mdr_index) if end is None else bisect.bisect_right(self.mdr_index, (end, "\U0010ffff"))
        return low, max(low, high)

    def add_media(self, url: str, index: int, rng: random.Random | None = None) -> str:
        number = rng.randrange(10**18, 10**19) if rng else uuid.uuid4().int % 10**19
        file_name = media_file_name(url, index)
        media_id = f"{number:019d}-{file_name}"
        content = png_image(number)
        self.media[media_id] = {
            "content": content,
            "file_name": file_name,
            "mime_type": "image/png",
            "file_size": len(content),
            "source_url": url,
        }
        return media_id

    def presigned_url(self, media_id: str, base_url: str) -> str:
        now = time.time()
        if float(self.media_ttl).is_integer():
            expires = str(int(now) + int(self.media_ttl))
        else:  # sub-second lifetimes (tests) need a fractional Expires
            expires = f"{now + self.media_ttl:.3f}"
        signature = self.media_signature(media_id, expires)
        query = urlencode({"Expires": expires, "Signature": signature})
        return f"{base_url}/sandbox/media/{quote(media_id, safe='')}?{query}"

    def media_signature(self, media_id: str, expires: str) -> str:
        return hmac.new(self.media_key, f"{media_id}\n{expires}".encode(), hashlib.sha256).hexdigest()
