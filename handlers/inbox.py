"""`/flowroute inbox ...`: relay subscriptions and health, plus the relay's Slack posts (pure builders).

The relay itself (polling, the outbox, recovery) lives in bot/relay.py and reaches these handlers as
`deps.extras["relay"]`; handlers never import bot/.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from flowroute_api import NotFoundError
from handlers.common import (
    Command,
    CommandContext,
    Deps,
    UserError,
    audit,
    context,
    escape,
    header,
    message,
    number_text,
    section,
)

log = logging.getLogger("flowroute_bot.inbox")

# Slack message metadata event types (letters, digits and underscores): the relay finds its own posts by them.
RELAY_EVENT = "flowroute_inbound_message"
SUBSCRIPTION_EVENT = "flowroute_inbox_subscription"

# Slack's Block Kit reference: a section's text is at most 3000 characters (measured as sent, after escaping).
SECTION_TEXT_LIMIT = 3000
MAX_BODY_SECTIONS = 40
_BODY_TOKENS = re.compile(r"\s+|\S+\s*")  # words with the whitespace after them (and any leading whitespace)
# conversations.info refused for good (e.g. the app lacks channels:read): the channel cannot be checked, and a
# subscription should not be blocked by that; posting errors still show in `inbox status`.
CANNOT_CHECK = frozenset({"missing_scope", "unknown_method", "not_allowed_token_type"})
POLL_COMMAND_SEND_SECONDS = 2  # `inbox poll` posts what it can in this time; the send job does the rest


def register(app: App, deps: Deps) -> dict[str, Command]:
    return {
        "inbox subscribe": Command(run=inbox_subscribe),
        "inbox unsubscribe": Command(run=inbox_unsubscribe),
        "inbox list": Command(run=inbox_list),
        "inbox status": Command(run=inbox_status),
        "inbox poll": Command(run=inbox_poll),
    }


# --- commands ---------------------------------------------------------------------------------------

def inbox_subscribe(ctx: CommandContext) -> None:
    number, channel_id = ctx.args["NUMBER"], ctx.args["CHANNEL"]
    check_channel(ctx.deps, channel_id)
    if number != "all":
        check_number(ctx.deps, number)
    added = ctx.deps.store.save_subscription(number, channel_id, ctx.user_id)
    target = f"{subscription_label(number)} -> {channel_id}"
    audit(ctx.deps, ctx.user_id, "inbox subscribe", target, ok=True,
          result="subscribed" if added else "already subscribed")
    if not added:
        ctx.respond(text=f"<#{channel_id}> already gets inbound messages for {subscription_label(number)}.")
        return
    announce(ctx.deps, "subscribe", number, channel_id, ctx.user_id)
    ctx.respond(text=f":white_check_mark: Inbound SMS/MMS for {subscription_label(number)} will be posted in "
                     f"<#{channel_id}>.")


def inbox_unsubscribe(ctx: CommandContext) -> None:
    number, channel_id = ctx.args["NUMBER"], ctx.args.get("CHANNEL")
    channels = [row["channel_id"] for row in ctx.deps.store.get_subscriptions()
                if row["number"] == number and channel_id in (None, row["channel_id"])]
    where = f" in <#{channel_id}>" if channel_id else ""
    if not channels:
        raise UserError(f"There is no subscription for {subscription_label(number)}{where}.")
    ctx.deps.store.delete_subscriptions(number, channel_id)
    for channel in channels:
        audit(ctx.deps, ctx.user_id, "inbox unsubscribe", f"{subscription_label(number)} -> {channel}",
              ok=True, result="unsubscribed")
        announce(ctx.deps, "unsubscribe", number, channel, ctx.user_id)
    listed = ", ".join(f"<#{channel}>" for channel in channels)
    ctx.respond(text=f":white_check_mark: Stopped posting inbound messages for {subscription_label(number)} "
                     f"in {listed}.")


def inbox_list(ctx: CommandContext) -> None:
    ctx.respond(**subscriptions_message(ctx.deps.store.get_subscriptions(), ctx.deps.settings.inbox_channel))


def inbox_status(ctx: CommandContext) -> None:
    ctx.respond(**status_message(relay_of(ctx.deps).status()))


def inbox_poll(ctx: CommandContext) -> None:
    result = relay_of(ctx.deps).run_cycle(send_budget=POLL_COMMAND_SEND_SECONDS)
    ctx.respond(text=f":arrows_counterclockwise: Polled Flowroute: {result.summary()}.")


def relay_of(deps: Deps):
    relay = deps.extras.get("relay")
    if relay is None:
        raise UserError("The inbound relay is not running in this process.")
    return relay


def check_channel(deps: Deps, channel_id: str) -> None:
    """Refuse channels the bot cannot post in, with what to do about it."""
    try:
        info = deps.slack.conversations_info(channel=channel_id)["channel"]
    except SlackApiError as error:
        if error.response.get("error") in CANNOT_CHECK:
            log.warning("Cannot check channel %s (%s); subscribing anyway", channel_id, error.response.get("error"))
            return
        if error.response.get("error") == "channel_not_found":
            raise UserError(
                f":warning: I can't see <#{channel_id}>. If it is a private channel, invite me there first "
                f"(`/invite` {_me(deps)}), then subscribe again."
            ) from None
        raise
    if info.get("is_archived"):
        raise UserError(f":warning: <#{channel_id}> is archived, so I can't post there.")
    if not info.get("is_member"):
        kind = "private channel" if info.get("is_private") else "channel"
        raise UserError(
            f":warning: I'm not a member of the {kind} <#{channel_id}>, so I can't post there. "
            f"Invite me (`/invite` {_me(deps)}), then subscribe again."
        )


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


def relay_post(record: dict, media: list[dict] = (), *, route: str | None = None,
               conversation: dict | None = None) -> dict:
    """The Slack post for one inbound message: who, to which of our numbers, the body verbatim, time and id.

    `record` has mdr_id, at (ISO UTC), from_number, to_number, to_alias, body, is_mms; `media` rows have
    file_name, mime_type, size, error. Everything from Flowroute is escaped, so a body cannot ping or link.
    `conversation` ({"thread_ts": parent ts or None}) marks a post in a conversation thread: without a
    thread_ts it starts one and says who the conversation is with; the metadata then names both numbers.
    """
    kind = "MMS" if record.get("is_mms") else "SMS"
    sender, recipient = number_text(record.get("from_number")), number_text(record.get("to_number"))
    alias = f" ({escape(record['to_alias'])})" if record.get("to_alias") else ""
    blocks = [section(f":incoming_envelope: *{kind}* from *{sender}* to *{recipient}*{alias}")]
    blocks += body_sections(record.get("body") or "")
    lines = [media_line(item) for item in media]
    if lines:
        blocks.append(section("\n".join(lines)))
    if conversation is not None and not conversation.get("thread_ts"):
        blocks.append(context(f":speech_balloon: Conversation with *{sender}* on *{recipient}*{alias}. Reply in "
                              "this thread to answer by SMS; start with `note:` to keep a note in Slack."))
    blocks.append(context(f"{time_text(record.get('at'))} · `{escape(record.get('mdr_id'))}`"))
    preview = escape((record.get("body") or "")[:150])
    payload = {"mdr_id": record.get("mdr_id"), "timestamp": record.get("at"), "to": record.get("to_number"),
               "route": route}
    if conversation is not None:  # what an empty database rebuilds the conversation threads from
        payload["from"] = record.get("from_number")
        if conversation.get("thread_ts"):
            payload["thread_ts"] = conversation["thread_ts"]
    return {
        "text": f"{kind} from {sender} to {recipient}: {preview}",
        "blocks": blocks,
        "metadata": {"event_type": RELAY_EVENT, "event_payload": payload},
        "unfurl_links": False,
        "unfurl_media": False,
    }


def body_sections(body: str) -> list[dict]:
    """The body as quoted, escaped, verbatim mrkdwn (no auto-linking), in as few sections as Slack's limit allows.

    Sections break at a line end when one is in the second half of the section, else after a word; only a word
    longer than a whole section is cut inside.
    """
    if not body:
        return [section("_(no text)_")]
    pieces = split_body(body)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "verbatim": True, "text": quoted(piece)}}
              for piece in pieces[:MAX_BODY_SECTIONS]]
    if len(pieces) > MAX_BODY_SECTIONS:
        hidden = sum(len(piece) for piece in pieces[MAX_BODY_SECTIONS:])
        blocks.append(context(f"_{hidden} more characters not shown; see the record in Flowroute._"))
    return blocks


def quoted(piece: str) -> str:
    """One piece of a body as a mrkdwn block quote, escaped; the line end a section broke at is the break."""
    lines = piece.removesuffix("\n").split("\n")
    return "\n".join("> " + escape(line) for line in lines)


def split_body(body: str, limit: int = SECTION_TEXT_LIMIT) -> list[str]:
    """Consecutive pieces of `body` (together exactly the body) whose quoted text fits in `limit` characters."""
    pieces: list[str] = []
    current, weight = "", 0
    for token in _BODY_TOKENS.findall(body):
        while _quoted_length(weight + _weight(token), token) > limit:
            if current:
                head, current = _line_break(current, limit)
                pieces.append(head)
                weight = _weight(current)
            else:  # one word longer than a section: cut it, never inside an escaped character
                cut = _longest_fit(token, limit)
                pieces.append(token[:cut])
                token = token[cut:]
        current, weight = current + token, weight + _weight(token)
    if current:
        pieces.append(current)
    return pieces


def _weight(text: str) -> int:
    """Characters `text` takes once quoted and escaped: `&` becomes 5, `<`/`>` 4, a line end adds `> `."""
    return len(text) + 4 * text.count("&") + 3 * (text.count("<") + text.count(">")) + 2 * text.count("\n")


def _quoted_length(weight: int, ending: str) -> int:
    """len(quoted(piece)) from the piece's weight and its end: the first `> `, less a final line end."""
    return 2 + weight - (3 if ending.endswith("\n") else 0)


def _line_break(text: str, limit: int) -> tuple[str, str]:
    """(what ends this section, what starts the next): after the last line end if it is far enough in."""
    end = text.rfind("\n") + 1
    if end and len(quoted(text[:end])) >= limit // 2:
        return text[:end], text[end:]
    return text, ""


def _longest_fit(word: str, limit: int) -> int:
    """How many leading characters of `word` fit in a section (at least one)."""
    low, high = 1, len(word)
    while low < high:
        middle = (low + high + 1) // 2
        if len(quoted(word[:middle])) <= limit:
            low = middle
        else:
            high = middle - 1
    return low


def media_line(item: dict) -> str:
    name = escape(item.get("file_name") or "file")
    if item.get("error"):
        return (f":warning: Media `{name}` could not be downloaded from Flowroute ({escape(item['error'])}); "
                "the text above is complete.")
    size = f", {max(1, round((item.get('size') or 0) / 1024))} KB" if item.get("size") else ""
    return f":paperclip: `{name}` ({escape(item.get('mime_type') or 'file')}{size}), attached in the thread"


def time_text(at: str | None) -> str:
    """Slack shows `<!date^...>` in each reader's time zone; the fallback is the UTC time."""
    try:
        moment = datetime.fromisoformat(str(at).replace("Z", "+00:00"))
    except ValueError:
        return escape(at or "unknown time")
    fallback = moment.strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time_secs}}|{fallback}>"


def subscriptions_message(subscriptions: list[dict], inbox_channel: str | None) -> dict:
    by_target: dict[str, list[str]] = {}
    for row in subscriptions:
        by_target.setdefault(row["number"], []).append(f"<#{row['channel_id']}>")
    lines = [f"• *{subscription_label(number)}* → {', '.join(channels)}"
             for number, channels in sorted(by_target.items(), key=lambda item: (item[0] == "all", item[0]))]
    fallback = (f"Numbers with no subscription (and no `all` subscription) go to <#{inbox_channel}>."
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
    errors = [f"• <#{row['channel_id']}>: `{escape(row['last_error'])}` ({short_time(row['last_error_at'])})"
              for row in (status.get("channel_errors") or [])[:20]]
    if errors:
        blocks.append(section("*Last error per channel*\n" + "\n".join(errors)))
    blocked = [f"<#{channel}> until {short_time(until)}" for channel, until in (status.get("blocked") or {}).items()]
    if blocked:
        blocks.append(context("Waiting for Slack's rate limit: " + ", ".join(blocked)))
    if counts.get("unrouted"):
        blocks.append(context(f"{counts['unrouted']} message(s) arrived for numbers with no subscription and no "
                              "inbox channel; subscribe a channel to stop that."))
    text = (f"Inbox relay: {counts.get('delivered', 0)} delivered, {counts.get('pending', 0)} pending, "
            f"{counts.get('failed', 0)} failed, {counts.get('unrouted', 0)} unrouted")
    return message(text, blocks)


def short_time(value) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return escape(str(value)[:19].replace("T", " ") + " UTC") if value else "unknown"
