"""`/flowroute numbers audit`: every account number checked for what is missing, with buttons to fix it."""

from __future__ import annotations

from blocks.kit import actions, button, context, header, message, section
from blocks.text import escape, number_text
from core.commands import CommandContext
from core.number_checks import NO_E911, NO_FAILOVER, SAME_FAILOVER, NumberState, account_numbers
from handlers.e911.associate_form import E911_ASSOCIATE_OPEN_ACTION
from handlers.routes.ids import ROUTES_SET_OPEN_ACTION

MAX_LISTED = 20  # numbers with problems shown with buttons: 2 blocks each within a message's 50
AUDIT_BLOCK = "numbers_audit"


def numbers_audit_command(ctx: CommandContext) -> None:
    ctx.respond(**audit_message(account_numbers(ctx.deps.flowroute), is_admin=ctx.deps.settings.is_admin(ctx.user_id)))


def problem_line(state: NumberState) -> str:
    alias = f" ({escape(state.alias)})" if state.alias else ""
    return f":warning: *{number_text(state.number)}*{alias}: {', '.join(state.problems)}"


def fix_buttons(state: NumberState) -> list[dict]:
    """Buttons that open the fix for what this number is missing (routes modal, E911 associate)."""
    found = []
    if NO_FAILOVER in state.problems or SAME_FAILOVER in state.problems:
        found.append(button("Set routes", ROUTES_SET_OPEN_ACTION, {"number": state.number}))
    if NO_E911 in state.problems:
        found.append(button("Add E911 address", E911_ASSOCIATE_OPEN_ACTION, {"number": state.number}))
    return found


def audit_message(states: list[NumberState], *, is_admin: bool) -> dict:
    flagged = [state for state in states if state.problems]
    counts: dict[str, int] = {}
    for state in flagged:
        for problem in state.problems:
            counts[problem] = counts.get(problem, 0) + 1
    summary = (f"{len(flagged)} of {len(states)} numbers need attention"
               + (": " + ", ".join(f"{problem} {count}" for problem, count in counts.items()) if counts else "."))
    if not flagged:
        text = f":white_check_mark: All {len(states)} numbers have an E911 address, a failover route, messaging " \
               "and an alias."
        return message(text, [header("Numbers audit"), section(text)])
    blocks = [header("Numbers audit"), section(f"*{escape(summary)}*")]
    for state in flagged[:MAX_LISTED]:
        buttons = fix_buttons(state) if is_admin else []
        blocks.append(section(problem_line(state)))
        if buttons:
            blocks.append(actions(*buttons, block_id=f"{AUDIT_BLOCK}_{state.number}"))
    more = len(flagged) - MAX_LISTED
    note = "Messaging: `/flowroute numbers show NUMBER`; alias: `/flowroute numbers alias NUMBER TEXT`."
    if more > 0:
        note = f"{more} more numbers with problems are not listed. " + note
    blocks.append(context(note))
    lines = "\n".join(f"{number_text(state.number)}: {', '.join(state.problems)}" for state in flagged[:MAX_LISTED])
    return message(f"Numbers audit: {summary}\n{lines}", blocks)
