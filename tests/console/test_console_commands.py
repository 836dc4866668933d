"""Console commands and edge cases, with the console driven in-process over a running demo stack."""

import io
import re

import pytest

from sandbox.console import Console, DemoStack, ScriptInput


@pytest.fixture
def stack():
    stack = DemoStack(poll_seconds=3600)  # polls only when told to (the first run at start finds nothing)
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()


def run_console(stack, script: str) -> str:
    out = io.StringIO()
    assert Console(stack, ScriptInput(io.StringIO(script)), out).run() == 0
    return out.getvalue()


def test_reply_goes_into_the_thread_of_the_last_relayed_message(stack):
    out = run_console(stack, "/flowroute inbox subscribe 12065550100 here\n"
                             ":sms 12065559876 12065550100 Are you open?\n:poll\n:reply Yes, until six\n:poll\n")
    assert "Are you open?" in out
    parent = next(m for m in stack.slack.messages("C0OPS") if "Are you open?" in m.text and m.source == "api")
    thread = stack.slack.thread("C0OPS", parent.ts)
    assert [(m.user, m.text) for m in thread[1:] if m.source == "user"] == [("U0ADMIN", "Yes, until six")]
    # The bot sent it as an SMS (reaction 📤), and the next poll saw it delivered (✅).
    assert [m["attributes"]["body"] for m in stack.sandbox.messages("outbound")][-1] == "Yes, until six"
    assert "(reactions on “Yes, until six”: 📤 ✅)" in out


def test_reply_without_a_thread_says_so(stack):
    out = run_console(stack, ":reply hello\n")
    assert "There is no SMS conversation in #ops yet" in out
    assert stack.slack.messages(include_ephemeral=True) == []


def test_inbound_mms_media_is_shown_as_a_file_in_its_thread(stack):
    out = run_console(stack, "/flowroute inbox subscribe 12065550100 here\n"
                             ":mms 14255551234 12065550100 https://example.com/cat.jpg Look\n:poll\n")
    assert "inbound MMS 14255551234 → 12065550100" in out
    assert re.search(r"MMS from \+1 425-555-1234 to \+1 206-555-0100", out)
    assert re.search(r"  ↳ in thread “MMS from .*”\n    │ flowroute-bot  #ops\n    │   📎 cat\.jpg \(", out)


def test_channels_users_and_plain_messages(stack):
    out = run_console(stack, ":channel alerts\nhello there\n:channel new-room\n:channel\n:user carol\n:user\n")
    assert "alice@#alerts> hello there" in out
    assert [(m.user, m.text) for m in stack.slack.messages("C0ALERTS")] == [("U0ADMIN", "hello there")]
    assert "(created #new-room, C0NEWROOM; the bot is a member)" in out
    assert "Channels: #alerts, #audit, #new-room, #old, #ops, #random, #secret-ops" in out
    assert "(you are now carol, U0CAROL; not an admin: changes are refused)" in out
    assert "carol@#new-room> :user" in out
    assert "Users: alice (U0ADMIN), bob (U0BOB), carol (U0CAROL)" in out


def test_cancelling_a_form_closes_the_modal(stack):
    out = run_console(stack, "/flowroute e911 create\nDemo\n:cancel\n/flowroute e911 list\n")
    assert "╔ New E911 address" in out and "Form closed." in out
    assert stack.slack.top_view("U0ADMIN") is None
    assert stack.sandbox.requests_to("POST", "/v2/e911s") == []  # nothing was created
    assert "alice@#ops> /flowroute e911 list" in out  # the session went on


def test_mistakes_are_explained_and_nothing_is_sent(stack):
    out = run_console(stack, "click 42\nclick Nothing\n/giphy cats\n:frobnicate\n:sms 1206\n"
                             ":mms 12065559876 12065550100 not-a-url\n:sms abc def hi\n")
    assert out.count("There is no such button on screen") == 2
    assert "Only /flowroute is installed in this workspace" in out
    assert "Unknown console command :frobnicate; :help lists them." in out
    assert "Usage: :sms FROM TO TEXT" in out and "Usage: :mms FROM TO URL" in out
    assert "Could not inject the message:" in out
    assert stack.slack.messages() == []
    assert not [m for m in stack.sandbox.messages(direction="inbound") if m["attributes"]["body"] == "hi"]


def test_home_renders_the_app_home_and_a_report_shows_its_image_with_name_size_and_pixels(stack):
    out = run_console(stack, ":home\n/flowroute report --days 30\n")
    assert "╔ App Home" in out and "Relay health" in out and "This month" in out
    assert "(buttons on the Home tab in Slack: " in out
    day = r"\d{4}-\d\d-\d\d"
    assert re.search(rf"📎 Messages per day, .*\(messages-{day}-{day}\.png, image/png, \d+\.\d KB, 1200×600 px\)", out)

def test_with_callbacks_on_an_inbound_sms_is_posted_without_a_poll(stack):
    out = run_console(stack, "/flowroute inbox subscribe 12065550100 here\n/flowroute inbox callbacks on\n"
                             ":sms 12065559876 12065550100 Via callback\n")
    assert "Callbacks are on" in out
    assert "the relay posts it as soon as Flowroute's callback reaches it" in out
    stack.slack.wait_for(lambda: any("Via callback" in m.text for m in stack.slack.messages("C0OPS")
                                     if m.source == "api"), timeout=10)


def test_two_people_play_an_approval_alice_asks_and_dana_approves(stack):
    """The demo lists `numbers release` in FLOWROUTE_BOT_APPROVAL: alice's release waits for dana."""
    out = run_console(stack, "/flowroute numbers release 12065550101\nclick Release\ny\n"
                             ":user alice\nclick Approve\ny\n"  # her own request: refused
                             ":user dana\nclick Approve\ny\n")
    assert "asks to release +1 206-555-0101" in out
    assert "You cannot approve or reject your own request: another admin has to." in out
    assert stack.sandbox.account_number("12065550101") is None  # released once dana approved
    assert out.count("Approved by @dana") >= 1 and "Approved by @alice" not in out
