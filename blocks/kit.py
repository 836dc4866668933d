"""Block Kit pieces: text objects, sections, buttons, confirm dialogs, pagers, modals and their metadata.

Pure functions, data in and blocks out; the sizes they cut to are Slack's documented limits
(https://api.slack.com/reference/block-kit/blocks, https://api.slack.com/reference/block-kit/composition-objects).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

PAGE_ACTION = "page_nav"


def plain(text: str, limit: int = 75) -> dict:
    text = str(text)
    return {"type": "plain_text", "text": text if len(text) <= limit else text[: limit - 1] + "…"}


def header(text: str) -> dict:
    return {"type": "header", "text": plain(text, 150)}


def section(text: str, accessory: dict | None = None) -> dict:
    block = {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}
    if accessory:
        block["accessory"] = accessory
    return block


def fields_section(pairs: list[tuple[str, str]]) -> dict:
    return {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": f"*{label}*\n{value}"[:2000]} for label, value in pairs[:10]],
    }


def context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:3000]}]}


def divider() -> dict:
    return {"type": "divider"}


def confirm_dialog(title: str, text: str, confirm: str = "Yes", deny: str = "Cancel", danger=False) -> dict:
    dialog = {"title": plain(title, 100), "text": {"type": "mrkdwn", "text": text[:300]},
              "confirm": plain(confirm, 30), "deny": plain(deny, 30)}
    if danger:
        dialog["style"] = "danger"
    return dialog


def button(text: str, action_id: str, value: Any = "", *, style: str | None = None,
           confirm: dict | None = None) -> dict:
    element = {"type": "button", "text": plain(text), "action_id": action_id,
               "value": value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))}
    if style:
        element["style"] = style
    if confirm:
        element["confirm"] = confirm
    return element


def actions(*elements: dict, block_id: str | None = None) -> dict:
    block = {"type": "actions", "elements": list(elements)}
    if block_id:
        block["block_id"] = block_id
    return block


def message(text: str, blocks: list[dict] | None = None) -> dict:
    """A message payload: `text` is the notification fallback, blocks carry the layout."""
    payload = {"text": text[:3000]}
    if blocks:
        payload["blocks"] = blocks[:50]
    return payload


VIEWER = "_viewer"  # the Slack user a list page is rendered for (write buttons only for those who may write)


def pager_block(key: str, opts: dict, *, has_next: bool, shown: int | None = None) -> dict | None:
    """Previous/Next buttons that re-run list `key` at another offset and replace the message.

    `shown`: the records this page got. Flowroute may answer with fewer than `limit` and still have more,
    so Next starts right after what was shown, not `limit` further on.
    """
    offset, limit = int(opts.get("offset") or 0), int(opts.get("limit") or 10)
    elements = []
    if offset > 0:
        elements.append(button("Previous", f"{PAGE_ACTION}_prev", _page_value(key, opts, max(0, offset - limit))))
    if has_next:
        step = limit if shown is None else max(1, shown)
        elements.append(button("Next", f"{PAGE_ACTION}_next", _page_value(key, opts, offset + step)))
    return actions(*elements, block_id="pager") if elements else None


def _page_value(key: str, opts: dict, offset: int) -> str:
    # The viewer is whoever presses the button, filled in again on each page: it never travels in the value.
    state = {**{k: v for k, v in opts.items() if v is not None and k != VIEWER}, "offset": offset}
    return json.dumps({"k": key, "o": state}, default=str, separators=(",", ":"))


def read_value(value: Any) -> dict | None:
    """A JSON button value or view metadata as a dict; None when it is missing or malformed."""
    try:
        data = json.loads(value)
    except (TypeError, ValueError):
        return None
    return data if isinstance(data, dict) else None


NONCE_KEY = "n"  # where a button value carries its nonce, in every area


def new_nonce() -> str:
    """The one-use key a confirmation button carries, so its action runs at most once."""
    return uuid.uuid4().hex[:16]


def with_nonce(value: dict, nonce: str | None = None) -> dict:
    """A button value with its one-use nonce (`nonce`, or a new one) under NONCE_KEY."""
    return {**value, NONCE_KEY: nonce or new_nonce()}


def nonce_of(value: dict) -> str | None:
    """The nonce a button value carries (see with_nonce); None when it has none."""
    return value.get(NONCE_KEY) or None


# --- modals ---------------------------------------------------------------------------------------------

def notice_view(title: str, text: str) -> dict:
    """A modal that only says something (no inputs, a Close button)."""
    return {"type": "modal", "title": plain(title, 24), "close": plain("Close", 24), "blocks": [section(text)]}


def modal(callback_id: str, title: str, blocks: list[dict], metadata: dict, *, submit: str | None = None,
          close: str = "Cancel") -> dict:
    """A modal view carrying `metadata` (see `form_metadata`) in its private_metadata."""
    view = {
        "type": "modal", "callback_id": callback_id, "title": plain(title, 24), "close": plain(close, 24),
        "blocks": blocks, "private_metadata": view_metadata(metadata),
    }
    if submit:
        view["submit"] = plain(submit, 24)
    return view


def form_metadata(response_url: str | None, channel_id: str | None, user_id: str | None, **more) -> dict:
    """The one shape a modal remembers where it came from: the command's response_url, channel and user."""
    return {"url": response_url, "channel": channel_id, "user": user_id, **more}


def view_metadata(metadata: dict) -> str:
    """`metadata` as private_metadata text (Slack keeps up to 3000 characters; callers check the length)."""
    return json.dumps(metadata, separators=(",", ":"))


def read_metadata(view: dict) -> dict:
    """A submitted view's metadata; empty when it is missing or malformed."""
    return read_value(view.get("private_metadata") or "{}") or {}


def input_block(block_id: str, label: str, element: dict, *, hint: str | None = None,
                optional: bool = False) -> dict:
    block = {"type": "input", "block_id": block_id, "label": plain(label, 2000), "element": element}
    if hint:
        block["hint"] = plain(hint, 2000)
    if optional:
        block["optional"] = True
    return block


def option(text: str, value: str) -> dict:
    return {"text": plain(text), "value": str(value)[:150]}


def state_value(values: dict, block_id: str, action_id: str) -> str | None:
    """A submitted input's value: the typed text, or the chosen option's value for a select."""
    entry = (values.get(block_id) or {}).get(action_id) or {}
    if "selected_option" in entry:
        return (entry.get("selected_option") or {}).get("value")
    return entry.get("value")


def state_option(values: dict, block_id: str, action_id: str) -> dict | None:
    chosen = ((values.get(block_id) or {}).get(action_id) or {}).get("selected_option")
    return chosen if isinstance(chosen, dict) and chosen.get("value") else None
