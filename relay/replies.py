"""Thread replies, pure: which Slack messages are replies to send, their SMS text, and what the bot says back."""

from __future__ import annotations

import re

from blocks.text import escape, number_text, plural, shorten

MAX_SEGMENTS = 10
NOTE_PREFIX = "note:"
REPLY_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})  # a person's message, not an edit
SLACK_LINK = re.compile(r"<([^<>]*)>")


def reply_candidate(event: dict, identity: dict) -> dict | None:
    """A person's new message inside a thread, or None (bots, edits, deletions, top-level messages)."""
    if event.get("type") != "message" or event.get("subtype") not in REPLY_SUBTYPES:
        return None
    if event.get("bot_id") or event.get("bot_profile") or event.get("hidden"):
        return None
    user, ts, thread_ts = event.get("user"), event.get("ts"), event.get("thread_ts")
    if not user or user == identity.get("user_id") or not event.get("channel") or not ts or thread_ts in (None, ts):
        return None
    text = str(event.get("text") or "")
    files = [item for item in event.get("files") or [] if isinstance(item, dict)]
    if not text.strip() and not files:
        return None
    return {"channel_id": event["channel"], "ts": ts, "thread_ts": thread_ts, "user_id": user, "text": text,
            "files": files}


def is_note(text: str) -> bool:
    return text.lstrip().lower().startswith(NOTE_PREFIX)


def sms_text(slack_text: str) -> str:
    """What a person typed, from Slack's encoded text: links and mentions as words, &amp; &lt; &gt; decoded."""
    text = SLACK_LINK.sub(lambda match: _link_words(match.group(1)), slack_text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def _link_words(inner: str) -> str:
    target, _, label = inner.partition("|")
    if target.startswith(("@", "#")):
        return target[0] + (label or target[1:])
    if target.startswith("!"):
        return label or "@" + target[1:].split("^", 1)[0]
    if target.startswith("mailto:"):
        return label or target[len("mailto:"):]
    if label and label not in target:
        return f"{label} ({target})"
    return target


def preview(text: str, limit: int = 120) -> str:
    return escape(shorten(text, limit))


def not_allowed_text() -> str:
    return (":no_entry: Your reply was *not* sent as an SMS: only people listed in FLOWROUTE_BOT_ADMINS or "
            "FLOWROUTE_BOT_SENDERS can answer from Slack. Start a message with `note:` to leave a note "
            "that stays in Slack.")


def too_long_text(encoding: str, segments: int) -> str:
    return (f"it needs {segments} SMS segments ({encoding}) and the limit is {MAX_SEGMENTS}. "
            "Shorten it or split it into several replies.")


def refusal_text(reply: dict, problem: str) -> str:
    return (f":no_entry: <@{reply['user_id']}> your reply was *not* sent to {number_text(reply['to_number'])}: "
            f"{problem}\n> {preview(sms_text(reply['text']))}")


def failed_text(kind: str, reply: dict, error: str) -> str:
    return (f":warning: <@{reply['user_id']}> the {kind.upper()} to {number_text(reply['to_number'])} was *not* "
            f"sent: {escape(error)}\n> {preview(sms_text(reply['text']))}")


def unsure_text(kind: str, reply: dict, error: str) -> str:
    return (f":warning: <@{reply['user_id']}> Flowroute did not answer clearly ({escape(error)}), so this "
            f"{kind.upper()} to {number_text(reply['to_number'])} *may or may not* have gone out. It will not be "
            "sent again automatically: check `/flowroute messages list` before posting it again."
            f"\n> {preview(sms_text(reply['text']))}")


def cut_off_text(row: dict, sending: bool) -> str:
    who, to = f"<@{row['user_id']}>", number_text(row["to_number"])
    if sending:
        return (f":warning: {who} the bot stopped while sending your reply to {to}, so it *may or may not* have "
                "gone out. It will not be sent again automatically: check `/flowroute messages list` before "
                f"posting it again.\n> {preview(row['body'])}")
    return f":warning: {who} your reply to {to} was *not* sent: the bot stopped before sending it. Post it again."


def sent_notes(kind: str, encoding: str | None, segments: int | None, quotes_changed: bool, images: int) -> str:
    """One line about what was sent when it is worth knowing (cost, changed text); empty otherwise."""
    parts = []
    if quotes_changed:
        parts.append("smart quotes were sent as plain quotes (Flowroute rejects smart quotes)")
    if kind == "sms" and segments and segments > 1:
        parts.append(f"sent as {segments} SMS segments ({encoding}), each charged")
    if kind == "mms":
        parts.append(f"sent as an MMS with {plural(images, 'image')}")
    if not parts:
        return ""
    line = "; ".join(parts)
    return f":information_source: {line[0].upper()}{line[1:]}."
