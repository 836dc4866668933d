"""`/flowroute routes set`: point a number at a primary and a failover route (line, modal or button)."""

from __future__ import annotations

import re

from blocks.kit import form_metadata, input_block, message, modal, option, plain, read_metadata, section, state_option
from blocks.text import escape, number_text, range_text, route_kind_text
from core.commands import CommandContext, decode_value, refuse_non_admin
from core.deps import Deps
from core.errors import Reply, UserError, explained, failure_text, metadata_reply, run_guarded
from core.work import in_background
from flowroute_api import FlowrouteError, attributes, normalize_number
from flowroute_api.routes import ROUTE_TYPES
from handlers.routes.ids import (
    MAX_SELECT_OPTIONS,
    NO_FAILOVER,
    ROUTES_FAILOVER_ACTION,
    ROUTES_FAILOVER_BLOCK,
    ROUTES_LOADING_VIEW,
    ROUTES_PRIMARY_ACTION,
    ROUTES_PRIMARY_BLOCK,
    ROUTES_SET_VIEW,
)
from handlers.routes.listing import fetch_all_routes, resolve_route, route_label


def routes_set_command(ctx: CommandContext) -> None:
    number = ctx.args["NUMBER"]
    if ctx.options.get("primary") is None and ctx.options.get("failover") is None:
        metadata = form_metadata(ctx.response_url, ctx.channel_id, ctx.user_id, number=number)
        open_set_modal(ctx.deps, ctx.client, ctx.trigger_id, number, metadata, ctx.respond)
        return
    in_background(ctx.deps, ctx.respond, explained("routes set", number_text(number), _set_directly), ctx)


def _set_directly(ctx: CommandContext) -> None:
    deps, number = ctx.deps, ctx.args["NUMBER"]
    routes = fetch_all_routes(deps.flowroute)
    primary_ref, failover_ref = ctx.options.get("primary"), ctx.options.get("failover")
    primary = resolve_route(routes, primary_ref) if primary_ref is not None else None
    remove_failover = failover_ref is not None and failover_ref.lower() == NO_FAILOVER
    failover = resolve_route(routes, failover_ref) if failover_ref is not None and not remove_failover else None
    _refuse_same_route(deps, number, primary, failover, remove_failover)
    result = apply_routes(deps, ctx.user_id, number, primary=primary, failover=failover,
                          remove_failover=remove_failover)
    ctx.respond(**result, response_type="in_channel")


def _refuse_same_route(deps: Deps, number: str, primary: dict | None, failover: dict | None,
                       remove_failover: bool) -> None:
    """Checked before any change: the failover is meant to be a different route from the primary.
    When only one is given, the other is the number's current route."""
    if remove_failover or (primary is None and failover is None):
        return
    if primary is None or failover is None:
        current_primary, current_failover = current_route_ids(deps.flowroute.get_number(number))
        primary_id = str(primary["id"]) if primary is not None else current_primary
        failover_id = str(failover["id"]) if failover is not None else current_failover
    else:
        primary_id, failover_id = str(primary["id"]), str(failover["id"])
    if primary_id is not None and primary_id == failover_id:
        raise UserError(same_route_text(primary or failover))


def same_route_text(route: dict) -> str:
    return (f":no_entry_sign: The failover route must differ from the primary: both would be {route_label(route)}. "
            "Choose another failover, or `--failover none`.")


SAME_ROUTE_FORM_ERROR = "The failover must be a different route from the primary (or No failover)."


def apply_routes(deps: Deps, user_id: str, number: str, *, primary: dict | None, failover: dict | None,
                 remove_failover: bool) -> dict:
    """Make the PATCH/DELETE calls (each audited) and return the message saying what changed."""
    changes = []
    if primary is not None:
        deps.audit.audited(user_id, "routes set", f"{number_text(number)} primary → {_route_ref(primary)}",
                           deps.flowroute.set_primary_route, number, primary["id"])
        changes.append(f"primary {route_label(primary)}")
    if failover is not None:
        deps.audit.audited(user_id, "routes set", f"{number_text(number)} failover → {_route_ref(failover)}",
                           deps.flowroute.set_failover_route, number, failover["id"])
        changes.append(f"failover {route_label(failover)}")
    elif remove_failover:
        deps.audit.audited(user_id, "routes set", f"{number_text(number)} failover → none",
                           deps.flowroute.remove_failover_route, number)
        changes.append("no failover")
    text = f":white_check_mark: <@{user_id}> set the routes of *{number_text(number)}*: " + ", ".join(changes) + "."
    return message(text, [section(text)])


def _route_ref(route: dict) -> str:
    alias = attributes(route).get("alias")
    return f"{alias} ({route.get('id')})" if alias else str(route.get("id"))


def loading_view(number: str) -> dict:
    blocks = [section(f":hourglass_flowing_sand: Loading the routes for *{number_text(number)}*…")]
    return modal(ROUTES_LOADING_VIEW, "Set number routes", blocks, {})


def set_notice_view(text: str) -> dict:
    return modal(ROUTES_LOADING_VIEW, "Set number routes", [section(text)], {})


def open_set_modal(deps: Deps, client, trigger_id: str, number: str, metadata: dict, reply: Reply) -> None:
    """Open a loading modal at once (trigger_id lives 3 s), then fill it in when Flowroute has answered."""
    opened = client.views_open(trigger_id=trigger_id, view=loading_view(number))
    view = opened["view"]
    in_background(deps, reply, _fill_set_modal, deps, view["id"], view["hash"], number, metadata)


def _fill_set_modal(deps: Deps, view_id: str, view_hash: str, number: str, metadata: dict) -> None:
    try:
        routes = fetch_all_routes(deps.flowroute)
        details = deps.flowroute.get_number(number) or {}
    except FlowrouteError as error:
        deps.slack.views_update(view_id=view_id, hash=view_hash, view=set_notice_view(escape(failure_text(error))))
        return
    routes = _with_included_routes(routes, details)
    primary_id, failover_id = current_route_ids(details)
    metadata = {**metadata, "failover": failover_id}
    view = set_routes_view(number, routes, primary_id, failover_id, metadata)
    deps.slack.views_update(view_id=view_id, hash=view_hash, view=view)


def current_route_ids(details: dict) -> tuple[str | None, str | None]:
    relationships = (details.get("data") or {}).get("relationships") or {}

    def route_id(name: str) -> str | None:
        data = (relationships.get(name) or {}).get("data")
        return str(data["id"]) if isinstance(data, dict) and data.get("id") is not None else None

    return route_id("primary_route"), route_id("failover_route")


def _with_included_routes(routes: list[dict], details: dict) -> list[dict]:
    """Add the number's current routes from `included` when the route list lacks them (e.g. sip-reg)."""
    known = {str(route.get("id")) for route in routes}
    extra = [item for item in details.get("included") or []
             if item.get("type") == "route" and str(item.get("id")) not in known]
    return routes + extra


def set_routes_view(number: str, routes: list[dict], primary_id: str | None, failover_id: str | None,
                    metadata: dict) -> dict:
    route_options = [_route_option(route) for route in routes]
    none_option = option("No failover", NO_FAILOVER)
    primary = _select(ROUTES_PRIMARY_ACTION, route_options, _find_option(route_options, primary_id))
    failover = _select(ROUTES_FAILOVER_ACTION, [none_option, *route_options],
                       _find_option(route_options, failover_id) or none_option)
    blocks = [
        section(f"Inbound voice routes for *{number_text(number)}*."),
        input_block(ROUTES_PRIMARY_BLOCK, "Primary route", primary),
        input_block(ROUTES_FAILOVER_BLOCK, "Failover route", failover,
               hint="Used when the primary route does not answer."),
    ]
    return modal(ROUTES_SET_VIEW, "Set number routes", blocks, metadata, submit="Save")


def _route_option(route: dict) -> dict:
    fields = attributes(route)
    alias = fields.get("alias") or f"route {route.get('id')}"
    return option(f"{alias} ({route_kind_text(fields.get('route_type'))})", str(route.get("id")))


def _find_option(options: list[dict], value: str | None) -> dict | None:
    return next((option for option in options if option["value"] == value), None) if value else None


def _select(action_id: str, options: list[dict], initial: dict | None) -> dict:
    """A static_select; past Slack's 100 options per list, the options go in groups of 100."""
    element = {"type": "static_select", "action_id": action_id, "placeholder": plain("Choose a route")}
    if len(options) <= MAX_SELECT_OPTIONS:
        element["options"] = options
    else:
        chunks = [options[start:start + MAX_SELECT_OPTIONS] for start in range(0, len(options), MAX_SELECT_OPTIONS)]
        element["option_groups"] = [
            {"label": plain(range_text("Route", index * MAX_SELECT_OPTIONS, len(chunk))),
             "options": chunk}
            for index, chunk in enumerate(chunks[:MAX_SELECT_OPTIONS])
        ]
    if initial:
        element["initial_option"] = initial
    return element


def routes_set_open_clicked(deps: Deps, ack, body, action, respond, client) -> None:
    """The *Set routes* button (on `numbers show`): the same modal, answering in the clicked message's place."""
    ack()
    run_guarded(respond, routes_set_open_work, deps, body, action, client, respond)


def routes_set_open_work(deps: Deps, body: dict, action: dict, client, respond: Reply) -> None:
    user_id = body["user"]["id"]
    deps.audit.require_admin(user_id, "change a number's routes")
    number = normalize_number(str(decode_value(action.get("value")).get("number") or ""))
    metadata = form_metadata(body.get("response_url"), (body.get("channel") or {}).get("id"), user_id,
                             number=number)
    open_set_modal(deps, client, body["trigger_id"], number, metadata, respond)


def routes_set_submitted(deps: Deps, ack, body, view) -> None:
    user_id = body["user"]["id"]
    if refuse_non_admin(deps, ack, user_id, "change a number's routes", ROUTES_PRIMARY_BLOCK):
        return
    values = view["state"]["values"]
    primary = state_option(values, ROUTES_PRIMARY_BLOCK, ROUTES_PRIMARY_ACTION)
    failover = state_option(values, ROUTES_FAILOVER_BLOCK, ROUTES_FAILOVER_ACTION)
    if primary is None:
        ack(response_action="errors", errors={ROUTES_PRIMARY_BLOCK: "Choose a primary route."})
        return
    if failover is not None and failover["value"] == primary["value"]:
        ack(response_action="errors", errors={ROUTES_FAILOVER_BLOCK: SAME_ROUTE_FORM_ERROR})
        return
    ack()
    metadata = read_metadata(view)
    reply = metadata_reply(metadata)
    in_background(deps, reply, _apply_from_form, deps, user_id, metadata, primary, failover, reply)


def _apply_from_form(deps: Deps, user_id: str, metadata: dict, primary: dict, failover: dict | None,
                     reply: Reply) -> None:
    number = normalize_number(str(metadata.get("number") or ""))
    wants_none = failover is None or failover["value"] == NO_FAILOVER
    result = apply_routes(
        deps, user_id, number,
        primary=_route_from_option(primary),
        failover=None if wants_none else _route_from_option(failover),
        # Nothing to remove when the number had no failover when the form was filled in.
        remove_failover=wants_none and metadata.get("failover") is not None,
    )
    reply(**result, response_type="in_channel")


def _route_from_option(option: dict) -> dict:
    """A route-like dict from a select option (`alias (type)` -> alias, type) for the result message."""
    text = str((option.get("text") or {}).get("text") or "")
    match = re.fullmatch(r"(.*) \(([^()]+)\)", text)
    alias, kind = (match.group(1), match.group(2)) if match else (text, "")
    route_type = {route_kind_text(name): name for name in ROUTE_TYPES}.get(kind, kind)
    return {"id": option["value"], "attributes": {"alias": alias, "route_type": route_type}}
