"""What Slack sends for what a person typed: `&`, `<`, `>` as entities, and, with the manifest's
`should_escape: true`, `#channel` as `<#C…|channel>`, `@user` as `<@U…>`, `@here`/`@channel`/`@everyone` as
`<!here>`… (Slack's "Formatting text for app surfaces": escaping; slash commands: "Escape channels, users,
and links"). Names the workspace does not know stay as typed, as in Slack."""

from __future__ import annotations

import re

_MENTION = re.compile(r"(?<![\w#@])([#@])([a-z0-9][a-z0-9._-]*)", re.IGNORECASE)
_SPECIAL = ("here", "channel", "everyone")


def as_slack_sends(text: str, channels: dict[str, str], users: dict[str, str]) -> str:
    """`text` as Slack would deliver it to the bot; `channels`/`users` map names to ids."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def mention(match: re.Match) -> str:
        sigil, name = match.group(1), match.group(2)
        key = name.lower().rstrip(".")
        trail = name[len(key):] if name.lower().endswith(".") else ""
        if sigil == "#" and key in channels:
            return f"<#{channels[key]}|{key}>{trail}"
        if sigil == "@" and key in _SPECIAL:
            return f"<!{key}>{trail}"
        if sigil == "@" and key in users:
            return f"<@{users[key]}>{trail}"
        return match.group(0)

    return _MENTION.sub(mention, escaped)
