"""`/flowroute optouts list [NUMBER]`: who opted out of messages from which of our numbers (relay/optouts.py)."""

from __future__ import annotations

from slack_bolt import App

from blocks.kit import context, header, message, section
from blocks.text import number_text, plural
from core.commands import Command
from core.deps import Deps
from relay.optouts import optout_words

LINES_PER_SECTION = 10
MAX_SHOWN = 40  # a message holds at most 50 blocks


def register(app: App, deps: Deps) -> dict[str, Command]:
    return {"optouts list": Command(page=optouts_page)}


def optouts_page(deps: Deps, opts: dict) -> dict:
    number = opts.get("number")
    rows = deps.store.get_optouts(number)
    where = f" involving {number_text(number)}" if number else ""
    if not rows:
        return message(f"Nobody has opted out{where}. Inbound STOP, STOPALL, UNSUBSCRIBE, CANCEL, END and QUIT "
                       "opt a sender out of messages from the number they texted.")
    shown = rows[:MAX_SHOWN * LINES_PER_SECTION]
    lines = [f"• {optout_words(row)}" for row in shown]
    blocks = [header("Opt-outs")]
    for start in range(0, len(lines), LINES_PER_SECTION):
        blocks.append(section("\n".join(lines[start:start + LINES_PER_SECTION])))
    more = f" (the newest {len(shown)} of {len(rows)})" if len(rows) > len(shown) else ""
    blocks.append(context(f"{plural(len(rows), 'opted-out pair')}{where}{more}, newest first. Thread replies, "
                          "`sms` and `mms` to them are refused before anything reaches Flowroute."))
    return message(f"Opt-outs{where}: {len(rows)}", blocks)
