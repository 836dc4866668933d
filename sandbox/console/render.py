"""Block Kit as terminal text: the console's view of Slack messages, confirm dialogs and modals.

Pure functions (data in, lines out). Buttons, selects and overflow menus become numbered `Clickable`s so
the console can press them by number; numbering starts at `first_number` and follows reading order.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

INDENT = "  "
EMOJI = {
    "warning": "⚠️", "white_check_mark": "✅", "heavy_check_mark": "✔️", "x": "❌", "no_entry": "⛔",
    "heavy_multiplication_x": "✖️",
    "no_entry_sign": "🚫", "boom": "💥", "lock": "🔒", "unlock": "🔓", "telephone_receiver": "📞",
    "phone": "☎️", "telephone": "☎️", "iphone": "📱", "calling": "📲", "envelope": "✉️",
    "incoming_envelope": "📨", "email": "📧", "speech_balloon": "💬", "outbox_tray": "📤", "inbox_tray": "📥",
    "mag": "🔍", "hourglass": "⌛", "hourglass_flowing_sand": "⏳", "rotating_light": "🚨", "house": "🏠",
    "round_pushpin": "📍", "pushpin": "📌", "moneybag": "💰", "dollar": "💵", "link": "🔗", "frame_with_picture": "🖼️",
    "paperclip": "📎", "information_source": "ℹ️", "bulb": "💡", "memo": "📝", "clock3": "🕒", "tada": "🎉",
    "wave": "👋", "arrow_right": "➡️", "arrow_left": "⬅️", "arrows_counterclockwise": "🔄", "wastebasket": "🗑️",
    "gear": "⚙️", "satellite_antenna": "📡", "ok": "🆗", "question": "❓", "exclamation": "❗", "bell": "🔔",
    "red_circle": "🔴", "large_green_circle": "🟢", "large_yellow_circle": "🟡", "white_circle": "⚪",
    "label": "🏷️", "grey_question": "❔",
}
_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")
_EMOJI = re.compile(r":([a-z0-9_+\-]+):")
_CODE = re.compile(r"(```.*?```|`[^`\n]+`)", re.S)
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")


class Style:
    """No styling: what tests and scripts see."""

    def bold(self, text: str) -> str:
        return text

    def dim(self, text: str) -> str:
        return text

    def italic(self, text: str) -> str:
        return text

    def button(self, text: str, style: str | None = None) -> str:
        return text

    def header(self, text: str) -> str:
        return f"# {text}"


class AnsiStyle(Style):
    """ANSI styling for a terminal."""

    def bold(self, text: str) -> str:
        return f"\x1b[1m{text}\x1b[22m"

    def dim(self, text: str) -> str:
        return f"\x1b[2m{text}\x1b[22m"

    def italic(self, text: str) -> str:
        return f"\x1b[3m{text}\x1b[23m"

    def button(self, text: str, style: str | None = None) -> str:
        color = {"primary": "32", "danger": "31"}.get(style or "", "36")
        return f"\x1b[1;{color}m{text}\x1b[0m"

    def header(self, text: str) -> str:
        return f"\x1b[1;4m{text}\x1b[0m"


@dataclass
class Names:
    """Resolves Slack ids to names for display (`<@U0ADMIN>` -> `@alice`)."""

    user: Callable[[str], str | None] = lambda _id: None
    channel: Callable[[str], str | None] = lambda _id: None


@dataclass(frozen=True)
class Clickable:
    """A numbered interactive element on screen: a button, or a select/overflow menu with options."""

    number: int
    kind: str  # "button" or the element type of a menu ("static_select", "overflow", ...)
    action_id: str
    block_id: str | None
    text: str
    value: str | None = None
    url: str | None = None
    style: str | None = None
    confirm: dict | None = None
    options: tuple = ()  # ((text, value), ...) for menus


@dataclass
class Rendered:
    lines: list[str] = field(default_factory=list)
    clickables: list[Clickable] = field(default_factory=list)


# --- text ----------------------------------------------------------------------------------------------

def plain_text(obj: Any) -> str:
    """The text of a text object (plain_text or mrkdwn) without formatting, or "" for None."""
    if isinstance(obj, dict):
        return str(obj.get("text") or "")
    return "" if obj is None else str(obj)


def emoji(text: str) -> str:
    return _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)


def mrkdwn(text: str, names: Names | None = None, style: Style | None = None) -> str:
    """Slack mrkdwn as readable terminal text: mentions and links resolved, markup turned into styling."""
    names, style = names or Names(), style or Style()
    pieces = _CODE.split(text or "")
    out = []
    for index, piece in enumerate(pieces):
        if index % 2:  # code: only entities are decoded, nothing else is formatted
            out.append(html.unescape(piece.strip("`").strip("\n")) if piece.startswith("```")
                       else html.unescape(piece))
            continue
        piece = _LINK.sub(lambda m: _link(m.group(1), m.group(2), names), piece)
        piece = _BOLD.sub(lambda m: style.bold(m.group(1)), piece)
        piece = _ITALIC.sub(lambda m: style.italic(m.group(1)), piece)
        out.append(emoji(html.unescape(piece)))
    return "".join(out)


def _link(target: str, label: str | None, names: Names) -> str:
    if target.startswith("@"):
        user_id = target[1:]
        return "@" + (label or names.user(user_id) or user_id)
    if target.startswith("#"):
        channel_id = target[1:]
        return "#" + (label or names.channel(channel_id) or channel_id)
    if target.startswith("!"):
        special = target[1:].split("^", 1)[0]
        return label or ("@" + special if special in ("here", "channel", "everyone") else special)
    if target.startswith(("tel:", "mailto:")):
        return label or target.split(":", 1)[1]
    return f"{label} ({target})" if label and label != target else target


def _text_object(obj: Any, names: Names, style: Style) -> str:
    if not isinstance(obj, dict):
        return ""
    if obj.get("type") == "mrkdwn":
        return mrkdwn(obj.get("text", ""), names, style)
    return emoji(str(obj.get("text") or ""))


def _indented(text: str, prefix: str = INDENT) -> list[str]:
    return [prefix + line if line else prefix.rstrip() for line in text.split("\n")]


# --- blocks --------------------------------------------------------------------------------------------

class _BlockRenderer:
    def __init__(self, names: Names, style: Style, first_number: int):
        self.names, self.style = names, style
        self.next_number = first_number
        self.out = Rendered()

    def clickable(self, element: dict, block_id: str | None) -> str | None:
        """Number an interactive element and return its on-screen label (None: not interactive)."""
        kind = element.get("type")
        if kind == "button":
            text = plain_text(element.get("text"))
            item = Clickable(self.next_number, "button", element.get("action_id", ""), block_id, text,
                             element.get("value"), element.get("url"), element.get("style"), element.get("confirm"))
        elif kind in ("static_select", "overflow", "radio_buttons", "external_select"):
            options = tuple((plain_text(o.get("text")), o.get("value")) for o in element_options(element))
            text = plain_text(element.get("placeholder")) or ("More" if kind == "overflow" else "Choose")
            item = Clickable(self.next_number, kind, element.get("action_id", ""), block_id, text,
                             options=options, confirm=element.get("confirm"))
        else:
            return None
        self.next_number += 1
        self.out.clickables.append(item)
        label = f"[{item.number}] {emoji(item.text)}" + (" ▾" if item.kind != "button" else "")
        if item.url:
            label += f" ↗ {item.url}"
        return self.style.button(label, item.style)

    def add(self, text: str, prefix: str = INDENT) -> None:
        self.out.lines.extend(_indented(text, prefix))

    def block(self, block: dict) -> None:
        kind = block.get("type")
        method = getattr(self, f"_{kind}", None)
        if method is None:
            self.add(self.style.dim(f"[{kind} block]"))
        else:
            method(block)

    def _header(self, block: dict) -> None:
        self.add(self.style.header(emoji(plain_text(block.get("text")))))

    def _section(self, block: dict) -> None:
        text = _text_object(block.get("text"), self.names, self.style)
        accessory = block.get("accessory") or {}
        label = self.clickable(accessory, block.get("block_id")) if accessory else None
        if accessory.get("type") == "image":
            label = self.style.dim(f"[image: {accessory.get('alt_text', '')}] {accessory.get('image_url', '')}")
        if text:
            if label:
                text = f"{text}   {label}"
            self.add(text)
        for item in block.get("fields") or []:
            self.add(_field(_text_object(item, self.names, self.style)))
        if label and not text:
            self.add(label)

    def _context(self, block: dict) -> None:
        parts = []
        for element in block.get("elements") or []:
            if element.get("type") == "image":
                parts.append(f"[{element.get('alt_text') or 'image'}]")
            else:
                parts.append(_text_object(element, self.names, self.style))
        self.add(self.style.dim(" · ".join(p for p in parts if p)))

    def _divider(self, block: dict) -> None:
        self.add(self.style.dim("─" * 40))

    def _actions(self, block: dict) -> None:
        labels = [self.clickable(e, block.get("block_id")) for e in block.get("elements") or []]
        self.add("  ".join(label for label in labels if label))

    def _image(self, block: dict) -> None:
        title = plain_text(block.get("title")) or block.get("alt_text") or "image"
        self.add(f"🖼️  {emoji(title)} — {block.get('image_url') or '(Slack file)'}")

    def _file(self, block: dict) -> None:
        self.add(f"📎 file {block.get('external_id') or block.get('file_id') or ''}".rstrip())

    def _markdown(self, block: dict) -> None:
        self.add(emoji(block.get("text") or ""))

    def _rich_text(self, block: dict) -> None:
        self.add(_rich_text(block, self.names))

    def _input(self, block: dict) -> None:
        label = plain_text(block.get("label"))
        optional = " (optional)" if block.get("optional") else ""
        self.add(f"{label}{optional}: {describe_element(block.get('element') or {})}")


def element_options(element: dict) -> list[dict]:
    """A select's or radio group's options, those inside option groups included, in order."""
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += group.get("options") or []
    return options


def _field(text: str) -> str:
    """A field's "*Label*\\nvalue" as "Label: value" (multi-line values stay indented)."""
    label, _, value = text.partition("\n")
    if not value:
        return label
    return f"{label}: " + value.replace("\n", "\n    ")


def _rich_text(block: dict, names: Names) -> str:
    """The words of a rich_text block (what users type)."""
    out = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            kind = node.get("type")
            if kind == "text":
                out.append(node.get("text", ""))
            elif kind == "link":
                out.append(node.get("text") or node.get("url", ""))
            elif kind == "user":
                out.append("@" + (names.user(node.get("user_id", "")) or node.get("user_id", "")))
            elif kind == "channel":
                out.append("#" + (names.channel(node.get("channel_id", "")) or node.get("channel_id", "")))
            elif kind == "emoji":
                out.append(EMOJI.get(node.get("name", ""), f":{node.get('name', '')}:"))
            else:
                walk(node.get("elements"))

    walk(block.get("elements"))
    return "".join(out)


def describe_element(element: dict) -> str:
    """A short description of an input element, for showing a modal's fields."""
    kind = element.get("type", "?")
    if kind in ("static_select", "radio_buttons", "checkboxes", "multi_static_select"):
        return "one of " + ", ".join(plain_text(o.get("text")) for o in element_options(element))
    initial = element.get("initial_value")
    return kind.replace("_", " ") + (f" [{initial}]" if initial else "")


def render_blocks(blocks: list[dict], *, names: Names | None = None, style: Style | None = None,
                  first_number: int = 1) -> Rendered:
    renderer = _BlockRenderer(names or Names(), style or Style(), first_number)
    for block in blocks or []:
        renderer.block(block)
    return renderer.out


# --- messages, dialogs, modals ------------------------------------------------------------------------

def render_message(message: Any, *, names: Names | None = None, style: Style | None = None,
                   first_number: int = 1, author: str = "", where: str = "", note: str = "") -> Rendered:
    """A message (anything with text/blocks/files/attachments) under a one-line heading."""
    names, style = names or Names(), style or Style()
    heading = style.bold(author or "?") + (f"  {where}" if where else "") + (style.dim(f"  {note}") if note else "")
    blocks = getattr(message, "blocks", None) or []
    if blocks:
        out = render_blocks(blocks, names=names, style=style, first_number=first_number)
    else:
        text = getattr(message, "text", "") or ""
        out = Rendered(_indented(mrkdwn(text, names, style)) if text else [])
    for attachment in getattr(message, "attachments", None) or []:
        out.lines += _attachment_lines(attachment, names, style)
    for file in getattr(message, "files", None) or []:
        out.lines.append(INDENT + _file_line(file))
    out.lines.insert(0, heading)
    return out


def _attachment_lines(attachment: dict, names: Names, style: Style) -> list[str]:
    lines = []
    for key in ("pretext", "title", "text"):
        if attachment.get(key):
            lines += _indented(mrkdwn(str(attachment[key]), names, style), INDENT + "▌ ")
    for item in attachment.get("fields") or []:
        lines.append(f"{INDENT}▌ {item.get('title', '')}: {mrkdwn(str(item.get('value', '')), names, style)}")
    if attachment.get("image_url"):
        lines.append(f"{INDENT}▌ 🖼️  {attachment['image_url']}")
    if attachment.get("footer"):
        lines.append(f"{INDENT}▌ " + style.dim(mrkdwn(str(attachment["footer"]), names, style)))
    return lines


def _file_line(file: dict) -> str:
    title = file.get("title") or file.get("name") or file.get("id", "file")
    width, height = file.get("original_w"), file.get("original_h")
    pixels = f"{width}×{height} px" if width and height else ""
    named = file.get("name") if file.get("name") and file.get("name") != title else ""
    details = ", ".join(str(x) for x in (named, file.get("mimetype"), _size(file.get("size")), pixels) if x)
    url = file.get("url_private") or file.get("permalink") or ""
    return f"📎 {title}" + (f" ({details})" if details else "") + (f" {url}" if url else "")


def _size(size: Any) -> str:
    if not isinstance(size, int) or size <= 0:
        return ""
    return f"{size} bytes" if size < 1024 else f"{size / 1024:.1f} KB"


def thread_lines(lines: list[str], parent_summary: str) -> list[str]:
    """A thread reply's lines indented under a pointer to its parent."""
    return [f"{INDENT}↳ in thread “{parent_summary}”"] + [f"{INDENT}{INDENT}│ {line}" for line in lines]


def summary(message: Any, width: int = 50) -> str:
    """One short line for a message (its text, or its first block's text)."""
    text = getattr(message, "text", "") or ""
    if not text:
        rendered = render_blocks(getattr(message, "blocks", None) or [])
        text = " ".join(line.strip() for line in rendered.lines)
    text = " ".join(mrkdwn(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def confirm_lines(confirm: dict, names: Names | None = None, style: Style | None = None) -> list[str]:
    """Slack's confirm dialog as a boxed question."""
    names, style = names or Names(), style or Style()
    title = plain_text(confirm.get("title")) or "Are you sure?"
    body = _text_object(confirm.get("text"), names, style)
    yes, no = plain_text(confirm.get("confirm")) or "Yes", plain_text(confirm.get("deny")) or "Cancel"
    return ([f"┌ {style.bold(emoji(title))}"] + [f"│ {line}" for line in body.split("\n")]
            + [f"└ y = {yes}, n = {no}"])


def view_title(view: dict) -> str:
    return emoji(plain_text(view.get("title")) or "Modal")


def render_view(view: dict, *, names: Names | None = None, style: Style | None = None,
                first_number: int = 1) -> Rendered:
    """A modal's title and blocks (inputs listed with what they take)."""
    style = style or Style()
    out = render_blocks(view.get("blocks") or [], names=names, style=style, first_number=first_number)
    out.lines.insert(0, style.bold(f"╔ {view_title(view)}"))
    return out
