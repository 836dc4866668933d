"""Form answers: a line typed for a modal's input element, checked as Slack's client would check it, becomes
the value SlackDriver.submit_view sends (an option's value, a date, user and channel ids...)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sandbox.console import render


def pick(options: list[dict], answer: str) -> str | None:
    """An option's value from its number, text or value (case-insensitive)."""
    if answer.isdigit() and 1 <= int(answer) <= len(options):
        return options[int(answer) - 1].get("value")
    for option in options:
        if answer.lower() in (render.plain_text(option.get("text")).lower(), str(option.get("value")).lower()):
            return option.get("value")
    return None


def parse_answer(element: dict, answer: str, *, users: dict, channels: dict) -> tuple[Any, str | None]:
    """(value for SlackDriver.submit_view, problem) for one typed answer."""
    kind = element.get("type")
    if kind in ("static_select", "radio_buttons"):
        value = pick(render.element_options(element), answer)
        return (value, None) if value is not None else (None, "Pick one of the numbers shown.")
    if kind in ("checkboxes", "multi_static_select"):
        values = [pick(render.element_options(element), part.strip()) for part in answer.split(",") if part.strip()]
        if not values or None in values:
            return None, "Pick one or more of the numbers shown, separated by commas."
        return values, None
    if kind == "number_input":
        return _number_answer(element, answer)
    if kind == "datepicker":
        try:
            return date.fromisoformat(answer).isoformat(), None
        except ValueError:
            return None, "Type a date like 2026-01-31."
    if kind == "timepicker":
        return (answer, None) if re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", answer) else (None, "Type a time like 09:30.")
    if kind in ("users_select", "multi_users_select"):
        return _lookup(answer.lstrip("@"), users, "user", multi=kind.startswith("multi"))
    if kind in ("conversations_select", "channels_select", "multi_conversations_select", "multi_channels_select"):
        return _lookup(answer.lstrip("#"), channels, "channel", multi=kind.startswith("multi"))
    return _text_answer(element, answer)


def _text_answer(element: dict, answer: str) -> tuple[Any, str | None]:
    answer = answer.replace("\\n", "\n") if element.get("multiline") else answer
    low, high = element.get("min_length"), element.get("max_length")
    if low is not None and len(answer) < low:
        return None, f"Type at least {low} characters."
    if high is not None and len(answer) > high:
        return None, f"Type at most {high} characters."
    if element.get("type") == "email_text_input" and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", answer):
        return None, "Type an email address."
    if element.get("type") == "url_text_input" and not re.match(r"https?://\S+$", answer):
        return None, "Type a URL starting with http:// or https://."
    return answer, None


def _number_answer(element: dict, answer: str) -> tuple[Any, str | None]:
    pattern = r"-?\d+(\.\d+)?" if element.get("is_decimal_allowed") else r"-?\d+"
    if not re.fullmatch(pattern, answer):
        return None, "Type a number." if element.get("is_decimal_allowed") else "Type a whole number."
    number = float(answer)
    low, high = element.get("min_value"), element.get("max_value")
    if (low is not None and number < float(low)) or (high is not None and number > float(high)):
        return None, f"Type a number between {low if low is not None else '…'} and {high if high is not None else '…'}."
    return answer, None


def _lookup(answer: str, directory: dict, what: str, *, multi: bool) -> tuple[Any, str | None]:
    ids = []
    for name in [part.strip() for part in answer.split(",") if part.strip()] if multi else [answer.strip()]:
        found = directory.get(name.lower()) or (name if name in directory.values() else None)
        if found is None:
            return None, f"No {what} called {name!r}; known: {', '.join(sorted(directory))}."
        ids.append(found)
    return (ids if multi else ids[0]), None


def initial_text(element: dict) -> str:
    """The element's initial value as shown in [brackets]."""
    if element.get("initial_option"):
        return render.plain_text(element["initial_option"].get("text"))
    if element.get("initial_options"):
        return ", ".join(render.plain_text(o.get("text")) for o in element["initial_options"])
    for key in ("initial_value", "initial_date", "initial_time", "initial_user", "initial_conversation",
                "initial_channel"):
        if element.get(key):
            return str(element[key])
    return ""


def answer_text(element: dict, value: Any) -> str:
    """A given answer as shown in [brackets] when the field is asked again."""
    labels = {o.get("value"): render.plain_text(o.get("text")) for o in render.element_options(element)}
    if isinstance(value, list):
        return ", ".join(labels.get(v, str(v)) for v in value)
    return labels.get(value, "" if value is None else str(value))
