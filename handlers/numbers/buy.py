"""`/flowroute numbers search|buy`: offers with a Buy button that buys once per button."""

from __future__ import annotations

import json

from blocks.kit import VIEWER, button, confirm_dialog, context, header, message, nonce_of, section, with_nonce
from blocks.text import money, number_text
from core.commands import CommandContext, decode_value
from core.deps import Deps
from core.errors import UserError, explained
from core.work import in_background
from flowroute_api import NotFoundError, attributes, normalize_number
from handlers.numbers.ids import NUMBER_BLOCK, NUMBERS_BUY_ACTION
from handlers.numbers.lists import _number_filters, _paging, _place, _range_note, _with_pager


def _costs(fields: dict) -> tuple[float | None, float | None]:
    def as_float(value):
        try:
            return float(value)
        except (TypeError, ValueError):
            return None

    return as_float(fields.get("setup_cost")), as_float(fields.get("monthly_cost"))


def buy_button(number: str, setup, monthly, search: dict | None = None) -> dict:
    """A Buy button whose confirm dialog shows both costs; the nonce makes each button buy at most once.
    `search`: the list it sits in, so the list can be shown again after the purchase (Slack sends no
    ephemeral message's blocks with a click)."""
    dialog = confirm_dialog(
        "Buy this number?",
        f"Buy *{number_text(number)}* for {money(setup)} setup and {money(monthly)} a month? "
        "It is added to the Flowroute account and billed right away.",
        confirm="Buy",
    )
    value = with_nonce({"number": number, "setup": setup, "monthly": monthly})
    if search:
        value["s"] = {key: item for key, item in search.items() if item is not None and key != VIEWER}
    return button("Buy", NUMBERS_BUY_ACTION, value, style="primary", confirm=dialog)


def offer_section(resource: dict, *, can_buy: bool = True, search: dict | None = None) -> dict:
    """One purchasable number: where it is, what it costs, and its Buy button (for those who may buy)."""
    fields = attributes(resource)
    number = str(fields.get("value") or resource.get("id"))
    setup, monthly = _costs(fields)
    text = (f"*{number_text(number)}*  {_place(fields)}\n"
            f"Setup {money(setup)} · {money(monthly)} a month")
    block = section(text, accessory=buy_button(number, setup, monthly, search) if can_buy else None)
    block["block_id"] = f"{NUMBER_BLOCK}_{number}"
    return block


def numbers_search_page(deps: Deps, opts: dict) -> dict:
    paging = _paging(opts)
    place = {"state": opts.get("state"), "rate_center": opts.get("rate_center")}
    result = deps.flowroute.search_numbers(**_number_filters(opts), **place, **paging)
    offers = (result.get("data") or [])[:25]  # the parser caps --limit at 25; a message holds 50 blocks
    if not offers:
        return message("No numbers for sale match that search." if paging["offset"] == 0 else "No more numbers.")
    can_buy = deps.settings.is_admin(opts.get(VIEWER))
    search = {**opts, **paging}
    blocks = [header("Numbers for sale"),
              *[offer_section(resource, can_buy=can_buy, search=search) for resource in offers]]
    how = "Buying asks you to confirm the cost first." if can_buy else "Only Flowroute admins can buy numbers."
    blocks.append(context(f"{_range_note(paging, len(offers))}. {how}"))
    opts = {**opts, **paging}
    text = "Numbers for sale: " + ", ".join(number_text(attributes(r).get("value") or r.get("id")) for r in offers)
    return message(text, _with_pager(blocks, "numbers search", opts, result))


def find_offer(deps: Deps, number: str) -> dict | None:
    """The inventory entry for exactly `number`, or None when it is not for sale."""
    # Guess: searching ends_with the 10 national digits finds exactly this number; starts_with would need
    # Flowroute's country-code handling (it prefixes 1 unless given +cc), which is [UNCONFIRMED] for 11 digits.
    result = deps.flowroute.search_numbers(ends_with=number[1:], limit=10)
    for resource in result.get("data") or []:
        if str(attributes(resource).get("value") or resource.get("id")) == number:
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
    return already_owned_text(number)


def already_owned_text(number: str) -> str:
    return f":information_source: {number_text(number)} is already on your account; nothing to buy."


def _on_account(deps: Deps, number: str) -> bool:
    try:
        deps.flowroute.get_number(number)
    except NotFoundError:
        return False
    return True


def numbers_buy_clicked(deps: Deps, ack, body: dict, action: dict, respond) -> None:
    ack()
    in_background(deps, respond, numbers_buy_work, deps, body, action, respond)


def numbers_buy_work(deps: Deps, body: dict, action: dict, respond) -> None:
    offer = decode_value(action.get("value"))
    try:
        user_id, number = _act_on_number(
            deps, body, offer, verb="buy", call=deps.flowroute.purchase_number,
            already="the purchase is done or in progress. Check with `/flowroute numbers show {number}`.")
    except UserError as refusal:
        # A 422 for a number the account already holds (a second Buy press, another admin): say it as
        # `numbers buy` does. Guess: Flowroute documents no status for buying an owned number.
        number = _button_number(offer)
        if getattr(refusal.__cause__, "status", None) == 422 and _on_account(deps, number):
            raise UserError(already_owned_text(number)) from refusal
        raise
    costs = f"{money(offer.get('setup'))} setup, {money(offer.get('monthly'))} a month"
    done = f":white_check_mark: <@{user_id}> bought *{number_text(number)}* ({costs})."
    row = f":white_check_mark: Bought *{number_text(number)}*."
    post_once(respond, done, _replace_block(body, action, row) or _search_again(deps, offer, row, user_id))


def _act_on_number(deps: Deps, body: dict, value: dict, *, verb: str, call, already: str) -> tuple[str, str]:
    """A confirmed Buy or Release click: admins only, once per button, audited; returns (user, number)."""
    user_id = body["user"]["id"]
    deps.audit.require_admin(user_id, f"{verb} numbers")
    number = _button_number(value)
    deps.approvals.gate(  # two-person approval (core/approvals.py): stops here when FLOWROUTE_BOT_APPROVAL lists it
        f"numbers {verb}", user_id, json.dumps(value, sort_keys=True), f"{verb} {number_text(number)}", None,
        channel_id=(body.get("channel") or {}).get("id"),
        cost=f"{money(value.get('setup'))} setup, {money(value.get('monthly'))} a month" if verb == "buy" else None)
    explained(f"numbers {verb}", number_text(number), deps.audit.act_once)(
        user_id, f"numbers {verb}:{number}:{nonce_of(value)}",
        already=f"This {verb.capitalize()} button was already used for {number_text(number)}: "
        + already.format(number=number),
        action=f"numbers {verb}", target=number_text(number), call=lambda: call(number),
    )
    return user_id, number


def _button_number(value: dict) -> str:
    try:
        return normalize_number(str(value.get("number")))
    except ValueError:
        raise UserError("That button is out of date; run the command again.") from None


def _replace_block(body: dict, action: dict, done_text: str) -> dict | None:
    """The clicked message with the bought number's block replaced by `done_text`, so a search list keeps
    its other offers; None when no other Buy button is left (a `numbers buy` confirmation)."""
    blocks = ((body.get("message") or {}).get("blocks")) or []
    block_id = action.get("block_id")
    kept = [section(done_text) if block.get("block_id") == block_id else block for block in blocks]
    if not any((block.get("accessory") or {}).get("action_id") == NUMBERS_BUY_ACTION for block in kept):
        return None
    return message(done_text, kept)


def _search_again(deps: Deps, offer: dict, done_row: str, user_id: str) -> dict | None:
    """The search list the Buy button sat in, run again, with the bought row on top; None for `numbers buy`."""
    search = offer.get("s")
    if not isinstance(search, dict):
        return None
    page = numbers_search_page(deps, {**search, VIEWER: user_id})
    blocks = page.get("blocks") or []
    return message(done_row, [*blocks[:1], section(done_row), *blocks[1:]] if blocks else [section(done_row)])


def post_once(respond, public_text: str, kept: dict | None = None) -> None:
    """A change the channel should see, said once: in the channel. The private confirmation goes (or, for a
    list with other offers left, stays with the row marked done)."""
    if kept is None:
        respond(delete_original=True)
    else:
        respond(replace_original=True, **kept)
    respond(response_type="in_channel", replace_original=False, **message(public_text, [section(public_text)]))
