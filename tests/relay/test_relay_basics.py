"""One message end to end: the right channel, once, with the right content; outbound never; MMS files."""

from datetime import UTC, datetime, timedelta

from tests.helpers.relay import REMOTE, SALES, SEATTLE, post_text, posted_ids, relay_posts


def test_an_inbound_sms_is_posted_once_in_the_subscribed_channel(relay_bot):
    bot = relay_bot()
    bot.store.save_subscription(SEATTLE, "C0ALERTS", "U0ADMIN")
    bot.relay.poll_now()  # first start: the seeded history is not replayed
    mdr = bot.sandbox.inject_message(REMOTE, SEATTLE, "Is the office open today?")

    bot.relay.poll_now()
    assert bot.relay.send_pending() == 1
    bot.relay.poll_now()
    assert bot.relay.send_pending() == 0

    assert posted_ids(bot.slack) == [mdr["id"]]
    [post] = relay_posts(bot.slack, "C0ALERTS")
    text = post_text(post)
    assert "+1 206-555-9876" in text and "+1 206-555-0100" in text and "(Seattle support)" in text
    assert "Is the office open today?" in text and mdr["id"] in text
    assert post.metadata["event_payload"]["timestamp"].startswith(mdr["attributes"]["timestamp"][:19])
    assert bot.relay.status()["counts"] == {"pending": 0, "delivered": 1, "failed": 0, "unrouted": 0}


def test_first_start_does_not_replay_history_and_outbound_is_never_posted(relay_bot):
    bot = relay_bot(FLOWROUTE_BOT_INBOX_CHANNEL="C0OPS")
    assert bot.sandbox.messages("inbound")  # the seed has inbound history
    result = bot.relay.poll_now()
    assert result.new == 0
    bot.sandbox.inject_message(SEATTLE, REMOTE, "outbound reply", direction="outbound")
    inbound = bot.sandbox.inject_message(REMOTE, SALES, "inbound one")
    bot.relay.poll_now()
    bot.relay.send_pending()
    assert posted_ids(bot.slack) == [inbound["id"]]
    assert "(Seattle sales)" in post_text(relay_posts(bot.slack, "C0OPS")[0])


def test_backfill_minutes_relays_recent_history_on_first_start(relay_bot):
    bot = relay_bot(FLOWROUTE_BOT_INBOX_CHANNEL="C0OPS", FLOWROUTE_BOT_BACKFILL_MINUTES="30")
    now = datetime.now(UTC)
    old = bot.sandbox.inject_message(REMOTE, SEATTLE, "two hours ago", timestamp=now - timedelta(hours=2))
    recent = bot.sandbox.inject_message(REMOTE, SEATTLE, "ten minutes ago", timestamp=now - timedelta(minutes=10))
    bot.relay.poll_now()
    bot.relay.send_pending()
    assert posted_ids(bot.slack) == [recent["id"]]
    assert old["id"] not in posted_ids(bot.slack)


def test_an_mms_arrives_with_its_file_uploaded_in_the_posts_thread(relay_bot):
    bot = relay_bot(FLOWROUTE_BOT_INBOX_CHANNEL="C0OPS")
    bot.relay.poll_now()
    mdr = bot.sandbox.inject_message(REMOTE, SEATTLE, "photo of the meter", media_urls=["https://example.com/m.png"])
    bot.relay.poll_now()
    assert bot.relay.send_pending() == 1

    [post] = relay_posts(bot.slack, "C0OPS")
    assert "photo of the meter" in post_text(post) and "attached in the thread" in post_text(post)
    [reply] = [m for m in bot.slack.thread("C0OPS", post.ts) if m.ts != post.ts]
    [shared] = reply.files
    uploaded = bot.slack.uploaded_files[shared["id"]]
    assert uploaded.content.startswith(b"\x89PNG") and uploaded.completed
    assert posted_ids(bot.slack) == [mdr["id"]]
    with bot.store.db() as db:  # the bytes are not kept once delivered
        assert [row["content"] for row in db["media"].rows] == [None]
