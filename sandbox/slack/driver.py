"""SlackDriver (Slack towards the bot's HTTP endpoint; every request signed like Slack's)
-------------------------------------------------------------------------------------
    drv = SlackDriver(emu, "http://127.0.0.1:PORT/slack/events", signing_secret, timeout=10)
    command(text, *, user="U0ADMIN", channel="C0OPS", command="/flowroute") -> CommandResult
        (status, body, json, response_url, trigger_id, elapsed, message, ack_error); a non-empty ack body
        is shown like Slack does (stored as a Message with source "ack").
    buttons(message) -> list[dict]      action_id, block_id, text, value, style, url, confirm
    click(message, *, action_id=None, text=None, value=None, user="U0ADMIN", channel=None)
        presses the first matching button (confirm dialogs count as confirmed); the response_url in the
        payload is bound to that message, so replace_original / delete_original act on it. `message` is
        anything message_for() takes. Payloads from ephemeral messages carry no `message` (a guess about
        Slack; set include_ephemeral_message = True to include it).
    select(message, action_id, option_value, *, user="U0ADMIN", channel=None)   static_select / overflow /
        radio_buttons (a list of values for checkboxes / multi_static_select) in a message
    submit_view(view_id, values=None, *, user="U0ADMIN")    values: block_id or action_id -> value;
        applies the bot's response_action (errors / update / push / clear) to the view store like Slack.
    close_view(view_id, *, user="U0ADMIN")  closes it; sends view_closed only when notify_on_close
    block_action_in_view(view_id, action_id, value=None, *, user="U0ADMIN")
    post_user_message(text, *, user="U0BOB", channel="C0OPS", thread_ts=None, files=None) -> Message
        stores the message and sends the matching `message` event_callback
    send_event(event, *, retry_num=None, retry_reason=None, event_id=None)
    url_verification(challenge)
    sign(body, timestamp=None) -> dict  X-Slack-Request-Timestamp + X-Slack-Signature headers
    resend_last(extra_headers=None)     the previous request again, freshly signed (double click; with
                                        {"X-Slack-Retry-Num": "1", ...} a Slack retry)
    last_response                       the bot's answer to the latest request sent
All sending methods return the `requests.Response` unless noted.
"""

from __future__ import annotations

import copy
import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import requests
from slack_sdk.signature import SignatureVerifier

from sandbox.slack.checks import block_elements, view_errors
from sandbox.slack.emulator import SlackEmulator
from sandbox.slack.records import ApiError, CommandResult, Message, SlackDriverError
from sandbox.slack.views import find_element, state_entry, view_state

# ---------------------------------------------------------------------------------------------------------
# The driver


class SlackDriver:
    """Plays Slack towards the bot: signed slash commands, interactions and events, like Slack sends them."""

    # [guess] Slack leaves `message` out of block_actions payloads from ephemeral messages (the container
    # still says message_ts and is_ephemeral); set True to include it anyway.
    include_ephemeral_message = False

    def __init__(self, emulator: SlackEmulator, bot_url: str, signing_secret: str, *, timeout: float = 10,
                 verification_token: str = "legacy-verification-token"):
        self.emulator = emulator
        self.bot_url = bot_url
        self.timeout = timeout
        self.verification_token = verification_token
        self._verifier = SignatureVerifier(signing_secret)
        self.last_response: requests.Response | None = None
        self._last_sent: tuple | None = None

    def __repr__(self) -> str:
        return f"SlackDriver(bot_url={self.bot_url!r})"

    # -- transport ------------------------------------------------------------------------------------

    def sign(self, body: bytes | str, timestamp: int | str | None = None) -> dict:
        """The two signature headers Slack adds to every request."""
        timestamp = str(int(time.time()) if timestamp is None else timestamp)
        signature = self._verifier.generate_signature(timestamp=timestamp, body=body)
        return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}

    def _post(self, body: str, content_type: str, extra_headers: dict | None = None) -> requests.Response:
        headers = {"Content-Type": content_type, "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
                   **self.sign(body), **(extra_headers or {})}
        response = requests.post(self.bot_url, data=body.encode("utf-8"), headers=headers, timeout=self.timeout)
        self._last_sent = (body, content_type, extra_headers)
        self.last_response = response
        return response

    def resend_last(self, extra_headers: dict | None = None) -> requests.Response:
        """Send the previous request body again, freshly signed: a double click, or Slack retrying."""
        if self._last_sent is None:
            raise SlackDriverError("nothing was sent yet")
        body, content_type, headers = self._last_sent
        return self._post(body, content_type, {**(headers or {}), **(extra_headers or {})})

    def _post_payload(self, payload: dict) -> requests.Response:
        return self._post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")

    # -- shared payload parts -------------------------------------------------------------------------

    def _user(self, user_id: str) -> dict:
        name = self.emulator.user_name(user_id) or user_id
        return {"id": user_id, "username": name, "name": name, "team_id": self.emulator.team_id}

    def _team(self) -> dict:
        return {"id": self.emulator.team_id, "domain": self.emulator.team_domain}

    def _base_payload(self, kind: str, user: str) -> dict:
        return {"type": kind, "user": self._user(user), "api_app_id": self.emulator.app_id,
                "token": self.verification_token, "team": self._team(), "enterprise": None,
                "is_enterprise_install": False}

    @staticmethod
    def _action_ts() -> str:
        return f"{time.time():.6f}"

    # -- slash commands -------------------------------------------------------------------------------

    def command(self, text: str, *, user: str = "U0ADMIN", channel: str = "C0OPS",
                command: str = "/flowroute") -> CommandResult:
        """Send a slash command as Slack does; a non-empty ack body is shown like Slack shows it."""
        response_url = self.emulator.new_response_url(channel_id=channel, user_id=user)
        trigger_id = self.emulator.new_trigger_id(user_id=user)
        fields = [
            ("token", self.verification_token), ("team_id", self.emulator.team_id),
            ("team_domain", self.emulator.team_domain), ("channel_id", channel),
            ("channel_name", self.emulator.channel_name(channel) or "unknown"), ("user_id", user),
            ("user_name", self.emulator.user_name(user) or user), ("command", command), ("text", text),
            ("api_app_id", self.emulator.app_id), ("is_enterprise_install", "false"),
            ("response_url", response_url), ("trigger_id", trigger_id),
        ]
        started = time.monotonic()
        response = self._post(urlencode(fields), "application/x-www-form-urlencoded")
        elapsed = time.monotonic() - started
        result = CommandResult(response.status_code, response.text, _json_or_none(response), response_url,
                               trigger_id, elapsed)
        if response.status_code == 200 and response.text.strip():
            body = result.json if isinstance(result.json, dict) else {"text": response.text}
            try:
                result.message = self.emulator.show_ack(response_url, body)
            except ApiError as err:
                result.ack_error = err.error
        return result

    # -- message interactions -------------------------------------------------------------------------

    def _fresh(self, message: Message | str | dict) -> Message:
        try:
            current = self.emulator.message_for(message)
        except KeyError as err:
            raise SlackDriverError(str(err)) from None
        if current.deleted:
            raise SlackDriverError(f"message {current.id} was deleted; nobody can click it any more")
        return current

    @staticmethod
    def buttons(message: Message) -> list[dict]:
        """Every button in a message: action_id, block_id, text, value, style, url, confirm."""
        found = []
        for block in message.blocks:
            for element in block_elements(block):
                if element.get("type") == "button":
                    found.append({
                        "action_id": element.get("action_id"), "block_id": block.get("block_id"),
                        "text": (element.get("text") or {}).get("text"), "value": element.get("value"),
                        "style": element.get("style"), "url": element.get("url"),
                        "confirm": element.get("confirm"),
                    })
        return found

    def _message_payload(self, message: Message, user: str, channel: str | None, action: dict) -> dict:
        channel_id = channel or message.channel
        response_url = self.emulator.new_response_url(channel_id=channel_id, user_id=user,
                                                      source_message_id=message.id)
        payload = self._base_payload("block_actions", user)
        payload.update({
            "container": {"type": "message", "message_ts": message.ts, "channel_id": channel_id,
                          "is_ephemeral": message.ephemeral_to is not None},
            "trigger_id": self.emulator.new_trigger_id(user_id=user),
            "channel": {"id": channel_id, "name": self.emulator.channel_name(channel_id) or channel_id},
            "state": {"values": {}},
            "response_url": response_url,
            "actions": [action],
        })
        if message.ephemeral_to is None or self.include_ephemeral_message:
            payload["message"] = self.emulator.api_message(message, include_metadata=False)
        return payload

    def click(self, message: Message | str | dict, *, action_id: str | None = None, text: str | None = None,
              value: str | None = None, user: str = "U0ADMIN", channel: str | None = None) -> requests.Response:
        """Press the first button matching action_id / text / value (its confirm dialog is taken as yes)."""
        message = self._fresh(message)
        # The pressed element itself: several buttons may share an action_id (one Buy per search result).
        match = next(((block, element) for block in message.blocks for element in block_elements(block)
                      if element.get("type") == "button"
                      and (action_id is None or element.get("action_id") == action_id)
                      and (text is None or (element.get("text") or {}).get("text") == text)
                      and (value is None or element.get("value") == value)), None)
        if match is None:
            listing = [(b["action_id"], b["text"], b["value"]) for b in self.buttons(message)]
            raise SlackDriverError(f"no button action_id={action_id!r} text={text!r} value={value!r} "
                                   f"in message {message.id}; buttons (action_id, text, value): {listing}")
        block, element = match
        action = {"type": "button", "action_id": element["action_id"], "block_id": block["block_id"],
                  "text": copy.deepcopy(element.get("text")), "action_ts": self._action_ts()}
        for key in ("value", "style", "url"):
            if element.get(key) is not None:
                action[key] = element[key]
        return self._post_payload(self._message_payload(message, user, channel, action))

    def select(self, message: Message | str | dict, action_id: str, option_value: Any, *, user: str = "U0ADMIN",
               channel: str | None = None) -> requests.Response:
        """Choose an option of a select / overflow / radio (list of values for multi-selects) in a message."""
        message = self._fresh(message)
        block, element = find_element(message.blocks, action_id)
        action = {**state_entry(element, option_value), "action_id": action_id, "block_id": block["block_id"],
                  "action_ts": self._action_ts()}
        if element.get("placeholder"):
            action["placeholder"] = element["placeholder"]
        return self._post_payload(self._message_payload(message, user, channel, action))

    # -- modals ---------------------------------------------------------------------------------------

    def _open_view(self, view_id: str) -> dict:
        view = self.emulator.views.get(view_id)
        # A published App Home (views.publish) stays usable: it has no stack to be open in.
        if view is None or not (self.emulator.is_view_open(view_id) or view.get("type") == "home"):
            raise SlackDriverError(f"view {view_id!r} is not open; open stacks end in "
                                   f"{(self.emulator.top_view() or {}).get('id')!r}")
        view.pop("user_id", None)
        return view

    def block_action_in_view(self, view_id: str, action_id: str, value: Any = None, *,
                             user: str = "U0ADMIN") -> requests.Response:
        """Use an element inside an open modal (button press, select, ...): block_actions, no response_url."""
        view = self._open_view(view_id)
        block, element = find_element(view["blocks"], action_id)
        if element.get("type") == "button":
            entry = {"type": "button", "text": copy.deepcopy(element.get("text"))}
            if element.get("value") is not None:
                entry["value"] = element["value"]
        else:
            entry = state_entry(element, value)
            self.emulator.set_view_state(view_id, {block["block_id"]: {action_id: entry}})
            view = self._open_view(view_id)
        payload = self._base_payload("block_actions", user)
        payload.update({
            "container": {"type": "view", "view_id": view_id},
            "trigger_id": self.emulator.new_trigger_id(user_id=user, view_id=view_id),
            "view": view,
            "actions": [{**entry, "action_id": action_id, "block_id": block["block_id"],
                         "action_ts": self._action_ts()}],
        })
        return self._post_payload(payload)

    def submit_view(self, view_id: str, values: dict | None = None, *, user: str = "U0ADMIN") -> requests.Response:
        """Submit the top view of a stack with values (block_id or action_id -> value), then apply the answer.

        Input blocks not in values carry their initial value or None (Slack's client would block an empty
        required field; the driver sends it anyway so the bot's own checks can be tested).
        """
        view = self._open_view(view_id)
        stack = self.emulator.view_stack(view_id)
        if stack[-1] != view_id:
            raise SlackDriverError(f"view {view_id} is under {stack[-1]}; only the top view can be submitted")
        view["state"] = view_state(view, values or {}, view["state"]["values"])
        self.emulator.set_view_state(view_id, view["state"]["values"])
        payload = self._base_payload("view_submission", user)
        payload.update({"trigger_id": self.emulator.new_trigger_id(user_id=user, view_id=view_id),
                        "view": view, "response_urls": []})
        response = self._post_payload(payload)
        self._apply_submission_answer(view_id, response)
        return response

    def _apply_submission_answer(self, view_id: str, response: requests.Response) -> None:
        """Do to the view store what Slack does with the bot's answer to a view_submission."""
        if response.status_code != 200:
            return  # Slack shows a connection error and leaves the modal open
        if not response.text.strip():
            self.emulator.close_view(view_id)  # [guess] a pushed view pops back to the one below it
            return
        answer = _json_or_none(response)
        action = answer.get("response_action") if isinstance(answer, dict) else None
        if action == "errors":
            self.emulator.set_view_errors(view_id, answer.get("errors") or {})
        elif action == "clear":
            self.emulator.close_view(view_id, clear=True)
        elif action in ("update", "push"):
            errors = view_errors(answer.get("view"))
            if errors:
                raise SlackDriverError(f"bot answered response_action={action} with an invalid view: {errors}")
            spec = copy.deepcopy(answer["view"])
            try:
                if action == "update":
                    self.emulator.replace_view(view_id, spec)
                else:
                    self.emulator.push_view(view_id, spec)
            except ApiError as err:
                raise SlackDriverError(f"response_action={action} failed: {err.error}") from None
        else:
            raise SlackDriverError(f"unexpected answer to view_submission: {response.text[:300]!r}")

    def close_view(self, view_id: str, *, user: str = "U0ADMIN") -> requests.Response | None:
        """Press Close/Cancel; sends view_closed only when the view asked for notify_on_close."""
        view = self._open_view(view_id)
        cleared = bool(view.get("clear_on_close"))
        self.emulator.close_view(view_id, clear=cleared)
        if not view.get("notify_on_close"):
            return None
        payload = self._base_payload("view_closed", user)
        payload.update({"view": view, "is_cleared": cleared})
        return self._post_payload(payload)

    # -- events ---------------------------------------------------------------------------------------

    def send_event(self, event: dict, *, retry_num: int | None = None, retry_reason: str | None = None,
                   event_id: str | None = None) -> requests.Response:
        """A signed event_callback envelope around `event`, with Slack's retry headers when asked."""
        envelope = {
            "token": self.verification_token, "team_id": self.emulator.team_id,
            "api_app_id": self.emulator.app_id, "event": event, "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}", "event_time": int(time.time()),
            "authorizations": [{"enterprise_id": None, "team_id": self.emulator.team_id,
                                "user_id": self.emulator.bot_user_id, "is_bot": True,
                                "is_enterprise_install": False}],
            "is_ext_shared_channel": False,
            "event_context": f"4-{uuid.uuid4().hex}",
        }
        headers = {}
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
        return self._post(json.dumps(envelope), "application/json", headers)

    def message_event(self, message: Message) -> dict:
        """The Events API `message` event for a stored message."""
        channel_type = "group" if message.channel.startswith("G") else "channel"
        event = {"type": "message", "channel": message.channel, "user": message.user, "text": message.text,
                 "ts": message.ts, "event_ts": message.ts, "channel_type": channel_type,
                 "team": self.emulator.team_id, "client_msg_id": str(uuid.uuid4()),
                 "blocks": copy.deepcopy(message.blocks)}
        if message.thread_ts:
            event["thread_ts"] = message.thread_ts
            parent = next((m for m in self.emulator.thread(message.channel, message.thread_ts)
                           if m.ts == message.thread_ts), None)
            event["parent_user_id"] = parent.user if parent else None
        if message.files:
            event.update(subtype="file_share", files=copy.deepcopy(message.files), upload=False)
        return event

    def post_user_message(self, text: str, *, user: str = "U0BOB", channel: str = "C0OPS",
                          thread_ts: str | None = None, files: list | None = None) -> Message:
        """A user types a message: stored in the emulator, then the `message` event goes to the bot.

        files: dicts with name, content (bytes) and optional mimetype / title. The bot's answer to the
        event is in self.last_response.
        """
        file_objects = [self.emulator.add_user_file(f["name"], f["content"], user=user,
                                                    mimetype=f.get("mimetype"), title=f.get("title"))
                        for f in files or []]
        message = self.emulator.post_as_user(text, user=user, channel=channel, thread_ts=thread_ts,
                                             files=file_objects)
        self.send_event(self.message_event(message))
        return message

    def url_verification(self, challenge: str) -> requests.Response:
        body = {"token": self.verification_token, "challenge": challenge, "type": "url_verification"}
        return self._post(json.dumps(body), "application/json")


def _json_or_none(response: requests.Response) -> Any:
    text = response.text.strip()
    if not text.startswith(("{", "[")):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None
