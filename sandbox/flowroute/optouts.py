"""Flowroute's carrier-side STOP in the sandbox: an inbound `STOP` blocks sends back until `UNSTOP`.

As Flowroute documents it (support.flowroute.com, "Stop unwanted messages on your Flowroute number"):
only a body that is exactly the word STOP (any case) blocks, and only sends from the number it was sent
to, to the number that sent it; `UNSTOP` lifts it; other keywords (STOPALL, QUIT, START...) do nothing
here. A blocked send is refused with 400 and error code 1110. Where the code travels in the error body
is not documented: the sandbox puts it in a `code` member and in the detail text, and clients should
accept either.

Two hooks call this module: `note_inbound(state, records)` when inbound messages are injected (server.py),
and `carrier_refusal(state, from_, to)` before a send is accepted (messages.py).
"""

from __future__ import annotations

import uuid
import weakref

OPT_OUT_ERROR_CODE = 1110
REFUSAL_DETAIL = "Message accepted by the SMSC but the phone rejected the message (error 1110)."
_STOPS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # state -> {(our number, remote number)}


def _word(body) -> str:
    """The body as Flowroute reads it for STOP/UNSTOP: one word, case and surrounding spaces ignored."""
    text = str(body or "").strip()
    return text.upper() if text.isalpha() else ""


def note_inbound(state, records: list[dict]) -> None:
    """Apply STOP / UNSTOP from injected inbound records (the `_mdr_record` shape), oldest first."""
    stops = _STOPS.setdefault(state, set())
    for record in records:
        fields = record.get("attributes") or {}
        if fields.get("direction") != "inbound":
            continue
        pair, word = (str(fields.get("to")), str(fields.get("from"))), _word(fields.get("body"))
        if word == "STOP":
            stops.add(pair)
        elif word == "UNSTOP":
            stops.discard(pair)


def carrier_refusal(state, from_: str, to: str) -> tuple[int, dict] | None:
    """The 400/1110 answer for a send to someone who replied STOP to `from_`, else None."""
    if (str(from_), str(to)) not in _STOPS.get(state, set()):
        return None
    error = {"id": str(uuid.uuid4()), "status": 400, "code": OPT_OUT_ERROR_CODE, "title": "Bad Request",
             "detail": REFUSAL_DETAIL}
    return 400, {"errors": [error]}
