"""The App Home's admin buttons *Search numbers* and *Send SMS*: a modal, then the usual message in the app's DM.

A Home tab has no response_url and no channel, so the answer goes to the conversation the `app_home_opened`
event named (the app's DM with the user, https://api.slack.com/events/app_home_opened): the search results
with their Buy buttons, or the SMS confirmation with its Send button, exactly as the slash commands show them.
Nothing is bought or sent from the modal itself: the confirmations stay where they are.
"""

from __future__ import annotations

import re

from blocks.kit import VIEWER, input_block, modal, new_nonce, option, read_metadata, state_value
from core.commands import decode_value, refuse_non_admin
from core.deps import Deps
from core.errors import log_only, run_guarded
from core.number_checks import account_numbers
from core.work import in_background
from flowroute_api import InvalidNumberError, normalize_number, plain_quotes
from handlers.messages import confirmation_message
from handlers.numbers.buy import numbers_search_page

HOME_SEARCH_ACTION, HOME_SMS_ACTION = "home_search_open", "home_sms_open"
HOME_SEARCH_VIEW, HOME_SMS_VIEW = "home_search", "home_sms"
STARTS_BLOCK, STATE_BLOCK = "home_search_starts", "home_search_state"
FROM_BLOCK, TO_BLOCK, TEXT_BLOCK = "home_sms_from", "home_sms_to", "home_sms_text"
MAX_FROM_OPTIONS = 100  # one static_select


def _text_input(action_id: str, *, multiline: bool = False, max_length: int = 20) -> dict:
    return {"type": "plain_text_input", "action_id": action_id, "multiline": multiline, "max_length": max_length}


def home_search_clicked(deps: Deps, ack, body, action, client) -> None:
    ack()
    run_guarded(log_only, _open_search, deps, body, action, client)


def _open_search(deps: Deps, body: dict, action: dict, client) -> None:
    deps.audit.require_admin(body["user"]["id"], "search numbers to buy")
    blocks = [input_block(STARTS_BLOCK, "Starts with", _text_input("value", max_length=11), optional=True,
                          hint="Area code or more digits, e.g. 206"),
              input_block(STATE_BLOCK, "State", _text_input("value", max_length=2), optional=True, hint="e.g. WA")]
    metadata = {"dm": decode_value(action.get("value")).get("dm")}
    client.views_open(trigger_id=body["trigger_id"],
                      view=modal(HOME_SEARCH_VIEW, "Search numbers", blocks, metadata, submit="Search"))


def home_search_submitted(deps: Deps, ack, body, view) -> None:
    if refuse_non_admin(deps, ack, body["user"]["id"], "search numbers to buy", STARTS_BLOCK):
        return
    values = view["state"]["values"]
    starts = (state_value(values, STARTS_BLOCK, "value") or "").strip()
    state = (state_value(values, STATE_BLOCK, "value") or "").strip().upper()
    errors = {}
    if starts and not re.fullmatch(r"\+?\d{1,11}", starts):
        errors[STARTS_BLOCK] = "Digits only, e.g. 206."
    if state and not re.fullmatch(r"[A-Z]{2}", state):
        errors[STATE_BLOCK] = "Two letters, e.g. WA."
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    # The viewer decides whether the results carry Buy buttons (only admins see write buttons).
    opts = {"starts_with": starts or None, "state": state or None, "limit": 10, VIEWER: body["user"]["id"]}
    dm = read_metadata(view).get("dm")
    in_background(deps, log_only, lambda: deps.slack.chat_postMessage(channel=dm, **numbers_search_page(deps, opts)))


def home_sms_clicked(deps: Deps, ack, body, action, client) -> None:
    ack()
    run_guarded(log_only, _open_sms, deps, body, action, client)


def _open_sms(deps: Deps, body: dict, action: dict, client) -> None:
    deps.audit.require_admin(body["user"]["id"], "send messages")
    numbers = deps.caches.account_numbers.get(lambda: account_numbers(deps.flowroute))  # read for the Home tab
    senders = [state for state in numbers if state.messaging is not False][:MAX_FROM_OPTIONS]
    options = [option(f"{state.number} {state.alias or ''}".strip(), state.number) for state in senders]
    blocks = [input_block(FROM_BLOCK, "From", {"type": "static_select", "action_id": "value", "options": options}),
              input_block(TO_BLOCK, "To", _text_input("value", max_length=20), hint="e.g. +1 206-555-9876"),
              input_block(TEXT_BLOCK, "Text", _text_input("value", multiline=True, max_length=1600))]
    metadata = {"dm": decode_value(action.get("value")).get("dm")}
    client.views_open(trigger_id=body["trigger_id"],
                      view=modal(HOME_SMS_VIEW, "Send SMS", blocks, metadata, submit="Review"))


def home_sms_submitted(deps: Deps, ack, body, view) -> None:
    if refuse_non_admin(deps, ack, body["user"]["id"], "send messages", TO_BLOCK):
        return
    values = view["state"]["values"]
    try:
        to = normalize_number(state_value(values, TO_BLOCK, "value") or "")
    except InvalidNumberError:
        ack(response_action="errors", errors={TO_BLOCK: "That is not a phone number."})
        return
    ack()
    text, converted = plain_quotes(state_value(values, TEXT_BLOCK, "value") or "")
    draft = {"kind": "sms", "from": state_value(values, FROM_BLOCK, "value"), "to": to, "text": text, "media": []}
    dm = read_metadata(view).get("dm")
    confirmation = confirmation_message(draft, new_nonce(), quotes_converted=converted)
    in_background(deps, log_only, lambda: deps.slack.chat_postMessage(channel=dm, **confirmation))
