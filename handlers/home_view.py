"""The App Home view: relay health, this month's volume and spend, the numbers (problems first), recent writes.

Pure: data in, a `{"type": "home", "blocks": [...]}` view out, within Slack's limits for a Home tab
(100 blocks, 3000 characters per section text; https://api.slack.com/reference/block-kit/blocks).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from blocks.kit import actions, button, context, divider, header, section
from blocks.report_text import spend_text
from blocks.text import channel_text, day_span, escape, number_text, parse_time, utc_text
from core.number_checks import NumberState
from flowroute_api.mdr_tally import MdrTally
from handlers.home_actions import HOME_SEARCH_ACTION, HOME_SMS_ACTION
from handlers.numbers.audit import fix_buttons, problem_line

MAX_BLOCKS = 100
LINES_PER_SECTION = 15  # number lines are under 200 characters: 15 stay within a section's 3000
MAX_NUMBER_LINES = 60  # a glance, not the whole inventory: `numbers list` / `numbers audit` have the rest
MAX_FIX_ROWS = 10  # admins: one row of fix buttons for each of the first flagged numbers
AUDIT_ROWS = 5
HOME_REFRESH_ACTION = "home_refresh"


@dataclass(frozen=True)
class HomeData:
    status: dict  # Relay.status()
    callbacks: dict  # Relay.callback_status()
    numbers: list[NumberState]
    month: MdrTally
    audit_rows: list[dict]
    now: datetime
    is_admin: bool
    dm_channel: str | None = None  # the app's DM with the viewer: where admin buttons answer


def home_view(data: HomeData) -> dict:
    blocks = [header("Flowroute account"), *admin_blocks(data),
              *health_blocks(data.status, data.callbacks, data.now), divider(), *month_blocks(data.month), divider()]
    tail = [divider(), *audit_blocks(data.audit_rows),
            actions(button("Refresh", HOME_REFRESH_ACTION, "refresh"), block_id="home_refresh"),
            context(f"Updated {utc_text(data.now)}. Reads from Flowroute are reused for a minute.")]
    blocks += number_blocks(data.numbers, data.is_admin, room=MAX_BLOCKS - len(blocks) - len(tail))
    return {"type": "home", "blocks": blocks + tail}


def admin_blocks(data: HomeData) -> list[dict]:
    """Admins only, and only with a DM to answer in: Search numbers and Send SMS (handlers/home_actions.py)."""
    if not (data.is_admin and data.dm_channel):
        return []
    value = {"dm": data.dm_channel}
    return [actions(button("Search numbers", HOME_SEARCH_ACTION, value), button("Send SMS", HOME_SMS_ACTION, value),
                    block_id="home_admin")]


def health_blocks(status: dict, callbacks: dict, now: datetime) -> list[dict]:
    poll = status.get("last_poll") or {}
    polled_at = parse_time(poll.get("at"))
    if polled_at is None:
        last = "never"
    else:
        mark = ":white_check_mark:" if poll.get("ok") else ":x:"
        last = f"{mark} {utc_text(polled_at)} ({age_text(now - polled_at)} ago) — {escape(poll.get('result'))}"
    counts = status.get("counts") or {}
    failing = status.get("channel_errors") or []
    lines = [
        f"*Last poll:* {last}",
        "*Callbacks:* " + callbacks_text(callbacks, now),
        f"*Pending posts:* {counts.get('pending', 0)} · *Failed:* {counts.get('failed', 0)} · "
        f"*Unrouted:* {counts.get('unrouted', 0)}",
        "*Failing channels:* " + (", ".join(f"{channel_text(row['channel_id'])} (`{escape(row['last_error'])}`)"
                                         for row in failing[:10]) or "none"),
    ]
    return [section("*Relay health*\n" + "\n".join(lines))]


def callbacks_text(callbacks: dict, now: datetime) -> str:
    """On (with the last one's age, and what the poll found that no callback brought) or off."""
    if not callbacks.get("on"):
        return "off: inbound messages are polled"
    last_at = parse_time(callbacks.get("last_at"))
    last = f"last {age_text(now - last_at)} ago" if last_at else "none received yet"
    missed = callbacks.get("missed") or 0
    return f"on, {last}" + (f"; callbacks missed {missed} in the last 24 h" if missed else "")


def age_text(delta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


def month_blocks(month: MdrTally) -> list[dict]:
    totals = month.totals
    return [section(f"*This month* ({day_span(month.start, month.end)}, {escape(month.zone.key)})\n"
                    f"Inbound: {totals.inbound:,} · Outbound: {totals.outbound:,} · "
                    f"Failed deliveries: {totals.failed:,} · Spend: {spend_text(totals.nanodollars)}")]


def number_line(state: NumberState) -> str:
    if state.problems:
        return problem_line(state)
    primary, failover = state.primary_name or state.primary_route, state.failover_name or state.failover_route
    routes = f"{escape(primary)} / {escape(failover)}"
    e911 = escape(state.e911_label or f"address {state.e911_id}")
    messaging = "on" if state.messaging else "n/a" if state.messaging is None else "off"
    return (f":white_check_mark: *{number_text(state.number)}* ({escape(state.alias)}) · routes {routes} · "
            f"E911 {e911} · messaging {messaging}")


def number_blocks(numbers: list[NumberState], is_admin: bool, *, room: int) -> list[dict]:
    """Problems first; as many lines as fit in `room` blocks and MAX_NUMBER_LINES, then how many more."""
    ordered = sorted(numbers, key=lambda state: not state.problems)  # stable: account order within each group
    flagged = sum(1 for state in numbers if state.problems)
    title = section(f"*Numbers* ({len(numbers)} on the account, {flagged} need attention)")
    fixes = [actions(*fix_buttons(state), block_id=f"home_fix_{state.number}")
             for state in ordered[:MAX_FIX_ROWS] if is_admin and fix_buttons(state)]
    room -= 2 + len(fixes)  # the title and the "more" line
    shown = ordered[:min(MAX_NUMBER_LINES, max(0, room) * LINES_PER_SECTION)]
    lines = [number_line(state) for state in shown]
    blocks = [title]
    blocks += [section("\n".join(lines[start:start + LINES_PER_SECTION]))
               for start in range(0, len(lines), LINES_PER_SECTION)]
    blocks += fixes
    more = len(numbers) - len(shown)
    if more:
        blocks.append(context(f"{more} more numbers not shown: `/flowroute numbers audit` lists every problem, "
                              "`/flowroute numbers list` every number."))
    return blocks


def audit_blocks(rows: list[dict]) -> list[dict]:
    if not rows:
        return [section("*Latest changes*\nNo changes made through the bot yet.")]
    lines = [f"{':white_check_mark:' if row['ok'] else ':x:'} `{row['at'][:16].replace('T', ' ')}` <@{row['user_id']}> "
             f"*{escape(row['action'])}* {escape(row['target'])}" for row in rows[:AUDIT_ROWS]]
    return [section("*Latest changes*\n" + "\n".join(lines))]
