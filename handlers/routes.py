"""`/flowroute routes ...`: list, create (directly or in a modal), point a number at routes, delete."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from flowroute_api import (
    FlowrouteClient,
    FlowrouteConnectionError,
    FlowrouteError,
    ForbiddenError,
    InvalidNumberError,
    iter_records,
    normalize_number,
)
from handlers.common import (
    Command,
    CommandContext,
    Deps,
    Reply,
    UserError,
    act_once,
    actions,
    attrs,
    audit,
    audited,
    bind,
    button,
    confirm_dialog,
    context,
    decode_value,
    escape,
    failure_text,
    header,
    in_background,
    message,
    new_nonce,
    notice_view,
    number_text,
    pager_block,
    plain,
    reply_to,
    require_admin,
    run_guarded,
    section,
    when_done,
    within_window,
)

log = logging.getLogger("flowroute_bot.handlers.routes")

ROUTES_CREATE_VIEW = "routes_create"
ROUTES_SET_VIEW = "routes_set"
ROUTES_LOADING_VIEW = "routes_loading"
ROUTES_SET_OPEN_ACTION = "routes_set_open"
ROUTES_DELETE_ACTION = "routes_delete"

ROUTES_TYPE_BLOCK = "routes_type"
ROUTES_VALUE_BLOCK = "routes_value"
ROUTES_ALIAS_BLOCK = "routes_alias"
ROUTES_EDGE_BLOCK = "routes_edge"
ROUTES_PRIMARY_BLOCK = "routes_primary"
ROUTES_FAILOVER_BLOCK = "routes_failover"
ROUTES_TYPE_ACTION = "routes_type_select"
ROUTES_VALUE_ACTION = "routes_value_input"
ROUTES_ALIAS_ACTION = "routes_alias_input"
ROUTES_EDGE_ACTION = "routes_edge_select"
ROUTES_PRIMARY_ACTION = "routes_primary_select"
ROUTES_FAILOVER_ACTION = "routes_failover_select"

CREATABLE_TYPES = ("host", "number", "uri")
NO_FAILOVER = "none"
BUILTIN_ROUTE_ID = "0"  # Flowroute's sip-reg default route; it cannot be deleted
DEFAULT_LIMIT = 20
ROUTE_PAGE_SIZE = 200  # Flowroute's maximum for /v2/routes
MAX_SELECT_OPTIONS = 100  # Slack's cap per static_select (or per option group)
EDGE_CACHE = "routes_edge_strategies"

# Guesses [UNCONFIRMED]: flowroute-api.md §3.1 gives value shapes only by example (host with optional
# port, 11-digit number, `protocol:user@domain[:port][;params]`); Flowroute publishes no length limits,
# so 255 characters is an assumption.
MAX_VALUE_LENGTH = 255
MAX_ALIAS_LENGTH = 255
_PARAMS = r"(;[A-Za-z][\w-]*=[\w.-]+)*"
_HOST_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
HOST_VALUE = re.compile(rf"^{_HOST_NAME}(?::(\d{{1,5}}))?{_PARAMS}$")
URI_VALUE = re.compile(rf"^sips?:[^@\s:;]+@{_HOST_NAME}(?::(\d{{1,5}}))?{_PARAMS}$", re.IGNORECASE)
VALUE_EXAMPLES = {
    "host": "a host name or IP with an optional port, like pbx.example.com:5060",
    "number": "a phone number, like 12065550100",
    "uri": "a SIP URI, like sip:alice@example.com",
}


def register(app: App, deps: Deps) -> dict[str, Command]:
    app.view(ROUTES_CREATE_VIEW)(bind(deps, routes_create_submitted))
    app.view(ROUTES_SET_VIEW)(bind(deps, routes_set_submitted))
    app.action(ROUTES_SET_OPEN_ACTION)(bind(deps, routes_set_open_clicked))
    app.action(ROUTES_DELETE_ACTION)(bind(deps, routes_delete_clicked))
    return {
        "routes list": Command(page=routes_page),
        "routes create": Command(run=routes_create_command, inline=True),
        "routes set": Command(run=routes_set_command, inline=True),
        "routes delete": Command(run=routes_delete_command),
    }


# --- routes: fetching, resolving, showing ------------------------------------------------------------

def fetch_all_routes(client: FlowrouteClient) -> list[dict]:
    """Every route on the account, page after page (flowroute_api.iter_pages: short pages are not the end)."""
    return list(iter_records(client.list_routes, page_size=ROUTE_PAGE_SIZE))


def resolve_route(routes: list[dict], ref: str) -> dict:
    """The route whose id or alias is `ref` (alias case-insensitively when that is unambiguous)."""
    ref = str(ref).strip()
    for route in routes:
        if str(route.get("id")) == ref:
            return route
    exact = [route for route in routes if attrs(route).get("alias") == ref]
    loose = exact or [route for route in routes if str(attrs(route).get("alias") or "").lower() == ref.lower()]
    if len(loose) == 1:
        return loose[0]
    if loose:
        raise UserError(f"More than one route is called `{escape(ref)}`; use its id (see `/flowroute routes list`).")
    raise UserError(
        f"There is no route `{escape(ref)}` on this account. Give a route id or alias "
        "(see `/flowroute routes list`)."
    )


def route_value_text(route: dict) -> str:
    value = attrs(route).get("value")
    if value in (None, ""):
        return "registered SIP device"
    return "`" + escape(value).replace("`", "'") + "`"


def route_label(route: dict) -> str:
    """`*office-pbx* (host `pbx.example.com:5060`)` for mrkdwn."""
    attributes = attrs(route)
    alias = attributes.get("alias") or f"route {route.get('id')}"
    kind = escape(attributes.get("route_type") or "?")
    detail = f"{kind} {route_value_text(route)}" if "value" in attributes else kind
    return f"*{escape(alias)}* ({detail})"


def route_line(route: dict) -> str:
    edge = attrs(route).get("edge_strategy_id")
    line = f"{route_label(route)} · id `{escape(route.get('id'))}`" + (f" · edge {escape(edge)}" if edge else "")
    return line[:400]


def packed_sections(lines: list[str], limit: int = 2900) -> list[dict]:
    """Lines packed into as few section blocks as fit Slack's 3000-character section text."""
    blocks, chunk = [], ""
    for line in lines:
        if chunk and len(chunk) + 1 + len(line) > limit:
            blocks.append(section(chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        blocks.append(section(chunk))
    return blocks


# --- routes list -------------------------------------------------------------------------------------

def routes_page(deps: Deps, opts: dict) -> dict:
    limit, offset = int(opts.get("limit") or DEFAULT_LIMIT), int(opts.get("offset") or 0)
    route_type = opts.get("type") or None
    page = deps.flowroute.list_routes(route_type=route_type, limit=limit, offset=offset) or {}
    routes = page.get("data") or []
    has_next = bool((page.get("links") or {}).get("next"))
    return routes_list_message(routes, route_type=route_type, limit=limit, offset=offset, has_next=has_next)


def routes_list_message(routes: list[dict], *, route_type, limit: int, offset: int, has_next: bool) -> dict:
    kind = f" of type {escape(route_type)}" if route_type else ""
    if not routes:
        return message(f"No routes{kind} on this account." if offset == 0 else f"No more routes{kind}.")
    title = f"Inbound routes ({route_type})" if route_type else "Inbound routes"
    blocks = [header(title), *packed_sections([route_line(route) for route in routes])]
    blocks.append(context(
        f"Routes {offset + 1}–{offset + len(routes)}. Point a number at a route with "
        "`/flowroute routes set NUMBER`."
    ))
    pager = pager_block("routes list", {"limit": limit, "offset": offset, "type": route_type}, has_next=has_next,
                        shown=len(routes))
    if pager:
        blocks.append(pager)
    return message(f"{title}: {len(routes)} shown", blocks)


# --- routes create -----------------------------------------------------------------------------------

def check_route_value(route_type: str, value: str | None) -> tuple[str, str | None]:
    """Return (the value to send, None) or (value, what is wrong with it) for a route of `route_type`."""
    value = (value or "").strip()
    if route_type not in CREATABLE_TYPES:
        return value, "Choose a route type: host, number or uri."
    if not value:
        return value, f"Enter {VALUE_EXAMPLES[route_type]}."
    if len(value) > MAX_VALUE_LENGTH:
        return value, f"That is too long (at most {MAX_VALUE_LENGTH} characters)."
    if route_type == "number":
        try:
            return normalize_number(value), None
        except InvalidNumberError:
            return value, f"That is not {VALUE_EXAMPLES['number']}."
    pattern = HOST_VALUE if route_type == "host" else URI_VALUE
    match = pattern.fullmatch(value)
    if not match:
        return value, f"That is not {VALUE_EXAMPLES[route_type]}."
    if match.group(1) and not 1 <= int(match.group(1)) <= 65535:
        return value, "The port must be between 1 and 65535."
    return value, None


def check_alias(alias: str | None) -> str | None:
    alias = (alias or "").strip()
    if not alias:
        return "Enter an alias: Flowroute needs a unique name for every route."
    if len(alias) > MAX_ALIAS_LENGTH:
        return f"The alias is too long (at most {MAX_ALIAS_LENGTH} characters)."
    return None


def derive_alias(route_type: str, value: str) -> str:
    """A readable alias from a route value: `pbx.example.com:5060` -> `pbx-example-com-5060`."""
    if route_type == "number":
        return f"forward-{value}"
    text = re.sub(r"^sips?:", "", value, flags=re.IGNORECASE).split(";")[0]
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return (slug or route_type)[:60]


def created_message(route: dict, user_id: str, *, derived_alias: bool = False) -> dict:
    text = f":white_check_mark: <@{user_id}> created route {route_label(route)}, id `{escape(route.get('id'))}`."
    if derived_alias:
        text += "\nNo alias was given, so it is named after its value; Flowroute requires one."
    return message(text, [section(text)])


def routes_create_command(ctx: CommandContext) -> None:
    if ctx.args.get("TYPE") is None:
        _open_create_modal(ctx)
        return
    in_background(ctx.deps, ctx.respond, _create_directly, ctx)


def _create_directly(ctx: CommandContext) -> None:
    route_type, alias = ctx.args["TYPE"], (ctx.args.get("ALIAS") or "").strip()
    if ctx.args.get("VALUE") is None:
        raise UserError(
            "`routes create` needs a TYPE and a VALUE (or no arguments, for the form).\n"
            "Usage: `/flowroute routes create [TYPE VALUE [ALIAS]]`"
        )
    value, problem = check_route_value(route_type, ctx.args["VALUE"])
    problem = problem or (check_alias(alias) if alias else None)
    if problem:
        raise UserError(f"Route not created: {escape(problem)}")
    derived = not alias
    alias = alias or derive_alias(route_type, value)
    created = audited(
        ctx.deps, ctx.user_id, "routes create", f"{alias} ({route_type} {value})",
        ctx.deps.flowroute.create_route, route_type, value, alias,
    )
    route = _created_route(created, route_type, value, alias)
    ctx.respond(**created_message(route, ctx.user_id, derived_alias=derived), response_type="in_channel")


def _created_route(created, route_type: str, value: str, alias: str) -> dict:
    """The route Flowroute returned, or what we sent when the body was empty."""
    data = (created or {}).get("data") if isinstance(created, dict) else None
    if isinstance(data, dict) and data.get("id") is not None:
        return data
    return {"id": "?", "attributes": {"route_type": route_type, "value": value, "alias": alias}}


def create_view(metadata: dict, edge_strategies: list[dict] | None) -> dict:
    type_options = [_option(name, name) for name in CREATABLE_TYPES]
    blocks = [
        _input(ROUTES_TYPE_BLOCK, "Route type", {
            "type": "static_select", "action_id": ROUTES_TYPE_ACTION, "options": type_options,
            "placeholder": plain("host, number or uri"),
        }),
        _input(ROUTES_VALUE_BLOCK, "Value", {
            "type": "plain_text_input", "action_id": ROUTES_VALUE_ACTION, "max_length": MAX_VALUE_LENGTH,
            "placeholder": plain("pbx.example.com:5060 / 12065550100 / sip:alice@example.com", 150),
        }, hint="host: name or IP with optional port · number: 11 digits · uri: sip:user@domain"),
        _input(ROUTES_ALIAS_BLOCK, "Alias", {
            "type": "plain_text_input", "action_id": ROUTES_ALIAS_ACTION, "max_length": MAX_ALIAS_LENGTH,
            "placeholder": plain("office-pbx"),
        }, hint="A unique name for the route; you can use it instead of the id in other commands."),
    ]
    if edge_strategies:
        options = [_option(_edge_name(item), str(item.get("id"))) for item in edge_strategies][:MAX_SELECT_OPTIONS]
        blocks.append(_input(ROUTES_EDGE_BLOCK, "Edge strategy (point of presence)", {
            "type": "static_select", "action_id": ROUTES_EDGE_ACTION, "options": options,
            "placeholder": plain("Flowroute's default"),
        }, optional=True))
    return _modal(ROUTES_CREATE_VIEW, "Create a route", blocks, metadata, submit="Create")


def _edge_name(strategy: dict) -> str:
    return str(attrs(strategy).get("name") or f"Edge strategy {strategy.get('id')}")


def _open_create_modal(ctx: CommandContext) -> None:
    metadata = {"url": ctx.response_url, "channel": ctx.channel_id, "user": ctx.user_id}
    strategies = ctx.deps.extras.get(EDGE_CACHE)
    opened = ctx.client.views_open(trigger_id=ctx.trigger_id, view=create_view(metadata, strategies))
    if strategies is None:
        view = opened["view"]
        in_background(ctx.deps, ctx.respond, _add_edge_strategies, ctx.deps, view["id"], view["hash"], metadata)


def _add_edge_strategies(deps: Deps, view_id: str, view_hash: str, metadata: dict) -> None:
    """Fetch the edge strategies once (they rarely change) and add the optional select to the open form.

    Guess: Slack keeps what the user already typed across views.update when block_id/action_id stay the same.
    """
    try:
        strategies = (deps.flowroute.list_edge_strategies() or {}).get("data") or []
    except FlowrouteError as error:
        log.info("Edge strategies unavailable, the route form goes without them: %s", error)
        return
    deps.extras[EDGE_CACHE] = strategies
    if not strategies:
        return
    try:
        deps.slack.views_update(view_id=view_id, hash=view_hash, view=create_view(metadata, strategies))
    except SlackApiError as error:  # closed or already submitted: nothing to add it to
        log.info("Route form not updated with edge strategies: %s", error.response.get("error"))


@dataclass(frozen=True)
class RouteForm:
    route_type: str | None
    value: str | None
    alias: str | None
    edge_strategy_id: str | None


def read_create_form(values: dict) -> RouteForm:
    return RouteForm(
        route_type=_state_value(values, ROUTES_TYPE_BLOCK, ROUTES_TYPE_ACTION),
        value=_state_value(values, ROUTES_VALUE_BLOCK, ROUTES_VALUE_ACTION),
        alias=_state_value(values, ROUTES_ALIAS_BLOCK, ROUTES_ALIAS_ACTION),
        edge_strategy_id=_state_value(values, ROUTES_EDGE_BLOCK, ROUTES_EDGE_ACTION),
    )


def check_create_form(form: RouteForm) -> tuple[str, dict[str, str]]:
    """The value to send and the field errors (block_id -> text) found without asking Flowroute."""
    errors: dict[str, str] = {}
    value = form.value or ""
    if form.route_type not in CREATABLE_TYPES:
        errors[ROUTES_TYPE_BLOCK] = "Choose a route type: host, number or uri."
    else:
        value, problem = check_route_value(form.route_type, form.value)
        if problem:
            errors[ROUTES_VALUE_BLOCK] = problem
    alias_problem = check_alias(form.alias)
    if alias_problem:
        errors[ROUTES_ALIAS_BLOCK] = alias_problem
    if form.edge_strategy_id is not None and not str(form.edge_strategy_id).isdigit():
        errors[ROUTES_EDGE_BLOCK] = "Choose an edge strategy from the list."
    return value, errors


def routes_create_submitted(deps: Deps, ack, body, view) -> None:
    """Validate, then create inside Slack's 3-second window so Flowroute's refusal lands on the form."""
    user_id = body["user"]["id"]
    refusal = _refusal(deps, user_id, "create routes")
    if refusal:
        ack(response_action="errors", errors={ROUTES_TYPE_BLOCK: refusal})
        return
    form = read_create_form(view["state"]["values"])
    value, errors = check_create_form(form)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    alias = form.alias.strip()
    target = f"{alias} ({form.route_type} {value})"
    reply = _metadata_reply(view)
    outcome, result = within_window(deps, deps.flowroute.create_route, form.route_type, value, alias,
                                    edge_strategy_id=form.edge_strategy_id)
    if outcome == "failed":
        field, text = _form_error(result)
        ack(response_action="errors", errors={field: text})
        if isinstance(result, FlowrouteError):
            in_background(deps, _log_failure, audit, deps, user_id, "routes create", target, ok=False,
                          result=str(result))
        return
    if outcome == "pending":
        ack(response_action="update", view=notice_view(
            "New route", ":hourglass_flowing_sand: Flowroute is still working on it; the result will appear "
            "in the channel where you ran the command."))
        when_done(result, reply, lambda created: _announce_created(
            deps, user_id, target, _created_route(created, form.route_type, value, alias), reply))
        return
    ack()
    route = _created_route(result, form.route_type, value, alias)
    in_background(deps, reply, _announce_created, deps, user_id, target, route, reply)


def _announce_created(deps: Deps, user_id: str, target: str, route: dict, reply: Reply) -> None:
    audit(deps, user_id, "routes create", target, ok=True, result=f"done (id {route.get('id')})")
    reply(**created_message(route, user_id), response_type="in_channel")


def _field_for(error: FlowrouteError) -> str:
    """The form field a Flowroute refusal is about: JSON:API `source.pointer` first, else its wording.

    Guess: Flowroute's error bodies are not documented per field; this reads the words it uses.
    """
    if isinstance(error, FlowrouteConnectionError):
        return ROUTES_VALUE_BLOCK
    pointers = " ".join(str((item.get("source") or {}).get("pointer") or "") for item in error.errors
                        if isinstance(item.get("source"), dict))
    for text in (pointers, f"{error.title or ''} {error.detail or ''}"):
        lowered = text.lower()
        if "alias" in lowered:
            return ROUTES_ALIAS_BLOCK
        if "edge" in lowered:
            return ROUTES_EDGE_BLOCK
        if "route_type" in lowered or "type" in lowered.split():
            return ROUTES_TYPE_BLOCK
    return ROUTES_VALUE_BLOCK


def _form_error(error: BaseException) -> tuple[str, str]:
    """The field and text a failed create shows on the form; unexpected errors are logged with a reference."""
    if not isinstance(error, FlowrouteError):
        return ROUTES_VALUE_BLOCK, failure_text(error)
    # Guess: Slack documents no length limit for response_action errors; 500 characters reads well.
    return _field_for(error), str(error)[:500]


# --- routes set --------------------------------------------------------------------------------------

def routes_set_command(ctx: CommandContext) -> None:
    number = ctx.args["NUMBER"]
    if ctx.options.get("primary") is None and ctx.options.get("failover") is None:
        metadata = {"url": ctx.response_url, "channel": ctx.channel_id, "user": ctx.user_id, "number": number}
        open_set_modal(ctx.deps, ctx.client, ctx.trigger_id, number, metadata, ctx.respond)
        return
    in_background(ctx.deps, ctx.respond, _set_directly, ctx)


def _set_directly(ctx: CommandContext) -> None:
    deps, number = ctx.deps, ctx.args["NUMBER"]
    routes = fetch_all_routes(deps.flowroute)
    primary_ref, failover_ref = ctx.options.get("primary"), ctx.options.get("failover")
    primary = resolve_route(routes, primary_ref) if primary_ref is not None else None
    remove_failover = failover_ref is not None and failover_ref.lower() == NO_FAILOVER
    failover = resolve_route(routes, failover_ref) if failover_ref is not None and not remove_failover else None
    result = apply_routes(deps, ctx.user_id, number, primary=primary, failover=failover,
                          remove_failover=remove_failover)
    ctx.respond(**result, response_type="in_channel")


def apply_routes(deps: Deps, user_id: str, number: str, *, primary: dict | None, failover: dict | None,
                 remove_failover: bool) -> dict:
    """Make the PATCH/DELETE calls (each audited) and return the message saying what changed."""
    changes = []
    if primary is not None:
        audited(deps, user_id, "routes set", f"{number} primary {_route_ref(primary)}",
                deps.flowroute.set_primary_route, number, primary["id"])
        changes.append(f"primary {route_label(primary)}")
    if failover is not None:
        audited(deps, user_id, "routes set", f"{number} failover {_route_ref(failover)}",
                deps.flowroute.set_failover_route, number, failover["id"])
        changes.append(f"failover {route_label(failover)}")
    elif remove_failover:
        audited(deps, user_id, "routes set", f"{number} failover none",
                deps.flowroute.remove_failover_route, number)
        changes.append("no failover")
    text = f":white_check_mark: <@{user_id}> set the routes of *{number_text(number)}*: " + ", ".join(changes) + "."
    return message(text, [section(text)])


def _route_ref(route: dict) -> str:
    alias = attrs(route).get("alias")
    return f"{alias} ({route.get('id')})" if alias else str(route.get("id"))


def loading_view(number: str) -> dict:
    blocks = [section(f":hourglass_flowing_sand: Loading the routes for *{number_text(number)}*…")]
    return _modal(ROUTES_LOADING_VIEW, "Set number routes", blocks, {})


def set_notice_view(text: str) -> dict:
    return _modal(ROUTES_LOADING_VIEW, "Set number routes", [section(text)], {})


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
    none_option = _option("No failover", NO_FAILOVER)
    primary = _select(ROUTES_PRIMARY_ACTION, route_options, _find_option(route_options, primary_id))
    failover = _select(ROUTES_FAILOVER_ACTION, [none_option, *route_options],
                       _find_option(route_options, failover_id) or none_option)
    blocks = [
        section(f"Inbound voice routes for *{number_text(number)}*."),
        _input(ROUTES_PRIMARY_BLOCK, "Primary route", primary),
        _input(ROUTES_FAILOVER_BLOCK, "Failover route", failover,
               hint="Used when the primary route does not answer."),
    ]
    return _modal(ROUTES_SET_VIEW, "Set number routes", blocks, metadata, submit="Save")


def _route_option(route: dict) -> dict:
    attributes = attrs(route)
    alias = attributes.get("alias") or f"route {route.get('id')}"
    return _option(f"{alias} ({attributes.get('route_type') or '?'})", str(route.get("id")))


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
            {"label": plain(f"Routes {index * MAX_SELECT_OPTIONS + 1}–{index * MAX_SELECT_OPTIONS + len(chunk)}"),
             "options": chunk}
            for index, chunk in enumerate(chunks[:MAX_SELECT_OPTIONS])
        ]
    if initial:
        element["initial_option"] = initial
    return element


def routes_set_open_clicked(deps: Deps, ack, body, action, respond, client) -> None:
    """The *Set routes* button (on `numbers show`): the same modal, answering in the clicked message's place."""
    ack()
    run_guarded(respond, _open_from_button, deps, body, action, client, respond)


def _open_from_button(deps: Deps, body: dict, action: dict, client, respond: Reply) -> None:
    user_id = body["user"]["id"]
    require_admin(deps, user_id, "change a number's routes")
    number = normalize_number(str(decode_value(action.get("value")).get("number") or ""))
    metadata = {"url": body.get("response_url"), "channel": (body.get("channel") or {}).get("id"),
                "user": user_id, "number": number}
    open_set_modal(deps, client, body["trigger_id"], number, metadata, respond)


def routes_set_submitted(deps: Deps, ack, body, view) -> None:
    user_id = body["user"]["id"]
    refusal = _refusal(deps, user_id, "change a number's routes")
    if refusal:
        ack(response_action="errors", errors={ROUTES_PRIMARY_BLOCK: refusal})
        return
    values = view["state"]["values"]
    primary = _state_option(values, ROUTES_PRIMARY_BLOCK, ROUTES_PRIMARY_ACTION)
    failover = _state_option(values, ROUTES_FAILOVER_BLOCK, ROUTES_FAILOVER_ACTION)
    if primary is None:
        ack(response_action="errors", errors={ROUTES_PRIMARY_BLOCK: "Choose a primary route."})
        return
    ack()
    metadata = _metadata(view)
    reply = _metadata_reply(view)
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
    match = re.fullmatch(r"(.*) \(([\w-]+|\?)\)", text)
    alias, route_type = (match.group(1), match.group(2)) if match else (text, "?")
    return {"id": option["value"], "attributes": {"alias": alias, "route_type": route_type}}


# --- routes delete -----------------------------------------------------------------------------------

def routes_delete_command(ctx: CommandContext) -> None:
    route = resolve_route(fetch_all_routes(ctx.deps.flowroute), ctx.args["ROUTE"])
    if str(route.get("id")) == BUILTIN_ROUTE_ID:
        raise UserError("Route `0` (sip-reg) is Flowroute's built-in default route; it cannot be deleted.")
    ctx.respond(**delete_confirmation(route, new_nonce()))


def delete_confirmation(route: dict, nonce: str) -> dict:
    alias = str(attrs(route).get("alias") or route.get("id"))
    text = f"Delete route {route_label(route)}, id `{escape(route.get('id'))}`? This cannot be undone."
    dialog = confirm_dialog("Delete this route?", f"Route *{escape(alias)}* will be deleted from the account.",
                            confirm="Delete", deny="Keep it", danger=True)
    value = {"id": str(route.get("id")), "alias": alias[:100], "n": nonce}
    delete = button("Delete route", ROUTES_DELETE_ACTION, value, style="danger", confirm=dialog)
    return message(text, [section(text), actions(delete, block_id="routes_delete_confirm")])


def routes_delete_clicked(deps: Deps, ack, body, action, respond) -> None:
    ack()
    in_background(deps, respond, _delete_clicked, deps, body["user"]["id"], action.get("value"), respond)


def _delete_clicked(deps: Deps, user_id: str, raw_value: str, respond: Reply) -> None:
    require_admin(deps, user_id, "delete routes")
    state = decode_value(raw_value)
    route_id, alias, nonce = str(state.get("id") or ""), str(state.get("alias") or ""), state.get("n")
    if not route_id or not nonce:
        raise UserError("That button is out of date; run the command again.")
    try:
        act_once(
            deps, user_id, f"routes delete:{route_id}:{nonce}",
            already="That route deletion is already done or in progress.",
            action="routes delete", target=f"{alias} ({route_id})", call=lambda: deps.flowroute.delete_route(route_id),
        )
    except ForbiddenError as error:
        respond(text=still_in_use_text(alias, error), replace_original=True)
        return
    text = f":wastebasket: <@{user_id}> deleted route *{escape(alias)}* (id `{escape(route_id)}`)."
    respond(text=text, blocks=[section(text)], replace_original=True)


def still_in_use_text(alias: str, error: FlowrouteError) -> str:
    # Guess: a 403 that mentions numbers is the documented "This Route has numbers still associated to it."
    if "number" in f"{error.title or ''} {error.detail or ''}".lower():
        return (
            f":warning: Route *{escape(alias)}* is still used by one or more numbers, so Flowroute kept it "
            f"({escape(error)}). Point those numbers at another route with `/flowroute routes set NUMBER`, "
            "then delete it again."
        )
    return f":warning: Route *{escape(alias)}* was not deleted: {escape(error)}"


# --- modal pieces ------------------------------------------------------------------------------------

def _modal(callback_id: str, title: str, blocks: list[dict], metadata: dict, *, submit: str | None = None) -> dict:
    view = {
        "type": "modal", "callback_id": callback_id, "title": plain(title, 24), "close": plain("Cancel", 24),
        "blocks": blocks, "private_metadata": json.dumps(metadata, separators=(",", ":"))[:3000],
    }
    if submit:
        view["submit"] = plain(submit, 24)
    return view


def _input(block_id: str, label: str, element: dict, *, hint: str | None = None, optional: bool = False) -> dict:
    block = {"type": "input", "block_id": block_id, "label": plain(label, 2000), "element": element}
    if hint:
        block["hint"] = plain(hint, 2000)
    if optional:
        block["optional"] = True
    return block


def _option(text: str, value: str) -> dict:
    return {"text": plain(text), "value": str(value)[:150]}


def _state_value(values: dict, block_id: str, action_id: str) -> str | None:
    entry = (values.get(block_id) or {}).get(action_id) or {}
    if "selected_option" in entry:
        return (entry.get("selected_option") or {}).get("value")
    return entry.get("value")


def _state_option(values: dict, block_id: str, action_id: str) -> dict | None:
    option = ((values.get(block_id) or {}).get(action_id) or {}).get("selected_option")
    return option if isinstance(option, dict) and option.get("value") else None


def _metadata(view: dict) -> dict:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _metadata_reply(view: dict) -> Reply:
    """Reply through the response_url stored in the modal, or only log when there is none."""
    url = _metadata(view).get("url")
    return reply_to(url) if url else _log_failure


def _log_failure(text: str = "", **_) -> None:
    log.warning("No response_url to tell the user: %s", text)


def _refusal(deps: Deps, user_id: str, what: str) -> str | None:
    """The form error for a non-admin (plain text: modal errors do not render mentions)."""
    try:
        require_admin(deps, user_id, what)
    except UserError:
        return f"Sorry, only Flowroute admins can {what}. Ask an admin to add your Slack ID to FLOWROUTE_BOT_ADMINS."
    return None
