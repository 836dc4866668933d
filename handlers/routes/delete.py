"""`/flowroute routes delete`: confirm, then delete once (a route still in use is explained)."""

from __future__ import annotations

from blocks.kit import actions, button, confirm_dialog, message, new_nonce, nonce_of, section, with_nonce
from blocks.text import escape, number_list
from core.commands import CommandContext, decode_value
from core.deps import Deps
from core.errors import Reply, UserError, refusal_text
from core.work import in_background
from flowroute_api import FlowrouteError, attributes
from handlers.routes.ids import BUILTIN_ROUTE_ID, ROUTES_DELETE_ACTION
from handlers.routes.listing import fetch_all_routes, resolve_route, route_label
from handlers.routes.usage import numbers_using_route


def routes_delete_command(ctx: CommandContext) -> None:
    route = resolve_route(fetch_all_routes(ctx.deps.flowroute), ctx.args["ROUTE"])
    if str(route.get("id")) == BUILTIN_ROUTE_ID:
        raise UserError("Route `0` (sip-reg) is Flowroute's built-in default route; it cannot be deleted.")
    users = numbers_using_route(ctx.deps.flowroute, str(route.get("id")))
    if users:
        raise UserError(in_use_text(route, users))
    ctx.respond(**delete_confirmation(route, new_nonce()))


def delete_confirmation(route: dict, nonce: str) -> dict:
    alias = str(attributes(route).get("alias") or route.get("id"))
    text = f"Delete route {route_label(route)}, id `{escape(route.get('id'))}`? This cannot be undone."
    dialog = confirm_dialog("Delete this route?", f"Route *{escape(alias)}* will be deleted from the account.",
                            confirm="Delete", deny="Keep it", danger=True)
    value = with_nonce({"id": str(route.get("id")), "alias": alias[:100]}, nonce)
    delete = button("Delete route", ROUTES_DELETE_ACTION, value, style="danger", confirm=dialog)
    return message(text, [section(text), actions(delete, block_id="routes_delete_confirm")])


def routes_delete_clicked(deps: Deps, ack, body, action, respond) -> None:
    ack()
    in_background(deps, respond, routes_delete_work, deps, body["user"]["id"], action.get("value"), respond)


def routes_delete_work(deps: Deps, user_id: str, raw_value: str, respond: Reply) -> None:
    deps.audit.require_admin(user_id, "delete routes")
    state = decode_value(raw_value)
    route_id, alias, nonce = str(state.get("id") or ""), str(state.get("alias") or ""), nonce_of(state)
    if not route_id or not nonce:
        raise UserError("That button is out of date; run the command again.")
    deps.approvals.gate("routes delete", user_id, raw_value, f"delete route {alias} ({route_id})", respond)
    try:
        deps.audit.act_once(user_id, f"routes delete:{route_id}:{nonce}",
                            already="That route deletion is already done or in progress.",
                            action="routes delete", target=f"{alias} ({route_id})",
                            call=lambda: deps.flowroute.delete_route(route_id))
    except FlowrouteError as error:
        if error.status is None or not 400 <= error.status < 500:
            raise
        respond(text=refusal_text("routes delete", error, f"route *{escape(alias)}*"), replace_original=True)
        return
    text = f":wastebasket: <@{user_id}> deleted route *{escape(alias)}* (id `{escape(route_id)}`)."
    respond(text=text, blocks=[section(text)], replace_original=True)


def in_use_text(route: dict, numbers: list[str]) -> str:
    """Checked before asking: the numbers that still point at the route, and how to move them."""
    return (
        f":no_entry_sign: Route {route_label(route)} is still used by {number_list(numbers)}, so Flowroute "
        f"would refuse to delete it. Point {'it' if len(numbers) == 1 else 'them'} at another route with "
        "`/flowroute routes set NUMBER`, then delete the route again."
    )
