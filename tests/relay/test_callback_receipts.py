"""Delivery receipts by callback: the bot's own sends say delivered or not, in the thread and in the
`sms` confirmation, without the poll's MDR follow-up (the scheduler is stopped)."""

from handlers.messages import MESSAGES_SEND_ACTION
from relay.conversations import ACCEPTED_REACTION, DELIVERED_REACTION
from tests.helpers.bot import ADMIN, shown, texts, wait_for_edit
from tests.helpers.callbacks import callback_url, start_callback_bot
from tests.helpers.conversations import CHANNEL, SEATTLE, SENDER, answer, reactions, relay_in, sends, wait_note

THEIRS = "14255551234"


def conversation_bot(make_bot):
    bot = start_callback_bot(make_bot, FLOWROUTE_BOT_SENDERS=SENDER)
    bot.store.save_subscription(SEATTLE, CHANNEL, ADMIN)
    return bot


def test_a_delivered_receipt_marks_the_thread_reply_delivered(make_bot):
    bot = conversation_bot(make_bot)
    post = relay_in(bot, "Are you open?")
    reply = answer(bot, post, "Yes, until 6.")
    bot.slack.wait_for(lambda: {ACCEPTED_REACTION, DELIVERED_REACTION} <= set(reactions(bot, reply)), timeout=10)
    assert sends(bot)[0]["dlr_callback"] == callback_url(bot)
    assert sorted(reactions(bot, reply)) == sorted([ACCEPTED_REACTION, DELIVERED_REACTION])
    assert not bot.sandbox.requests_to("GET", f"/v2.1/messages/{bot.store.get_reply(CHANNEL, reply.ts)['mdr_id']}")


def test_a_failed_receipt_says_why_in_the_thread(make_bot):
    bot = conversation_bot(make_bot)
    bot.sandbox.callbacks.set_faults(fail_receipts=True)
    post = relay_in(bot, "Are you open?")
    reply = answer(bot, post, "Yes, until 6.")
    bot.slack.wait_for(lambda: "x" in reactions(bot, reply), timeout=10)
    note = wait_note(bot, post, "not delivered")
    assert "the phone rejected the message (undelivered, code 1110)" in note.text
    assert DELIVERED_REACTION not in reactions(bot, reply)


def test_the_sms_confirmation_is_edited_when_the_receipt_comes(make_bot):
    bot = start_callback_bot(make_bot)
    confirmation = shown(bot, bot.command(f"sms {SEATTLE} {THEIRS} Maintenance tonight"))
    bot.driver.click(confirmation, action_id=MESSAGES_SEND_ACTION)
    edited = bot.slack.wait_for(
        lambda: "Delivered to the handset" in texts(bot.slack.message_for(confirmation).blocks), timeout=10)
    assert edited
    assert sends(bot)[0]["dlr_callback"] == callback_url(bot)
    assert "Sent an SMS" in texts(bot.slack.message_for(confirmation).blocks)


def test_a_failed_receipt_edits_the_confirmation_with_the_reason(make_bot):
    bot = start_callback_bot(make_bot)
    bot.sandbox.callbacks.set_faults(fail_receipts=True)
    confirmation = shown(bot, bot.command(f"sms {SEATTLE} {THEIRS} Maintenance tonight"))
    bot.driver.click(confirmation, action_id=MESSAGES_SEND_ACTION)
    bot.slack.wait_for(lambda: "Not delivered: Message accepted by the SMSC but the phone rejected"
                       in texts(bot.slack.message_for(confirmation).blocks), timeout=10)


def test_without_callbacks_sends_carry_no_dlr_callback(make_bot):
    bot = start_callback_bot(make_bot, turn_on=False)
    confirmation = shown(bot, bot.command(f"sms {SEATTLE} {THEIRS} Maintenance tonight"))
    bot.driver.click(confirmation, action_id=MESSAGES_SEND_ACTION)
    wait_for_edit(bot, confirmation)
    assert "dlr_callback" not in bot.slack.wait_for(lambda: sends(bot))[0]
