"""Who may change things, the audit trail of every write, and act-once for confirmed actions."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from blocks.text import escape
from core.errors import UserError
from core.settings import Settings
from core.storage import Store
from flowroute_api import FlowrouteError

log = logging.getLogger("flowroute_bot.handlers")


class Audit:
    """Records writes in the audit table and announces them in FLOWROUTE_BOT_AUDIT_CHANNEL when one is set."""

    def __init__(self, store: Store, settings: Settings, slack: WebClient):
        self.store, self.settings, self.slack = store, settings, slack
        # Called with the user id after each recorded write (the App Home refreshes that user's tab).
        self.after_write: list[Callable[[str], None]] = []

    def written(self, user_id: str) -> None:
        """Tell the listeners that `user_id` changed something (also when the bot's own state changes after
        the audited Flowroute calls, as `inbox callbacks on` does)."""
        for listener in self.after_write:
            listener(user_id)

    def require_admin(self, user_id: str, what: str = "make changes") -> None:
        if not self.settings.is_admin(user_id):
            raise UserError(
                f":no_entry: Sorry <@{user_id}>, only Flowroute admins can {what}. "
                "Ask an admin to add your Slack ID to FLOWROUTE_BOT_ADMINS."
            )

    def form_refusal(self, user_id: str, what: str, block_id: str) -> dict[str, str]:
        """A modal submission's errors for a non-admin, on `block_id`; empty for an admin.

        Plain text: modal errors do not render mentions.
        """
        if self.settings.is_admin(user_id):
            return {}
        return {block_id: f"Sorry, only Flowroute admins can {what}. "
                          "Ask an admin to add your Slack ID to FLOWROUTE_BOT_ADMINS."}

    def record(self, user_id: str, action: str, target: str, *, ok: bool, result: str) -> None:
        """Save one write in the audit table, then announce it in the audit channel."""
        self.store.save_audit(user_id=user_id, action=action, target=target, ok=ok, result=result)
        log.info("Write by %s: %s %s → %s", user_id, action, target, result if ok else f"failed: {result}")
        self.written(user_id)
        channel = self.settings.audit_channel
        if not channel:
            return
        mark = ":white_check_mark:" if ok else ":x:"
        text = f"{mark} <@{user_id}> {escape(action)} {escape(target)}: {escape(result)}"
        try:
            self.slack.chat_postMessage(channel=channel, text=text, unfurl_links=False, unfurl_media=False)
        except SlackApiError as error:
            log.warning("Could not announce audit entry in %s: %s", channel, error.response.get("error"))

    def audited(self, user_id: str, action: str, target: str, fn: Callable, *args, **kwargs):
        """Call a Flowroute write, auditing success or the Flowroute error, and return its result."""
        try:
            result = fn(*args, **kwargs)
        except FlowrouteError as error:
            self.record(user_id, action, target, ok=False, result=str(error))
            raise
        self.record(user_id, action, target, ok=True, result="done")
        return result

    def act_once(self, user_id: str, key: str, *, already: str, action: str, target: str,
                 call: Callable[[], Any]):
        """Run a confirmed write at most once per `key` (double clicks, Slack retries), audited.

        A Flowroute refusal (4xx) frees the key: nothing happened, so the same button may be tried again.
        After a 5xx or no answer the outcome is unknown (a POST is never retried), so the key stays used.
        """
        if not self.store.claim(key, user_id):
            raise UserError(already)
        try:
            return self.audited(user_id, action, target, call)
        except FlowrouteError as error:
            if error.status is not None and 400 <= error.status < 500:
                self.store.release_claim(key)
            raise
