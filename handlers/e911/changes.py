"""`/flowroute e911 associate|disconnect|delete`: associate directly; confirm removals, then act once."""

from __future__ import annotations

from blocks.kit import actions, button, confirm_dialog, message, nonce_of, section, with_nonce
from blocks.text import escape, number_list, number_text
from core.commands import CommandContext, decode_value
from core.deps import Deps
from core.errors import UserError, explained, refusal_text
from core.work import in_background
from flowroute_api import FlowrouteError, attributes
from handlers.e911.ids import E911_CANCEL_ACTION, E911_CONFIRM_ACTION, E911_CONFIRM_BLOCK
from handlers.e911.show import address_line, e911_numbers


def e911_associate_command(ctx: CommandContext) -> None:
    number, address_id = ctx.args["NUMBER"], ctx.args["ADDRESS_ID"]
    client = ctx.deps.flowroute
    # A 404 here is about the address, and stops before anything is written.
    record = explained("e911 show", f"E911 address `{escape(address_id)}`", client.get_e911)(address_id)["data"]
    target = f"{number_text(number)} → address {address_id}"
    ctx.deps.audit.audited(ctx.user_id, "e911 associate", target, client.associate_e911, number, address_id)
    ctx.respond(response_type="in_channel", **message(
        f":white_check_mark: <@{ctx.user_id}> gave {number_text(number)} the E911 address "
        f"`{escape(address_id)}` ({address_line(attributes(record))})."))


def e911_disconnect_command(ctx: CommandContext) -> None:
    number = ctx.args["NUMBER"]
    if not _has_e911_address(ctx.deps.flowroute.get_number(number)):
        raise UserError(f":information_source: {number_text(number)} has no E911 address; there is nothing "
                        "to remove.")
    ctx.respond(**confirmation_message(
        "disconnect", number, f"Remove the E911 address from {number_text(number)}?",
        "Emergency calls from this number will no longer carry a registered address.", "Remove"))


def _has_e911_address(details: dict) -> bool:
    """Whether a number's details link an E911 address (Numbers v2 `relationships.e911_address`)."""
    relationships = ((details or {}).get("data") or {}).get("relationships") or {}
    data = (relationships.get("e911_address") or {}).get("data")
    return isinstance(data, dict) and data.get("id") is not None


def e911_delete_command(ctx: CommandContext) -> None:
    address_id = ctx.args["ADDRESS_ID"]
    client = ctx.deps.flowroute
    record = client.get_e911(address_id)["data"]
    numbers = e911_numbers(client, address_id)
    warning = "No numbers use it."
    if numbers:
        values = [attributes(n).get("value") or n.get("id") for n in numbers]
        warning = (f":warning: Still used by {number_list(values)}; Flowroute refuses to delete an address "
                   "until they are disconnected.")
    ctx.respond(**confirmation_message(
        "delete", address_id, f"Delete E911 address `{escape(address_id)}`?",
        f"{address_line(attributes(record))}\n{warning}", "Delete"))


def confirmation_message(op: str, target: str, question: str, detail: str, verb: str) -> dict:
    """A danger button with Slack's confirm dialog and a nonce, so the change happens once."""
    value = with_nonce({"op": op, "t": target})
    dialog = confirm_dialog(f"{verb}?", question, verb, danger=True)
    blocks = [
        section(f"*{question}*\n{detail}"),
        actions(button(verb, E911_CONFIRM_ACTION, value, style="danger", confirm=dialog),
                button("Cancel", E911_CANCEL_ACTION, value), block_id=E911_CONFIRM_BLOCK),
    ]
    return message(question, blocks)


def e911_confirm_clicked(deps: Deps, ack, body, respond) -> None:
    ack()
    in_background(deps, respond, e911_confirm_work, deps, body["user"]["id"], body["actions"][0].get("value"), respond)


def e911_confirm_work(deps: Deps, user_id: str, value: str, respond) -> None:
    deps.audit.require_admin(user_id, "change E911 settings")
    op, target, key = _confirmation(value)
    deps.approvals.gate(f"e911 {op}", user_id, value, f"{op} E911 {'of ' if op == 'disconnect' else 'address '}"
                        f"{number_text(target) if op == 'disconnect' else target}", respond)  # core/approvals.py
    client = deps.flowroute
    if op == "disconnect":
        what, call = number_text(target), client.disconnect_e911
        done = f"removed the E911 address from {number_text(target)}"
    else:
        what, call = f"address {target}", client.delete_e911
        done = f"deleted E911 address `{escape(target)}`"
    try:
        deps.audit.act_once(user_id, key, already="That was already done (or cancelled).", action=f"e911 {op}",
                            target=what, call=lambda: call(target))
    except FlowrouteError as error:
        if error.status is None or not 400 <= error.status < 500:
            raise
        subject = what if op == "disconnect" else f"E911 address `{escape(target)}`"
        respond(replace_original=True, text=refusal_text(f"e911 {op}", error, subject))
        return
    respond(delete_original=True)  # said once, in the channel
    respond(response_type="in_channel", replace_original=False, text=f":white_check_mark: <@{user_id}> {done}.")


def e911_cancel_clicked(deps: Deps, ack, body, respond) -> None:
    ack()
    in_background(deps, respond, e911_cancel_work, deps, body["user"]["id"], body["actions"][0].get("value"), respond)


def e911_cancel_work(deps: Deps, user_id: str, value: str, respond) -> None:
    _, _, key = _confirmation(value)
    claimed = deps.store.claim(key, user_id)
    text = "Cancelled; nothing was changed." if claimed else "That was already done (or cancelled)."
    respond(text=text, replace_original=claimed, response_type="ephemeral")


def _confirmation(value: str) -> tuple[str, str, str]:
    state = decode_value(value)
    op, target, nonce = state.get("op"), state.get("t"), nonce_of(state)
    if op not in ("disconnect", "delete") or not target or not nonce:
        raise UserError("That button is out of date; run the command again.")
    return op, str(target), f"e911 {op}:{target}:{nonce}"
