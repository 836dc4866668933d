"""Opt-out rules for inbound SMS keywords: pure functions, no storage and no Slack.

Flowroute itself honours only the single word `STOP` (any case) on long-code and toll-free numbers:
the sender stops receiving messages from that one Flowroute number until they send `UNSTOP`, and a
send in between is refused with 400 and error code 1110 (support.flowroute.com, "Stop unwanted
messages on your Flowroute number"). Industry practice (CTIA Messaging Principles and Best
Practices) adds `STOPALL`, `UNSUBSCRIBE`, `CANCEL`, `END`, `QUIT` as opt-outs and `START` as an
opt-in; Flowroute does not enforce those, so we do. `START` cannot lift Flowroute's own block, so
after a `STOP` only `UNSTOP` opts back in.
"""

from __future__ import annotations

import re
import string
import unicodedata
from enum import StrEnum

from .errors import FlowrouteError

OPT_OUT_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
OPT_IN_KEYWORDS = frozenset({"UNSTOP", "START"})
KEYWORDS = OPT_OUT_KEYWORDS | OPT_IN_KEYWORDS
# The only keywords Flowroute acts on (support.flowroute.com): STOP blocks, UNSTOP unblocks.
CARRIER_STOP = "STOP"
CARRIER_UNSTOP = "UNSTOP"
# Flowroute's error code for a send to a recipient who replied STOP.
OPT_OUT_ERROR_CODE = 1110
_CODE_IN_TEXT = re.compile(rf"(?<!\d){OPT_OUT_ERROR_CODE}(?!\d)")


class OptOutState(StrEnum):
    """Whether one remote number may get messages from one of our numbers.

    `STOPPED` is an opt-out Flowroute enforces too (the sender replied STOP): only UNSTOP ends it.
    `OPTED_OUT` is one only we enforce (STOPALL, UNSUBSCRIBE, ...): START or UNSTOP ends it.
    The values are plain strings, so they can be stored as they are.
    """

    OPTED_IN = "opted_in"
    OPTED_OUT = "opted_out"
    STOPPED = "stopped"

    @property
    def blocks_sending(self) -> bool:
        return self is not OptOutState.OPTED_IN


def _is_ignorable(char: str) -> bool:
    """Whitespace, ASCII punctuation (`<`, `$` too), punctuation of any script, invisible U+200B etc."""
    category = unicodedata.category(char)
    return char.isspace() or char in string.punctuation or category[0] == "P" or category == "Cf"


def opt_keyword(body: object) -> str | None:
    """The keyword (upper case) when the whole body is exactly one of KEYWORDS, else None.

    Case is ignored, and so are spaces and punctuation around the word ("  Stop! " is STOP), but
    nothing else may be there: "STOP PLEASE" and "stop it" are not keywords, just as Flowroute
    ignores them. Only ASCII letters count, so look-alikes ("ＳＴＯＰ", "ſtop") do not.
    """
    if not isinstance(body, str):
        return None
    start, end = 0, len(body)
    while start < end and _is_ignorable(body[start]):
        start += 1
    while end > start and _is_ignorable(body[end - 1]):
        end -= 1
    word = body[start:end]
    if not (word.isascii() and word.isalpha()):
        return None
    word = word.upper()
    return word if word in KEYWORDS else None


def classify(body: object) -> str | None:
    """`"opt_out"`, `"opt_in"` or None (an ordinary message) for an inbound body.

    `START` classifies as `"opt_in"` but does not lift a STOP: next_state() applies that rule.
    """
    keyword = opt_keyword(body)
    if keyword is None:
        return None
    return "opt_out" if keyword in OPT_OUT_KEYWORDS else "opt_in"


def next_state(previous: OptOutState, keyword: str | None) -> OptOutState:
    """The state after an inbound message whose keyword is `keyword` (None: not a keyword)."""
    previous = OptOutState(previous)
    if keyword is None:
        return previous
    keyword = keyword.upper()
    if keyword == CARRIER_UNSTOP:
        return OptOutState.OPTED_IN
    if keyword == CARRIER_STOP:
        return OptOutState.STOPPED
    if keyword in OPT_OUT_KEYWORDS:
        # Flowroute keeps blocking after a STOP, whatever else the sender says later.
        return OptOutState.STOPPED if previous is OptOutState.STOPPED else OptOutState.OPTED_OUT
    if keyword == "START":
        return OptOutState.STOPPED if previous is OptOutState.STOPPED else OptOutState.OPTED_IN
    raise ValueError(f"{keyword!r} is not an opt-out keyword")


def state_after(body: object, previous: OptOutState = OptOutState.OPTED_IN) -> OptOutState:
    """Shorthand: the state after an inbound message with this body."""
    return next_state(previous, opt_keyword(body))


def is_opt_out_refusal(error: BaseException) -> bool:
    """Whether Flowroute refused a send because the recipient opted out (400, error code 1110).

    Where the code travels in the error body is not documented, so any of these counts: a `code`
    (or `error_code`) member equal to 1110, as a number or a string, or "1110" standing alone in
    the title or detail. Only a 400 qualifies, the status the docs name.
    """
    if not isinstance(error, FlowrouteError) or error.status != 400:
        return False
    for item in error.errors:
        for name in ("code", "error_code"):
            if str(item.get(name, "")).strip() == str(OPT_OUT_ERROR_CODE):
                return True
        for name in ("title", "detail"):
            if _CODE_IN_TEXT.search(str(item.get(name) or "")):
                return True
    return bool(_CODE_IN_TEXT.search(error.detail or ""))
