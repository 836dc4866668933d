"""The pure rules behind thread replies (what counts as a reply, the SMS text, the notes), the settings,
and the poll's report of a reply a crash left half done."""

import time

import pytest

from core.settings import Settings, SettingsError
from flowroute_api import plain_quotes
from relay.conversations import is_delivered
from relay.posts import RELAY_EVENT, relay_post, thread_start
from relay.replies import is_note, reply_candidate, sent_notes, sms_text
from tests.helpers.conversations import CHANNEL, REMOTE, SEATTLE, bot_notes, relay_in

IDENTITY = {"user_id": "UBOT", "bot_id": "BBOT"}
EVENT = {"type": "message", "channel": "C1", "user": "U1", "text": "hi", "ts": "2.0", "thread_ts": "1.0"}


def test_only_a_persons_new_message_inside_a_thread_is_a_reply():
    assert reply_candidate(EVENT, IDENTITY) == {"channel_id": "C1", "ts": "2.0", "thread_ts": "1.0", "user_id": "U1",
                                                "text": "hi", "files": []}
    assert reply_candidate({**EVENT, "subtype": "thread_broadcast"}, IDENTITY) is not None
    assert reply_candidate({**EVENT, "subtype": "file_share", "text": "", "files": [{"id": "F1"}]}, IDENTITY)
    for not_a_reply in ({**EVENT, "thread_ts": None}, {**EVENT, "thread_ts": "2.0"}, {**EVENT, "user": "UBOT"},
                        {**EVENT, "bot_id": "B9"}, {**EVENT, "subtype": "message_changed"},
                        {**EVENT, "subtype": "bot_message"}, {**EVENT, "subtype": "channel_join"},
                        {**EVENT, "text": "   "}, {**EVENT, "type": "app_mention"}):
        assert reply_candidate(not_a_reply, IDENTITY) is None, not_a_reply


def test_slack_markup_becomes_what_the_person_typed():
    assert sms_text("Call <tel:+12065550100|206-555-0100> or see <https://ex.com/a?b=1&amp;c=2|ex.com/a>") == (
        "Call 206-555-0100 (tel:+12065550100) or see https://ex.com/a?b=1&c=2")
    assert sms_text("<@U123> <#C1|ops> <!here> <mailto:a@b.co|a@b.co> 1 &lt; 2 &amp;&amp; 3 &gt; 2") == (
        "@U123 #ops @here a@b.co 1 < 2 && 3 > 2")
    assert plain_quotes("\u201cIt\u2019s\u201d") == ('"It\'s"', True)
    assert plain_quotes("plain 'quotes'") == ("plain 'quotes'", False)
    assert is_note("NOTE: x") and is_note("  note:x") and not is_note("notes: x") and not is_note("a note: x")


def test_notes_say_what_was_worth_knowing_and_nothing_otherwise():
    assert sent_notes("sms", "GSM-7", 1, False, 0) == ""
    assert sent_notes("sms", "UCS-2", 3, True, 0) == (
        ":information_source: Smart quotes were sent as plain quotes (Flowroute rejects smart quotes); "
        "sent as 3 SMS segments (UCS-2), each charged.")
    assert "MMS with 2 images" in sent_notes("mms", None, None, False, 2)


def test_a_relay_post_that_starts_a_thread_names_both_numbers_in_its_metadata():
    record = {"mdr_id": "mdr2-1", "at": "2026-01-01T00:00:00.000000Z", "from_number": REMOTE,
              "to_number": SEATTLE, "to_alias": None, "body": "hi", "is_mms": 0}
    start = relay_post(record, route="number", conversation={"thread_ts": None})
    message = {"ts": "5.0", "metadata": start["metadata"]}
    assert thread_start(message, CHANNEL) == {"channel_id": CHANNEL, "thread_ts": "5.0", "our_number": SEATTLE,
                                              "remote_number": REMOTE, "started_at": record["at"],
                                              "last_at": record["at"]}
    in_thread = relay_post(record, route="number", conversation={"thread_ts": "5.0"})
    assert thread_start({"ts": "6.0", "metadata": in_thread["metadata"]}, CHANNEL) is None
    assert thread_start({"ts": "7.0", "metadata": relay_post(record, route="number")["metadata"]}, CHANNEL) is None
    assert in_thread["metadata"]["event_type"] == RELAY_EVENT


def test_delivery_is_read_from_the_status_or_the_receipts():
    assert is_delivered({"data": {"attributes": {"status": "Delivered"}}})
    assert is_delivered({"data": {"attributes": {"status": "smsc submit",
                                                 "delivery_receipts": [{"status": "delivered"}]}}})
    assert not is_delivered({"data": {"attributes": {"status": "message buffered"}}}) and not is_delivered({})


def test_senders_and_public_url_settings():
    base = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "FLOWROUTE_ACCESS_KEY": "a",
            "FLOWROUTE_SECRET_KEY": "b", "FLOWROUTE_BOT_ADMINS": "U0ADMIN"}
    settings = Settings.from_env({**base, "FLOWROUTE_BOT_SENDERS": "U0CAROL, U0DAVE",
                                  "FLOWROUTE_BOT_PUBLIC_URL": "https://bot.example.com/"})
    assert settings.can_send("U0CAROL") and settings.can_send("U0ADMIN") and not settings.can_send("U0BOB")
    assert not settings.is_admin("U0CAROL") and settings.public_url == "https://bot.example.com"
    assert Settings.from_env(base).public_url is None and Settings.from_env(base).senders == frozenset()
    for name, value in (("FLOWROUTE_BOT_SENDERS", "carol"), ("FLOWROUTE_BOT_PUBLIC_URL", "bot.example.com")):
        with pytest.raises(SettingsError, match=name):
            Settings.from_env({**base, name: value})


def test_a_reply_a_crash_left_mid_send_is_reported_once_as_maybe_sent_never_resent(convo_bot):
    bot = convo_bot()
    post = relay_in(bot, "Hello")
    service = bot.conversations
    for ts, status in (("1.000001", "sending"), ("1.000002", "received")):
        reply = {"channel_id": CHANNEL, "ts": ts, "thread_ts": post.ts, "user_id": "U0ADMIN",
                 "from_number": SEATTLE, "to_number": REMOTE}
        assert service.store.claim_reply(reply)
        service.store.mark_reply(CHANNEL, ts, status=status, body="On our way")
    with bot.store.db() as db:  # as if the process died ten minutes ago, in the middle of both
        db.execute("UPDATE replies SET updated_at = ?", [time.time() - 600])

    bot.relay.check_replies()
    bot.relay.check_replies()
    notes = [m.text for m in bot_notes(bot, post)]
    assert len(notes) == 2
    [maybe] = [text for text in notes if "*may or may not*" in text]
    [not_sent] = [text for text in notes if "was *not* sent" in text]
    assert "On our way" in maybe and "will not be sent again" in maybe and "Post it again" in not_sent
    assert {service.store.get_reply(CHANNEL, ts)["status"] for ts in ("1.000001", "1.000002")} == {"unknown", "dropped"}
    assert bot.sandbox.requests_to("POST", "/v2.1/messages") == []
