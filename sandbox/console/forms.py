"""Modals as forms: each input block asked in turn, the answers submitted as Slack would submit them, and the
fields the bot rejects (`response_action: errors`) asked again. A "Loading…" modal is waited for until the bot
updates it; a modal with nothing to fill in is shown and closed.

`console` is the running Console: these read, print and wait through it.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

import requests

from sandbox.console import answers, render
from sandbox.slack import SlackDriverError

LOADING_TIMEOUT = 15.0
MISSING, KEEP, SKIP, CANCEL = object(), object(), object(), object()


def run_form(console, view: dict) -> None:
    """Show the modal, ask each input in turn, submit; ask again the fields the bot rejects."""
    intro = [""] + _static_lines(console, view)
    inputs = [b for b in view.get("blocks") or [] if b.get("type") == "input"]
    if inputs:
        intro.append(console.style.dim("  (Enter keeps [the value shown] or skips an optional field; "
                                       "- clears it; :cancel closes the form)"))
    console.emit(intro)
    if not inputs and not _yes(console, f"Submit “{render.view_title(view)}”? [y/n] "):
        close(console, view, "Form closed.")
        return
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    while True:
        to_ask = [b for b in inputs if b.get("block_id") in errors] or inputs
        if errors and (not inputs or to_ask is inputs):  # errors on no field we know: show them all
            console.emit([f"  ⚠️  {text}" for text in errors.values()])
            if not inputs:
                close(console, view, "Form closed.")
                return
        for block in to_ask:
            if block.get("block_id") in errors:
                console.emit(f"  ⚠️  {errors[block['block_id']]}")
            answer = ask_field(console, block, values.get(block["block_id"], MISSING))
            if answer is CANCEL:
                close(console, view, "Form closed.")
                return
            if answer not in (KEEP, SKIP):
                values[block["block_id"]] = answer
        errors = _submit(console, view, values)
        if not errors:
            return


def ask_field(console, block: dict, previous: Any) -> Any:
    """One input block: its value, KEEP (initial value), SKIP (optional, left empty) or CANCEL."""
    element = block.get("element") or {}
    label = render.emoji(render.plain_text(block.get("label")))
    optional = bool(block.get("optional"))
    options = render.element_options(element)
    hint = render.emoji(render.plain_text(block.get("hint")))
    if hint or options:
        console.emit([f"  {label}" + (console.style.dim(f" — {hint}") if hint else "")]
                     + [f"    {index}) {render.plain_text(o.get('text'))}" for index, o in enumerate(options, 1)])
    shown = answers.answer_text(element, previous) if previous is not MISSING else answers.initial_text(element)
    prompt = f"{label}{' (optional)' if optional else ''}{f' [{shown}]' if shown else ''}: "
    while True:
        answer = console.read(prompt).strip()
        if answer == ":cancel":
            return CANCEL
        if not answer:
            if previous is not MISSING:
                return previous
            if shown:
                return KEEP
            if optional:
                return SKIP
            console.emit("    This field is required.")
            continue
        if answer == "-" and (optional or shown):
            return None
        value, problem = answers.parse_answer(element, answer, users=console.users, channels=console.channels)
        if problem is None:
            return value
        console.emit(f"    {problem}")


def ready_view(console, view: dict | None, *, updated: bool = False) -> dict | None:
    """The view once it has something to fill in: a "Loading…" modal is waited for until the bot updates it.

    A view with nothing to fill in that the bot already updated (or never updates) is a notice: it is
    shown and closed, as a reader would.
    """
    if view is None or has_inputs(view) or view.get("submit"):
        return view
    deadline = time.monotonic() + (0 if updated else LOADING_TIMEOUT)
    while time.monotonic() < deadline:
        current = console.stack.slack.top_view(console.user)
        if current is None or current["id"] != view["id"] or current["hash"] != view["hash"]:
            return ready_view(console, current, updated=True)
        time.sleep(0.05)
    console.emit([""] + render.render_view(view, names=console.names, style=console.style).lines)
    close(console, view, "  (closed)")
    return None


def close(console, view: dict, note: str) -> None:
    started = time.monotonic()
    with contextlib.suppress(SlackDriverError):
        console.stack.driver.close_view(view["id"], user=console.user)
    console.note(note)
    console.settle(started)


def _static_lines(console, view: dict) -> list[str]:
    shown = {**view, "blocks": [b for b in view.get("blocks") or [] if b.get("type") != "input"]}
    return render.render_view(shown, names=console.names, style=console.style).lines


def _yes(console, prompt: str) -> bool:
    return console.read(prompt).strip().lower() in ("y", "yes")


def _submit(console, view: dict, values: dict) -> dict[str, str]:
    """Submit; return the field errors the bot answered (empty when the form was accepted)."""
    started = time.monotonic()
    console.note(f"  (submitting “{render.view_title(view)}”)")
    try:
        response = console.stack.driver.submit_view(view["id"], values, user=console.user)
    except (SlackDriverError, requests.RequestException) as error:
        console.emit(f"⚠️  Could not submit the form: {error}")
        close(console, view, "Form closed.")
        return {}
    answer = response.json() if response.text.strip().startswith("{") else {}
    if response.status_code == 200 and answer.get("response_action") == "errors":
        return {key: str(value) for key, value in (answer.get("errors") or {}).items()} or {"": "?"}
    if response.status_code != 200:
        console.emit(f"⚠️  The bot answered HTTP {response.status_code}; Slack would keep the form open.")
        close(console, view, "Form closed.")
    console.settle(started)
    return {}


def has_inputs(view: dict) -> bool:
    return any(block.get("type") == "input" for block in view.get("blocks") or [])
