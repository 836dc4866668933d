"""Block Kit validation: pure functions, each problem "<what> [json-pointer:<path>]", as Slack words them.

Slack's main limits (Block Kit reference at docs.slack.dev): 50 blocks in a message, 100 in a view, text
lengths per field, option counts, confirm dialogs; message problems answer invalid_blocks, view problems
invalid_arguments, both with response_metadata.messages. Blocks and elements without block_id /
action_id get random ones, as Slack does.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from sandbox.slack.records import MAX_MESSAGE_BLOCKS, MAX_VIEW_BLOCKS, MAX_VIEW_BYTES

# ---------------------------------------------------------------------------------------------------------
# Block Kit validation (pure functions; each problem is "<what> [json-pointer:<path>]")

_BLOCK_TYPES = {
    "section", "divider", "header", "actions", "context", "input", "image", "markdown", "rich_text",
    "file", "video", "call", "table", "context_actions",
}
_OPTION_ELEMENTS = {"static_select", "multi_static_select", "overflow", "radio_buttons", "checkboxes"}


def _too_long(limit: int, path: str) -> str:
    return f"must be less than {limit + 1} characters [json-pointer:{path}]"


def _text_errors(obj: Any, path: str, limit: int | None = None, *, plain_only: bool = False) -> list[str]:
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        return [f"must provide a text object [json-pointer:{path}]"]
    allowed = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
    if obj.get("type") not in allowed:
        return [f"must be one of {', '.join(allowed)} [json-pointer:{path}/type]"]
    if not obj["text"]:
        return [f"must be more than 0 characters [json-pointer:{path}/text]"]
    if limit is not None and len(obj["text"]) > limit:
        return [_too_long(limit, f"{path}/text")]
    return []


def _str_errors(value: Any, limit: int, path: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, str):
        return [f"must be a string [json-pointer:{path}]"]
    return [_too_long(limit, path)] if len(value) > limit else []


def _options_errors(element: dict, path: str, max_options: int) -> list[str]:
    options, groups = element.get("options"), element.get("option_groups")
    if options is None and groups is None:
        return [f"must provide options or option_groups [json-pointer:{path}]"]
    errors: list[str] = []
    plain = element.get("type") in ("static_select", "multi_static_select", "overflow")
    lists = [(options, f"{path}/options")] if options is not None else []
    for gi, group in enumerate(groups or []):
        gpath = f"{path}/option_groups/{gi}"
        errors += _text_errors(group.get("label") if isinstance(group, dict) else None, f"{gpath}/label", 75,
                               plain_only=True)
        lists.append((group.get("options") if isinstance(group, dict) else None, f"{gpath}/options"))
    if groups is not None and len(groups) > 100:
        errors.append(f"must be less than 101 items [json-pointer:{path}/option_groups]")
    for items, ipath in lists:
        if not isinstance(items, list) or not items:
            errors.append(f"must provide at least 1 item [json-pointer:{ipath}]")
            continue
        if len(items) > max_options:
            errors.append(f"must be less than {max_options + 1} items [json-pointer:{ipath}]")
        for oi, option in enumerate(items):
            opath = f"{ipath}/{oi}"
            if not isinstance(option, dict):
                errors.append(f"must be an object [json-pointer:{opath}]")
                continue
            errors += _text_errors(option.get("text"), f"{opath}/text", 75, plain_only=plain)
            errors += _str_errors(option.get("value"), 150, f"{opath}/value")
    return errors


def _confirm_errors(confirm: Any, path: str) -> list[str]:
    if confirm is None:
        return []
    if not isinstance(confirm, dict):
        return [f"must be an object [json-pointer:{path}]"]
    errors = _text_errors(confirm.get("title"), f"{path}/title", 100, plain_only=True)
    errors += _text_errors(confirm.get("text"), f"{path}/text", 300)
    errors += _text_errors(confirm.get("confirm"), f"{path}/confirm", 30, plain_only=True)
    errors += _text_errors(confirm.get("deny"), f"{path}/deny", 30, plain_only=True)
    if confirm.get("style") not in (None, "primary", "danger"):
        errors.append(f"must be primary or danger [json-pointer:{path}/style]")
    return errors


def _element_errors(element: Any, path: str) -> list[str]:
    if not isinstance(element, dict) or not isinstance(element.get("type"), str):
        return [f"missing required field: type [json-pointer:{path}]"]
    kind = element["type"]
    errors = _str_errors(element.get("action_id"), 255, f"{path}/action_id")
    if kind == "button":
        errors += _text_errors(element.get("text"), f"{path}/text", 75, plain_only=True)
        errors += _str_errors(element.get("value"), 2000, f"{path}/value")
        errors += _str_errors(element.get("url"), 3000, f"{path}/url")
        if element.get("style") not in (None, "primary", "danger"):
            errors.append(f"must be primary or danger [json-pointer:{path}/style]")
    elif kind in _OPTION_ELEMENTS:
        max_options = {"overflow": 5, "radio_buttons": 10, "checkboxes": 10}.get(kind, 100)
        errors += _options_errors(element, path, max_options)
    elif kind == "plain_text_input":
        for key in ("min_length", "max_length"):
            value = element.get(key)
            if value is not None and (not isinstance(value, int) or not 0 <= value <= 3000):
                errors.append(f"must be between 0 and 3000 [json-pointer:{path}/{key}]")
        errors += _str_errors(element.get("initial_value"), 3000, f"{path}/initial_value")
    if element.get("placeholder") is not None:
        errors += _text_errors(element["placeholder"], f"{path}/placeholder", 150, plain_only=True)
    return errors + _confirm_errors(element.get("confirm"), f"{path}/confirm")


def _section_errors(block: dict, path: str) -> list[str]:
    errors: list[str] = []
    if block.get("text") is None and block.get("fields") is None:
        errors.append(f"must provide text or fields [json-pointer:{path}]")
    if block.get("text") is not None:
        errors += _text_errors(block["text"], f"{path}/text", 3000)
    fields = block.get("fields")
    if fields is not None:
        if not isinstance(fields, list) or len(fields) > 10:
            errors.append(f"must be less than 11 items [json-pointer:{path}/fields]")
        else:
            for i, item in enumerate(fields):
                errors += _text_errors(item, f"{path}/fields/{i}", 2000)
    if block.get("accessory") is not None:
        errors += _element_errors(block["accessory"], f"{path}/accessory")
    return errors


def _elements_errors(block: dict, path: str, max_items: int, *, context: bool = False) -> list[str]:
    elements = block.get("elements")
    if not isinstance(elements, list) or not elements:
        return [f"must provide at least 1 item [json-pointer:{path}/elements]"]
    if len(elements) > max_items:
        return [f"must be less than {max_items + 1} items [json-pointer:{path}/elements]"]
    errors: list[str] = []
    action_ids: set = set()
    for i, element in enumerate(elements):
        epath = f"{path}/elements/{i}"
        if context and isinstance(element, dict) and element.get("type") in ("plain_text", "mrkdwn"):
            errors += _text_errors(element, epath)
        elif context and isinstance(element, dict) and element.get("type") == "image":
            continue
        else:
            errors += _element_errors(element, epath)
            action_id = element.get("action_id") if isinstance(element, dict) else None
            if action_id is not None and action_id in action_ids:
                errors.append(f"action_id already exists: {action_id} [json-pointer:{epath}/action_id]")
            action_ids.add(action_id)
    return errors


def _block_errors(block: Any, path: str) -> list[str]:
    """Problems with one block, checked against Slack's main published limits."""
    if not isinstance(block, dict) or not isinstance(block.get("type"), str):
        return [f"missing required field: type [json-pointer:{path}]"]
    kind = block["type"]
    errors = _str_errors(block.get("block_id"), 255, f"{path}/block_id")
    if kind not in _BLOCK_TYPES:
        errors.append(f"unsupported type: {kind} [json-pointer:{path}/type]")
    elif kind == "section":
        errors += _section_errors(block, path)
    elif kind == "header":
        errors += _text_errors(block.get("text"), f"{path}/text", 150, plain_only=True)
    elif kind == "actions":
        errors += _elements_errors(block, path, 25)
    elif kind == "context":
        errors += _elements_errors(block, path, 10, context=True)
    elif kind == "input":
        errors += _text_errors(block.get("label"), f"{path}/label", 2000, plain_only=True)
        if block.get("hint") is not None:
            errors += _text_errors(block["hint"], f"{path}/hint", 2000, plain_only=True)
        if block.get("element") is None:
            errors.append(f"missing required field: element [json-pointer:{path}]")
        else:
            errors += _element_errors(block["element"], f"{path}/element")
    elif kind == "image":
        errors += _str_errors(block.get("alt_text"), 2000, f"{path}/alt_text")
        if not block.get("alt_text") or not (block.get("image_url") or block.get("slack_file")):
            errors.append(f"must provide image_url and alt_text [json-pointer:{path}]")
    elif kind == "markdown":
        if not isinstance(block.get("text"), str) or len(block["text"]) > 12000:
            errors.append(_too_long(12000, f"{path}/text"))
    return errors


def blocks_errors(blocks: Any, path: str = "/blocks", max_blocks: int = MAX_MESSAGE_BLOCKS) -> list[str]:
    """All problems with a list of blocks (empty list: valid)."""
    if not isinstance(blocks, list):
        return [f"must be an array [json-pointer:{path}]"]
    if len(blocks) > max_blocks:
        return [f"must be less than {max_blocks + 1} items [json-pointer:{path}]"]
    errors: list[str] = []
    block_ids: set = set()
    for i, block in enumerate(blocks):
        errors += _block_errors(block, f"{path}/{i}")
        block_id = block.get("block_id") if isinstance(block, dict) else None
        if block_id is not None:
            if block_id in block_ids:
                errors.append(f"block_id already exists: {block_id} [json-pointer:{path}/{i}/block_id]")
            block_ids.add(block_id)
    return errors


def view_errors(view: Any, kinds: tuple = ("modal",)) -> list[str]:
    """All problems with a view as views.open / update / push would see them."""
    if not isinstance(view, dict):
        return ["must be an object [json-pointer:/view]"]
    if view.get("type") not in kinds:
        return [f"must be one of {', '.join(kinds)} [json-pointer:/view/type]"]
    if view["type"] == "home":  # a Home tab needs no title and may not have submit or close
        errors = [f"is not allowed in a home view [json-pointer:/view/{key}]"
                  for key in ("submit", "close") if view.get(key) is not None]
    else:
        errors = _text_errors(view.get("title"), "/view/title", 24, plain_only=True)
        for key in ("submit", "close"):
            if view.get(key) is not None:
                errors += _text_errors(view[key], f"/view/{key}", 24, plain_only=True)
    blocks = view.get("blocks")
    errors += blocks_errors(blocks, "/view/blocks", MAX_VIEW_BLOCKS)
    has_input = isinstance(blocks, list) and any(isinstance(b, dict) and b.get("type") == "input"
                                                 for b in blocks)
    if has_input and view.get("submit") is None:
        # Slack refuses a modal with input blocks but no submit button.
        errors.append("must provide submit when input blocks are present [json-pointer:/view/submit]")
    errors += _str_errors(view.get("callback_id"), 255, "/view/callback_id")
    errors += _str_errors(view.get("external_id"), 255, "/view/external_id")
    errors += _str_errors(view.get("private_metadata"), 3000, "/view/private_metadata")
    if len(json.dumps(view)) > MAX_VIEW_BYTES:
        errors.append("view_too_large [json-pointer:/view]")
    return errors


def as_messages(errors: list[str]) -> dict:
    return {"response_metadata": {"messages": [f"[ERROR] {e}" for e in errors]}}


def random_id(length: int = 5) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def fill_ids(blocks: list) -> list:
    """Give blocks and interactive elements the random block_id / action_id Slack assigns when absent."""
    for block in blocks:
        if not isinstance(block, dict):
            continue
        block.setdefault("block_id", random_id(4))
        for element in block_elements(block):
            if element.get("type") not in ("plain_text", "mrkdwn", "image"):
                element.setdefault("action_id", random_id(5))
    return blocks


def block_elements(block: dict) -> list[dict]:
    """Interactive elements held by a block (actions elements, section accessory, input element)."""
    found = []
    if block.get("type") in ("actions", "context"):
        found = [e for e in block.get("elements") or [] if isinstance(e, dict)]
    for key in ("accessory", "element"):
        if isinstance(block.get(key), dict):
            found.append(block[key])
    return found
