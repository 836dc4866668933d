"""Approval requests in Slack (core/approvals.py): the Approve / Reject / Cancel buttons, `/flowroute approvals`,
and the runners that re-run each approvable command's confirm step once a second admin approves it."""

from __future__ import annotations

from slack_bolt import App

from blocks.kit import context, header, message, section
from blocks.text import escape, parse_time, utc_text
from core.approvals import APPROVE_ACTION, CANCEL_ACTION, REJECT_ACTION
from core.commands import Command, CommandContext, bind
from core.deps import Deps
from core.work import in_background
from handlers.cnam import cnam_delete_work
from handlers.e911.changes import e911_confirm_work
from handlers.numbers.buy import numbers_buy_work
from handlers.numbers.one import numbers_release_work
from handlers.routes.delete import routes_delete_work

DECISIONS = {APPROVE_ACTION: "approve", REJECT_ACTION: "reject", CANCEL_ACTION: "cancel"}


def register(app: App, deps: Deps) -> dict[str, Command]:
    for action_id in DECISIONS:
        app.action(action_id)(bind(deps, approval_clicked))
    register_runners(deps)
    return {"approvals": Command(run=approvals_command)}


def register_runners(deps: Deps) -> None:
    """How each approvable command's confirm step runs again, as the requester, with the confirmed button."""
    def clicked(user_id: str) -> dict:
        return {"user": {"id": user_id}}

    runners = {
        "numbers buy": lambda user, value, reply: numbers_buy_work(deps, clicked(user), {"value": value}, reply),
        "numbers release": lambda user, value, reply: numbers_release_work(deps, clicked(user), {"value": value},
                                                                           reply),
        "routes delete": lambda user, value, reply: routes_delete_work(deps, user, value, reply),
        "e911 disconnect": lambda user, value, reply: e911_confirm_work(deps, user, value, reply),
        "e911 delete": lambda user, value, reply: e911_confirm_work(deps, user, value, reply),
        "cnam delete": lambda user, value, reply: cnam_delete_work(deps, user, value, reply),
    }
    for command, runner in runners.items():
        deps.approvals.register_runner(command, runner)


def approval_clicked(deps: Deps, ack, body, action, respond) -> None:
    ack()
    user_id, decision = body["user"]["id"], DECISIONS[action["action_id"]]
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    ts = (body.get("container") or {}).get("message_ts") or (body.get("message") or {}).get("ts")
    place = (channel, ts) if channel and ts else None

    def decide() -> None:
        text = deps.approvals.decide(str(action.get("value") or ""), user_id, decision, place)
        respond(text=text, response_type="ephemeral", replace_original=False)

    in_background(deps, respond, decide)


def approvals_command(ctx: CommandContext) -> None:
    ctx.deps.approvals.sweep()  # expired ones are closed first, so the list shows what can still be decided
    rows = ctx.deps.store.get_approvals("open")
    if not rows:
        ctx.respond(text="No approval requests are open.")
        return
    lines = []
    for row in rows[:40]:
        expires = parse_time(row["expires_at"])
        cost = f" · {escape(row['cost'])}" if row.get("cost") else ""
        lines.append(f"• `{row['id']}` <@{row['requester']}>: *{escape(row['what'])}*{cost} · open until "
                     f"{utc_text(expires) if expires else '?'}")
    blocks = [header("Open approval requests")]
    blocks += [section("\n".join(lines[start:start + 10])) for start in range(0, len(lines), 10)]
    blocks.append(context("Another admin approves or rejects each request with its buttons; the requester can "
                          "cancel. Requests expire after 24 hours."))
    ctx.respond(**message(f"Open approval requests: {len(rows)}", blocks))
