"""Opt-outs end to end: an inbound STOP (or STOPALL, QUIT...) makes the bot refuse thread replies, `sms` and
`mms` to that sender from that number, says why with the date, survives a wiped database, and Flowroute's
own 400/1110 refusal is explained the same way."""

from handlers.messages import MESSAGES_SEND_ACTION
from relay.posts import RELAY_EVENT
from tests.helpers.bot import shown, texts, wait_for_edit, wait_for_text
from tests.helpers.conversations import (
    CHANNEL,
    OTHER_REMOTE,
    REMOTE,
    SEATTLE,
    answer,
    relay_in,
    sends,
    wait_note,
)
from tests.helpers.relay import SALES

ATTEMPTS = ("POST", "/v2.1/messages")


def attempts(bot) -> list:
    return bot.sandbox.requests_to(*ATTEMPTS)


def test_stop_then_a_thread_reply_sends_nothing_and_the_thread_says_why_with_the_date(convo_bot):
    bot = convo_bot()
    first = relay_in(bot, "Is my order ready?")
    stop = relay_in(bot, "  stop! ")
    assert "STOP" in texts(stop.blocks) and "opted out of messages from +1 206-555-0100" in texts(stop.blocks)
    assert stop.metadata["event_payload"]["optout"] == "STOP"
    assert stop.reply_broadcast  # also in the channel, where recovery finds it

    reply = answer(bot, first, "It ships tomorrow.")
    note = wait_note(bot, first, "not* sent")
    stored = bot.store.get_optout(SEATTLE, REMOTE)
    assert stored["state"] == "stopped" and stored["keyword"] == "STOP"
    day = stored["at"][:10]
    assert "+1 206-555-7001 opted out of messages from +1 206-555-0100" in note.text
    assert f"replied STOP on {day}" in note.text and "UNSTOP" in note.text
    assert bot.store.get_reply(CHANNEL, reply.ts)["status"] == "refused"
    assert attempts(bot) == []


def test_a_stop_blocks_only_that_pair(convo_bot):
    bot = convo_bot()
    relay_in(bot, "STOP")
    other = relay_in(bot, "hello", remote=OTHER_REMOTE)
    answer(bot, other, "Hi there")
    bot.slack.wait_for(lambda: sends(bot), timeout=10)
    assert [item["to"] for item in sends(bot)] == [OTHER_REMOTE]


def test_start_opts_back_in_after_quit_but_not_after_stop_and_unstop_does(convo_bot):
    bot = convo_bot()
    post = relay_in(bot, "QUIT")
    relay_in(bot, "Start")
    answer(bot, post, "Welcome back")
    bot.slack.wait_for(lambda: sends(bot), timeout=10)
    assert [item["body"] for item in sends(bot)] == ["Welcome back"]

    relay_in(bot, "STOP")
    relay_in(bot, "START")  # Flowroute keeps blocking after a STOP: so does the bot
    answer(bot, post, "Are you there?")
    wait_note(bot, post, "replied STOP")
    relay_in(bot, "unstop")
    answer(bot, post, "Thanks for coming back")
    bot.slack.wait_for(lambda: len(sends(bot)) == 2, timeout=10)
    assert [item["body"] for item in sends(bot)] == ["Welcome back", "Thanks for coming back"]


def test_sms_and_mms_commands_to_an_opted_out_number_are_refused_before_flowroute(convo_bot):
    bot = convo_bot()
    relay_in(bot, "unsubscribe")
    refused = bot.reply(bot.command(f"sms {SEATTLE} {REMOTE} We miss you"))
    assert "SMS not sent" in refused["text"] and "replied UNSUBSCRIBE on" in refused["text"]
    assert "START or UNSTOP" in refused["text"]
    refused = bot.reply(bot.command(f"mms {SEATTLE} {REMOTE} https://example.com/a.png Look"))
    assert "MMS not sent" in refused["text"] and "opted out" in refused["text"]
    other = shown(bot, bot.command(f"sms {SALES} {REMOTE} From another of our numbers"))
    assert "Send this SMS from +1 206-555-0101" in other.text  # only the number they texted is blocked
    assert attempts(bot) == []


def test_an_opt_out_after_the_confirmation_stops_the_send_click(convo_bot):
    bot = convo_bot()
    confirmation = shown(bot, bot.command(f"sms {SEATTLE} {REMOTE} Big sale today"))
    relay_in(bot, "END")
    bot.driver.click(confirmation, action_id=MESSAGES_SEND_ACTION)
    refused = wait_for_text(bot, "SMS not sent")
    assert "replied END" in refused.text
    assert attempts(bot) == []


def test_optouts_list_shows_each_pair_and_filters_by_number(convo_bot):
    bot = convo_bot()
    relay_in(bot, "STOP")
    relay_in(bot, "cancel", remote=OTHER_REMOTE)
    relay_in(bot, "QUIT", remote="13125550999")
    relay_in(bot, "START", remote="13125550999")  # back in: not listed
    listing = bot.reply(bot.command("optouts list"))
    body = texts(listing["blocks"])
    assert "+1 206-555-7001 opted out" in body and "replied STOP" in body
    assert "+1 425-555-7002 opted out" in body and "replied CANCEL" in body
    assert "312-555-0999" not in body and "2 opted-out pairs" in body
    only = texts(bot.reply(bot.command(f"optouts list {OTHER_REMOTE}"))["blocks"])
    assert "425-555-7002" in only and "206-555-7001 opted" not in only
    nobody = bot.reply(bot.command("optouts list 13125550999"))
    assert "Nobody has opted out involving +1 312-555-0999" in nobody["text"]


def test_opt_outs_survive_a_wiped_database(convo_bot, make_bot):
    bot = convo_bot()
    first = relay_in(bot, "Hello")
    relay_in(bot, "STOP")  # a reply in the first post's thread
    relay_in(bot, "quit", remote=OTHER_REMOTE)
    relay_in(bot, "STOPALL", remote="13125550999")
    relay_in(bot, "start", remote="13125550999")
    bot.stop()

    wiped = make_bot(FLOWROUTE_BOT_SENDERS="U0CAROL")  # a new, empty database, the same Slack workspace
    summary = wiped.relay.recover_if_empty()
    assert summary["optouts"] == 3
    states = {(row["remote_number"], row["state"]) for row in wiped.store.get_optouts(blocking_only=False)}
    assert states == {(REMOTE, "stopped"), (OTHER_REMOTE, "opted_out"), ("13125550999", "opted_in")}
    answer(wiped, first, "Are you still there?")
    wait_note(wiped, first, "replied STOP")
    assert attempts(wiped) == []


def test_flowroute_1110_for_a_stop_the_bot_never_saw_is_explained_the_same_way(convo_bot):
    bot = convo_bot()
    post = relay_in(bot, "Hi")
    bot.sandbox.inject_message(REMOTE, SEATTLE, "STOP")  # Flowroute has it; the bot has not polled yet
    answer(bot, post, "Hello?")
    note = wait_note(bot, post, "error 1110")
    assert "+1 206-555-7001 opted out of messages from +1 206-555-0100" in note.text and "UNSTOP" in note.text
    [attempt] = attempts(bot)
    assert attempt.status == 400

    confirmation = shown(bot, bot.command(f"sms {SEATTLE} {REMOTE} One more try"))
    bot.driver.click(confirmation, action_id=MESSAGES_SEND_ACTION)
    replaced = wait_for_edit(bot, confirmation)
    assert "was not sent" in replaced.text and "error 1110" in replaced.text and "opted out" in replaced.text


def test_the_keyword_posts_carry_what_recovery_reads(convo_bot):
    bot = convo_bot()
    post = relay_in(bot, "Stop")
    payload = post.metadata["event_payload"]
    assert post.metadata["event_type"] == RELAY_EVENT
    assert (payload["from"], payload["to"], payload["optout"]) == (REMOTE, SEATTLE, "STOP")
