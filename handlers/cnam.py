"""`/flowroute cnam list|show|create|delete|associate|unassociate`: outbound caller-name (CNAM) records.

Flowroute reviews every new record (up to 48 hours) and an approved record takes another 5-7 business days
to show on calls once associated with a number (Flowroute's "CNAM storage" support article). Only
approved records can be associated, so `associate` checks first; `delete` asks for confirmation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from slack_bolt import App

from blocks.kit import (
    actions,
    button,
    confirm_dialog,
    context,
    fields_section,
    header,
    message,
    nonce_of,
    pager_block,
    section,
    with_nonce,
)
from blocks.text import escape, number_list, number_text, range_text
from core.commands import Command, CommandContext, bind, decode_value
from core.deps import Deps
from core.errors import UserError
from core.work import in_background
from flowroute_api import FlowrouteError, attributes

CNAM_DELETE_ACTION = "cnam_delete"
CNAM_CANCEL_ACTION = "cnam_cancel"
DEFAULT_LIMIT = 10
# Flowroute's storage rules: up to 15 characters, at least one letter; besides letters, digits and spaces
# only - _ . , @ + & ' / " (support.flowroute.com, "CNAM storage").
CNAM_VALUE = re.compile(r"[A-Za-z0-9 \-_.,@+&'/\"]{1,15}")


def register(app: App, deps: Deps) -> dict[str, Command]:
    app.action(CNAM_DELETE_ACTION)(bind(deps, cnam_delete_clicked))
    app.action(CNAM_CANCEL_ACTION)(bind(deps, cnam_cancel_clicked))
    return {
        "cnam list": Command(page=cnam_list_page),
        "cnam show": Command(run=cnam_show_command),
        "cnam create": Command(run=cnam_create_command),
        "cnam delete": Command(run=cnam_delete_command),
        "cnam associate": Command(run=cnam_associate_command),
        "cnam unassociate": Command(run=cnam_unassociate_command),
    }


# --- how a record reads ----------------------------------------------------------------------------

def approval_text(fields: dict) -> str:
    """Flowroute's review state: approved, rejected (with its reason) or pending review."""
    if fields.get("is_approved") is True:
        return "approved"
    if fields.get("rejection_reason"):
        return f"rejected: {escape(fields['rejection_reason'])}"
    return "pending Flowroute's review (up to 48 hours)"


def cnam_line(record: dict) -> str:
    fields = attributes(record)
    created = escape(str(fields.get("creation_datetime") or "?")[:16])
    return f"`{escape(record.get('id'))}` *{escape(fields.get('value') or '?')}* · {approval_text(fields)} · {created}"


def cnam_summary(record: dict | None) -> str:
    """One record as `numbers show` shows it: value, review state and id."""
    if record is None:
        return "_none_"
    fields = attributes(record)
    value = escape(fields.get("value") or f"record {record.get('id')}")
    state = approval_text(fields) if fields else "details not included"
    return f"{value} ({state}; record `{escape(record.get('id'))}`)"


@contextmanager
def refusal_named(what: str) -> Iterator[None]:
    """Flowroute's refusal as one line that names what was asked, with Flowroute's own detail after it."""
    try:
        yield
    except FlowrouteError as error:
        raise UserError(f":warning: Could not {what}: {escape(error)}") from None


# --- list / show -------------------------------------------------------------------------------------

def cnam_list_page(deps: Deps, opts: dict) -> dict:
    limit, offset = int(opts.get("limit") or DEFAULT_LIMIT), int(opts.get("offset") or 0)
    page = deps.flowroute.list_cnams(limit=limit, offset=offset) or {}
    records = page.get("data") or []
    if not records:
        return message("There are no CNAM records on the account." if offset == 0 else "No more CNAM records.")
    blocks = [header("CNAM records"), section("\n".join(cnam_line(record) for record in records)),
              context(f"{range_text('Record', offset, len(records))}. Details: `/flowroute cnam show CNAM_ID`.")]
    pager = pager_block("cnam list", {"limit": limit, "offset": offset},
                        has_next=bool((page.get("links") or {}).get("next")), shown=len(records))
    if pager:
        blocks.append(pager)
    return message(f"CNAM records: {len(records)}", blocks)


def cnam_show_command(ctx: CommandContext) -> None:
    document = ctx.deps.flowroute.get_cnam(ctx.args["CNAM_ID"]) or {}
    record = document.get("data") or {}
    fields = attributes(record)
    numbers = numbers_using(document)
    pairs = [("Value", escape(fields.get("value") or "?")), ("Review", approval_text(fields)),
             ("Created", escape(fields.get("creation_datetime") or "?")),
             ("Approved", escape(fields.get("approval_datetime") or "not yet")),
             ("Numbers", ", ".join(number_text(n) for n in numbers) if numbers else "_none_")]
    ctx.respond(**message(f"CNAM record {record.get('id')}: {fields.get('value')} ({approval_text(fields)})",
                          [header(f"CNAM record {record.get('id')}"), fields_section(pairs)]))


def numbers_using(document: dict) -> list[str]:
    refs = (((document.get("data") or {}).get("relationships") or {}).get("numbers") or {}).get("data") or []
    return [str(ref.get("id")) for ref in refs if isinstance(ref, dict) and ref.get("id")]


# --- create / associate / unassociate -------------------------------------------------------------------

def cnam_create_command(ctx: CommandContext) -> None:
    value = ctx.args["TEXT"].strip()
    if not CNAM_VALUE.fullmatch(value) or not re.search(r"[A-Za-z]", value):
        raise UserError(f":warning: “{escape(value)}” cannot be a CNAM record: Flowroute takes up to 15 characters "
                        "with at least one letter; besides letters, digits and spaces only - _ . , @ + & ' / \" "
                        "are allowed.")
    with refusal_named(f"create CNAM record “{escape(value)}”"):
        result = ctx.deps.audit.audited(ctx.user_id, "cnam create", value, ctx.deps.flowroute.create_cnam, value)
    record = (result or {}).get("data") or {}
    ctx.respond(response_type="in_channel", text=(
        f":label: <@{ctx.user_id}> created CNAM record `{escape(record.get('id'))}` “{escape(value)}”: "
        f"{approval_text(attributes(record))}. Associate it with a number once approved."))


def cnam_associate_command(ctx: CommandContext) -> None:
    number, cnam_id = ctx.args["NUMBER"], ctx.args["CNAM_ID"]
    fields = attributes((ctx.deps.flowroute.get_cnam(cnam_id) or {}).get("data") or {})
    if fields.get("is_approved") is not True:
        raise UserError(f":warning: CNAM record `{escape(cnam_id)}` “{escape(fields.get('value') or '?')}” is "
                        f"{approval_text(fields)}; Flowroute associates only approved records. Nothing was changed.")
    target = f"{number_text(number)} → CNAM {cnam_id}"
    with refusal_named(f"give {number_text(number)} CNAM record `{escape(cnam_id)}`"):
        ctx.deps.audit.audited(ctx.user_id, "cnam associate", target, ctx.deps.flowroute.associate_cnam, number,
                               cnam_id)
    ctx.respond(response_type="in_channel", text=(
        f":white_check_mark: <@{ctx.user_id}> gave {number_text(number)} the caller name “{escape(fields['value'])}” "
        f"(record `{escape(cnam_id)}`). Flowroute says it shows on calls within 5–7 business days."))


def cnam_unassociate_command(ctx: CommandContext) -> None:
    number = ctx.args["NUMBER"]
    with refusal_named(f"remove the CNAM record from {number_text(number)}"):
        ctx.deps.audit.audited(ctx.user_id, "cnam unassociate", number_text(number),
                               ctx.deps.flowroute.unassociate_cnam, number)
    ctx.respond(response_type="in_channel",
                text=f":white_check_mark: <@{ctx.user_id}> removed the CNAM record from {number_text(number)}.")


# --- delete: confirm, then once ----------------------------------------------------------------------

def cnam_delete_command(ctx: CommandContext) -> None:
    cnam_id = ctx.args["CNAM_ID"]
    document = ctx.deps.flowroute.get_cnam(cnam_id) or {}  # a 404 stops here, before any button
    fields, numbers = attributes(document.get("data") or {}), numbers_using(document)
    question = f"Delete CNAM record `{escape(cnam_id)}` “{escape(fields.get('value') or '?')}”?"
    detail = (f":warning: {number_list(numbers)} {'uses' if len(numbers) == 1 else 'use'} it and will lose it."
              if numbers else "No numbers use it.")
    value = with_nonce({"id": cnam_id, "v": fields.get("value")})
    dialog = confirm_dialog("Delete?", f"Delete CNAM record {cnam_id}? This cannot be undone.", "Delete", danger=True)
    ctx.respond(**message(question, [
        section(f"*{question}*\n{detail}"),
        actions(button("Delete", CNAM_DELETE_ACTION, value, style="danger", confirm=dialog),
                button("Cancel", CNAM_CANCEL_ACTION, value), block_id="cnam_confirm"),
    ]))


def cnam_delete_clicked(deps: Deps, ack, body, respond) -> None:
    ack()
    in_background(deps, respond, cnam_delete_work, deps, body["user"]["id"], body["actions"][0].get("value"), respond)


def cnam_delete_work(deps: Deps, user_id: str, value: str, respond) -> None:
    deps.audit.require_admin(user_id, "change CNAM records")
    cnam_id, key = _confirmation(value)
    deps.approvals.gate("cnam delete", user_id, value, f"delete CNAM record {cnam_id}", respond)
    try:
        deps.audit.act_once(user_id, key, already="That was already done (or cancelled).", action="cnam delete",
                            target=f"CNAM {cnam_id}", call=lambda: deps.flowroute.delete_cnam(cnam_id))
    except FlowrouteError as error:
        respond(replace_original=True, text=f":warning: Could not delete CNAM record `{escape(cnam_id)}`: "
                f"{escape(error)}")
        return
    done = f"deleted CNAM record `{escape(cnam_id)}`"
    respond(replace_original=True, text=f":white_check_mark: Done: {done}.")
    respond(response_type="in_channel", replace_original=False, text=f":wastebasket: <@{user_id}> {done}.")


def cnam_cancel_clicked(deps: Deps, ack, body, respond) -> None:
    ack()
    _, key = _confirmation(body["actions"][0].get("value"))
    claimed = deps.store.claim(key, body["user"]["id"])
    text = "Cancelled; nothing was changed." if claimed else "That was already done (or cancelled)."
    respond(text=text, replace_original=claimed, response_type="ephemeral")


def _confirmation(value: str) -> tuple[str, str]:
    state = decode_value(value)
    cnam_id, nonce = state.get("id"), nonce_of(state)
    if not cnam_id or not nonce or not re.fullmatch(r"\d{1,18}", str(cnam_id)):
        raise UserError("That button is out of date; run the command again.")
    return str(cnam_id), f"cnam delete:{cnam_id}:{nonce}"
