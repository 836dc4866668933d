"""Near-miss commands: `number list` -> did you mean `numbers list`? (difflib's closest noun, then verb)."""

from __future__ import annotations

import difflib
from collections.abc import Callable

from core.commands import CommandSpec


def suggestion(noun: str, verb: str | None, commands: dict[str, CommandSpec], verbs: dict[str, list[str]],
               usage_lines: Callable[[str], str]) -> tuple[str, str] | None:
    """(what to say, the usage to show) for the command the user probably meant, or None.
    `verbs`: each noun's verbs (an empty list for one-word commands like `sms`)."""
    nouns = [noun] if noun in verbs else difflib.get_close_matches(noun, list(verbs), n=1, cutoff=0.75)
    if not nouns:
        return None
    key, typed = nouns[0], noun
    if verb is not None and verbs[key]:
        close = difflib.get_close_matches(verb, verbs[key], n=1, cutoff=0.6)
        if not close:
            return None
        key, typed = f"{key} {close[0]}", f"{noun} {verb}"
    if key == typed:
        return None
    usage = commands[key].usage if key in commands else usage_lines(key)
    return f"Unknown command `{typed}`; did you mean `{key}`?", usage
