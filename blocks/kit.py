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


def pager_block(key: str, opts: dict, *, has_next: bool) -> dict | None:
    """Previous/Next buttons that re-run list `key` at another offset and replace the message."""
    offset, limit = int(opts.get("offset") or 0), int(opts.get("limit") or 10)
    elements = []
    if offset > 0:
        elements.append(button("Previous", f"{PAGE_ACTION}_prev", _page_value(key, opts, max(0, offset - limit))))
    if has_next:
        elements.append(button("Next", f"{PAGE_ACTION}_next", _page_value(key, opts, offset + limit)))
    return actions(*elements, block_id="pager") if elements else None


def _page_value(key: str, opts: dict, offset: int) -> str:
    state = {**{k: v for k, v in opts.items() if v is not None}, "offset": offset}
    return json.dumps({"k": key, "o": state}, default=str, separators=(",", ":"))


def read_value(value: Any) -> dict | None:
    """A JSON button value or view metadata as a dict; None when it is missing or malformed."""
    try:
        data = json.loads(value)
    except (TypeError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def new_nonce() -> str:
    """The one-use key a confirmation button carries, so its action runs at most once."""
    return uuid.uuid4().hex[:16]


# --- modals ---------------------------------------------------------------------------------------------

def notice_view(title: str, text: str) -> dict:
    """A modal that only says something (no inputs, a Close button)."""
    return {"type": "modal", "title": plain(title, 24), "close": plain("Close", 24), "blocks": [section(text)]}
