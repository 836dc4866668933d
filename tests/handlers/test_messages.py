"""`/flowroute sms|mms|messages ...` end to end through the bot's HTTP endpoint, plus `sms_segments` unit tests."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from flowroute_api import sms_segments
from handlers.messages import MESSAGES_CANCEL_ACTION, MESSAGES_SEND_ACTION
from tests.helpers.bot import ADMIN, OPS, USER, requests_to, shown, texts, wait_for_edit, wait_for_text

OURS = "12065550100"  # seeded account number "Seattle support"
THEIRS = "14255551234"  # seeded outside number
SEND = ("POST", "/v2.1/messages")


# --- helpers ----------------------------------------------------------------------------------------

def sends(bot):
    return requests_to(bot, *SEND)


def mdr_lists(bot):
    return requests_to(bot, "GET", "/v2.1/messages")


def fields_of(message) -> dict:
    """The confirmation's fields section as {label: value}."""
    for block in message.blocks:
        if block.get("fields"):
            return dict(field["text"].split("\n", 1) for field in block["fields"])
    raise AssertionError(f"no fields in {message.blocks}")


# --- sms_segments (pure) ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text, expected",
    [
        ("", ("GSM-7", 0)),
        ("a" * 160, ("GSM-7", 1)),
        ("a" * 161, ("GSM-7", 2)),
        ("a" * 306, ("GSM-7", 2)),
        ("a" * 307, ("GSM-7", 3)),
        ("é£¥Ü" * 40, ("GSM-7", 1)),  # accented letters of the GSM basic set stay GSM-7
        ("€" * 80, ("GSM-7", 1)),  # extension characters count double: 160 septets
        ("€" * 81, ("GSM-7", 2)),
        ("a" * 159 + "[", ("GSM-7", 2)),
        ("a" * 152 + "{" + "a" * 152, ("GSM-7", 3)),  # the escape pair is not split across segments
        ("ж" * 70, ("UCS-2", 1)),
        ("ж" * 71, ("UCS-2", 2)),
        ("ж" * 134, ("UCS-2", 2)),
        ("ж" * 135, ("UCS-2", 3)),
        ("a" * 69 + "`", ("UCS-2", 1)),  # a backtick is not in the GSM set
        ("😀" * 35, ("UCS-2", 1)),  # an emoji is a surrogate pair: two UTF-16 units
        ("😀" * 36, ("UCS-2", 2)),
        ("a" * 66 + "😀", ("UCS-2", 1)),  # 68 units fit one segment
        ("a" * 66 + "😀" + "a" * 66, ("UCS-2", 3)),  # 134 units, but the pair is not split: 66 | 67 | 1
    ],
)
def test_sms_segments(text, expected):
    assert sms_segments(text) == expected


# --- sms -----------------------------------------------------------------------------------------------

def test_sms_confirmation_shows_route_encoding_segments_and_escaped_text(bot):
    result = bot.command(f"sms {OURS} +1 (425) 555-1234 Hi <!channel> & <@U0BOB>, lunch at 12?")
    assert result.status == 200
    confirmation = shown(bot, result)
    fields = fields_of(confirmation)
    assert fields["*From*"] == "+1 206-555-0100" and fields["*To*"] == "+1 425-555-1234"
    assert fields["*Encoding*"] == "GSM-7" and fields["*Segments*"].startswith("1 ")
    body = texts(confirmation.blocks)
    assert "Hi &lt;!channel&gt; &amp; &lt;@U0BOB&gt;, lunch at 12?" in body
    assert "<!channel>" not in body
    assert confirmation.ephemeral_to == ADMIN
    send = next(b for b in bot.driver.buttons(confirmation) if b["action_id"] == MESSAGES_SEND_ACTION)
    assert send.get("confirm") is None and send["style"] == "primary"  # the preview is the confirmation
    assert sends(bot) == []  # nothing is sent before the click


def test_smart_quotes_are_sent_as_plain_quotes_and_the_confirmation_says_so(bot):
    confirmation = shown(bot, bot.command(f"sms {OURS} 4255551234 It\u2019s \u201cfine\u201d"))
    assert "It's \"fine\"" in texts(confirmation.blocks)
    assert "Smart quotes will be sent as plain quotes" in texts(confirmation.blocks)
    assert fields_of(confirmation)["*Encoding*"] == "GSM-7"  # the curly quotes alone would have made it UCS-2
    bot.driver.click(confirmation, action_id=MESSAGES_SEND_ACTION)
    sent = bot.slack.wait_for(lambda: sends(bot))
    assert sent[0].json["data"]["attributes"]["body"] == "It's \"fine\""


def test_sms_with_emoji_is_ucs2(bot):
    confirmation = shown(bot, bot.command(f"sms {OURS} {THEIRS} On my way 🚗 " + "x" * 60))
    fields = fields_of(confirmation)
    assert fields["*Encoding*"] == "UCS-2" and fields["*Segments*"].startswith("2 ")


def test_send_click_sends_once_even_when_double_clicked(make_bot):
    bot = make_bot(FLOWROUTE_BOT_AUDIT_CHANNEL="C0AUDIT")
    confirmation = shown(bot, bot.command(f"sms {OURS} {THEIRS} Server maintenance tonight"))
    bot.sandbox.set_latency(0.3)  # the first send is still running when the second click arrives
    first = bot.driver.click(confirmation, action_id=MESSAGES_SEND_ACTION)
    second = bot.driver.click(confirmation, action_id=MESSAGES_SEND_ACTION)
    assert (first.status_code, second.status_code) == (200, 200)

    wait_for_text(bot, "already sent")
    replaced = wait_for_edit(bot, confirmation)
    bot.sandbox.set_latency(0)
    [request] = sends(bot)
    attributes = request.json["data"]["attributes"]
    assert attributes == {"from": OURS, "to": THEIRS, "body": "Server maintenance tonight"}
    mdr_id = bot.sandbox.messages("outbound")[-1]["id"]
    assert mdr_id in replaced.text and bot.driver.buttons(replaced) == []
    assert "Server maintenance tonight" in texts(replaced.blocks)  # the result, once, where the preview was
    public = [m for m in bot.slack.messages(OPS, include_ephemeral=False)]
    assert not any("Server maintenance" in m.text or "sent an SMS" in m.text for m in public)
    row = bot.store.get_audit()[0]
    assert (row["user_id"], row["action"], row["ok"]) == (ADMIN, "sms", 1)
    assert len(bot.store.get_audit()) == 1
    assert wait_for_text(bot, "sms", channel="C0AUDIT", ephemeral=False)


def test_cancel_then_send_sends_nothing(bot):
    confirmation = shown(bot, bot.command(f"sms {OURS} {THEIRS} never mind"))
    payload = bot.driver.buttons(confirmation)
    bot.driver.click(confirmation, action_id=MESSAGES_CANCEL_ACTION)
    cancelled = wait_for_edit(bot, confirmation)
    assert "Cancelled" in cancelled.text and bot.driver.buttons(cancelled) == []
    assert [b["action_id"] for b in payload] == [MESSAGES_SEND_ACTION, MESSAGES_CANCEL_ACTION]
    assert sends(bot) == []


def test_non_admin_cannot_send(bot):
    refused = bot.command(f"sms {OURS} {THEIRS} hello", user=USER)
    assert "only Flowroute admins" in refused.message.text

    confirmation = shown(bot, bot.command(f"sms {OURS} {THEIRS} hello"))
    bot.driver.click(confirmation, action_id=MESSAGES_SEND_ACTION, user=USER)
    assert "only Flowroute admins" in wait_for_text(bot, "only Flowroute admins").text
    assert sends(bot) == []
    # The refusal claimed nothing: the admin can still send it.
    bot.driver.click(confirmation, action_id=MESSAGES_SEND_ACTION)
    bot.slack.wait_for(lambda: len(sends(bot)) == 1, timeout=10)


def test_flowroute_refusals_are_one_readable_line(bot):
    bot.sandbox.fail_next(status=422, path_prefix="/v2.1/messages", method="POST", detail="to is not SMS capable.")
    confirmation = shown(bot, bot.command(f"sms {OURS} {THEIRS} hello"))
    bot.driver.click(confirmation, action_id=MESSAGES_SEND_ACTION)
    replaced = wait_for_edit(bot, confirmation)
    assert "was not sent" in replaced.text and "Flowroute 422" in replaced.text
    assert "to is not SMS capable." in replaced.text and "Traceback" not in replaced.text
    row = bot.store.get_audit()[0]
    assert (row["action"], row["ok"]) == ("sms", 0) and "422" in row["result"]


def test_sending_from_a_number_not_on_the_account_shows_flowroute_403(bot):
    confirmation = shown(bot, bot.command(f"sms 12065559876 {THEIRS} hello"))
    bot.driver.click(confirmation, action_id=MESSAGES_SEND_ACTION)
    replaced = wait_for_edit(bot, confirmation)
    assert "Flowroute 403" in replaced.text and "from must be a number on your account" in replaced.text
    assert bot.sandbox.messages("outbound") == [m for m in bot.sandbox.messages("outbound")
                                                if m["attributes"]["from"] != "12065559876"]


# --- mms ---------------------------------------------------------------------------------------------------

def test_mms_confirmation_lists_media_and_sends_once_with_a_real_boolean(bot):
    urls = "https://example.com/a.jpg,https://example.com/b.png"
    confirmation = shown(bot, bot.command(f"mms {OURS} {THEIRS} {urls} Floor plan <here>"))
    body = texts(confirmation.blocks)
    assert "https://example.com/a.jpg" in body and "https://example.com/b.png" in body
    assert "Floor plan &lt;here&gt;" in body
    assert fields_of(confirmation)["*Media*"] == "2 URLs"
    assert sends(bot) == []

    bot.sandbox.set_latency(0.3)
    bot.driver.click(confirmation, action_id=MESSAGES_SEND_ACTION)
    bot.driver.click(confirmation, action_id=MESSAGES_SEND_ACTION)
    replaced = wait_for_edit(bot, confirmation)
    wait_for_text(bot, "already sent")
    bot.sandbox.set_latency(0)
    [request] = sends(bot)
    attributes = request.json["data"]["attributes"]
    assert attributes["is_mms"] is True
    assert attributes["media_urls"] == ["https://example.com/a.jpg", "https://example.com/b.png"]
    assert attributes["body"] == "Floor plan <here>"
    assert (attributes["from"], attributes["to"]) == (OURS, THEIRS)
    assert "Sent an MMS" in replaced.text
    assert not any("sent an MMS" in m.text for m in bot.slack.messages(OPS, include_ephemeral=False))


def test_mms_without_text_sends_no_body(bot):
    confirmation = shown(bot, bot.command(f"mms {OURS} {THEIRS} https://example.com/a.jpg"))
    assert fields_of(confirmation)["*Text encoding*"] == "no text"
    bot.driver.click(confirmation, action_id=MESSAGES_SEND_ACTION)
    wait_for_edit(bot, confirmation)
    [request] = sends(bot)
    assert "body" not in request.json["data"]["attributes"]


def test_non_admin_cannot_send_mms(bot):
    confirmation = shown(bot, bot.command(f"mms {OURS} {THEIRS} https://example.com/a.jpg hi"))
    bot.driver.click(confirmation, action_id=MESSAGES_SEND_ACTION, user=USER)
    wait_for_text(bot, "only Flowroute admins")
    assert sends(bot) == []


# --- messages list / show -----------------------------------------------------------------------------------

def test_list_defaults_to_the_last_24_hours(bot):
    bot.sandbox.inject_message(THEIRS, OURS, "Is the <!here> office open & staffed?")
    page = shown(bot, bot.command("messages list"))
    body = texts(page.blocks)
    assert "Is the &lt;!here&gt; office open &amp; staffed?" in body and "<!here>" not in body
    assert ":inbox_tray:" in body and "+1 425-555-1234 → +1 206-555-0100" in body
    start = datetime.fromisoformat(mdr_lists(bot)[0].query["start_date"][0])
    assert abs(start - (datetime.now(UTC) - timedelta(hours=24))) < timedelta(minutes=5)


def test_list_pages_keep_the_same_window_newest_first(bot):
    since = (datetime.now(UTC) - timedelta(days=4)).date().isoformat()
    page = shown(bot, bot.command(f"messages list --start {since} --limit 3"))
    first = texts(page.blocks)
    assert first.count("`mdr2-") == 3 and "Records 1–3 of " in first and "newest first" in first
    newest = sorted(bot.sandbox.messages(), key=lambda m: m["attributes"]["timestamp"], reverse=True)
    assert [m["id"] for m in newest[:3]] == re.findall(r"`(mdr2-[0-9a-f]+)`", first)
    assert "$0.0" in first and (":outbox_tray:" in first or ":inbox_tray:" in first)
    assert [b["text"] for b in bot.driver.buttons(page)] == ["Next"]

    bot.driver.click(page, text="Next")
    second_page = wait_for_edit(bot, page)
    second = texts(second_page.blocks)
    assert [m["id"] for m in newest[3:6]] == re.findall(r"`(mdr2-[0-9a-f]+)`", second) and "Records 4–6" in second
    assert {b["text"] for b in bot.driver.buttons(second_page)} == {"Previous", "Next"}
    queries = [r.query for r in mdr_lists(bot)]
    assert len({q["start_date"][0] for q in queries}) == 1  # the same window on every page


def test_list_filters_by_number_direction_and_status(bot):
    bot.sandbox.inject_message(THEIRS, OURS, "inbound one")
    since = (datetime.now(UTC) - timedelta(days=4)).date().isoformat()
    page = texts(shown(bot, bot.command(f"messages list --start {since} --number {THEIRS} --direction inbound "
                                         "--limit 50")).blocks)
    assert "(with +1 425-555-1234, inbound)" in page and "inbound one" in page
    assert ":outbox_tray:" not in page
    lines = [line for line in page.split("\n") if "`mdr2-" in line]
    assert lines and all("+1 425-555-1234" in line for line in lines)
    nothing = bot.reply(bot.command(f"messages list --start {since} --status no-such-status"))
    assert nothing["text"].startswith("No messages from ") and "status no-such-status" in nothing["text"]
    bad = bot.command("messages list --direction sideways")
    assert "`sideways` must be one of inbound, outbound" in bad.json["text"]


def test_show_outbound_sms_with_delivery_receipts(bot):
    outbound = next(m for m in bot.sandbox.messages("outbound") if m["attributes"]["delivery_receipts"])
    detail = shown(bot, bot.command(f"messages show {outbound['id']}"))
    body = texts(detail.blocks)
    assert outbound["id"] in body and "Delivery receipts" in body
    for receipt in outbound["attributes"]["delivery_receipts"]:
        assert receipt["status"] in body
    assert "+1 " in body and "Encoding" in body


def test_show_mms_lists_its_media(bot):
    mms = next(m for m in bot.sandbox.messages("inbound") if m["attributes"]["is_mms"])
    body = texts(shown(bot, bot.command(f"messages show {mms['id']}")).blocks)
    assert "*Media*" in body and "/sandbox/media/" in body and "MMS" in body


def test_show_unknown_record_is_one_readable_line(bot):
    reply = bot.reply(bot.command("messages show mdr2-" + "0" * 32))
    assert reply["text"].startswith(f":no_entry_sign: Message record `mdr2-{'0' * 32}` is not on your Flowroute "
                                    "account (Flowroute 404")


def test_text_too_long_for_a_button_is_refused_before_anything_is_sent(bot):
    reply = bot.reply(bot.command(f"sms {OURS} {THEIRS} " + "word " * 400))
    assert "too long to confirm" in reply["text"] and "blocks" not in reply
    assert sends(bot) == []


def test_show_a_long_body_whole_in_sections_broken_between_words(bot):
    words = [f"w{i:04d}&" for i in range(700)]  # 4,900 characters, 7,700 once escaped
    record = bot.sandbox.inject_message(THEIRS, OURS, " ".join(words))
    detail = shown(bot, bot.command(f"messages show {record['id']}"))
    sections = [block["text"]["text"] for block in detail.blocks
                if block["type"] == "section" and (block.get("text") or {}).get("verbatim")]
    assert len(sections) >= 3 and all(len(text) <= 3000 for text in sections)
    assert "".join(text.removeprefix("> ") for text in sections) == " ".join(words).replace("&", "&amp;")
