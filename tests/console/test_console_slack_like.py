"""Issue 12 "A console that behaves like Slack", driven by script through the console's main()."""

import io
import re

from sandbox.console.cli import main
from sandbox.console.escaping import as_slack_sends

SESSION = """\
/flowroute inbox subscribe 12065550100 #alerts
/flowroute numbers release 16465550199
click Release
n
/flowroute routes create
"""


def run(tmp_path, session: str) -> str:
    script = tmp_path / "session.txt"
    script.write_text(session, encoding="utf-8")
    out = io.StringIO()
    assert main(["--script", str(script), "--poll-seconds", "3600"], stdout=out) == 0
    return out.getvalue()


def test_typed_text_reaches_the_bot_as_slack_sends_it_and_click_ignores_the_ellipsis(tmp_path):
    out = run(tmp_path, SESSION)
    assert "Inbound SMS/MMS for +1 206-555-0100 will be posted in #alerts" in out  # `#alerts` became <#C0ALERTS>
    release = out[out.index("> click Release"):]
    assert "┌ Release this number?" in release and "Confirm? [y/n] n" in release  # `Release…` pressed


def test_end_of_input_inside_a_form_cancels_the_form_not_the_demo(tmp_path):
    out = run(tmp_path, SESSION)
    form = out[out.index("> /flowroute routes create"):]
    assert "╔ Create a route" in form and "Form cancelled; nothing was submitted." in form
    assert "Traceback" not in out


def test_escaping_matches_slack():
    channels, users = {"alerts": "C0ALERTS"}, {"bob": "U0BOB"}
    assert as_slack_sends("subscribe all #alerts", channels, users) == "subscribe all <#C0ALERTS|alerts>"
    assert as_slack_sends("ask @bob, @here & <x>", channels, users) == "ask <@U0BOB>, <!here> &amp; &lt;x&gt;"
    assert as_slack_sends("#nowhere @nobody a#b", channels, users) == "#nowhere @nobody a#b"


def test_every_emoji_shortcode_the_bot_writes_renders_as_slack_shows_it():
    """Slack shows `:label:` as 🏷️; the console must not print a shortcode the bot uses as text."""
    import re
    from pathlib import Path

    from sandbox.console.render import EMOJI, confirm_lines, emoji

    root = Path(__file__).resolve().parents[2]
    sources = [p for folder in ("handlers", "relay", "blocks", "core") for p in (root / folder).rglob("*.py")]
    used = {name for path in sources for name in re.findall(r"(?<![\w:]):([a-z][a-z0-9_]*):(?![\w:])",
                                                             path.read_text())}
    assert sorted(used - set(EMOJI)) == []
    assert emoji(":label: Alias set") == "🏷️ Alias set"
    # A confirm title is plain text: Slack shows `*bold*` there as typed, and so does the console.
    dialog = {"title": {"type": "plain_text", "text": "Buy *this*?"}, "text": {"type": "mrkdwn", "text": "*Sure*?"},
              "confirm": {"type": "plain_text", "text": "Buy"}, "deny": {"type": "plain_text", "text": "No"}}
    assert confirm_lines(dialog)[:2] == ["┌ Buy *this*?", "│ Sure?"]


def test_reply_goes_to_the_newest_sms_conversation_of_the_channel_and_says_what_was_sent(tmp_path):
    image = tmp_path / "plan.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    out = run(tmp_path, f"""\
:reply Hello?
/flowroute inbox subscribe 12065550100 here
:sms 12065559876 12065550100 First customer
:sms 14255551234 12065550100 Second customer
:poll
:reply
:reply On our way
:reply 2 note: call them back
:reply 9 nobody
:reply 2 --image {image} Floor plan
""")
    assert "There is no SMS conversation in #ops yet" in out
    listing = out[out.index("> :reply\n"):out.index("> :reply On our way")]
    newest, older = re.findall(r"\d\) (\d+) → 12065550100", listing)
    assert {newest, older} == {"12065559876", "14255551234"}
    first = out[out.index("> :reply On our way"):out.index("> :reply 2 note:")]
    assert f"(sent to the phone: +1 {newest[1:4]}-{newest[4:7]}-{newest[7:]})" in first
    note = out[out.index("> :reply 2 note:"):out.index("> :reply 9")]
    assert "(nothing was sent to the phone: the reply stays in Slack)" in note
    assert "There is no conversation 9; :reply lists them." in out
    # The image is shared in the thread and, the demo bot having a public address for MMS media (it also takes
    # Flowroute's callbacks there), goes to the phone as an MMS; the console says so.
    shared = out[out.index("> :reply 2 --image"):]
    assert "plan.png" in shared and "Sent as an MMS with 1 image" in shared
    assert f"(sent to the phone: +1 {older[1:4]}-{older[4:7]}-{older[7:]})" in shared
