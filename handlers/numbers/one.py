"""One account number: `/flowroute numbers show|alias|release` (release confirmed, then once)."""

from __future__ import annotations

from blocks.kit import actions, button, confirm_dialog, context, fields_section, header, message, section, with_nonce
from blocks.text import channel_text, escape, number_text, number_type_text
from core.commands import CommandContext, decode_value
from core.deps import Deps
from core.errors import UserError
from core.work import in_background
from flowroute_api import attributes
from handlers.cnam import cnam_summary
from handlers.e911.show import address_line
from handlers.inbox import announce, channel_label
from handlers.numbers.buy import _act_on_number, post_once
from handlers.numbers.ids import NUMBER_BLOCK, NUMBERS_RELEASE_ACTION
from handlers.numbers.lists import _place
from handlers.routes.ids import ROUTES_SET_OPEN_ACTION
from handlers.routes.listing import route_label

# Flowroute's Numbers v2 reference gives aliases "up to 64 characters" (the `alias` filter of "list account
# phone numbers"); a longer one is refused here, before Flowroute sees it.
MAX_NUMBER_ALIAS = 64


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
    """The route as `routes list` shows it (one route label everywhere)."""
    return "_none_" if route is None else route_label(route)


def e911_text(address: dict | None) -> str:
    """The number's E911 address on one line, the way `/flowroute e911` shows addresses."""
    return "_none_" if address is None else address_line(attributes(address))


def cnam_text(cnam: dict | None) -> str:
    return cnam_summary(cnam)  # value, Flowroute's review state and record id (handlers/cnam.py)


def release_button(number: str, label: str = "Release") -> dict:
    dialog = confirm_dialog(
        "Release this number?",
        f"Release *{number_text(number)}*? Calls and messages to it stop, billing stops, and it goes back "
        "to Flowroute's inventory. This cannot be undone.",
        confirm="Release", danger=True,
    )
    value = with_nonce({"number": number})
    return button(label, NUMBERS_RELEASE_ACTION, value, style="danger", confirm=dialog)


def details_message(details: dict, *, can_write: bool = True) -> dict:
    """A number's details: alias, type, place, routes, E911, CNAM; buttons for routes and release (for admins)."""
    data = details.get("data") or {}
    fields, relations = attributes(data), data.get("relationships") or {}
    number = str(fields.get("value") or data.get("id"))
    lookups = fields.get("cnam_lookups_enabled")
    pairs = [
        ("Alias", escape(fields.get("alias")) or "_none_"),
        ("Type", number_type_text(fields.get("number_type")) or "n/a"),
        ("Rate center", _place(fields)),
        ("CNAM lookups", "on" if lookups else "off" if lookups is not None else "n/a"),
        ("Primary route", route_text(_included(details, "route", relations.get("primary_route")))),
        ("Failover route", route_text(_included(details, "route", relations.get("failover_route")))),
        ("E911 address", e911_text(_included(details, "e911", relations.get("e911_address")))),
        ("CNAM", cnam_text(_included(details, "cnam", relations.get("cnam_preset")))),
    ]
    blocks = [header(number_text(number)), fields_section(pairs)]
    if can_write:
        blocks.append(actions(
            button("Set routes", ROUTES_SET_OPEN_ACTION, {"number": number}),
            release_button(number),
            block_id=f"{NUMBER_BLOCK}_{number}",
        ))
    return message(f"{number_text(number)}: " + "; ".join(f"{label} {value}" for label, value in pairs), blocks)


def numbers_show_command(ctx: CommandContext) -> None:
    details = ctx.deps.flowroute.get_number(ctx.args["NUMBER"])
    ctx.respond(**details_message(details, can_write=ctx.deps.settings.is_admin(ctx.user_id)))


def numbers_alias_command(ctx: CommandContext) -> None:
    number, alias = ctx.args["NUMBER"], ctx.args["TEXT"]
    if len(alias) > MAX_NUMBER_ALIAS:
        raise UserError(f":no_entry_sign: That alias is {len(alias)} characters; a number's alias can be at most "
                        f"{MAX_NUMBER_ALIAS}. Nothing was changed.")
    ctx.deps.audit.audited(ctx.user_id, "numbers alias", f"{number_text(number)} → {alias}",
                           ctx.deps.flowroute.update_number, number, alias=alias)
    ctx.respond(
        response_type="in_channel",
        text=f":label: <@{ctx.user_id}> set the alias of *{number_text(number)}* to “{escape(alias)}”.",
    )


def numbers_release_command(ctx: CommandContext) -> None:
    """Ask first: show what is about to go (alias, routes) with a danger button that releases on click."""
    details = ctx.deps.flowroute.get_number(ctx.args["NUMBER"])
    data = details.get("data") or {}
    number = str(attributes(data).get("value") or data.get("id") or ctx.args["NUMBER"])
    alias = attributes(data).get("alias")
    named = f" ({escape(alias)})" if alias else ""
    text = f"Release *{number_text(number)}*{named} from the Flowroute account? This cannot be undone."
    channels = subscribed_channels(ctx.deps, number)
    if channels:
        text += (f"\nInbound messages stop reaching {', '.join(channel_text(c) for c in channels)}: "
                 f"{'its subscription goes' if len(channels) == 1 else 'their subscriptions go'} with the number.")
    blocks = [section(text, accessory=release_button(number, "Release…"))]
    blocks[0]["block_id"] = f"{NUMBER_BLOCK}_{number}"
    blocks.append(context("Press *Release* and confirm, or ignore this message to keep the number."))
    ctx.respond(**message(f"Release {number_text(number)}? Confirm with the Release button.", blocks))


def subscribed_channels(deps: Deps, number: str) -> list[str]:
    """The channels whose inbox subscription is for exactly this number (not `all`)."""
    return [row["channel_id"] for row in deps.store.get_subscriptions() if row["number"] == number]


def numbers_release_clicked(deps: Deps, ack, body: dict, action: dict, respond) -> None:
    ack()
    in_background(deps, respond, numbers_release_work, deps, body, action, respond)


def numbers_release_work(deps: Deps, body: dict, action: dict, respond) -> None:
    user_id, number = _act_on_number(deps, body, decode_value(action.get("value")), verb="release",
                                     call=deps.flowroute.release_number, already="the release is done or in progress.")
    done = f":wastebasket: <@{user_id}> released *{number_text(number)}*; it is no longer on the account."
    channels = subscribed_channels(deps, number)
    if channels:
        deps.store.delete_subscriptions(number)
        for channel in channels:
            deps.audit.record(user_id, "inbox unsubscribe", f"{number_text(number)} → {channel_label(deps, channel)}",
                              ok=True, result="released with the number")
            announce(deps, "unsubscribe", number, channel, user_id)  # what a rebuilt database replays
        done += f" Its inbox {'subscription' if len(channels) == 1 else 'subscriptions'} in " \
                f"{', '.join(channel_text(c) for c in channels)} {'was' if len(channels) == 1 else 'were'} removed."
    post_once(respond, done)
