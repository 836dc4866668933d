"""E911 addresses shown: list, show, the numbers using one, and the one-line address format."""

from __future__ import annotations

from functools import partial

from blocks.kit import context, fields_section, header, message, pager_block, section
from blocks.text import escape, number_text, plural, range_text
from core.commands import CommandContext
from core.deps import Deps
from flowroute_api import attributes, iter_records
from handlers.e911.ids import DEFAULT_LIMIT, LINES_PER_SECTION


def address_line(item: dict) -> str:
    """`Seattle HQ: 1218 3rd Ave Suite 600, Seattle WA 98101, US`, escaped."""
    street = _join(item.get("street_number"), item.get("street_name"), item.get("address_type"),
                   item.get("address_type_number"))
    place = _join(item.get("city"), item.get("state"), item.get("zip"))
    where = ", ".join(part for part in (street, place, escape(item.get("country") or "")) if part)
    return f"{escape(item.get('label') or 'Unlabelled')}: {where}"


def _join(*parts) -> str:
    return " ".join(escape(part) for part in parts if part not in (None, ""))


def address_message(record: dict) -> dict:
    item = attributes(record)
    blocks = [
        header(f"E911 address {record.get('id')}"),
        section(f"*{address_line(item)}*"),
        fields_section([
            ("Contact", _join(item.get("first_name"), item.get("last_name")) or "—"),
            ("Label", escape(item.get("label") or "—")),
            ("Street", _join(item.get("street_number"), item.get("street_name")) or "—"),
            ("Unit", _join(item.get("address_type"), item.get("address_type_number")) or "—"),
            ("City", escape(item.get("city") or "—")),
            ("State / ZIP", _join(item.get("state"), item.get("zip")) or "—"),
            ("Country", escape(item.get("country") or "—")),
        ]),
        context(f"Numbers using it: `/flowroute e911 numbers {escape(record.get('id'))}` · "
                f"change it: `/flowroute e911 update {escape(record.get('id'))}`"),
    ]
    return message(f"E911 address {record.get('id')}: {address_line(item)}", blocks)


def e911_list_page(deps: Deps, opts: dict) -> dict:
    limit, offset = int(opts.get("limit") or DEFAULT_LIMIT), int(opts.get("offset") or 0)
    state = opts.get("state")
    page = deps.flowroute.list_e911s(state=state, limit=limit, offset=offset) or {}
    records = page.get("data") or []
    where = f" in {escape(state)}" if state else ""
    if not records:
        return message(f"No E911 addresses{where}." if offset == 0 else "No more E911 addresses.")
    lines = [f"`{escape(record.get('id'))}` {address_line(attributes(record))}" for record in records]
    blocks = [header("E911 addresses")]
    for first in range(0, len(lines), LINES_PER_SECTION):
        blocks.append(section("\n".join(lines[first:first + LINES_PER_SECTION])))
    blocks.append(context(f"{range_text('Address', offset, len(records), 'Addresses')}{where}. "
                          "Details: `/flowroute e911 show ADDRESS_ID`."))
    pager = pager_block("e911 list", {"limit": limit, "offset": offset, "state": state},
                        has_next=bool((page.get("links") or {}).get("next")), shown=len(records))
    if pager:
        blocks.append(pager)
    return message(f"E911 addresses: {len(records)}{where}", blocks)


def e911_show_command(ctx: CommandContext) -> None:
    ctx.respond(**address_message(ctx.deps.flowroute.get_e911(ctx.args["ADDRESS_ID"])["data"]))


def e911_numbers_command(ctx: CommandContext) -> None:
    address_id = ctx.args["ADDRESS_ID"]
    record = ctx.deps.flowroute.get_e911(address_id)["data"]
    ctx.respond(**numbers_message(record, e911_numbers(ctx.deps.flowroute, address_id)))


def e911_numbers(client, address_id) -> list[dict]:
    """Every number using the address. Paging this list is implied by Flowroute's links but undocumented, so
    no limit is sent (the server's default) and offsets advance by the records received (iter_pages)."""
    return list(iter_records(partial(client.list_e911_numbers, address_id)))


def numbers_message(record: dict, numbers: list[dict]) -> dict:
    where = address_line(attributes(record))
    if not numbers:
        return message(f"No numbers use E911 address `{escape(record.get('id'))}` ({where}).")
    lines = [_number_line(number) for number in numbers]
    blocks = [header(f"Numbers using E911 address {record.get('id')}"), section(where)]
    for first in range(0, len(lines), LINES_PER_SECTION * 2):
        blocks.append(section("\n".join(lines[first:first + LINES_PER_SECTION * 2])))
    verb = "uses" if len(numbers) == 1 else "use"
    return message(f"{plural(len(numbers), 'number')} {verb} E911 address {record.get('id')}", blocks[:50])


def _number_line(number: dict) -> str:
    # E911 v2 reference ("list DIDs for an address"): `id` may be an internal relationship id;
    # `attributes.value` is the number.
    item = attributes(number)
    alias = f" — {escape(item['alias'])}" if item.get("alias") else ""
    return f"• {number_text(item.get('value') or number.get('id'))}{alias}"
