"""A message body as Slack sections: quoted, escaped, verbatim, split at line ends or words under Slack's limit."""

from __future__ import annotations

import re

from blocks.kit import context, section
from blocks.text import escape

# Slack's Block Kit reference: a section's text is at most 3000 characters (measured as sent, after escaping).
SECTION_TEXT_LIMIT = 3000
MAX_BODY_SECTIONS = 40
_BODY_TOKENS = re.compile(r"\s+|\S+\s*")  # words with the whitespace after them (and any leading whitespace)


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
