"""A bot on a new, empty disk rebuilds its relay state from its own Slack posts: no replay, no gap."""

from tests.helpers.relay import CHICAGO, REMOTE, SALES, SEATTLE, posted_ids


def test_an_empty_database_after_relaying_reposts_nothing_and_delivers_what_came_while_down(relay_bot):
    first = relay_bot()
    first.command("inbox subscribe 12065550100 C0ALERTS")
    first.command("inbox subscribe all C0OPS")
    first.command("inbox subscribe 13125550123 C0AUDIT")
    first.slack.wait_for(lambda: len(first.store.get_subscriptions()) == 3)
    first.command("inbox unsubscribe 13125550123 C0AUDIT")
    first.slack.wait_for(lambda: len(first.store.get_subscriptions()) == 2)
    first.relay.poll_now()
    relayed = [first.sandbox.inject_message(REMOTE, number, f"before the wipe {i}")["id"]
               for i, number in enumerate([SEATTLE, SALES, CHICAGO, SEATTLE])]
    first.relay.poll_now()
    assert first.relay.send_pending() == 4
    first.stop()

    while_down = first.sandbox.inject_message(REMOTE, SALES, "sent while the bot was down")
    second = relay_bot()  # a new database file: the disk was wiped
    assert second.store.get_subscriptions() == []
    second.relay.poll_now()
    second.relay.send_pending()

    posted = posted_ids(second.slack)
    assert len(posted) == len(set(posted)) and set(posted) == {*relayed, while_down["id"]}
    assert posted_ids(second.slack, "C0OPS")[-1] == while_down["id"]
    assert {(s["number"], s["channel_id"]) for s in second.store.get_subscriptions()} == {
        (SEATTLE, "C0ALERTS"), ("all", "C0OPS")}
    counts = second.relay.status()["counts"]
    assert counts["delivered"] == 5 and counts["pending"] == 0
    second.relay.poll_now()
    assert second.relay.send_pending() == 0


def test_recovery_runs_once_and_a_fresh_workspace_starts_without_replaying_history(relay_bot):
    bot = relay_bot(FLOWROUTE_BOT_INBOX_CHANNEL="C0OPS")
    summary = bot.relay.recover_if_empty()
    assert summary["posts"] == 0 and summary["subscriptions"] == 0
    assert bot.relay.recover_if_empty() is None
    bot.relay.poll_now()
    bot.relay.send_pending()
    assert posted_ids(bot.slack) == []
    assert len(bot.slack.calls_to("users.conversations")) == 1


def test_history_refused_for_good_does_not_stop_the_relay(relay_bot):
    bot = relay_bot(FLOWROUTE_BOT_INBOX_CHANNEL="C0OPS")
    bot.slack.fail_next("conversations.history", count=20, status=200, error="missing_scope")
    bot.relay.poll_now()  # recovery cannot read any channel: it starts fresh instead of failing every poll
    assert bot.relay.status()["last_poll"]["ok"]
    arrived = bot.sandbox.inject_message(REMOTE, SEATTLE, "after start-up")
    bot.relay.poll_now()
    bot.relay.send_pending()
    assert posted_ids(bot.slack, "C0OPS") == [arrived["id"]]


def test_a_post_sent_after_its_unsubscribe_does_not_bring_the_subscription_back_after_a_wipe(relay_bot):
    """Found by test_relay_invariants: a record saved while SEATTLE -> C0ALERTS held, posted after the
    unsubscribe. Its post implies the subscription existed when the record was routed, not when it was posted."""
    first = relay_bot()
    first.reply(first.command("inbox subscribe 12065550100 C0ALERTS"))
    first.relay.poll_now()
    saved = first.sandbox.inject_message(REMOTE, SEATTLE, "routed to alerts")
    first.relay.poll_now()  # saved and routed to C0ALERTS, not posted yet
    first.reply(first.command("inbox unsubscribe 12065550100 C0ALERTS"))
    first.reply(first.command("inbox subscribe all C0OPS"))
    assert first.relay.send_pending() == 1
    assert posted_ids(first.slack, "C0ALERTS") == [saved["id"]]
    first.stop()

    second = relay_bot()  # a wiped disk
    second.relay.poll_now()
    assert {(s["number"], s["channel_id"]) for s in second.store.get_subscriptions()} == {("all", "C0OPS")}
    later = second.sandbox.inject_message(REMOTE, SEATTLE, "after the wipe")
    second.relay.poll_now()
    second.relay.send_pending()
    assert later["id"] in posted_ids(second.slack, "C0OPS") and later["id"] not in posted_ids(second.slack, "C0ALERTS")
