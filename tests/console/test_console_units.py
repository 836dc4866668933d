"""Console pieces without the stack: tab completion, form answers, the tracked work pool, script input."""

import io
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from sandbox.console import ScriptInput, TrackedExecutor, completions, parse_answer

USERS = {"alice": "U0ADMIN", "bob": "U0BOB"}
CHANNELS = {"ops": "C0OPS", "alerts": "C0ALERTS", "audit": "C0AUDIT"}


@pytest.mark.parametrize(("before", "word", "expected"), [
    ("", "/fl", ["/flowroute "]),
    ("", ":u", [":user "]),
    ("", "cl", ["click "]),
    ("/flowroute ", "num", ["numbers "]),
    ("/flowroute ", "s", ["sms "]),
    ("/flowroute numbers ", "s", ["search ", "show "]),
    ("/flowroute numbers search ", "--s", ["--starts-with ", "--state "]),
    ("/flowroute numbers search --state WA ", "--l", ["--limit "]),
    ("/flowroute routes set 12065550100 ", "--", ["--failover ", "--primary "]),
    ("/flowroute inbox subscribe 12065550100 ", "h", ["here "]),
    ("/flowroute inbox subscribe ", "a", ["all "]),
    ("/flowroute help ", "e", ["e911 "]),
    ("/flowroute nothing ", "", []),
    ("/giphy ", "", []),
])
def test_tab_completion(before, word, expected):
    assert completions(before, word) == expected


def test_tab_completion_of_channel_and_user_names():
    assert completions(":channel ", "a", channels=CHANNELS, users=USERS) == ["alerts ", "audit "]
    assert completions(":user ", "", channels=CHANNELS, users=USERS) == ["alice ", "bob "]
    assert completions(":channel ops ", "", channels=CHANNELS) == []


def option(text, value):
    return {"text": {"type": "plain_text", "text": text}, "value": value}


SELECT = {"type": "static_select", "action_id": "s", "options": [option("office-pbx", "1"), option("sip-reg", "0")]}


def answer(element, text):
    return parse_answer(element, text, users=USERS, channels=CHANNELS)


def test_select_answers_by_number_text_or_value():
    assert answer(SELECT, "2") == ("0", None)
    assert answer(SELECT, "Office-PBX") == ("1", None)
    assert answer(SELECT, "0") == ("0", None)  # a value that is not a valid number on the list
    assert answer(SELECT, "3") == (None, "Pick one of the numbers shown.")


def test_multi_select_answers():
    boxes = {**SELECT, "type": "checkboxes"}
    assert answer(boxes, "1, 2") == (["1", "0"], None)
    assert answer(boxes, "1, 9")[1] is not None


def test_number_and_text_limits():
    whole = {"type": "number_input", "is_decimal_allowed": False, "min_value": "1", "max_value": "25"}
    assert answer(whole, "10") == ("10", None)
    assert answer(whole, "2.5") == (None, "Type a whole number.")
    assert answer(whole, "30") == (None, "Type a number between 1 and 25.")
    text = {"type": "plain_text_input", "max_length": 5, "min_length": 2}
    assert answer(text, "98101") == ("98101", None)
    assert answer(text, "981011") == (None, "Type at most 5 characters.")
    assert answer(text, "9") == (None, "Type at least 2 characters.")
    assert answer({"type": "plain_text_input", "multiline": True}, "a\\nb") == ("a\nb", None)


def test_dates_users_and_channels():
    assert answer({"type": "datepicker"}, "2026-01-31") == ("2026-01-31", None)
    assert answer({"type": "datepicker"}, "31/01/2026")[1] == "Type a date like 2026-01-31."
    assert answer({"type": "users_select"}, "@bob") == ("U0BOB", None)
    assert answer({"type": "conversations_select"}, "#ops") == ("C0OPS", None)
    assert answer({"type": "multi_channels_select"}, "ops, alerts") == (["C0OPS", "C0ALERTS"], None)
    assert "No user called 'carol'" in answer({"type": "users_select"}, "carol")[1]


def test_tracked_executor_is_busy_while_work_runs():
    release = threading.Event()
    with ThreadPoolExecutor(max_workers=1) as pool:
        tracked = TrackedExecutor(pool)
        assert not tracked.busy
        future = tracked.submit(release.wait, 5)
        assert tracked.busy
        release.set()
        assert future.result(timeout=5) is True
        deadline = time.monotonic() + 5
        while tracked.busy and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not tracked.busy


def test_script_input_reads_lines_then_eof():
    reader = ScriptInput(io.StringIO("one\r\n\ntwo"))
    assert [reader.read("> "), reader.read("> "), reader.read("> ")] == ["one", "", "two"]
    with pytest.raises(EOFError):
        reader.read("> ")
