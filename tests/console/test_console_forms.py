"""Modal forms: a view opened in the Slack emulator, filled in field by field, with a fake bot's answers."""

import io
import json
import threading
import time
from types import SimpleNamespace

import pytest

from sandbox.console import Console, ScriptInput


def plain(text):
    return {"type": "plain_text", "text": text}


FORM = {
    "type": "modal", "title": plain("Test form"), "submit": plain("Save"),
    "blocks": [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Fill *this* in"}},
        {"type": "input", "block_id": "kind", "label": plain("Kind"), "hint": plain("What it is"),
         "element": {"type": "static_select", "action_id": "k",
                     "options": [{"text": plain("Apple"), "value": "a"}, {"text": plain("Banana"), "value": "b"}]}},
        {"type": "input", "block_id": "note", "optional": True, "label": plain("Note"),
         "element": {"type": "plain_text_input", "action_id": "n"}},
        {"type": "input", "block_id": "size", "label": plain("Size"),
         "element": {"type": "plain_text_input", "action_id": "s", "initial_value": "10"}},
    ],
}


class FakeDriver:
    """Answers each submission with the next canned bot answer ({} closes the view, like an empty ack)."""

    def __init__(self, emulator, answers):
        self.emulator, self.answers, self.submitted = emulator, list(answers), []

    def submit_view(self, view_id, values, *, user):
        self.submitted.append(dict(values))
        answer = self.answers.pop(0)
        if not answer:
            self.emulator.close_view(view_id)
        return SimpleNamespace(status_code=200, text=json.dumps(answer) if answer else "",
                               json=lambda: answer)

    def close_view(self, view_id, *, user):
        self.emulator.close_view(view_id)


@pytest.fixture
def form(slack_emulator):
    """Open FORM for alice and return a function running the console's modal handling over a script."""

    def fill(script: str, answers: list[dict]):
        slack_emulator.open_view(FORM, user_id="U0ADMIN")
        driver = FakeDriver(slack_emulator, answers)
        stack = SimpleNamespace(slack=slack_emulator, driver=driver, work=SimpleNamespace(busy=False))
        out = io.StringIO()
        Console(stack, ScriptInput(io.StringIO(script)), out).handle_modals()
        return driver.submitted, out.getvalue()

    return fill


def test_fields_are_asked_in_turn_and_rejected_ones_again(form, slack_emulator):
    submitted, out = form("\n2\n\n\n5\n\n\n\n", [{"response_action": "errors", "errors": {"size": "Too big."}},
                                              {"response_action": "errors", "errors": {"other": "Try later."}},
                                              {}])
    assert submitted == [{"kind": "b"}, {"kind": "b", "size": "5"}, {"kind": "b", "size": "5"}]
    assert out.startswith("\n╔ Test form\n  Fill this in\n")
    assert "  Kind — What it is\n    1) Apple\n    2) Banana\nKind: \n    This field is required.\nKind: 2\n" in out
    assert "Note (optional): \nSize [10]: \n" in out  # skipped, kept
    assert "  ⚠️  Too big.\nSize [10]: 5\n" in out  # only the rejected field is asked again
    assert "  ⚠️  Try later.\n" in out  # an error on no known field: shown, then every field asked again
    assert "Kind [Banana]: \nNote (optional): \nSize [5]: \n" in out
    assert slack_emulator.top_view("U0ADMIN") is None


def test_cancel_closes_the_form_without_submitting(form, slack_emulator):
    submitted, out = form("1\n:cancel\n", [])
    assert submitted == []
    assert "Form closed." in out
    assert slack_emulator.top_view("U0ADMIN") is None


def test_a_wrong_choice_is_asked_again(form):
    submitted, out = form("7\nbanana\n-\n\n", [{}])
    assert "Kind: 7\n    Pick one of the numbers shown.\nKind: banana\n" in out
    assert submitted == [{"kind": "b", "note": None}]  # "-" sends the optional field empty


LOADING = {"type": "modal", "title": plain("Test form"),
           "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Loading…"}}]}
NOTICE = {"type": "modal", "title": plain("Test form"), "close": plain("Close"),
          "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": ":warning: Flowroute said no."}}]}


@pytest.mark.parametrize("later", [FORM, NOTICE])
def test_a_loading_modal_is_shown_once_the_bot_updates_it(slack_emulator, later):
    view = slack_emulator.open_view(LOADING, user_id="U0ADMIN")
    updater = threading.Timer(0.3, slack_emulator.replace_view, (view["id"], later))  # the bot's background work
    updater.start()
    driver = FakeDriver(slack_emulator, [{}])
    out = io.StringIO()
    stack = SimpleNamespace(slack=slack_emulator, driver=driver, work=SimpleNamespace(busy=False))
    started = time.monotonic()
    Console(stack, ScriptInput(io.StringIO("1\n\n\n")), out).handle_modals()
    updater.join()
    assert "Loading…" not in out.getvalue()
    if later is FORM:
        assert "Kind: 1" in out.getvalue() and driver.submitted == [{"kind": "a"}]
    else:
        assert "╔ Test form\n  ⚠️ Flowroute said no.\n  (closed)" in out.getvalue()
        assert driver.submitted == [] and time.monotonic() - started < 5
    assert slack_emulator.top_view("U0ADMIN") is None
