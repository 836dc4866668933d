"""A reply typed in a conversation thread goes out as an SMS from our number to the customer, at most once,
only for allowed people, with what happened shown in the thread."""

from flowroute_api import FlowrouteClient
from relay.conversations import ACCEPTED_REACTION, DELIVERED_REACTION
from tests.conftest import ACCESS_KEY, SECRET_KEY
from tests.helpers.bot import ADMIN, USER, free_port
from tests.helpers.conversations import (
    CHANNEL,
    REMOTE,
    SEATTLE,
    SENDER,
    answer,
    bot_notes,
    reactions,
    relay_in,
    sends,
    wait_note,
    wait_reaction,
)

RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


def test_a_reply_is_sent_once_from_our_number_even_when_slack_delivers_it_three_times(convo_bot):
    bot = convo_bot()
    post = relay_in(bot, "Is the office open today?")
    reply = answer(bot, post, "Yes, until 6 pm.")
    assert bot.driver.resend_last(RETRY).status_code == 200
    assert bot.driver.resend_last({**RETRY, "X-Slack-Retry-Num": "2"}).status_code == 200
    assert bot.driver.send_event(bot.driver.message_event(reply)).status_code == 200  # same message, new event id
    wait_reaction(bot, reply, ACCEPTED_REACTION)
    bot.stop()  # every delivery has been handled: Bolt's and the work pool are joined

    assert sends(bot, status=None) == [{"from": SEATTLE, "to": REMOTE, "body": "Yes, until 6 pm."}]
    assert reactions(bot, reply) == [ACCEPTED_REACTION]
    audit = bot.store.get_audit()
    assert [(row["action"], row["user_id"], row["ok"]) for row in audit] == [("sms reply", ADMIN, 1)]


def test_a_restart_does_not_send_a_reply_again_and_the_thread_still_works(convo_bot, make_bot, tmp_path):
    kept = str(tmp_path / "kept.db")
    bot = convo_bot(FLOWROUTE_BOT_DB=kept)
    post = relay_in(bot, "Where is my order?")
    reply = answer(bot, post, "It ships tomorrow.")
    wait_reaction(bot, reply, ACCEPTED_REACTION)
    bot.stop()

    again = make_bot(FLOWROUTE_BOT_DB=kept)  # the same database after a restart
    retried = again.driver.send_event(again.driver.message_event(reply), retry_num=3, retry_reason="http_error")
    assert retried.status_code == 200
    newer = answer(again, post, "Tracking number follows.")
    wait_reaction(again, newer, ACCEPTED_REACTION)
    again.stop()
    assert [item["body"] for item in sends(again, status=None)] == ["It ships tomorrow.", "Tracking number follows."]


def test_someone_not_allowed_is_told_privately_and_nothing_is_sent(convo_bot):
    bot = convo_bot()
    post = relay_in(bot, "Can you help?")
    answer(bot, post, "I'll take this one", user=USER)
    refusal = bot.slack.wait_for(lambda: next(
        (m for m in bot.slack.messages(CHANNEL) if m.ephemeral_to == USER), None), timeout=10)
    assert refusal.thread_ts == post.ts and "FLOWROUTE_BOT_SENDERS" in refusal.text and "*not* sent" in refusal.text
    bot.stop()
    assert sends(bot, status=None) == [] and bot_notes(bot, post) == []


def test_a_sender_who_is_not_an_admin_may_answer_by_sms_but_not_run_write_commands(convo_bot):
    bot = convo_bot()
    post = relay_in(bot, "Hi")
    reply = answer(bot, post, "Hello from Carol", user=SENDER)
    wait_reaction(bot, reply, ACCEPTED_REACTION)
    assert sends(bot) == [{"from": SEATTLE, "to": REMOTE, "body": "Hello from Carol"}]
    assert "only Flowroute admins" in bot.command("sms 2065550100 2065557001 hi", user=SENDER).body


def test_a_note_stays_in_slack(convo_bot):
    bot = convo_bot()
    post = relay_in(bot, "Please call me")
    note = answer(bot, post, "  Note: called, no answer; will try at 3")
    reply = answer(bot, post, "We tried to call you")
    wait_reaction(bot, reply, ACCEPTED_REACTION)
    bot.stop()
    assert [item["body"] for item in sends(bot, status=None)] == ["We tried to call you"]
    assert reactions(bot, note) == []


def test_a_flowroute_refusal_is_shown_in_the_thread(convo_bot):
    bot = convo_bot()
    post = relay_in(bot, "Hello")
    bot.sandbox.fail_next(count=1, status=422, path_prefix="/v2.1/messages", method="POST",
                          detail="The recipient has opted out.")
    reply = answer(bot, post, "Hello back")
    note = wait_note(bot, post, "422")
    assert "*not* sent" in note.text and "The recipient has opted out." in note.text and "Hello back" in note.text
    assert f"<@{ADMIN}>" in note.text
    bot.stop()
    assert reactions(bot, reply) == [] and sends(bot) == []
    assert bot.store.get_audit()[0]["ok"] == 0


def test_when_flowroute_fails_mid_send_the_thread_says_it_may_have_gone_and_nothing_is_resent(convo_bot):
    bot = convo_bot()
    post = relay_in(bot, "Hello")
    bot.sandbox.fail_next(count=5, status=503, path_prefix="/v2.1/messages", method="POST")
    reply = answer(bot, post, "Hello back")
    note = wait_note(bot, post, "may or may not")
    assert "503" in note.text and "will not be sent again" in note.text
    bot.relay.run_cycle(send_budget=0.5)  # the poll's follow-up does not retry it either
    bot.driver.send_event(bot.driver.message_event(reply), retry_num=1)
    bot.stop()
    assert len(sends(bot, status=None)) == 1 and reactions(bot, reply) == []


def test_when_flowroute_cannot_be_reached_the_thread_says_the_reply_was_not_sent(convo_bot):
    bot = convo_bot()
    post = relay_in(bot, "Hello")
    closed = free_port()  # a port nothing listens on: every connection is refused
    service = bot.conversations
    service.flowroute = FlowrouteClient(ACCESS_KEY, SECRET_KEY, base_url=f"http://127.0.0.1:{closed}",
                                        backoff_factor=0.01)
    reply = answer(bot, post, "Hello back")
    note = wait_note(bot, post, "*not* sent")
    assert "was *not* sent: Flowroute" in note.text and "may or may not" not in note.text
    assert service.store.get_reply(CHANNEL, reply.ts)["status"] == "failed"  # a later retry of the event: no send
    assert reactions(bot, reply) == []


def test_the_bots_own_posts_other_bots_and_edits_are_never_sent(convo_bot):
    bot = convo_bot(FLOWROUTE_BOT_SENDERS=f"{SENDER},U0OTHERBOT")  # even a bot listed by mistake
    post = relay_in(bot, "Hello")
    sent = answer(bot, post, "See you at 5")
    wait_reaction(bot, sent, ACCEPTED_REACTION)
    thread_ts = post.ts
    driver, emulator = bot.driver, bot.slack
    emulator.add_user("U0OTHERBOT", "otherbot", is_bot=True)

    own = emulator.post_as_user("bot talking", user=emulator.bot_user_id, channel=CHANNEL, thread_ts=thread_ts)
    driver.send_event({**driver.message_event(own), "bot_id": emulator.bot_id})
    other = emulator.post_as_user("another app", user="U0OTHERBOT", channel=CHANNEL, thread_ts=thread_ts)
    driver.send_event({**driver.message_event(other), "bot_id": "B0OTHER"})
    classic = driver.message_event(other)
    driver.send_event({**classic, "subtype": "bot_message", "bot_id": "B0CLASSIC", "username": "legacy"})
    edited = {**driver.message_event(emulator.message(sent.id)), "text": "See you at 6", "edited": {"user": ADMIN}}
    driver.send_event({"type": "message", "subtype": "message_changed", "hidden": True, "channel": CHANNEL,
                       "ts": "9999999999.000001", "event_ts": "9999999999.000001", "message": edited,
                       "previous_message": driver.message_event(sent)})
    driver.send_event({"type": "message", "subtype": "message_deleted", "hidden": True, "channel": CHANNEL,
                       "ts": "9999999999.000002", "deleted_ts": sent.ts, "previous_message": edited})
    assert driver.last_response.status_code == 200
    bot.stop()
    assert [item["body"] for item in sends(bot, status=None)] == ["See you at 5"]


def test_accepted_then_delivered_reactions_each_come_once(convo_bot):
    bot = convo_bot()
    post = relay_in(bot, "Did you get my photo?")
    reply = answer(bot, post, "Yes, thanks!")
    wait_reaction(bot, reply, ACCEPTED_REACTION)
    assert reactions(bot, reply) == [ACCEPTED_REACTION]  # delivery is only known from the MDR, later

    [outbound] = [m for m in bot.sandbox.messages("outbound") if m["attributes"]["to"] == REMOTE]
    bot.relay.run_cycle(send_budget=0.5)  # the poller reads the MDR we sent: "delivered"
    assert reactions(bot, reply) == [ACCEPTED_REACTION, DELIVERED_REACTION]
    assert bot.sandbox.requests_to("GET", f"/v2.1/messages/{outbound['id']}")

    bot.relay.run_cycle(send_budget=0.5)
    adds = [c.args["name"] for c in bot.slack.calls_to("reactions.add")]
    assert adds == [ACCEPTED_REACTION, DELIVERED_REACTION]
    assert len(bot.sandbox.requests_to("GET", f"/v2.1/messages/{outbound['id']}")) == 1  # checked no more


def test_smart_quotes_are_sent_as_plain_quotes_and_the_thread_says_so(convo_bot):
    bot = convo_bot()
    post = relay_in(bot, "Are you open?")
    reply = answer(bot, post, "We\u2019re \u201cclosed\u201d today &amp; tomorrow")
    wait_reaction(bot, reply, ACCEPTED_REACTION)
    assert sends(bot)[0]["body"] == "We're \"closed\" today & tomorrow"
    assert "plain quotes" in wait_note(bot, post, "smart quotes").text


def test_a_reply_over_ten_segments_is_refused_visibly_and_ten_are_sent(convo_bot):
    bot = convo_bot()
    post = relay_in(bot, "Tell me everything")
    answer(bot, post, "x" * 1531)  # GSM-7: 153 characters per segment once split, so 11 segments
    refusal = wait_note(bot, post, "11 SMS segments")
    assert "*not* sent" in refusal.text and "limit is 10" in refusal.text
    ten = answer(bot, post, "y" * 1530)
    wait_reaction(bot, ten, ACCEPTED_REACTION)
    assert "10 SMS segments" in wait_note(bot, post, "10 SMS segments").text  # the cost is said, too
    assert [len(item["body"]) for item in sends(bot, status=None)] == [1530]


def test_url_verification_is_answered(bot):
    response = bot.driver.url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
    assert response.status_code == 200
    assert response.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}
