"""`/flowroute audit`: the recent writes made through the bot."""

from __future__ import annotations

from slack_bolt import App

from blocks.kit import context, header, message, pager_block, section
from blocks.text import escape, range_text, slack_time
from core.commands import Command
from core.deps import Deps

DEFAULT_LIMIT = 20


def register(app: App, deps: Deps) -> dict[str, Command]:
    return {"audit": Command(page=audit_page)}


def audit_page(deps: Deps, opts: dict) -> dict:
    limit, offset = int(opts.get("limit") or DEFAULT_LIMIT), int(opts.get("offset") or 0)
    rows = deps.store.get_audit(limit=limit + 1, offset=offset)
    has_next, rows = len(rows) > limit, rows[:limit]
    if not rows:
        return message("No changes have been made through the bot yet." if offset == 0 else "No more entries.")
    lines = [
        f"{':white_check_mark:' if row['ok'] else ':x:'} {slack_time(row['at'])} <@{row['user_id']}> "
        f"*{escape(row['action'])}* {escape(row['target'])} — {escape(row['result'])}"
        for row in rows
    ]
    blocks = [header("Audit log")]
    for start in range(0, len(lines), 10):
        blocks.append(section("\n".join(lines[start:start + 10])))
    blocks.append(context(f"{range_text('Entry', offset, len(rows), 'Entries')}, newest first."))
    pager = pager_block("audit", {"limit": limit, "offset": offset}, has_next=has_next)
    if pager:
        blocks.append(pager)
    return message(f"Audit log: {len(rows)} entries", blocks)
