"""SMS facts the client and the bot share: how many segments a text needs, and the quotes Flowroute takes."""

from __future__ import annotations

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")  # sent as ESC + char: two septets each


SMART_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
                              "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"'})


def plain_quotes(text: str) -> tuple[str, bool]:
    """Smart quotes as plain ones (Flowroute's messaging docs: smart quotes are rejected); True when any changed."""
    plain = text.translate(SMART_QUOTES)
    return plain, plain != text


def sms_segments(text: str) -> tuple[str, int]:
    """The encoding ("GSM-7" or "UCS-2") and number of SMS segments `text` needs.

    This is the standard GSM 03.38/03.40 rule: 160 septets in one segment, 153 per segment once split
    (the concatenation header takes the rest); UCS-2 70 / 67 UTF-16 units. Flowroute's messaging docs
    say long ASCII messages split into 140-character segments, so its bill may differ from this
    estimate for long messages. A character is never split across two segments.
    """
    if all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text):
        encoding, single, multi = "GSM-7", 160, 153
        units = [2 if char in GSM7_EXTENSION else 1 for char in text]
    else:
        encoding, single, multi = "UCS-2", 70, 67
        units = [2 if ord(char) > 0xFFFF else 1 for char in text]  # outside the BMP: a surrogate pair
    total = sum(units)
    if total <= single:
        return encoding, 1 if total else 0
    segments, used = 1, 0
    for size in units:
        if used + size > multi:
            segments, used = segments + 1, 0
        used += size
    return encoding, segments
