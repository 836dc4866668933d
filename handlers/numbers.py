"""`/flowroute numbers ...`: inventory, search and buy, the account's numbers, alias and release."""

from __future__ import annotations

from slack_bolt import App

from flowroute_api import NotFoundError, normalize_number
from handlers.common import (
    Command,
    CommandContext,
    Deps,
    UserError,
    act_once,
    actions,
    attrs,
    audited,
    bind,
    button,
    confirm_dialog,
    context,
    decode_value,
    escape,
    fields_section,
    header,
    in_background,
    message,
    money,
    new_nonce,
    number_text,
    pager_block,
    require_admin,
    section,
)
from handlers.e911 import address_line

NUMBERS_BUY_ACTION = "numbers_buy"
NUMBERS_RELEASE_ACTION = "numbers_release"
# Owned by the routes area (handlers/routes.py registers its listener); the value is {"number": "1NPANXXXXXX"}.
ROUTES_SET_OPEN_ACTION = "routes_set_open"
NUMBER_BLOCK = "numbers_item"  # block_id prefix of one number's section: "numbers_item_12065550100"

DEFAULT_LIMIT = 10
INVENTORY_LIMIT = 30  # area codes and exchanges are short; show more per page


def register(app: App, deps: Deps) -> dict[str, Command]:
    app.action(NUMBERS_BUY_ACTION)(bind(deps, numbers_buy_clicked))
    app.action(NUMBERS_RELEASE_ACTION)(bind(deps, numbers_release_clicked))
    return {
        "numbers areacodes": Command(page=areacodes_page),
        "numbers exchanges": Command(page=exchanges_page),
        "numbers search": Command(page=search_page),
        "numbers list": Command(page=list_page),
        "numbers buy": Command(run=numbers_buy_command),
        "numbers show": Command(run=numbers_show_command),
        "numbers alias": Command(run=numbers_alias_command),
        "numbers release": Command(run=numbers_release_command),
    }


# --- lists ------------------------------------------------------------------------------------------

def _paging(opts: dict, default_limit: int = DEFAULT_LIMIT) -> dict:
    """limit/offset as ints (after a button round trip they may be strings)."""
    return {"limit": int(opts.get("limit") or default_limit), "offset": int(opts.get("offset") or 0)}


def _number_filters(opts: dict) -> dict:
    """starts_with/contains/ends_with as Flowroute wants them.

    Flowroute assumes country code 1 in starts_with unless it begins with `+cc` (flowroute-api.md §1.8),
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
    return f"Results {paging['offset'] + 1}–{paging['offset'] + count}"


def areacodes_page(deps: Deps, opts: dict) -> dict:
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


def exchanges_page(deps: Deps, opts: dict) -> dict:
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


def _place(attributes: dict) -> str:
    """Rate center and state, e.g. `seattle, WA`; toll-free numbers have neither."""
    rate_center, state = attributes.get("rate_center"), attributes.get("state")
    if not rate_center and not state:
        return escape(attributes.get("number_type") or "no rate center")
    return ", ".join(escape(part) for part in (rate_center, (state or "").upper()) if part)


def number_line(resource: dict) -> str:
    """`*+1 206-555-0100*  Seattle support · seattle, WA` for one account number."""
    attributes = attrs(resource)
    number = attributes.get("value") or resource.get("id")
    alias = attributes.get("alias")
    alias_text = f"{escape(alias)}" if alias else "_no alias_"
    return f"*{number_text(number)}*  {alias_text} · {_place(attributes)}"


def list_page(deps: Deps, opts: dict) -> dict:
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
    text = "Numbers: " + ", ".join(number_text(attrs(r).get("value") or r.get("id")) for r in numbers)
    return message(text, _with_pager(blocks, "numbers list", opts, result))


# --- search and buy ---------------------------------------------------------------------------------

def _costs(attributes: dict) -> tuple[float | None, float | None]:
    def as_float(value):
        try:
            return float(value)
        except (TypeError, ValueError):
            return None

    return as_float(attributes.get("setup_cost")), as_float(attributes.get("monthly_cost"))


def buy_button(number: str, setup, monthly) -> dict:
    """A Buy button whose confirm dialog shows both costs; the nonce makes each button buy at most once."""
    dialog = confirm_dialog(
        "Buy this number?",
        f"Buy *{number_text(number)}* for {money(setup)} setup and {money(monthly)} a month? "
        "It is added to the Flowroute account and billed right away.",
        confirm="Buy",
    )
    value = {"number": number, "setup": setup, "monthly": monthly, "nonce": new_nonce()}
    return button("Buy", NUMBERS_BUY_ACTION, value, style="primary", confirm=dialog)


def offer_section(resource: dict) -> dict:
    """One purchasable number: where it is, what it costs, and its Buy button."""
    attributes = attrs(resource)
    number = str(attributes.get("value") or resource.get("id"))
    setup, monthly = _costs(attributes)
    text = (f"*{number_text(number)}*  {_place(attributes)}\n"
            f"Setup {money(setup)} · {money(monthly)} a month")
    block = section(text, accessory=buy_button(number, setup, monthly))
    block["block_id"] = f"{NUMBER_BLOCK}_{number}"
    return block


def search_page(deps: Deps, opts: dict) -> dict:
    paging = _paging(opts)
    place = {"state": opts.get("state"), "rate_center": opts.get("rate_center")}
    result = deps.flowroute.search_numbers(**_number_filters(opts), **place, **paging)
    offers = (result.get("data") or [])[:25]  # the parser caps --limit at 25; a message holds 50 blocks
    if not offers:
        return message("No numbers for sale match that search." if paging["offset"] == 0 else "No more numbers.")
    blocks = [header("Numbers for sale"), *[offer_section(resource) for resource in offers]]
    blocks.append(context(f"{_range_note(paging, len(offers))}. Buying asks you to confirm the cost first."))
    opts = {**opts, **paging}
    text = "Numbers for sale: " + ", ".join(number_text(attrs(r).get("value") or r.get("id")) for r in offers)
    return message(text, _with_pager(blocks, "numbers search", opts, result))


def find_offer(deps: Deps, number: str) -> dict | None:
    """The inventory entry for exactly `number`, or None when it is not for sale."""
    # Guess: searching ends_with the 10 national digits finds exactly this number; starts_with would need
    # Flowroute's country-code handling (it prefixes 1 unless given +cc), which is [UNCONFIRMED] for 11 digits.
    result = deps.flowroute.search_numbers(ends_with=number[1:], limit=10)
    for resource in result.get("data") or []:
        if str(attrs(resource).get("value") or resource.get("id")) == number:
            return resource
    return None


def numbers_buy_command(ctx: CommandContext) -> None:
    number = ctx.args["NUMBER"]
    offer = find_offer(ctx.deps, number)
    if offer is None:
        raise UserError(_not_for_sale(ctx.deps, number))
    blocks = [offer_section(offer), context("Check the cost, then press *Buy* and confirm.")]
    ctx.respond(**message(f"Buy {number_text(number)}? Confirm with the Buy button.", blocks))


def _not_for_sale(deps: Deps, number: str) -> str:
    try:
        deps.flowroute.get_number(number)
    except NotFoundError:
        return (f":no_entry_sign: {number_text(number)} is not for sale on Flowroute. "
                f"Try `/flowroute numbers search --ends-with {number[-4:]}` for similar numbers.")
    return f":information_source: {number_text(number)} is already on your account; nothing to buy."


def numbers_buy_clicked(deps: Deps, ack, body: dict, action: dict, respond) -> None:
    ack()
    in_background(deps, respond, _buy_from_button, deps, body, action, respond)


def _buy_from_button(deps: Deps, body: dict, action: dict, respond) -> None:
    user_id = body["user"]["id"]
    require_admin(deps, user_id, "buy numbers")
    offer = decode_value(action.get("value"))
    number = _button_number(offer)
    act_once(
        deps, user_id, f"numbers buy:{number}:{offer.get('nonce')}",
        already=f"This Buy button was already used for {number_text(number)}: the purchase is done or in "
        f"progress. Check with `/flowroute numbers show {number}`.",
        action="numbers buy", target=number_text(number), call=lambda: deps.flowroute.purchase_number(number),
    )
    costs = f"{money(offer.get('setup'))} setup, {money(offer.get('monthly'))} a month"
    done = f":white_check_mark: <@{user_id}> bought *{number_text(number)}* ({costs})."
    respond(replace_original=True, **_replace_block(body, action, done))
    respond(response_type="in_channel", replace_original=False, text=done)


def _button_number(value: dict) -> str:
    try:
        return normalize_number(str(value.get("number")))
    except ValueError:
        raise UserError("That button is out of date; run the command again.") from None


def _replace_block(body: dict, action: dict, done_text: str) -> dict:
    """The clicked message with the bought number's block replaced by `done_text`, so a search list keeps
    its other offers; when no other Buy button is left (a `numbers buy` confirmation), just the result."""
    blocks = ((body.get("message") or {}).get("blocks")) or []
    block_id = action.get("block_id")
    kept = [section(done_text) if block.get("block_id") == block_id else block for block in blocks]
    if not any((block.get("accessory") or {}).get("action_id") == NUMBERS_BUY_ACTION for block in kept):
        kept = [section(done_text)]
    return message(done_text, kept)


# --- one number -------------------------------------------------------------------------------------

def _included(details: dict, kind: str, ref: dict | None) -> dict | None:
    """The `included` resource a relationship points to (types differ between docs: match by id too)."""
    data = (ref or {}).get("data")
    if not isinstance(data, dict) or data.get("id") is None:
        return None
    for resource in details.get("included") or []:
        if str(resource.get("id")) == str(data["id"]) and str(resource.get("type", "")).startswith(kind):
            return resource
    return {"type": data.get("type"), "id": data.get("id"), "attributes": {}}


def route_text(route: dict | None) -> str:
    if route is None:
        return "_none_"
    attributes = attrs(route)
    name = attributes.get("alias") or f"route {route.get('id')}"
    kind = attributes.get("route_type") or "route"
    value = attributes.get("value")
    detail = f" → `{escape(value)}`" if value else ""
    return f"{escape(name)} ({escape(kind)}){detail}"


def e911_text(address: dict | None) -> str:
    """The number's E911 address on one line, the way `/flowroute e911` shows addresses."""
    return "_none_" if address is None else address_line(attrs(address))


def cnam_text(cnam: dict | None) -> str:
    if cnam is None:
        return "_none_"
    a = attrs(cnam)
    state = "" if a.get("is_approved") in (None, True) else " (pending approval)"
    return f"{escape(a.get('value') or 'record ' + str(cnam.get('id')))}{state}"


def release_button(number: str, label: str = "Release") -> dict:
    dialog = confirm_dialog(
        "Release this number?",
        f"Release *{number_text(number)}*? Calls and messages to it stop, billing stops, and it goes back "
        "to Flowroute's inventory. This cannot be undone.",
        confirm="Release", danger=True,
    )
    value = {"number": number, "nonce": new_nonce()}
    return button(label, NUMBERS_RELEASE_ACTION, value, style="danger", confirm=dialog)


def details_message(details: dict) -> dict:
    """A number's details: alias, type, place, routes, E911, CNAM; buttons for routes and release."""
    data = details.get("data") or {}
    attributes, relations = attrs(data), data.get("relationships") or {}
    number = str(attributes.get("value") or data.get("id"))
    lookups = attributes.get("cnam_lookups_enabled")
    pairs = [
        ("Alias", escape(attributes.get("alias")) or "_none_"),
        ("Type", escape(attributes.get("number_type") or "n/a")),
        ("Rate center", _place(attributes)),
        ("CNAM lookups", "on" if lookups else "off" if lookups is not None else "n/a"),
        ("Primary route", route_text(_included(details, "route", relations.get("primary_route")))),
        ("Failover route", route_text(_included(details, "route", relations.get("failover_route")))),
        ("E911 address", e911_text(_included(details, "e911", relations.get("e911_address")))),
        ("CNAM", cnam_text(_included(details, "cnam", relations.get("cnam_preset")))),
    ]
    blocks = [
        header(number_text(number)),
        fields_section(pairs),
        actions(
            button("Set routes", ROUTES_SET_OPEN_ACTION, {"number": number}),
            release_button(number),
            block_id=f"{NUMBER_BLOCK}_{number}",
        ),
    ]
    return message(f"{number_text(number)}: " + "; ".join(f"{label} {value}" for label, value in pairs), blocks)


def numbers_show_command(ctx: CommandContext) -> None:
    ctx.respond(**details_message(ctx.deps.flowroute.get_number(ctx.args["NUMBER"])))


def numbers_alias_command(ctx: CommandContext) -> None:
    number, alias = ctx.args["NUMBER"], ctx.args["TEXT"]
    audited(ctx.deps, ctx.user_id, "numbers alias", f"{number_text(number)} → {alias}",
            ctx.deps.flowroute.update_number, number, alias=alias)
    ctx.respond(
        response_type="in_channel",
        text=f":label: <@{ctx.user_id}> set the alias of *{number_text(number)}* to “{escape(alias)}”.",
    )


def numbers_release_command(ctx: CommandContext) -> None:
    """Ask first: show what is about to go (alias, routes) with a danger button that releases on click."""
    details = ctx.deps.flowroute.get_number(ctx.args["NUMBER"])
    data = details.get("data") or {}
    number = str(attrs(data).get("value") or data.get("id") or ctx.args["NUMBER"])
    alias = attrs(data).get("alias")
    named = f" ({escape(alias)})" if alias else ""
    text = f":warning: Release *{number_text(number)}*{named} from the Flowroute account? This cannot be undone."
    blocks = [section(text, accessory=release_button(number, "Release…"))]
    blocks[0]["block_id"] = f"{NUMBER_BLOCK}_{number}"
    blocks.append(context("Press *Release* and confirm, or ignore this message to keep the number."))
    ctx.respond(**message(f"Release {number_text(number)}? Confirm with the Release button.", blocks))


def numbers_release_clicked(deps: Deps, ack, body: dict, action: dict, respond) -> None:
    ack()
    in_background(deps, respond, _release_from_button, deps, body, action, respond)


def _release_from_button(deps: Deps, body: dict, action: dict, respond) -> None:
    user_id = body["user"]["id"]
    require_admin(deps, user_id, "release numbers")
    value = decode_value(action.get("value"))
    number = _button_number(value)
    act_once(
        deps, user_id, f"numbers release:{number}:{value.get('nonce')}",
        already=f"This Release button was already used for {number_text(number)}: the release is done or in "
        "progress.",
        action="numbers release", target=number_text(number), call=lambda: deps.flowroute.release_number(number),
    )
    done = f":wastebasket: <@{user_id}> released *{number_text(number)}*; it is no longer on the account."
    respond(replace_original=True, **message(done, [section(done)]))
    respond(response_type="in_channel", replace_original=False, text=done)
