"""Opt-outs kept by the relay: STOP-family keywords in inbound messages, per (our number, remote number).

The keyword rules are flowroute_api/optouts.py's. Inbound records are applied here when the relay saves
them (relay/poll.py) and, after a wiped database, from the relay's own Slack posts, whose metadata names
the keyword (relay/posts.py; relay/recover.py). Every send path asks `refusal()` first, so nothing goes to
Flowroute for an opted-out recipient, and `explain_flowroute_refusal()` words Flowroute's own 400/1110 the
same way when it happens anyway (a STOP the bot never saw, for instance).
"""

from __future__ import annotations

from blocks.text import number_text, parse_time, utc_text
from core.storage import Store
from flowroute_api import normalize_number
from flowroute_api.optouts import CARRIER_STOP, OptOutState, next_state, opt_keyword

UNSTOP_HINT = "Only their reply UNSTOP lifts it (Flowroute itself blocks sends after a STOP)."
START_HINT = "Their reply START or UNSTOP lifts it."


def record_keywords(store: Store, records: list[dict]) -> list[dict]:
    """Apply the keyword messages among inbound rows (mdr_id, at, from_number, to_number, body), oldest first.

    Returns the rows saved. A pair's row is the last change of its state; a message older than that
    changes nothing, so applying the same records twice ends in the same state.
    """
    changed = []
    for record in sorted(records, key=lambda item: item.get("at") or ""):
        keyword = record.get("keyword") or opt_keyword(record.get("body"))
        if keyword is None or not record.get("from_number") or not record.get("to_number"):
            continue
        current = store.get_optout(record["to_number"], record["from_number"])
        if current and current["at"] > record["at"]:
            continue
        before = OptOutState(current["state"]) if current else OptOutState.OPTED_IN
        after = next_state(before, keyword)
        if current and after is before:
            continue  # the row keeps the keyword and time that set the state (START after STOP changes nothing)
        row = {"our_number": record["to_number"], "remote_number": record["from_number"], "state": after.value,
               "keyword": keyword, "at": record["at"], "mdr_id": record.get("mdr_id")}
        if store.save_optout(row):
            changed.append(row)
    return changed


def rebuild_from_posts(store: Store, posts: list[dict]) -> int:
    """After a wiped database: replay the keyword messages that recovered relay posts name; returns pairs."""
    unique = {post["mdr_id"]: post for post in posts if post.get("keyword")}
    return len({(row["our_number"], row["remote_number"]) for row in record_keywords(store, list(unique.values()))})


def refusal(store: Store, our_number, remote_number) -> str | None:
    """Why nothing may be sent from our number to that one (with the date of the opt-out), or None."""
    try:
        row = store.get_optout(normalize_number(our_number), normalize_number(remote_number))
    except ValueError:
        return None
    if row is None or not OptOutState(row["state"]).blocks_sending:
        return None
    return optout_words(row)


def optout_words(row: dict) -> str:
    moment = parse_time(row["at"])
    when = f" on {utc_text(moment)}" if moment else ""
    hint = UNSTOP_HINT if row["state"] == OptOutState.STOPPED else START_HINT
    return (f"{number_text(row['remote_number'])} opted out of messages from {number_text(row['our_number'])} "
            f"(they replied {row['keyword']}{when}). {hint}")


def explain_flowroute_refusal(store: Store, our_number, remote_number) -> str:
    """Flowroute's 400 with error code 1110, in the words of our own refusal."""
    known = refusal(store, our_number, remote_number)
    if known:
        return known
    return (f"{number_text(remote_number)} opted out of messages from {number_text(our_number)} "
            f"(Flowroute refused the send with error 1110: they replied {CARRIER_STOP}). {UNSTOP_HINT}")


def keyword_note(keyword: str, sender: str, recipient: str) -> str:
    """The line a relay post of a keyword message carries, shown in the conversation's thread."""
    if keyword == "UNSTOP":
        return f":white_check_mark: *{keyword}*: {sender} opted back in to messages from {recipient}."
    if keyword == "START":
        return (f":white_check_mark: *{keyword}*: {sender} opted back in to messages from {recipient}, unless they "
                "sent STOP before: only UNSTOP lifts that one.")
    hint = UNSTOP_HINT if keyword == CARRIER_STOP else START_HINT
    return (f":no_entry_sign: *{keyword}*: {sender} opted out of messages from {recipient}. The bot refuses to "
            f"send to them from this number. {hint}")
