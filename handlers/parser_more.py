"""Command table entries for opt-outs, CNAM, portability, CDR exports and approvals, and their argument kinds.

handlers/parser.py adds these to its one table (COMMANDS) and its converters; they live here to keep that
file small.
"""

from __future__ import annotations

from core.commands import PAGE_OPTIONS as PAGE
from core.commands import Arg
from core.commands import command_spec as _spec
from flowroute_api import InvalidNumberError, normalize_number

MAX_NUMBERS_AT_ONCE = 50  # numbers portable: one line each


MORE_COMMANDS = [
    _spec("numbers portable", "/flowroute numbers portable NUMBER[,NUMBER...]",
          "Can these numbers be ported in to Flowroute?", [Arg("NUMBER", "numbers")]),
    _spec("cnam list", "/flowroute cnam list [--limit N] [--offset N]", "Caller-name (CNAM) records", options=PAGE),
    _spec("cnam show", "/flowroute cnam show CNAM_ID", "One CNAM record: review state and numbers using it",
          [Arg("CNAM_ID", "id")]),
    _spec("cnam create", "/flowroute cnam create TEXT...", "Create a CNAM record (Flowroute reviews it)",
          [Arg("TEXT", "text", rest=True)], write=True),
    _spec("cnam delete", "/flowroute cnam delete CNAM_ID", "Delete a CNAM record (asks for confirmation)",
          [Arg("CNAM_ID", "id")], write=True),
    _spec("cnam associate", "/flowroute cnam associate NUMBER CNAM_ID", "Give a number an approved CNAM record",
          [Arg("NUMBER", "number"), Arg("CNAM_ID", "id")], write=True),
    _spec("cnam unassociate", "/flowroute cnam unassociate NUMBER", "Remove a number's CNAM record",
          [Arg("NUMBER", "number")], write=True),
    _spec("calls export", "/flowroute calls export --start DATE --end DATE",
          "Call records (CDR export) for a window: summary, with the CSV attached",
          options={"start": "date", "end": "date"}),
    _spec("approvals", "/flowroute approvals [list]", "Open approval requests (FLOWROUTE_BOT_APPROVAL)",
          [Arg("VERB", "list_word", required=False)]),
    _spec("optouts list", "/flowroute optouts list [NUMBER]",
          "Remote numbers that opted out (STOP...) of messages from our numbers",
          [Arg("NUMBER", "number", required=False)]),
]


def _numbers(_, value: str) -> list[str]:
    """Comma-separated phone numbers, each normalized; repeats kept once, in the order given."""
    numbers = []
    for part in (part for part in value.split(",") if part):
        try:
            numbers.append(normalize_number(part))
        except InvalidNumberError:
            raise ValueError(f"`{part}` is not a valid phone number") from None
    numbers = list(dict.fromkeys(numbers))
    if not 1 <= len(numbers) <= MAX_NUMBERS_AT_ONCE:
        raise ValueError(f"give 1 to {MAX_NUMBERS_AT_ONCE} phone numbers, separated by commas")
    return numbers


def _list_word(_, value: str) -> str:
    if value.lower() != "list":
        raise ValueError(f"`{value}` is not a verb here (only `list`)")
    return "list"


MORE_CONVERTERS = {"numbers": _numbers, "list_word": _list_word}
