"""One pager for every Flowroute list the bot reads whole (MDRs, routes, the numbers using an E911 address).

Flowroute's list endpoints take `limit` and `offset` and carry `links.next` only while more results exist
(the PHP SDK's demo loops `offset += limit` while `links.next` is set). A server may answer with fewer
records than `limit` asked and still have more, so a short page is not the end: only an empty page or a
page without `links.next` is. Offsets advance by the records actually received. `links.next` is read as a
"more" flag and never requested: in captures it names an internal host (`http://mdr-api.internal/...`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any


def iter_pages(fetch: Callable[..., Any], *, page_size: int | None = None) -> Iterator[list[dict]]:
    """Yield, page by page, the records not yielded before; `fetch(limit=, offset=)` returns one page.

    page_size None leaves `limit` to the server's default. Records are told apart by `id`; one whose id was
    on the previous page (the list shifted under us by less than a page) is skipped. Only the previous page's
    ids are kept, so memory stays one page however long the walk (a 100,000-record report). A page that
    brings nothing new ends the walk: the server ignored the offset, and asking again would loop.
    """
    if page_size is not None and page_size < 1:
        raise ValueError("page_size must be at least 1")
    previous: set[str] = set()
    offset = 0
    while True:
        page = fetch(limit=page_size, offset=offset) or {}
        records = page.get("data") or []
        keys = [_key(record) for record in records]
        fresh = [record for record, key in zip(records, keys, strict=True) if key not in previous]
        previous = set(keys)
        yield fresh
        if not records or not fresh or not (page.get("links") or {}).get("next"):
            return
        offset += len(records)


def iter_records(fetch: Callable[..., Any], *, page_size: int | None = None) -> Iterator[dict]:
    """Every record of every page once (iter_pages, flattened)."""
    for page in iter_pages(fetch, page_size=page_size):
        yield from page


def _key(record: dict) -> str:
    # Ids are strings in most responses and integers in some (edge strategies): compare them as text.
    # A record without one is keyed by its content.
    ident = record.get("id")
    return str(ident) if ident is not None else json.dumps(record, sort_keys=True, default=str)
