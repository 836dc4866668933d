"""`/flowroute routes create`: directly from the line, or in a modal checked before Flowroute sees it."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError

from blocks.kit import (
    form_metadata,
    input_block,
    message,
    modal,
    notice_view,
    option,
    plain,
    read_metadata,
    section,
    state_value,
)
from blocks.text import escape, number_text, plain_line
from core.commands import CommandContext, refuse_non_admin
from core.deps import Deps
from core.errors import Reply, UserError, explained, failure_text, log_only, metadata_reply
from core.work import in_background, when_done, within_window
from flowroute_api import FlowrouteConnectionError, FlowrouteError, InvalidNumberError, attributes, normalize_number
from handlers.routes.ids import (
    CREATABLE_TYPES,
    MAX_SELECT_OPTIONS,
    ROUTES_ALIAS_ACTION,
    ROUTES_ALIAS_BLOCK,
    ROUTES_CREATE_VIEW,
    ROUTES_EDGE_ACTION,
    ROUTES_EDGE_BLOCK,
    ROUTES_TYPE_ACTION,
    ROUTES_TYPE_BLOCK,
    ROUTES_VALUE_ACTION,
    ROUTES_VALUE_BLOCK,
)
from handlers.routes.listing import route_label

log = logging.getLogger("flowroute_bot.handlers.routes")


# Guesses [UNCONFIRMED]: Flowroute's Routes v2 reference (developer.flowroute.com, "create an inbound route")
# gives value shapes only by example (host with optional port, 11-digit number,
# `protocol:user@domain[:port][;params]`); Flowroute publishes no length limits, so 255 characters is an assumption.
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
    subject = f"route `{escape(ctx.args.get('ALIAS') or ctx.args.get('VALUE') or '')}`"
    in_background(ctx.deps, ctx.respond, explained("routes create", subject, _create_directly), ctx)


def _create_directly(ctx: CommandContext) -> None:
    route_type, alias = ctx.args["TYPE"], (ctx.args.get("ALIAS") or "").strip()
    if ctx.args.get("VALUE") is None:
        raise UserError(
            "`routes create` needs a TYPE and a VALUE (or no arguments, for the form).\n"
            'Usage: `/flowroute routes create [TYPE VALUE ["ALIAS"]]`'
        )
    value, problem = check_route_value(route_type, ctx.args["VALUE"])
    problem = problem or (check_alias(alias) if alias else None)
    if problem:
        raise UserError(f"Route not created: {escape(problem)}")
    derived = not alias
    alias = alias or derive_alias(route_type, value)
    created = ctx.deps.audit.audited(ctx.user_id, "routes create", audit_target(alias, route_type, value),
                                     ctx.deps.flowroute.create_route, route_type, value, alias)
    route = _created_route(created, route_type, value, alias)
    ctx.respond(**created_message(route, ctx.user_id, derived_alias=derived), response_type="in_channel")


def audit_target(alias: str, route_type: str, value: str) -> str:
    """`office-pbx (host pbx.example.com)`; a number route's target as `+1 206-555-0999`, like every number."""
    return f"{alias} ({route_type} {number_text(value) if route_type == 'number' else value})"


def _created_route(created, route_type: str, value: str, alias: str) -> dict:
    """The route Flowroute returned, or what we sent when the body was empty."""
    data = (created or {}).get("data") if isinstance(created, dict) else None
    if isinstance(data, dict) and data.get("id") is not None:
        return data
    return {"id": "?", "attributes": {"route_type": route_type, "value": value, "alias": alias}}


def create_view(metadata: dict, edge_strategies: list[dict] | None) -> dict:
    type_options = [option(name, name) for name in CREATABLE_TYPES]
    blocks = [
        input_block(ROUTES_TYPE_BLOCK, "Route type", {
            "type": "static_select", "action_id": ROUTES_TYPE_ACTION, "options": type_options,
            "placeholder": plain("host, number or uri"),
        }),
        input_block(ROUTES_VALUE_BLOCK, "Value", {
            "type": "plain_text_input", "action_id": ROUTES_VALUE_ACTION, "max_length": MAX_VALUE_LENGTH,
            "placeholder": plain("pbx.example.com:5060 / 12065550100 / sip:alice@example.com", 150),
        }, hint="host: name or IP with optional port · number: 11 digits · uri: sip:user@domain"),
        input_block(ROUTES_ALIAS_BLOCK, "Alias", {
            "type": "plain_text_input", "action_id": ROUTES_ALIAS_ACTION, "max_length": MAX_ALIAS_LENGTH,
            "placeholder": plain("office-pbx"),
        }, hint="A unique name you can use instead of the id. Left empty, the route is named after its value.",
            optional=True),
    ]
    if edge_strategies:
        options = [option(_edge_name(item), str(item.get("id"))) for item in edge_strategies][:MAX_SELECT_OPTIONS]
        blocks.append(input_block(ROUTES_EDGE_BLOCK, "Edge strategy (point of presence)", {
            "type": "static_select", "action_id": ROUTES_EDGE_ACTION, "options": options,
            "placeholder": plain("Flowroute's default"),
        }, optional=True))
    return modal(ROUTES_CREATE_VIEW, "Create a route", blocks, metadata, submit="Create")


def _edge_name(strategy: dict) -> str:
    return str(attributes(strategy).get("name") or f"Edge strategy {strategy.get('id')}")


def _open_create_modal(ctx: CommandContext) -> None:
    metadata = form_metadata(ctx.response_url, ctx.channel_id, ctx.user_id)
    strategies = ctx.deps.caches.edge_strategies
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
    deps.caches.edge_strategies = strategies
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
        route_type=state_value(values, ROUTES_TYPE_BLOCK, ROUTES_TYPE_ACTION),
        value=state_value(values, ROUTES_VALUE_BLOCK, ROUTES_VALUE_ACTION),
        alias=state_value(values, ROUTES_ALIAS_BLOCK, ROUTES_ALIAS_ACTION),
        edge_strategy_id=state_value(values, ROUTES_EDGE_BLOCK, ROUTES_EDGE_ACTION),
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
    alias_problem = check_alias(form.alias) if (form.alias or "").strip() else None
    if alias_problem:
        errors[ROUTES_ALIAS_BLOCK] = alias_problem
    if form.edge_strategy_id is not None and not str(form.edge_strategy_id).isdigit():
        errors[ROUTES_EDGE_BLOCK] = "Choose an edge strategy from the list."
    return value, errors


def routes_create_submitted(deps: Deps, ack, body, view) -> None:
    """Validate, then create inside Slack's 3-second window so Flowroute's refusal lands on the form."""
    user_id = body["user"]["id"]
    if refuse_non_admin(deps, ack, user_id, "create routes", ROUTES_TYPE_BLOCK):
        return
    form = read_create_form(view["state"]["values"])
    value, errors = check_create_form(form)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    alias = (form.alias or "").strip() or derive_alias(form.route_type, value)
    target = audit_target(alias, form.route_type, value)
    reply = metadata_reply(read_metadata(view))
    outcome, result = within_window(deps, deps.flowroute.create_route, form.route_type, value, alias,
                                    edge_strategy_id=form.edge_strategy_id)
    if outcome == "failed":
        field, text = _form_error(result)
        ack(response_action="errors", errors={field: text})
        if isinstance(result, FlowrouteError):
            in_background(deps, log_only, deps.audit.record, user_id, "routes create", target, ok=False,
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
    deps.audit.record(user_id, "routes create", target, ok=True, result=f"done (id {route.get('id')})")
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
        return ROUTES_VALUE_BLOCK, plain_line(failure_text(error))
    # Guess: Slack documents no length limit for response_action errors; 500 characters reads well.
    return _field_for(error), str(error)[:500]
