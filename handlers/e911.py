"""`/flowroute e911 ...`: list and show addresses, forms to validate/create/update, associate, confirm removals."""

from __future__ import annotations

import json
import logging
import re
from functools import partial

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from flowroute_api import E911_ADDRESS_TYPES, FlowrouteError, iter_records
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
    failure_text,
    fields_section,
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
    section,
    when_done,
    within_window,
)

log = logging.getLogger("flowroute_bot.handlers.e911")

E911_VALIDATE_VIEW = "e911_validate"
E911_CREATE_VIEW = "e911_create"
E911_UPDATE_VIEW = "e911_update"
E911_CONFIRM_ACTION = "e911_confirm"
E911_CANCEL_ACTION = "e911_cancel"
E911_CONFIRM_BLOCK = "e911_confirm"
E911_BLOCK_PREFIX = "e911_field_"  # + field name: one input block per address field

DEFAULT_LIMIT = 10
LINES_PER_SECTION = 10
NO_TYPE = "none"
COUNTRIES = ("US", "CA")
REQUIRED = ("label", "first_name", "last_name", "street_number", "street_name", "city", "state", "country", "zip")
ZIP_SHAPES = {"US": re.compile(r"\d{5}(-\d{4})?"), "CA": re.compile(r"[A-Z]\d[A-Z] ?\d[A-Z]\d")}

# (field, label, hint, max length) for the text inputs, in form order; the two selects are placed among them.
TEXT_FIELDS = {
    "label": ("Label", "A name for this address, e.g. Seattle HQ", 60),
    "first_name": ("First name", None, 60),
    "last_name": ("Last name", None, 60),
    "street_number": ("Street number", "e.g. 1218", 20),
    "street_name": ("Street name", "e.g. 3rd Ave", 100),
    "address_type_number": ("Unit number", "Required with an address type, e.g. 600", 20),
    "city": ("City", None, 60),
    "state": ("State / province", "Two letters, e.g. WA", 2),
    "zip": ("ZIP / postal code", "e.g. 98101 or M4C 5K7", 10),
}
FORM_ORDER = ("label", "first_name", "last_name", "street_number", "street_name", "address_type",
              "address_type_number", "city", "state", "country", "zip")


def block_id(field: str) -> str:
    return E911_BLOCK_PREFIX + field


# --- registration ----------------------------------------------------------------------------------

def register(app: App, deps: Deps) -> dict[str, Command]:
    app.view(E911_VALIDATE_VIEW)(bind(deps, e911_validate_submitted))
    app.view(E911_CREATE_VIEW)(bind(deps, e911_create_submitted))
    app.view(E911_UPDATE_VIEW)(bind(deps, e911_update_submitted))
    app.action(E911_CONFIRM_ACTION)(bind(deps, e911_confirm_clicked))
    app.action(E911_CANCEL_ACTION)(bind(deps, e911_cancel_clicked))
    return {
        "e911 list": Command(page=e911_page),
        "e911 show": Command(run=e911_show_command),
        "e911 numbers": Command(run=e911_numbers_command),
        "e911 validate": Command(run=e911_validate_command, inline=True),
        "e911 create": Command(run=e911_create_command, inline=True),
        "e911 update": Command(run=e911_update_command, inline=True),
        "e911 associate": Command(run=e911_associate_command),
        "e911 disconnect": Command(run=e911_disconnect_command),
        "e911 delete": Command(run=e911_delete_command),
    }


# --- formatting ----------------------------------------------------------------------------------------

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
    item = attrs(record)
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


# --- read-only commands -----------------------------------------------------------------------------------

def e911_page(deps: Deps, opts: dict) -> dict:
    limit, offset = int(opts.get("limit") or DEFAULT_LIMIT), int(opts.get("offset") or 0)
    state = opts.get("state")
    page = deps.flowroute.list_e911s(state=state, limit=limit, offset=offset) or {}
    records = page.get("data") or []
    where = f" in {escape(state)}" if state else ""
    if not records:
        return message(f"No E911 addresses{where}." if offset == 0 else "No more E911 addresses.")
    lines = [f"`{escape(record.get('id'))}` {address_line(attrs(record))}" for record in records]
    blocks = [header("E911 addresses")]
    for first in range(0, len(lines), LINES_PER_SECTION):
        blocks.append(section("\n".join(lines[first:first + LINES_PER_SECTION])))
    blocks.append(context(f"Addresses {offset + 1}–{offset + len(records)}{where}. "
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
    where = address_line(attrs(record))
    if not numbers:
        return message(f"No numbers use E911 address `{escape(record.get('id'))}` ({where}).")
    lines = [_number_line(number) for number in numbers]
    blocks = [header(f"Numbers using E911 address {record.get('id')}"), section(where)]
    for first in range(0, len(lines), LINES_PER_SECTION * 2):
        blocks.append(section("\n".join(lines[first:first + LINES_PER_SECTION * 2])))
    return message(f"{len(numbers)} number(s) use E911 address {record.get('id')}", blocks[:50])


def _number_line(number: dict) -> str:
    # flowroute-api.md §5.7: `id` may be an internal relationship id; `attributes.value` is the number.
    item = attrs(number)
    alias = f" — {escape(item['alias'])}" if item.get("alias") else ""
    return f"• {number_text(item.get('value') or number.get('id'))}{alias}"


# --- associate ------------------------------------------------------------------------------------------------

def e911_associate_command(ctx: CommandContext) -> None:
    number, address_id = ctx.args["NUMBER"], ctx.args["ADDRESS_ID"]
    client = ctx.deps.flowroute
    record = client.get_e911(address_id)["data"]  # a 404 here stops before anything is written
    target = f"{number_text(number)} → address {address_id}"
    audited(ctx.deps, ctx.user_id, "e911 associate", target, client.associate_e911, number, address_id)
    ctx.respond(response_type="in_channel", **message(
        f":white_check_mark: <@{ctx.user_id}> gave {number_text(number)} the E911 address "
        f"`{escape(address_id)}` ({address_line(attrs(record))})."))


# --- disconnect / delete: confirm first ------------------------------------------------------------------------

def e911_disconnect_command(ctx: CommandContext) -> None:
    number = ctx.args["NUMBER"]
    ctx.respond(**confirmation_message(
        "disconnect", number, f"Remove the E911 address from {number_text(number)}?",
        "Emergency calls from this number will no longer carry a registered address.", "Remove"))


def e911_delete_command(ctx: CommandContext) -> None:
    address_id = ctx.args["ADDRESS_ID"]
    client = ctx.deps.flowroute
    record = client.get_e911(address_id)["data"]
    numbers = e911_numbers(client, address_id)
    warning = "No numbers use it."
    if numbers:
        shown = ", ".join(_number_line(n)[2:] for n in numbers[:10])
        warning = (f":warning: {len(numbers)} number(s) still use it ({shown}); Flowroute refuses to delete "
                   "an address until they are disconnected.")
    ctx.respond(**confirmation_message(
        "delete", address_id, f"Delete E911 address `{escape(address_id)}`?",
        f"{address_line(attrs(record))}\n{warning}", "Delete"))


def confirmation_message(op: str, target: str, question: str, detail: str, verb: str) -> dict:
    """A danger button with Slack's confirm dialog and a nonce, so the change happens once."""
    value = {"op": op, "t": target, "n": new_nonce()}
    dialog = confirm_dialog(f"{verb}?", question, verb, danger=True)
    blocks = [
        section(f"*{question}*\n{detail}"),
        actions(button(verb, E911_CONFIRM_ACTION, value, style="danger", confirm=dialog),
                button("Cancel", E911_CANCEL_ACTION, value), block_id=E911_CONFIRM_BLOCK),
    ]
    return message(question, blocks)


def e911_confirm_clicked(deps: Deps, ack, body, respond) -> None:
    ack()
    in_background(deps, respond, confirm_change, deps, body["user"]["id"], body["actions"][0].get("value"), respond)


def confirm_change(deps: Deps, user_id: str, value: str, respond) -> None:
    require_admin(deps, user_id, "change E911 settings")
    op, target, key = _confirmation(value)
    client = deps.flowroute
    if op == "disconnect":
        what, call = f"{number_text(target)}", client.disconnect_e911
        done = f"removed the E911 address from {number_text(target)}"
    else:
        what, call = f"address {target}", client.delete_e911
        done = f"deleted E911 address `{escape(target)}`"
    try:
        act_once(deps, user_id, key, already="That was already done (or cancelled).", action=f"e911 {op}",
                 target=what, call=lambda: call(target))
    except FlowrouteError as error:
        respond(replace_original=True, text=f":warning: Could not {op} {escape(what)}: {escape(error)}")
        return
    respond(replace_original=True, text=f":white_check_mark: Done: {done}.")
    respond(response_type="in_channel", replace_original=False, text=f":white_check_mark: <@{user_id}> {done}.")


def e911_cancel_clicked(deps: Deps, ack, body, respond) -> None:
    ack()

    def cancel():
        _, _, key = _confirmation(body["actions"][0].get("value"))
        claimed = deps.store.claim(key, body["user"]["id"])
        text = "Cancelled; nothing was changed." if claimed else "That was already done (or cancelled)."
        respond(text=text, replace_original=claimed, response_type="ephemeral")

    in_background(deps, respond, cancel)


def _confirmation(value: str) -> tuple[str, str, str]:
    state = decode_value(value)
    op, target, nonce = state.get("op"), state.get("t"), state.get("n")
    if op not in ("disconnect", "delete") or not target or not nonce:
        raise UserError("That button is out of date; run the command again.")
    return op, str(target), f"e911 {op}:{target}:{nonce}"


# --- the address form ------------------------------------------------------------------------------------------------

def form_view(callback_id: str, title: str, submit: str, metadata: dict, values: dict | None = None) -> dict:
    values = values or {}
    blocks = [_input_block(field, values.get(field)) for field in FORM_ORDER]
    return {
        "type": "modal", "callback_id": callback_id, "title": plain(title, 24), "submit": plain(submit, 24),
        "close": plain("Cancel", 24), "blocks": blocks, "private_metadata": _metadata(metadata),
    }


def _input_block(field: str, value) -> dict:
    if field == "address_type":
        options = [_option(NO_TYPE, "(none)")] + [_option(kind) for kind in E911_ADDRESS_TYPES]
        chosen = next((o for o in options[1:] if o["value"].lower() == str(value or "").lower()), None)
        element = {"type": "static_select", "action_id": field, "options": options,
                   "placeholder": plain("Apartment, Suite, Floor…")}
        return _input(field, "Address type", element, optional=True, initial_option=chosen)
    if field == "country":
        options = [_option("US", "United States"), _option("CA", "Canada")]
        chosen = next((o for o in options if o["value"] == str(value or "US").upper()), options[0])
        element = {"type": "static_select", "action_id": field, "options": options}
        return _input(field, "Country", element, optional=False, initial_option=chosen)
    label, hint, max_length = TEXT_FIELDS[field]
    element = {"type": "plain_text_input", "action_id": field, "max_length": max_length}
    if value not in (None, ""):
        element["initial_value"] = str(value)[:max_length]
    block = _input(field, label, element, optional=field not in REQUIRED)
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def _input(field: str, label: str, element: dict, *, optional: bool, initial_option: dict | None = None) -> dict:
    if initial_option:
        element["initial_option"] = initial_option
    return {"type": "input", "block_id": block_id(field), "label": plain(label), "optional": optional,
            "element": element}


def _option(value: str, text: str | None = None) -> dict:
    return {"text": plain(text or value), "value": value}


def _metadata(data: dict) -> str:
    text = json.dumps(data, separators=(",", ":"))
    if len(text) > 3000:
        raise UserError("That address is too long to edit in Slack.")
    return text


def read_form(view: dict) -> dict:
    """The submitted address: stripped strings or None, selects by value, state and ZIP upper-cased."""
    values = (view.get("state") or {}).get("values") or {}
    fields = {}
    for field in FORM_ORDER:
        entry = (values.get(block_id(field)) or {}).get(field) or {}
        if "selected_option" in entry or entry.get("type") == "static_select":
            raw = (entry.get("selected_option") or {}).get("value")
            raw = None if raw == NO_TYPE else raw
        else:
            raw = entry.get("value")
        fields[field] = (str(raw).strip() or None) if raw is not None else None
    for field in ("state", "zip", "country"):
        if fields[field]:
            fields[field] = fields[field].upper()
    return fields


def form_errors(fields: dict) -> dict:
    """Local checks, keyed by input block, so obvious mistakes never reach Flowroute."""
    errors = {block_id(field): "Required." for field in REQUIRED if not fields.get(field)}
    if fields.get("state") and not re.fullmatch(r"[A-Z]{2}", fields["state"]):
        errors[block_id("state")] = "Use the two-letter state or province code, e.g. WA."
    if fields.get("country") and fields["country"] not in COUNTRIES:
        errors[block_id("country")] = "Flowroute takes US or CA."
    shape = ZIP_SHAPES.get(fields.get("country") or "")
    if fields.get("zip") and shape and not shape.fullmatch(fields["zip"]):
        errors[block_id("zip")] = ("Use a 5-digit ZIP (or ZIP+4)." if fields["country"] == "US"
                                   else "Use a postal code like M4C 5K7.")
    if fields.get("address_type") and not fields.get("address_type_number"):
        errors[block_id("address_type_number")] = f"Required with address type {fields['address_type']}."
    if fields.get("address_type_number") and not fields.get("address_type"):
        errors[block_id("address_type")] = "Pick an address type for this unit number."
    return errors


def flowroute_form_errors(error: BaseException) -> dict:
    """Show a Flowroute refusal on the form: on the field it names, else on the street name."""
    text = failure_text(error)[:300]
    for item in getattr(error, "errors", None) or []:
        pointer = str((item.get("source") or {}).get("pointer") or "")
        field = pointer.rsplit("/", 1)[-1]
        if field in FORM_ORDER:
            return {block_id(field): text}
    detail = str(getattr(error, "detail", "") or "").lower()
    for word, field in (("zip", "zip"), ("postal", "zip"), ("city", "city"), ("state", "state"),
                        ("country", "country"), ("label", "label")):
        if re.search(rf"\b{word}\b", detail):
            return {block_id(field): text}
    return {block_id("street_name"): text}


def _address_fields(fields: dict) -> dict:
    """What Flowroute is sent for validate/create: empty fields left out."""
    return {name: value for name, value in fields.items() if value is not None}


# --- validate / create / update: opening the forms --------------------------------------------------------------------

def _form_metadata(ctx: CommandContext) -> dict:
    return {"u": ctx.response_url, "c": ctx.channel_id}


def e911_validate_command(ctx: CommandContext) -> None:
    ctx.client.views_open(trigger_id=ctx.trigger_id, view=form_view(
        E911_VALIDATE_VIEW, "Validate E911 address", "Validate", _form_metadata(ctx)))


def e911_create_command(ctx: CommandContext) -> None:
    ctx.client.views_open(trigger_id=ctx.trigger_id, view=form_view(
        E911_CREATE_VIEW, "New E911 address", "Create", _form_metadata(ctx)))


def e911_update_command(ctx: CommandContext) -> None:
    """Open a Loading modal at once (the trigger expires in 3 s), then fill it from Flowroute."""
    address_id = ctx.args["ADDRESS_ID"]
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
        raise
    item = {field: attrs(record).get(field) for field in FORM_ORDER}
    form = form_view(E911_UPDATE_VIEW, "Edit E911 address", "Save", metadata | {"orig": item}, item)
    _update_view(deps, view_id, view_hash, form)


def _update_view(deps: Deps, view_id: str, view_hash: str | None, view: dict) -> None:
    try:
        deps.slack.views_update(view_id=view_id, hash=view_hash, view=view)
    except SlackApiError as error:  # the user closed the modal, or it changed meanwhile: nothing to show
        log.info("Could not update E911 modal %s: %s", view_id, error.response.get("error"))


# --- validate / create / update: submissions -------------------------------------------------------------------------

def _submission(body: dict) -> tuple[str, dict, dict]:
    view = body.get("view") or {}
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        metadata = {}
    return body["user"]["id"], metadata, read_form(view)


def _reply(metadata: dict):
    url = metadata.get("u")
    if url:
        return reply_to(url)
    return lambda **_: log.warning("No response_url to post an E911 result to")


def e911_validate_submitted(deps: Deps, ack, body, respond) -> None:
    _, metadata, fields = _submission(body)
    errors = form_errors(fields)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    reply = _reply(metadata)
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
    reply = _reply(metadata)
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
    try:
        require_admin(deps, user_id, "change E911 settings")
    except UserError as error:
        return {block_id("label"): str(error)[:300]}
    return {}


def create_address(deps: Deps, user_id: str, fields: dict, view_id: str, reply) -> None:
    if not deps.store.claim(f"e911 create:{view_id}", user_id):
        return  # this form was already submitted and acted on
    created = audited(deps, user_id, "e911 create", fields.get("label") or "", deps.flowroute.create_e911,
                      **_address_fields(fields))
    record = (created or {}).get("data") or {}
    item = attrs(record) or fields
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
    reply = _reply(metadata)
    in_background(deps, reply, update_address, deps, user_id, str(metadata.get("id")), changes, reply)


def changed_fields(original: dict, fields: dict) -> dict:
    """The submitted fields that differ from the address as loaded (address type compared case-blind)."""
    changes = {}
    for field in FORM_ORDER:
        before, after = original.get(field), fields.get(field)
        before = None if before in (None, "") else str(before).strip()
        if field in ("address_type", "state", "country", "zip"):
            same = (before or "").lower() == (after or "").lower()
        else:
            same = before == after
        if not same:
            changes[field] = after
    if "address_type" in changes and changes["address_type"] is None:
        # Guess [UNCONFIRMED]: Flowroute documents PATCH with only the fields to change, not whether null
        # clears a field; we send null for both unit fields only when the user picked "(none)" on purpose.
        changes["address_type_number"] = None
    return changes


def update_address(deps: Deps, user_id: str, address_id: str, changes: dict, reply) -> None:
    updated = audited(deps, user_id, "e911 update", f"address {address_id} ({', '.join(changes)})",
                      deps.flowroute.update_e911, address_id, **changes)
    item = attrs((updated or {}).get("data") or {})
    where = f": {address_line(item)}" if item else ""
    reply(response_type="in_channel", text=(
        f":white_check_mark: <@{user_id}> updated E911 address `{escape(address_id)}` "
        f"({escape(', '.join(changes))}){where}"))
