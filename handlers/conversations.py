"""Thread replies: Slack's message events in conversation threads, handed to the relay's Conversations."""

from __future__ import annotations

from slack_bolt import App

from core.commands import Command
from core.deps import Deps
from relay.replies import is_note, reply_candidate


def register(app: App, deps: Deps) -> dict[str, Command]:
    app.event("message")(_message_listener(deps))
    return {}


def _message_listener(deps: Deps):
    service = deps.conversations

    def conversations_message(event, context, client):
        """Bolt acks events itself. Bots, edits, notes and other threads stop here; the rest goes to the pool."""
        identity = {"user_id": context.get("bot_user_id"), "bot_id": context.get("bot_id")}
        reply = reply_candidate(event, identity)
        if reply is None or is_note(reply["text"]) or service.is_other_thread(reply["channel_id"], reply["thread_ts"]):
            return
        deps.executor.submit(service.take_reply, reply, identity, client)

    return conversations_message
