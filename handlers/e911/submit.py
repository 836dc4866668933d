"""`/flowroute e911 validate|create|update`: open the form, then validate with Flowroute inside Slack's window."""

from __future__ import annotations

import logging
from concurrent.futures import TimeoutError as FutureTimeout

from slack_sdk.errors import SlackApiError

from blocks.kit import form_metadata, notice_view, read_metadata
from blocks.text import escape
from core.commands import CommandContext
from core.deps import Deps
from core.errors import UserError, metadata_reply, refusal_text
from core.work import in_background, when_done, within_window
from flowroute_api import FlowrouteError, attributes
from handlers.e911.form import _address_fields, changed_fields, flowroute_form_errors, form_errors, form_view, read_form
from handlers.e911.ids import (
    E911_CREATE_VIEW,
    E911_UPDATE_VIEW,
    E911_VALIDATE_VIEW,
    FORM_ORDER,
    block_id,
    field_label,
)
from handlers.e911.show import address_line

log = logging.getLogger("flowroute_bot.handlers.e911")
LOOKUP_WAIT_SECONDS = 1.0  # of Slack's 3-second trigger_id, before the Loading modal must open


def _form_metadata(ctx: CommandContext) -> dict:
    return form_metadata(ctx.response_url, ctx.channel_id, ctx.user_id)


def e911_validate_command(ctx: CommandContext) -> None:
    ctx.client.views_open(trigger_id=ctx.trigger_id, view=form_view(
        E911_VALIDATE_VIEW, "Validate E911 address", "Validate", _form_metadata(ctx)))


def e911_create_command(ctx: CommandContext) -> None:
    ctx.client.views_open(trigger_id=ctx.trigger_id, view=form_view(
        E911_CREATE_VIEW, "New E911 address", "Create", _form_metadata(ctx)))


def e911_update_command(ctx: CommandContext) -> None:
    """Look the address up first (an unknown id is answered at once, no modal); when Flowroute is slow, open
    a Loading modal before the trigger expires (3 s) and fill it in from Flowroute."""
    address_id = ctx.args["ADDRESS_ID"]
    lookup = ctx.deps.executor.submit(ctx.deps.flowroute.get_e911, address_id)
    try:
        lookup.result(timeout=LOOKUP_WAIT_SECONDS)
    except FlowrouteError as error:
        if error.status is not None and 400 <= error.status < 500:
            raise UserError(refusal_text("e911 update", error, f"E911 address `{escape(address_id)}`")) from None
    except FutureTimeout:
        pass  # slow: the modal opens with Loading… and the lookup's result fills it
    opened = ctx.client.views_open(trigger_id=ctx.trigger_id, view=notice_view(
        "Edit E911 address", f":hourglass_flowing_sand: Loading E911 address `{escape(address_id)}` from Flowroute…"))
    view = opened["view"]
    metadata = _form_metadata(ctx) | {"id": address_id}
    in_background(ctx.deps, ctx.respond, fill_update_form, ctx.deps, view["id"], view.get("hash"), metadata)


def fill_update_form(deps: Deps, view_id: str, view_hash: str | None, metadata: dict) -> None:
    address_id = metadata["id"]
    try:
        record = deps.flowroute.get_e911(address_id)["data"]
    except FlowrouteError as error:
        _update_view(deps, view_id, view_hash, notice_view(
            "Edit E911 address", f":warning: Could not load address `{escape(address_id)}`: {escape(error)}"))
        return  # said once, in the modal
    item = {field: attributes(record).get(field) for field in FORM_ORDER}
    form = form_view(E911_UPDATE_VIEW, "Edit E911 address", "Save", metadata | {"orig": item}, item)
    _update_view(deps, view_id, view_hash, form)


def _update_view(deps: Deps, view_id: str, view_hash: str | None, view: dict) -> None:
    try:
        deps.slack.views_update(view_id=view_id, hash=view_hash, view=view)
    except SlackApiError as error:  # the user closed the modal, or it changed meanwhile: nothing to show
        log.info("Could not update E911 modal %s: %s", view_id, error.response.get("error"))


def _submission(body: dict) -> tuple[str, dict, dict]:
    view = body.get("view") or {}
    return body["user"]["id"], read_metadata(view), read_form(view)


def e911_validate_submitted(deps: Deps, ack, body, respond) -> None:
    _, metadata, fields = _submission(body)
    errors = form_errors(fields)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    reply = metadata_reply(metadata)
    _validate_then(deps, ack, fields, reply, "Validate E911 address", lambda: _report_valid(reply, fields))


def _report_valid(reply, fields: dict) -> None:
    reply(text=f":white_check_mark: Flowroute accepts this E911 address: {address_line(fields)}",
          response_type="ephemeral")


def e911_create_submitted(deps: Deps, ack, body, respond) -> None:
    """Validate with Flowroute first, inside the 3 s window, so a geocoding error shows on the form."""
    user_id, metadata, fields = _submission(body)
    errors = _admin_errors(deps, user_id) or form_errors(fields)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    reply = metadata_reply(metadata)
    view_id = (body.get("view") or {}).get("id", "")
    _validate_then(deps, ack, fields, reply, "New E911 address",
                   lambda: create_address(deps, user_id, fields, view_id, reply))


def _validate_then(deps: Deps, ack, fields: dict, reply, title: str, then) -> None:
    """Ask Flowroute to validate within the modal's window: its refusal goes on the form; once it accepts,
    `then()` runs in the background (also when Flowroute answers only after the form was closed)."""
    outcome, result = within_window(deps, deps.flowroute.validate_e911, **_address_fields(fields))
    if outcome == "failed":
        ack(response_action="errors", errors=flowroute_form_errors(result))
        return
    if outcome == "pending":
        ack(response_action="update", view=notice_view(
            title, ":hourglass_flowing_sand: Flowroute is still checking the address; the result will appear "
            "in the channel where you ran the command."))
        when_done(result, reply, lambda _: then())
        return
    ack()
    in_background(deps, reply, then)


def _admin_errors(deps: Deps, user_id: str) -> dict:
    return deps.audit.form_refusal(user_id, "change E911 settings", block_id("label"))


def create_address(deps: Deps, user_id: str, fields: dict, view_id: str, reply) -> None:
    if not deps.store.claim(f"e911 create:{view_id}", user_id):
        return  # this form was already submitted and acted on
    created = deps.audit.audited(user_id, "e911 create", fields.get("label") or "", deps.flowroute.create_e911,
                                 **_address_fields(fields))
    record = (created or {}).get("data") or {}
    item = attributes(record) or fields
    reply(response_type="in_channel", text=(
        f":white_check_mark: <@{user_id}> created E911 address `{escape(record.get('id') or '?')}`: "
        f"{address_line(item)}"))


def e911_update_submitted(deps: Deps, ack, body, respond) -> None:
    """PATCH only the fields that changed, so nothing the user left alone (address_type) is wiped."""
    user_id, metadata, fields = _submission(body)
    errors = _admin_errors(deps, user_id) or form_errors(fields)
    changes = changed_fields(metadata.get("orig") or {}, fields)
    if not errors and not changes:
        errors = {block_id("label"): "Nothing changed; edit a field or cancel."}
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    reply = metadata_reply(metadata)
    in_background(deps, reply, update_address, deps, user_id, str(metadata.get("id")), changes, reply)


def update_address(deps: Deps, user_id: str, address_id: str, changes: dict, reply) -> None:
    changed = ", ".join(field_label(name).lower() for name in changes)
    updated = deps.audit.audited(user_id, "e911 update", f"address {address_id} ({changed})",
                                 deps.flowroute.update_e911, address_id, **changes)
    item = attributes((updated or {}).get("data") or {})
    where = f": {address_line(item)}" if item else ""
    reply(response_type="in_channel", text=(
        f":white_check_mark: <@{user_id}> updated E911 address `{escape(address_id)}` "
        f"({escape(changed)}){where}"))
