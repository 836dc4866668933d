"""`/flowroute help [TOPIC]`: the commands, from the parser's one table."""

from __future__ import annotations

from slack_bolt import App

from blocks.kit import context, header, message, section
from blocks.text import escape
from core.commands import Command, CommandContext
from core.deps import Deps
from handlers.parser import NOUNS, usage_for


def register(app: App, deps: Deps) -> dict[str, Command]:
    return {"help": Command(run=help_command, inline=True)}


def help_command(ctx: CommandContext) -> None:
    ctx.respond(**help_message(ctx.args.get("TOPIC"), is_admin=ctx.deps.settings.is_admin(ctx.user_id)))


def help_message(topic: str | None, *, is_admin: bool) -> dict:
    specs = usage_for(topic)
    if not specs:
        return message(
            f"There is no help topic `{escape(topic)}`. Topics: {', '.join(sorted(NOUNS))}.",
        )
    title = f"/flowroute {topic.lower()}" if topic else "/flowroute"
    lines = [f"`{escape(spec.usage)}`{' :lock:' if spec.write else ''}\n{escape(spec.summary)}" for spec in specs]
    blocks = [header(title)]
    for start in range(0, len(lines), 8):
        blocks.append(section("\n".join(lines[start:start + 8])))
    if topic is None or topic.lower() == "inbox":
        blocks.append(section(
            "*Conversations:* inbound SMS/MMS are posted in a thread per conversation. Reply in that thread to "
            "answer by SMS (an image attached is sent as MMS); start a reply with `note:` to keep it in Slack."
        ))
    note = ":lock: marks changes, which only admins can make."
    if not is_admin:
        note += " You are not an admin, so you can use the other commands."
    blocks.append(context(note + " Numbers: any common form, e.g. `+1 206-555-0100`."))
    return message(f"{title}: " + "; ".join(spec.usage for spec in specs), blocks)
