"""The relay's Slack posts: pure builders for an inbound message, and the readers of their metadata.

The metadata (https://api.slack.com/metadata/using) is what recovery reads back on an empty database:
each post names its record, and a conversation's first post names both numbers.
"""

from __future__ import annotations

from blocks.body import body_sections
from blocks.kit import context, section
from blocks.text import escape, number_text, slack_time
from flowroute_api.optouts import opt_keyword
from relay.optouts import keyword_note

# Slack message metadata event types (letters, digits and underscores): the relay finds its own posts by them.
RELAY_EVENT = "flowroute_inbound_message"
SUBSCRIPTION_EVENT = "flowroute_inbox_subscription"


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
    keyword = opt_keyword(record.get("body"))
    if keyword:
        blocks.append(section(keyword_note(keyword, sender, recipient)))
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
    broadcast = {}
    if keyword:  # what an empty database rebuilds the opt-outs from
        payload.update({"from": record.get("from_number"), "optout": keyword})
        # Also shown in the channel, so the channel's history holds it even when its thread is never read again.
        broadcast = {"reply_broadcast": True} if (conversation or {}).get("thread_ts") else {}
    return {
        "text": f"{kind} from {sender} to {recipient}: {preview}",
        "blocks": blocks,
        "metadata": {"event_type": RELAY_EVENT, "event_payload": payload},
        "unfurl_links": False,
        "unfurl_media": False,
        **broadcast,
    }


def media_line(item: dict) -> str:
    name = escape(item.get("file_name") or "file")
    if item.get("error"):
        return (f":warning: Media `{name}` could not be downloaded from Flowroute ({escape(item['error'])}); "
                "the text above is complete.")
    size = f", {max(1, round((item.get('size') or 0) / 1024))} KB" if item.get("size") else ""
    return f":paperclip: `{name}` ({escape(item.get('mime_type') or 'file')}{size}), attached in the thread"


def time_text(at: str | None) -> str:
    """Slack shows `<!date^...>` in each reader's time zone; the fallback is the UTC time."""
    return slack_time(at)


def is_own(message: dict, identity: dict) -> bool:
    return bool((identity.get("bot_id") and message.get("bot_id") == identity["bot_id"])
                or (identity.get("user_id") and message.get("user") == identity["user_id"]))


def thread_start(message: dict, channel_id: str) -> dict | None:
    """The conversation a relay post starts (its metadata names both numbers), as a `threads` row."""
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    if (metadata.get("event_type") != RELAY_EVENT or payload.get("thread_ts") or not payload.get("from")
            or not payload.get("to") or not payload.get("timestamp")):
        return None
    return {"channel_id": channel_id, "thread_ts": message["ts"], "our_number": payload["to"],
            "remote_number": payload["from"], "started_at": payload["timestamp"], "last_at": payload["timestamp"]}


def relay_payload(message: dict) -> dict | None:
    metadata = message.get("metadata") or {}
    if metadata.get("event_type") != RELAY_EVENT:
        return None
    return metadata.get("event_payload") or {}
