"""`/flowroute inbox ...` end to end: subscribe/unsubscribe/list/status/poll, refusals and the unrouted count."""

from relay.posts import SUBSCRIPTION_EVENT
from tests.helpers.bot import ADMIN, USER
from tests.helpers.relay import REMOTE, SALES, SEATTLE, posted_ids


def reply_text(bot, result) -> str:
    post = bot.reply(result)
    return post.get("text", "")


def announcements(bot, channel):
    return [m.metadata["event_payload"] for m in bot.slack.messages(channel, include_ephemeral=False)
            if (m.metadata or {}).get("event_type") == SUBSCRIPTION_EVENT]


def test_subscribe_list_unsubscribe_are_audited_and_announced_with_metadata(relay_bot):
    bot = relay_bot(FLOWROUTE_BOT_AUDIT_CHANNEL="C0AUDIT")
    text = reply_text(bot, bot.command("inbox subscribe +1 (206) 555-0100 <#C0ALERTS|alerts>"))
    assert "+1 206-555-0100" in text and "<#C0ALERTS>" in text
    assert "already" in reply_text(bot, bot.command("inbox subscribe 2065550100 C0ALERTS"))
    reply_text(bot, bot.command("inbox subscribe all here"))  # here = C0OPS
    assert {(s["number"], s["channel_id"]) for s in bot.store.get_subscriptions()} == {
        (SEATTLE, "C0ALERTS"), ("all", "C0OPS")}
    assert announcements(bot, "C0ALERTS") == [{"action": "subscribe", "number": SEATTLE, "channel_id": "C0ALERTS"}]

    listing = bot.reply(bot.command("inbox list"))
    shown = str(listing.get("blocks"))
    assert "+1 206-555-0100" in shown and "<#C0ALERTS>" in shown and "all numbers" in shown

    assert "Stopped" in reply_text(bot, bot.command("inbox unsubscribe 12065550100"))
    assert announcements(bot, "C0ALERTS")[-1]["action"] == "unsubscribe"
    assert "no subscription" in reply_text(bot, bot.command("inbox unsubscribe 12065550100 C0ALERTS"))
    actions = [(row["action"], row["user_id"]) for row in bot.store.get_audit()]
    assert actions.count(("inbox subscribe", ADMIN)) == 3 and ("inbox unsubscribe", ADMIN) in actions
    audit_posts = bot.slack.wait_for(lambda: [m for m in bot.slack.messages("C0AUDIT") if "inbox" in m.text])
    assert audit_posts
    # Audit lines name channels as people see them, `#alerts`, not by id (one format everywhere).
    targets = [row["target"] for row in bot.store.get_audit()]
    assert "+1 206-555-0100 → #alerts" in targets and "all numbers → #ops" in targets
    assert not any("C0ALERTS" in target or "C0OPS" in target for target in targets)


def test_non_admins_cannot_change_subscriptions_but_can_read(relay_bot):
    bot = relay_bot()
    result = bot.command("inbox subscribe all C0ALERTS", user=USER)
    assert "only Flowroute admins" in (result.message.text if result.message else result.body)
    assert bot.store.get_subscriptions() == []
    assert "No inbox subscriptions" in reply_text(bot, bot.command("inbox list", user=USER))


def test_channels_the_bot_cannot_post_in_are_refused_with_what_to_do(relay_bot):
    bot = relay_bot()
    private = reply_text(bot, bot.command("inbox subscribe all G0SECRET"))
    assert "can't see" in private and "invite me" in private
    public = reply_text(bot, bot.command("inbox subscribe all C0RANDOM"))
    assert "not a member" in public and "/invite` <@UBOT>" in public  # the bot by its own mention
    archived = reply_text(bot, bot.command("inbox subscribe all C0OLD"))
    assert "archived" in archived
    stranger = reply_text(bot, bot.command("inbox subscribe 14155550123 C0OPS"))
    assert "not a number on this Flowroute account" in stranger
    assert bot.store.get_subscriptions() == []


def test_poll_command_relays_and_status_shows_counts_and_unrouted(relay_bot):
    bot = relay_bot()  # no inbox channel
    bot.relay.poll_now()
    bot.store.save_subscription(SEATTLE, "C0ALERTS", ADMIN)
    routed = bot.sandbox.inject_message(REMOTE, SEATTLE, "for support")
    bot.sandbox.inject_message(REMOTE, SALES, "nobody subscribed to sales")
    text = reply_text(bot, bot.command("inbox poll"))
    assert "2 new inbound messages, 1 queued for Slack, 1 unrouted" in text
    bot.slack.wait_for(lambda: posted_ids(bot.slack) == [routed["id"]])
    # Slack has the post a moment before the outbox row is marked delivered: wait for the mark.
    bot.slack.wait_for(lambda: bot.relay.status()["counts"]["delivered"] == 1)

    status = bot.reply(bot.command("inbox status"))
    shown = str(status["blocks"])
    assert "*Delivered:* 1" in shown and "*Pending:* 0" in shown and "*Unrouted:* 1" in shown
    assert "Last poll:" in shown and "Watermark:" in shown and "Next poll:" in shown
    assert "no subscription" in shown


def test_a_channel_that_cannot_be_checked_is_subscribed_anyway(relay_bot):
    bot = relay_bot()
    bot.slack.fail_next("conversations.info", status=200, error="missing_scope")
    text = reply_text(bot, bot.command("inbox subscribe 12065550100 C0ALERTS"))
    assert "will be posted in" in text
    assert [(s["number"], s["channel_id"]) for s in bot.store.get_subscriptions()] == [(SEATTLE, "C0ALERTS")]
