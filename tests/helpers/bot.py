"""The real bot on a loopback port, wired to the Flowroute sandbox and the Slack emulator.

Tests talk to it the way Slack does (signed HTTP requests through `SlackDriver`) and assert on what
reaches the emulator, the response_url receiver and the sandbox.
"""

from __future__ import annotations

import socket

from flowroute_api import FlowrouteClient
from sandbox.stack import LocalBot

SIGNING_SECRET = "test-signing-secret"
ADMIN = "U0ADMIN"
USER = "U0BOB"
OPS = "C0OPS"


def free_port() -> int:
    """A loopback port nothing listens on right now: for a process to bind, or to be refused on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class BotHarness(LocalBot):
    """The bot as tests use it: U0ADMIN is the admin, retries back off fast, helpers to await replies."""

    def __init__(self, db_path, sandbox, emulator, *, env=None):
        flowroute = FlowrouteClient(sandbox.access_key, sandbox.secret_key, base_url=sandbox.url,
                                    backoff_factor=0.01)
        super().__init__(sandbox, emulator, db_path=str(db_path), signing_secret=SIGNING_SECRET,
                         env={"FLOWROUTE_BOT_ADMINS": ADMIN, **(env or {})}, flowroute=flowroute)
        self.flowroute = flowroute

    def command(self, text: str, *, user: str = ADMIN, channel: str = OPS):
        return self.driver.command(text, user=user, channel=channel)

    def responses(self, result, count: int = 1, timeout: float = 10.0) -> list[dict]:
        """Wait until `count` posts reached the command's response_url and return them all."""
        return self.slack.wait_for(
            lambda: (posts := self.slack.response_posts(result.response_url)) and len(posts) >= count and posts,
            timeout=timeout,
        )

    def reply(self, result, timeout: float = 10.0) -> dict:
        """The first response_url post for a command (its result)."""
        return self.responses(result, 1, timeout)[0]


# --- helpers for end-to-end assertions ------------------------------------------------------------------

def texts(blocks) -> str:
    """Every piece of text in a block tree, one per line (what a user can read)."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                if isinstance(value, dict | list):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return "\n".join(found)


def shown(bot: BotHarness, result):
    """The message the command's first response_url post created in the emulator."""
    return bot.slack.message_for(bot.reply(result))


def wait_for_edit(bot: BotHarness, message):
    """The message once a response_url post has replaced it in place."""
    return bot.slack.wait_for(lambda: (fresh := bot.slack.message(message.id)).edited_ts and fresh, timeout=10)


def wait_for_text(bot: BotHarness, needle: str, *, channel: str = OPS, ephemeral: bool = True):
    """The newest message in `channel` whose text contains `needle` (polls with a deadline)."""
    return bot.slack.wait_for(
        lambda: next((m for m in reversed(bot.slack.messages(channel, include_ephemeral=ephemeral))
                      if needle in m.text), None),
        timeout=10,
    )


def writes(bot: BotHarness) -> list:
    """Every request that could change the Flowroute account."""
    return [r for r in bot.sandbox.requests if r.method != "GET"]


def requests_to(bot: BotHarness, method: str | None = None, path: str | None = None, *,
                containing: str | None = None) -> list:
    """The requests that reached the Flowroute sandbox: by method, exact path, or a piece of the path."""
    return [r for r in bot.sandbox.requests if (method is None or r.method == method)
            and (path is None or r.path == path) and (containing is None or containing in r.path)]


def open_form(bot: BotHarness, text: str, callback_id: str, *, user: str = ADMIN) -> dict:
    """Run a command that opens a modal and return the open view once it shows `callback_id`."""
    assert bot.command(text, user=user).status == 200
    return bot.slack.wait_for(
        lambda: next((view for view in bot.slack.views.values()
                      if view.get("callback_id") == callback_id and bot.slack.is_view_open(view["id"])), None),
        timeout=10,
    )


def wait_for_delete(bot: BotHarness, message):
    """The message once a response_url post (`delete_original`) has removed it."""
    return bot.slack.wait_for(lambda: (fresh := bot.slack.message(message.id)).deleted and fresh, timeout=10)
