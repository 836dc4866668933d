"""`/flowroute numbers portable NUMBER[,NUMBER...]`: can these numbers be ported in to Flowroute?"""

from __future__ import annotations

from slack_bolt import App

from blocks.kit import context, header, message, section
from blocks.text import number_text
from core.commands import Command, CommandContext
from core.deps import Deps
from flowroute_api.porting import NOT_PORTABLE, ON_FLOWROUTE, PORTABLE, portability_by_number

LINES_PER_SECTION = 20  # a section holds at most 3000 characters
VERDICT_TEXT = {
    PORTABLE: ":white_check_mark: portable: it can be ported in to Flowroute",
    NOT_PORTABLE: ":no_entry: not portable to Flowroute",
    ON_FLOWROUTE: ":house: already on Flowroute (nothing to port)",
}
NO_ANSWER = ":grey_question: Flowroute's answer did not mention it"


def register(app: App, deps: Deps) -> dict[str, Command]:
    return {"numbers portable": Command(run=numbers_portable_command)}


def numbers_portable_command(ctx: CommandContext) -> None:
    numbers = ctx.args["NUMBER"]
    ctx.respond(**portability_message(numbers, ctx.deps.flowroute.check_portability(numbers)))


def portability_message(numbers: list[str], answer: dict) -> dict:
    verdicts = portability_by_number(answer)
    lines = [f"• *{number_text(number)}*: {VERDICT_TEXT.get(verdicts.get(number), NO_ANSWER)}"
             for number in numbers]
    counts = {verdict: sum(1 for number in numbers if verdicts.get(number) == verdict) for verdict in VERDICT_TEXT}
    summary = (f"{counts[PORTABLE]} portable, {counts[NOT_PORTABLE]} not portable, "
               f"{counts[ON_FLOWROUTE]} already on Flowroute")
    blocks = [header("Portability check")]
    for start in range(0, len(lines), LINES_PER_SECTION):
        blocks.append(section("\n".join(lines[start:start + LINES_PER_SECTION])))
    blocks.append(context(summary + ". A port order itself is placed in Flowroute's portal."))
    return message(f"Portability: {summary}. " + "; ".join(lines), blocks)
