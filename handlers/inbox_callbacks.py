"""`/flowroute inbox callbacks on|off|status`: Flowroute's account callbacks for inbound messages and receipts.

`on` sets the account's sms_callback, mms_callback and DLR callback URLs (PUT /v2.1/messages/{callback_type},
developer.flowroute.com/api/messages/v2.1/set-account-level-sms-callback and its mms/dlr siblings) to
<FLOWROUTE_BOT_PUBLIC_URL>/flowroute/callbacks/<FLOWROUTE_BOT_CALLBACK_TOKEN>, and the bot's sends then
carry `dlr_callback`. Flowroute documents no way to clear an account callback URL through the API, so
`off` stops what the bot controls (the sends' dlr_callback) and says what to clear in the portal.
The poll keeps running either way: it is the safety net, and `status` counts what it caught.
"""

from __future__ import annotations

from slack_bolt import App

from blocks.kit import context, header, message, section
from blocks.text import escape, iso_utc
from core.commands import Command, CommandContext
from core.deps import Deps
from core.errors import UserError
from flowroute_api import FlowrouteError
from relay.callbacks import CALLBACKS_ON, callback_url, shown_callback_url

# sms_dlr_callback is the v2.1 name; dlr_callback the deprecated one that still works for SMS receipts.
CALLBACK_TYPES = ("sms_callback", "mms_callback", "sms_dlr_callback")
PORTAL = "Flowroute's portal (Manage > Preferences > API Control: the SMS and MMS callback URL fields)"


def register(app: App, deps: Deps) -> dict[str, Command]:
    return {"inbox callbacks": Command(run=inbox_callbacks_command)}


def inbox_callbacks_command(ctx: CommandContext) -> None:
    switch = ctx.args["SWITCH"]
    if switch == "status":
        ctx.respond(**callbacks_status_message(ctx.deps.relay.callback_status()))
        return
    ctx.deps.audit.require_admin(ctx.user_id, f"turn callbacks {switch}")
    if switch == "on":
        callbacks_on(ctx)
    else:
        callbacks_off(ctx)


def callbacks_on(ctx: CommandContext) -> None:
    settings = ctx.deps.settings
    url = callback_url(settings)
    if url is None:
        raise UserError(":warning: Callbacks need FLOWROUTE_BOT_PUBLIC_URL (where Flowroute can reach the bot) and "
                        "FLOWROUTE_BOT_CALLBACK_TOKEN (a secret of 32 or more characters) set, then a restart.")
    shown = shown_callback_url(settings)
    done = []
    for kind in CALLBACK_TYPES:
        try:
            ctx.deps.audit.audited(ctx.user_id, f"inbox callbacks on ({kind})", shown,
                                   ctx.deps.flowroute.set_account_callback, kind, url)
        except FlowrouteError as error:
            set_ones = f" ({', '.join(done)} already set)" if done else ""
            ctx.respond(text=f":warning: Flowroute refused the {kind} URL: {escape(error)}{set_ones}. "
                             "Callbacks are not on; the poll still delivers everything.")
            return
        done.append(kind)
    ctx.deps.store.save_state(CALLBACKS_ON, {"at": iso_utc(), "by": ctx.user_id})
    ctx.deps.audit.written(ctx.user_id)  # the App Home shows callbacks on
    ctx.respond(text=f":white_check_mark: Callbacks are on: Flowroute will POST inbound SMS, MMS and delivery "
                     f"receipts to `{escape(shown)}`. Messages the bot sends carry it as their `dlr_callback`. "
                     f"The poll keeps running as the safety net.")


def callbacks_off(ctx: CommandContext) -> None:
    was_on = ctx.deps.store.get_state(CALLBACKS_ON)
    ctx.deps.store.save_state(CALLBACKS_ON, None)
    ctx.deps.audit.record(ctx.user_id, "inbox callbacks off", "account callbacks", ok=True,
                          result="turned off" if was_on else "already off")
    ctx.respond(text=":white_check_mark: Callbacks are off in the bot: its sends no longer ask for delivery "
                     "receipts, and the poll delivers inbound messages. Flowroute's API cannot clear account "
                     f"callback URLs, so clear them in {PORTAL}; until then the bot still accepts what "
                     "Flowroute sends (each message is still posted once).")


def callbacks_status_message(status: dict) -> dict:
    """`status` is Relay.callback_status(): on, last_at, today (inbound, receipts, rejected), missed."""
    on, today = status.get("on"), status.get("today") or {}
    last = status.get("last_at")
    lines = [
        f"*Callbacks:* {'on since ' + _short(on.get('at')) if on else 'off'}",
        f"*Last callback:* {_short(last) if last else 'none yet'}",
        f"*Today (UTC):* {today.get('inbound', 0)} inbound · {today.get('receipts', 0)} receipts · "
        f"{today.get('rejected', 0)} rejected",
    ]
    if on:
        lines.append(f"*Callbacks missed:* {status.get('missed', 0)} (messages of the last 24 h the poll found and "
                     "no callback had brought)")
    blocks = [header("Flowroute callbacks"), section("\n".join(lines)),
              context("The poll keeps running either way: a message is posted once, whichever brings it.")]
    text = f"Callbacks {'on' if on else 'off'}: last {_short(last) if last else 'none'}"
    if on:
        text += f", callbacks missed {status.get('missed', 0)}"
    return message(text, blocks)


def _short(value) -> str:
    return escape(str(value)[:19].replace("T", " ") + " UTC") if value else "unknown"
