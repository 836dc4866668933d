"""Numbers listed: area codes and exchanges for sale, and the account's own numbers."""

from __future__ import annotations

from blocks.kit import context, header, message, pager_block, section
from blocks.text import escape, money, number_text, place_text, range_text
from core.deps import Deps
from flowroute_api import attributes
from handlers.numbers.ids import DEFAULT_LIMIT, INVENTORY_LIMIT


def _paging(opts: dict, default_limit: int = DEFAULT_LIMIT) -> dict:
    """limit/offset as ints (after a button round trip they may be strings)."""
    return {"limit": int(opts.get("limit") or default_limit), "offset": int(opts.get("offset") or 0)}


def _number_filters(opts: dict) -> dict:
    """starts_with/contains/ends_with as Flowroute wants them.

    Flowroute assumes country code 1 in starts_with unless it begins with `+cc` (Numbers v2 reference at
    developer.flowroute.com, "search for purchasable phone numbers"),
    so a typed `1206` or `+1206` is sent as `206`. Guess: what Flowroute does with a leading 1 is
    [UNCONFIRMED]; no North American area code starts with 1, so dropping it cannot change the meaning.
    """
    filters = {name: opts.get(name) for name in ("starts_with", "contains", "ends_with")}
    starts_with = str(filters["starts_with"]) if filters["starts_with"] is not None else None
    if starts_with and starts_with.startswith(("+1", "1")):
        filters["starts_with"] = starts_with.lstrip("+")[1:] or None
    return filters


def _has_next(result: dict) -> bool:
    return bool(((result or {}).get("links") or {}).get("next"))


def _with_pager(blocks: list[dict], key: str, opts: dict, result: dict) -> list[dict]:
    shown = len((result or {}).get("data") or [])
    pager = pager_block(key, opts, has_next=_has_next(result), shown=shown)
    return blocks + [pager] if pager else blocks


def _range_note(paging: dict, count: int) -> str:
    return range_text("Result", paging["offset"], count)


def numbers_areacodes_page(deps: Deps, opts: dict) -> dict:
    paging = _paging(opts, INVENTORY_LIMIT)
    max_cost = opts.get("max_setup_cost")
    result = deps.flowroute.list_area_codes(max_setup_cost=max_cost, **paging)
    codes = [str(item.get("id")) for item in result.get("data") or []]
    if not codes:
        return message("No area codes with numbers for sale match." if paging["offset"] == 0 else "No more area codes.")
    limit_note = f" with setup cost up to {money(max_cost)}" if max_cost is not None else ""
    blocks = [
        header("Area codes with numbers for sale"),
        section("  ".join(f"`{escape(code)}`" for code in codes)),
        context(f"{_range_note(paging, len(codes))}{limit_note}. "
                "Next: `/flowroute numbers exchanges AREACODE` or `/flowroute numbers search --starts-with AREACODE`."),
    ]
    opts = {**opts, **paging}
    return message(f"Area codes for sale: {', '.join(codes)}", _with_pager(blocks, "numbers areacodes", opts, result))


def _exchange_text(exchange: str) -> str:
    return f"{exchange[:3]}-{exchange[3:]}" if len(exchange) == 6 and exchange.isdigit() else exchange


def numbers_exchanges_page(deps: Deps, opts: dict) -> dict:
    paging = _paging(opts, INVENTORY_LIMIT)
    areacode, max_cost = opts.get("areacode"), opts.get("max_setup_cost")
    result = deps.flowroute.list_exchanges(areacode=areacode, max_setup_cost=max_cost, **paging)
    exchanges = [str(item.get("id")) for item in result.get("data") or []]
    where = f" in area code {escape(areacode)}" if areacode else ""
    if not exchanges:
        return message(f"No exchanges{where} have numbers for sale." if paging["offset"] == 0 else "No more exchanges.")
    blocks = [
        header(f"Exchanges with numbers for sale{where}"),
        section("  ".join(f"`{escape(_exchange_text(code))}`" for code in exchanges)),
        context(f"{_range_note(paging, len(exchanges))}. "
                f"Next: `/flowroute numbers search --starts-with {escape(exchanges[0])}`."),
    ]
    opts = {**opts, **paging}
    text = f"Exchanges for sale{where}: {', '.join(exchanges)}"
    return message(text, _with_pager(blocks, "numbers exchanges", opts, result))


def _place(fields: dict) -> str:
    """Rate center and state, e.g. `seattle, WA`; toll-free numbers have neither."""
    return place_text(fields.get("rate_center"), fields.get("state"), fields.get("number_type"))


def number_line(resource: dict) -> str:
    """`*+1 206-555-0100*  Seattle support · seattle, WA` for one account number."""
    fields = attributes(resource)
    number = fields.get("value") or resource.get("id")
    alias = fields.get("alias")
    alias_text = f"{escape(alias)}" if alias else "_no alias_"
    return f"*{number_text(number)}*  {alias_text} · {_place(fields)}"


def numbers_list_page(deps: Deps, opts: dict) -> dict:
    paging = _paging(opts)
    result = deps.flowroute.list_numbers(**_number_filters(opts), **paging)
    numbers = result.get("data") or []
    if not numbers:
        return message("No numbers on the account match." if paging["offset"] == 0 else "No more numbers.")
    lines = [number_line(resource) for resource in numbers]
    blocks = [header("Numbers on the account")]
    for start in range(0, len(lines), 20):
        blocks.append(section("\n".join(lines[start:start + 20])))
    blocks.append(context(f"{_range_note(paging, len(numbers))}. Details: `/flowroute numbers show NUMBER`."))
    opts = {**opts, **paging}
    text = "Numbers: " + ", ".join(number_text(attributes(r).get("value") or r.get("id")) for r in numbers)
    return message(text, _with_pager(blocks, "numbers list", opts, result))
