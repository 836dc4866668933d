"""`/flowroute inbox ...`: relay subscriptions and health.

The relay itself (polling, the outbox, recovery) lives in relay/ and reaches these handlers as `deps.relay`.
"""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from blocks.kit import context, header, message, section
from blocks.text import channel_text, escape, number_text, plural, slack_time
from core.commands import Command, CommandContext
from core.deps import Deps
from core.errors import UserError
from flowroute_api import NotFoundError
from relay.posts import SUBSCRIPTION_EVENT

log = logging.getLogger("flowroute_bot.inbox")

# conversations.info refused for good (e.g. the app lacks channels:read): the channel cannot be checked, and a
# subscription should not be blocked by that; posting errors still show in `inbox status`.
CANNOT_CHECK = frozenset({"missing_scope", "unknown_method", "not_allowed_token_type"})
POLL_COMMAND_SEND_SECONDS = 2  # `inbox poll` posts what it can in this time; the send job does the rest


def register(app: App, deps: Deps) -> dict[str, Command]:
    return {
        "inbox subscribe": Command(run=inbox_subscribe_command),
        "inbox unsubscribe": Command(run=inbox_unsubscribe_command),
        "inbox list": Command(run=inbox_list_command),
        "inbox status": Command(run=inbox_status_command),
        "inbox poll": Command(run=inbox_poll_command),
    }


# --- commands ---------------------------------------------------------------------------------------

def inbox_subscribe_command(ctx: CommandContext) -> None:
    number, channel_id = ctx.args["NUMBER"], ctx.args["CHANNEL"]
    name = check_channel(ctx.deps, channel_id)
    if number != "all":
        check_number(ctx.deps, number)
    added = ctx.deps.store.save_subscription(number, channel_id, ctx.user_id)
    target = f"{subscription_label(number)} → {channel_label(ctx.deps, channel_id, name)}"
    ctx.deps.audit.record(ctx.user_id, "inbox subscribe", target, ok=True,
                          result="subscribed" if added else "already subscribed")
    if not added:
        ctx.respond(text=f"{channel_text(channel_id)} already gets inbound messages for {subscription_label(number)}.")
        return
    announce(ctx.deps, "subscribe", number, channel_id, ctx.user_id)
    ctx.respond(text=f":white_check_mark: Inbound SMS/MMS for {subscription_label(number)} will be posted in "
                     f"{channel_text(channel_id)}.")


def inbox_unsubscribe_command(ctx: CommandContext) -> None:
    number, channel_id = ctx.args["NUMBER"], ctx.args.get("CHANNEL")
    channels = [row["channel_id"] for row in ctx.deps.store.get_subscriptions()
                if row["number"] == number and channel_id in (None, row["channel_id"])]
    where = f" in {channel_text(channel_id)}" if channel_id else ""
    if not channels:
        raise UserError(f"There is no subscription for {subscription_label(number)}{where}.")
    ctx.deps.store.delete_subscriptions(number, channel_id)
    for channel in channels:
        ctx.deps.audit.record(ctx.user_id, "inbox unsubscribe",
                              f"{subscription_label(number)} → {channel_label(ctx.deps, channel)}",
                              ok=True, result="unsubscribed")
        announce(ctx.deps, "unsubscribe", number, channel, ctx.user_id)
    listed = ", ".join(f"{channel_text(channel)}" for channel in channels)
    ctx.respond(text=f":white_check_mark: Stopped posting inbound messages for {subscription_label(number)} "
                     f"in {listed}.")


def inbox_list_command(ctx: CommandContext) -> None:
    ctx.respond(**subscriptions_message(ctx.deps.store.get_subscriptions(), ctx.deps.settings.inbox_channel))


def inbox_status_command(ctx: CommandContext) -> None:
    ctx.respond(**status_message(ctx.deps.relay.status()))


def inbox_poll_command(ctx: CommandContext) -> None:
    result = ctx.deps.relay.run_cycle(send_budget=POLL_COMMAND_SEND_SECONDS)
    ctx.respond(text=f":arrows_counterclockwise: Polled Flowroute: {result.summary()}.")


def channel_label(deps: Deps, channel_id: str, name: str | None = None) -> str:
    """`#name` for audit lines, which are plain text (a `<#C…>` mention would be escaped there); the id when
    Slack will not describe the channel."""
    if name is None:
        try:
            name = deps.slack.conversations_info(channel=channel_id)["channel"].get("name")
        except SlackApiError:
            name = None
    return f"#{name}" if name else channel_id


def check_channel(deps: Deps, channel_id: str) -> str | None:
    """Refuse channels the bot cannot post in, with what to do about it; returns the channel's name."""
    try:
        info = deps.slack.conversations_info(channel=channel_id)["channel"]
    except SlackApiError as error:
        if error.response.get("error") in CANNOT_CHECK:
            log.warning("Cannot check channel %s (%s); subscribing anyway", channel_id, error.response.get("error"))
            return None
        if error.response.get("error") == "channel_not_found":
            raise UserError(
                f":warning: I can't see {channel_text(channel_id)}. If it is a private channel, invite me there first "
                f"(`/invite` {_me(deps)}), then subscribe again."
            ) from None
        raise
    if info.get("is_archived"):
        raise UserError(f":warning: {channel_text(channel_id)} is archived, so I can't post there.")
    if not info.get("is_member"):
        kind = "private channel" if info.get("is_private") else "channel"
        raise UserError(
            f":warning: I'm not a member of the {kind} {channel_text(channel_id)}, so I can't post there. "
            f"Invite me (`/invite` {_me(deps)}), then subscribe again."
        )
    return info.get("name")


def _me(deps: Deps) -> str:
    """The bot as a mention, whatever name the workspace gave it."""
    try:
        return f"<@{deps.slack.auth_test()['user_id']}>"
    except SlackApiError:
        return "the bot"


def check_number(deps: Deps, number: str) -> None:
    try:
        deps.flowroute.get_number(number)
    except NotFoundError:
        raise UserError(f":warning: {number_text(number)} is not a number on this Flowroute account.") from None


def announce(deps: Deps, action: str, number: str, channel_id: str, user_id: str) -> None:
    """Tell the channel; the metadata lets a bot on a new, empty disk rebuild its subscriptions."""
    try:
        deps.slack.chat_postMessage(channel=channel_id, **subscription_announcement(action, number, channel_id,
                                                                                     user_id))
    except SlackApiError as error:
        log.warning("Could not announce the inbox %s in %s: %s", action, channel_id, error.response.get("error"))


# --- pure builders ----------------------------------------------------------------------------------

def subscription_label(number: str) -> str:
    return "all numbers" if number == "all" else number_text(number)


def subscription_announcement(action: str, number: str, channel_id: str, user_id: str) -> dict:
    verb = "will now post" if action == "subscribe" else "will no longer post"
    text = f":inbox_tray: <@{user_id}>: I {verb} inbound SMS/MMS for {subscription_label(number)} in this channel."
    return {
        "text": text,
        "metadata": {"event_type": SUBSCRIPTION_EVENT,
                     "event_payload": {"action": action, "number": number, "channel_id": channel_id}},
        "unfurl_links": False,
        "unfurl_media": False,
    }


def subscriptions_message(subscriptions: list[dict], inbox_channel: str | None) -> dict:
    by_target: dict[str, list[str]] = {}
    for row in subscriptions:
        by_target.setdefault(row["number"], []).append(f"{channel_text(row['channel_id'])}")
    lines = [f"• *{subscription_label(number)}* → {', '.join(channels)}"
             for number, channels in sorted(by_target.items(), key=lambda item: (item[0] == "all", item[0]))]
    fallback = (f"Numbers with no subscription (and no `all` subscription) go to {channel_text(inbox_channel)}."
                if inbox_channel else
                "Messages to numbers with no subscription and no `all` subscription are counted as unrouted "
                "(see `/flowroute inbox status`).")
    if not lines:
        return message("No inbox subscriptions yet. " + fallback,
                       [header("Inbox subscriptions"), section("No subscriptions yet."), context(fallback)])
    blocks = [header("Inbox subscriptions")]
    for start in range(0, len(lines), 20):
        blocks.append(section("\n".join(lines[start:start + 20])))
    blocks.append(context(fallback))
    return message(f"Inbox subscriptions: {len(subscriptions)}", blocks)


def status_message(status: dict) -> dict:
    """`status` is Relay.status(): last_poll, watermark, next_poll, counts, channel_errors, blocked."""
    poll = status.get("last_poll") or {}
    if poll:
        mark = ":white_check_mark:" if poll.get("ok") else ":x:"
        last = f"{mark} {short_time(poll.get('at'))} — {escape(poll.get('result'))}"
    else:
        last = "never"
    counts = status.get("counts") or {}
    lines = [
        f"*Last poll:* {last}",
        f"*Next poll:* {short_time(status.get('next_poll')) if status.get('next_poll') else 'not scheduled'}",
        f"*Watermark:* {short_time(status.get('watermark')) if status.get('watermark') else 'not set yet'}",
        f"*Delivered:* {counts.get('delivered', 0)} · *Pending:* {counts.get('pending', 0)} · "
        f"*Failed:* {counts.get('failed', 0)} · *Unrouted:* {counts.get('unrouted', 0)}",
    ]
    blocks = [header("Inbox relay"), section("\n".join(lines))]
    errors = [f"• {channel_text(row['channel_id'])}: `{escape(row['last_error'])}` ({short_time(row['last_error_at'])})"
              for row in (status.get("channel_errors") or [])[:20]]
    if errors:
        blocks.append(section("*Last error per channel*\n" + "\n".join(errors)))
    blocked = [f"{channel_text(channel)} until {short_time(until)}"
               for channel, until in (status.get("blocked") or {}).items()]
    if blocked:
        blocks.append(context("Waiting for Slack's rate limit: " + ", ".join(blocked)))
    if counts.get("unrouted"):
        blocks.append(context(f"{plural(counts['unrouted'], 'message')} arrived for numbers with no subscription "
                              "and no inbox channel; subscribe a channel to stop that."))
    text = (f"Inbox relay: {counts.get('delivered', 0)} delivered, {counts.get('pending', 0)} pending, "
            f"{counts.get('failed', 0)} failed, {counts.get('unrouted', 0)} unrouted")
    return message(text, blocks)


def short_time(value) -> str:
    return slack_time(value) if value else "unknown"
