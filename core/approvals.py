"""Two-person approval: a write command listed in FLOWROUTE_BOT_APPROVAL becomes a request another admin decides.

The write commands' confirm steps call `gate()` once, right before they act. For a listed command it saves a
request (id = the confirmed button, so a double click makes one), posts it in the channel with Approve /
Reject / Cancel, and stops the flow by raising `SentForApproval` (a UserError: the requester reads where it
went). On approval the service runs the same confirm step again, as the requester, through the runner the
command registered (`register_runner`); inside that run `gate()` lets it through.

Exactly once: every status change is one conditional UPDATE (core/storage/approval_tables.py), so of two
approvers, a double click or a Slack retry only the first moves `open` to `approved` and only one run moves
`approved` to `executing`; the confirm step's own act-once claim stays underneath. A restart between the
approval and the run leaves the row `approved`, and `sweep()` (a scheduler job) runs it then. A row left
`executing` by a crash is never run again: it becomes `unknown`. Requests expire after 24 hours.
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from blocks.kit import actions, button, confirm_dialog, context, header, message, section
from blocks.text import escape, iso_utc, parse_time, utc_text
from core.audit import Audit
from core.errors import Reply, UserError
from core.settings import Settings
from core.storage import Store
from flowroute_api import FlowrouteError

log = logging.getLogger("flowroute_bot.approvals")

APPROVE_ACTION, REJECT_ACTION, CANCEL_ACTION = "approval_approve", "approval_reject", "approval_cancel"
LIFETIME = timedelta(hours=24)
STUCK_AFTER = timedelta(minutes=10)  # far beyond any confirm step: a row still `executing` was cut off
Runner = Callable[[str, str, Reply], None]  # (requester, button value, reply) -> runs the confirm step
_running: contextvars.ContextVar[str | None] = contextvars.ContextVar("approved_request", default=None)


class SentForApproval(UserError):
    """The confirmed command became an approval request; the text says where it waits."""


class Approvals:
    def __init__(self, store: Store, settings: Settings, slack: WebClient, audit: Audit):
        self.store, self.settings, self.slack, self.audit = store, settings, slack, audit
        self.runners: dict[str, Runner] = {}

    def register_runner(self, command: str, runner: Runner) -> None:
        self.runners[command] = runner

    # --- the hook ----------------------------------------------------------------------------------

    def gate(self, command: str, user_id: str, value: str, what: str, respond: Reply | None, *,
             channel_id: str | None = None, cost: str | None = None) -> None:
        """Return when `command` may run now; else turn it into a request and raise SentForApproval."""
        if command not in self.settings.approval or _running.get() is not None:
            return
        approval_id = hashlib.sha256(f"{command}\n{value}".encode()).hexdigest()[:16]
        row = {"id": approval_id, "command": command, "value": value, "what": what, "cost": cost,
               "requester": user_id, "channel_id": channel_id, "expires_at": iso_utc(datetime.now(UTC) + LIFETIME)}
        if not self.store.save_approval(row):
            raise SentForApproval(f":hourglass: That is already waiting for approval (request `{approval_id}`).")
        self.record(user_id, "approval requested", row, "waiting for another admin")
        self._post_request(self.store.get_approval(approval_id), respond)
        raise SentForApproval(f":hourglass: Sent for approval: *{escape(what)}* runs once another admin approves "
                              f"it (request `{approval_id}`, open for 24 hours).")

    def _post_request(self, row: dict, respond: Reply | None) -> None:
        payload = request_message(row)
        if row["channel_id"]:
            try:
                posted = self.slack.chat_postMessage(channel=row["channel_id"], **payload)
                self.store.place_approval(row["id"], row["channel_id"], posted["ts"])
                return
            except SlackApiError as error:
                log.warning("Could not post approval request %s: %s", row["id"], error.response.get("error"))
        # No channel to post in: through the command's response_url; the first click tells where it is.
        if respond is None:
            log.warning("Approval request %s has nowhere to be posted; it is listed by /flowroute approvals", row["id"])
            return
        respond(response_type="in_channel", replace_original=False, **payload)

    # --- decisions ---------------------------------------------------------------------------------

    def decide(self, approval_id: str, user_id: str, decision: str, place: tuple[str, str] | None) -> str:
        """Approve, reject or cancel; returns what to tell the clicker. Approval runs the command once."""
        row = self.store.get_approval(approval_id)
        if row is None:
            raise UserError("That approval request is unknown (it may belong to another bot).")
        if place:
            self.store.place_approval(approval_id, *place)
        self._expire(row)
        if decision == "cancel":
            if user_id != row["requester"]:
                raise UserError(f"Only <@{row['requester']}>, who asked, can cancel this request.")
        else:
            self.audit.require_admin(user_id, f"{decision} requests")
            if user_id == row["requester"]:
                raise UserError("You cannot approve or reject your own request: another admin has to.")
        after = {"approve": "approved", "reject": "rejected", "cancel": "cancelled"}[decision]
        if not self.store.move_approval(approval_id, "open", after, decided_by=user_id, decided_at=iso_utc()):
            current = self.store.get_approval(approval_id)
            return f"That request is already {current['status']}; nothing more happens."
        row = self.store.get_approval(approval_id)
        self.record(user_id, f"approval {after}", row, after)
        if after != "approved":
            self._show(row, f"{OUTCOME_MARK[after]} {after.capitalize()} by <@{user_id}>; nothing was done.")
            return f"Request `{approval_id}` {after}."
        self._show(row, f":gear: Approved by <@{user_id}>; running it now.")
        self.execute(approval_id)
        return f"Request `{approval_id}` approved."

    def execute(self, approval_id: str) -> None:
        """Run an approved request's confirm step once (only the caller that moves it to `executing`)."""
        if not self.store.move_approval(approval_id, "approved", "executing"):
            return
        row = self.store.get_approval(approval_id)
        replies: list[str] = []
        token = _running.set(approval_id)
        try:
            self.runners[row["command"]](row["requester"], row["value"], _collector(replies))
            outcome = replies[0] if replies else "done"
        except (UserError, FlowrouteError) as error:
            outcome = f":warning: {error}" if isinstance(error, FlowrouteError) else str(error)
        except Exception:  # noqa: BLE001 - the request must still end in a state people can read
            log.exception("Approved request %s failed", approval_id)
            outcome = ":boom: It failed on our side; the error has been logged."
        finally:
            _running.reset(token)
        self.store.move_approval(approval_id, "executing", "done", outcome=outcome)
        row = self.store.get_approval(approval_id)
        self.record(row["decided_by"], "approval executed", row, outcome)
        self._show(row, f":white_check_mark: Approved by <@{row['decided_by']}>. Result: {outcome}")

    # --- housekeeping (the scheduler's job) -----------------------------------------------------------

    def sweep(self) -> None:
        """Expire old requests, run approved ones a restart left behind, close ones a crash cut off."""
        for row in self.store.get_expired_approvals():
            self._expire(row)
        for row in self.store.get_approvals("approved"):
            self.execute(row["id"])
        stuck_before = iso_utc(datetime.now(UTC) - STUCK_AFTER)
        for row in self.store.get_approvals("executing"):
            if row["updated_at"] < stuck_before and self.store.move_approval(row["id"], "executing", "unknown"):
                text = (":warning: The bot stopped while running this, so it may or may not have happened; it "
                        "will not run again. Check the account, then ask again if needed.")
                self.record(row["decided_by"], "approval cut off", row, "unknown")
                self._show(row, text)

    def _expire(self, row: dict) -> None:
        if row["status"] == "open" and self.store.move_approval(row["id"], "open", "expired"):
            self.record(row["requester"], "approval expired", row, "expired after 24 hours")
            self._show(self.store.get_approval(row["id"]), ":hourglass: Expired after 24 hours; nothing was done.")

    # --- Slack and audit ---------------------------------------------------------------------------

    def record(self, user_id: str, action: str, row: dict, result: str) -> None:
        self.audit.record(user_id, action, f"{row['what']} (request {row['id']})", ok=True, result=result)

    def _show(self, row: dict, outcome: str) -> None:
        if not row.get("message_ts"):
            return
        try:
            self.slack.chat_update(channel=row["channel_id"], ts=row["message_ts"], **request_message(row, outcome))
        except SlackApiError as error:
            log.warning("Could not update approval request %s: %s", row["id"], error.response.get("error"))


OUTCOME_MARK = {"rejected": ":no_entry:", "cancelled": ":heavy_multiplication_x:"}


def request_message(row: dict, outcome: str | None = None) -> dict:
    """The request as posted (with its buttons) or, given `outcome`, as edited once decided."""
    cost = f"\n*Cost:* {escape(row['cost'])}" if row.get("cost") else ""
    expires = parse_time(row["expires_at"])
    lines = [header("Approval needed" if outcome is None else "Approval request"),
             section(f"<@{row['requester']}> asks to *{escape(row['what'])}*.{cost}")]
    if outcome is None:
        lines.append(context(f"Request `{row['id']}` · open until {utc_text(expires) if expires else '?'} · another "
                             f"admin approves or rejects; <@{row['requester']}> can cancel."))
        dialog = confirm_dialog("Approve?", f"Run this now: {escape(row['what'])}?", "Approve")
        lines.append(actions(button("Approve", APPROVE_ACTION, row["id"], style="primary", confirm=dialog),
                             button("Reject", REJECT_ACTION, row["id"], style="danger"),
                             button("Cancel", CANCEL_ACTION, row["id"]), block_id="approval"))
    else:
        lines.append(section(outcome))
        lines.append(context(f"Request `{row['id']}`"))
    return message(f"Approval {'needed' if outcome is None else row['status']}: {row['what']}", lines)


def _collector(replies: list[str]) -> Reply:
    """A `respond` for the re-run confirm step: keeps what it says (the first line is the result)."""
    def reply(text: str = "", **_) -> None:
        if text:
            replies.append(text)
    return reply
