"""Bolt listeners only, one module (or package, when an area outgrows a file) per area, registered from one list."""

from __future__ import annotations

import re

from slack_bolt import App

from blocks.kit import PAGE_ACTION, VIEWER
from core.commands import Command, CommandContext, decode_value
from core.deps import Deps
from core.errors import explained, failure_text, reply_to, run_guarded, subject_for
from core.work import in_background
from handlers import (
    approvals,
    audit,
    calls,
    cnam,
    conversations,
    e911,
    help,
    home,
    inbox,
    inbox_callbacks,
    messages,
    numbers,
    optouts,
    portability,
    report,
    routes,
)
from handlers.parser import UsageError, parse

SLASH_COMMAND = "/flowroute"
# Events API subscriptions the listeners need (conversations: thread replies in public and private
# channels; home: the App Home tab); manifest.yml must list the same.
EVENTS: tuple[str, ...] = ("message.channels", "message.groups", "app_home_opened")

# The areas, in the order their listeners are registered. Each `register(app, deps)` adds its
# action/view listeners and returns its command handlers keyed like "numbers search".
AREAS = (help, audit, numbers, routes, messages, e911, inbox, inbox_callbacks, conversations, report, home,
         optouts, cnam, portability, calls, approvals)


def register(app: App, deps: Deps) -> dict[str, Command]:
    commands: dict[str, Command] = {}
    # Bolt tries listeners in registration order, running each one's matchers; the slash command comes
    # first so that a command's ack does not first run the matchers of every button and form.
    app.command(SLASH_COMMAND)(_command_listener(deps, commands))
    for area in AREAS:
        commands.update(area.register(app, deps))
    app.action(re.compile(f"^{PAGE_ACTION}_"))(_page_listener(deps, commands))
    app.error(_error_handler)
    return commands


def _command_listener(deps: Deps, commands: dict[str, Command]):
    def flowroute_command(ack, command, respond, client):
        try:
            parsed = parse(command.get("text", ""), channel_id=command.get("channel_id"))
        except UsageError as error:
            ack(text=str(error), response_type="ephemeral")
            return
        user_id = command["user_id"]
        if parsed.spec.write and not deps.settings.is_admin(user_id):
            ack(
                text=f":no_entry: Sorry, only Flowroute admins can run `{parsed.key}`. "
                "Ask an admin to add your Slack ID to FLOWROUTE_BOT_ADMINS.",
                response_type="ephemeral",
            )
            return
        handler = commands.get(parsed.key)
        if handler is None:
            ack(text=f"`{parsed.key}` is not available in this version of the bot.", response_type="ephemeral")
            return
        ack()
        if handler.page:
            opts = {name.lower(): value for name, value in parsed.args.items()} | parsed.options
            in_background(deps, respond, lambda: respond(**handler.page(deps, {**opts, VIEWER: user_id})))
            return
        ctx = CommandContext(
            parsed=parsed, user_id=user_id, channel_id=command.get("channel_id", ""),
            trigger_id=command.get("trigger_id", ""), response_url=command.get("response_url", ""),
            respond=respond, client=client, deps=deps,
        )
        run = explained(parsed.key, subject_for(parsed.args), handler.run)
        if handler.inline:
            run_guarded(respond, run, ctx)
        else:
            in_background(deps, respond, run, ctx)

    return flowroute_command


def _page_listener(deps: Deps, commands: dict[str, Command]):
    def page_navigation(ack, body, action, respond):
        ack()
        viewer = (body.get("user") or {}).get("id")

        def turn_page():
            state = decode_value(action.get("value"))
            handler = commands.get(state.get("k"))
            if handler is None or handler.page is None or not isinstance(state.get("o"), dict):
                raise UsageError("That button is out of date; run the command again.")
            respond(replace_original=True, **handler.page(deps, {**state["o"], VIEWER: viewer}))

        in_background(deps, respond, turn_page)

    return page_navigation


def _error_handler(error, body, logger):
    """Bolt's one global error handler: log with a reference id and tell the user."""
    text = failure_text(error, logger)
    response_url = (body or {}).get("response_url") or next(iter((body or {}).get("response_urls") or []), {}).get(
        "response_url"
    )
    if response_url:
        run_guarded(lambda **_: None, reply_to(response_url), text=text, response_type="ephemeral")
