"""Outages on either side: nothing lost, nothing duplicated, waits honoured, one bad channel blocks no other."""

import time

import pytest

from flowroute_api import FlowrouteError, ServerError
from tests.helpers.relay import CHICAGO, REMOTE, SALES, SEATTLE, posted_ids, relay_posts


def in_time_order(sandbox, ids: list[str]) -> list[str]:
    """The ids as Flowroute orders them: by timestamp, ties by id (injected ones often share a timestamp)."""
    wanted = set(ids)
    return [m["id"] for m in sandbox.messages("inbound") if m["id"] in wanted]


def deliver_everything(bot, expected: int, timeout: float = 15.0) -> None:
    def done():
        try:
            bot.relay.poll_now()
        except FlowrouteError:
            return False
        bot.relay.send_pending()
        return bot.relay.status()["counts"]["delivered"] >= expected

    bot.slack.wait_for(done, timeout=timeout, interval=0.05)


def test_flowroute_500s_and_429s_for_several_polls_lose_and_duplicate_nothing(relay_bot):
    bot = relay_bot(FLOWROUTE_BOT_INBOX_CHANNEL="C0OPS", config={"page_size": 10})
    bot.relay.poll_now()
    ids = [bot.sandbox.inject_message(REMOTE, SEATTLE, f"during the outage {i}")["id"] for i in range(25)]
    bot.sandbox.fail_next(count=8, status=500)  # the client tries each call 4 times: two whole polls fail
    for _ in range(2):
        with pytest.raises(ServerError):
            bot.relay.poll_now()
    status = bot.relay.status()
    assert not status["last_poll"]["ok"] and "500" in status["last_poll"]["result"]
    bot.sandbox.fail_next(count=8, status=429, retry_after=0)
    for _ in range(2):
        with pytest.raises(FlowrouteError):
            bot.relay.poll_now()
    assert bot.relay.status()["counts"]["pending"] == 0

    deliver_everything(bot, 25)
    assert sorted(posted_ids(bot.slack)) == sorted(ids)
    assert bot.relay.status()["last_poll"]["ok"]


class FakeFlakyFlowroute:
    """The real client, except that one later page of one poll fails: the watermark must not move past it."""

    def __init__(self, client, fail_on_call: int):
        self.client, self.calls, self.fail_on_call = client, 0, fail_on_call

    def list_messages(self, *args, **kwargs):
        self.calls += 1
        if self.calls == self.fail_on_call:
            raise ServerError(status=503, detail="maintenance")
        return self.client.list_messages(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.client, name)


def test_a_poll_failing_between_pages_keeps_what_it_stored_and_loses_nothing(relay_bot):
    bot = relay_bot(FLOWROUTE_BOT_INBOX_CHANNEL="C0OPS", config={"page_size": 10})
    bot.relay.poll_now()
    watermark = bot.relay.status()["watermark"]
    ids = [bot.sandbox.inject_message(REMOTE, SALES, f"paged {i}")["id"] for i in range(35)]
    bot.relay.flowroute = FakeFlakyFlowroute(bot.relay.flowroute, fail_on_call=3)
    with pytest.raises(ServerError):
        bot.relay.poll_now()
    assert bot.relay.status()["watermark"] == watermark  # not advanced past unread pages
    assert bot.relay.status()["counts"]["pending"] == 20  # the two pages read are safely stored

    deliver_everything(bot, 35)
    assert posted_ids(bot.slack) == in_time_order(bot.sandbox, ids)  # once each, in time order


def test_slack_429_with_retry_after_then_500s_delivers_once_after_the_wait(relay_bot):
    bot = relay_bot(FLOWROUTE_BOT_INBOX_CHANNEL="C0OPS")
    bot.relay.poll_now()
    ids = [bot.sandbox.inject_message(REMOTE, SEATTLE, f"burst {i}")["id"] for i in range(3)]
    bot.relay.poll_now()
    bot.slack.fail_next("chat.postMessage", count=1, status=429, retry_after=1)
    assert bot.relay.send_pending() == 0  # the 429 holds the channel; send returns rather than block others
    assert bot.relay.status()["blocked"]
    bot.slack.fail_next("chat.postMessage", count=3, status=500)

    bot.slack.wait_for(lambda: bot.relay.send_pending() >= 0 and len(posted_ids(bot.slack)) == 3, timeout=10)
    assert posted_ids(bot.slack) == in_time_order(bot.sandbox, ids)
    calls = bot.slack.calls_to("chat.postMessage")
    assert [c.status for c in calls[:4]] == [429, 500, 500, 500]
    assert calls[1].at - calls[0].at >= 1.0  # Retry-After honoured
    # After each 500 the post might have happened, so Slack's history is checked before posting again.
    assert len(bot.slack.calls_to("conversations.history")) >= 3
    assert bot.relay.status()["counts"] == {"pending": 0, "delivered": 3, "failed": 0, "unrouted": 0}


def test_an_unanswered_post_that_did_reach_slack_is_not_posted_again(relay_bot):
    bot = relay_bot(FLOWROUTE_BOT_INBOX_CHANNEL="C0OPS")
    bot.relay.poll_now()
    mdr = bot.sandbox.inject_message(REMOTE, SEATTLE, "posted, but the answer was lost")
    bot.relay.poll_now()
    bot.relay.send_pending()
    # What a crash right after Slack accepted the post leaves behind: the attempt committed, no delivered mark.
    with bot.store.db() as db:
        db.execute("UPDATE outbox SET status = 'pending', in_flight = 1, attempts = 1, attempted_at = ?, "
                   "slack_ts = NULL", [time.time()])
    assert bot.relay.send_pending() == 1
    assert posted_ids(bot.slack) == [mdr["id"]]
    with bot.store.db() as db:
        [outbox] = list(db["outbox"].rows)
    assert outbox["status"] == "delivered" and outbox["slack_ts"] == relay_posts(bot.slack)[0].ts


def test_a_channel_slack_refuses_fails_its_rows_and_does_not_hold_up_the_others(relay_bot):
    bot = relay_bot()
    bot.store.save_subscription(SEATTLE, "C0OLD", "U0ADMIN")  # archived: Slack answers is_archived
    bot.store.save_subscription(CHICAGO, "C0ALERTS", "U0ADMIN")
    bot.relay.poll_now()
    lost = [bot.sandbox.inject_message(REMOTE, SEATTLE, f"to archived {i}")["id"] for i in range(3)]
    fine = [bot.sandbox.inject_message(REMOTE, CHICAGO, f"to alerts {i}")["id"] for i in range(3)]
    bot.relay.poll_now()
    assert bot.relay.send_pending() == 3
    assert posted_ids(bot.slack, "C0ALERTS") == in_time_order(bot.sandbox, fine)
    status = bot.relay.status()
    assert status["counts"]["failed"] == len(lost) and status["counts"]["pending"] == 0
    assert [(row["channel_id"], row["last_error"]) for row in status["channel_errors"]] == [("C0OLD", "is_archived")]
    assert len(bot.slack.calls_to("chat.postMessage")) == 4  # one refused attempt, not one per message


def test_posts_are_paced_per_channel_without_one_channel_waiting_for_another(relay_bot):
    bot = relay_bot(config={"pace_seconds": 0.3})
    bot.store.save_subscription(SEATTLE, "C0OPS", "U0ADMIN")
    bot.store.save_subscription(CHICAGO, "C0ALERTS", "U0ADMIN")
    bot.relay.poll_now()
    for i in range(4):
        bot.sandbox.inject_message(REMOTE, SEATTLE, f"ops {i}")
        bot.sandbox.inject_message(REMOTE, CHICAGO, f"alerts {i}")
    bot.relay.poll_now()
    started = time.monotonic()
    assert bot.relay.send_pending() == 8
    elapsed = time.monotonic() - started
    for channel in ("C0OPS", "C0ALERTS"):
        times = [c.at for c in bot.slack.calls_to("chat.postMessage") if c.args["channel"] == channel]
        assert len(times) == 4 and all(b - a >= 0.29 for a, b in zip(times, times[1:], strict=False))
    assert 0.85 <= elapsed < 2.0  # 3 gaps of 0.3 s; the two channels were served side by side


def test_an_mms_file_share_that_got_no_answer_is_looked_up_not_shared_twice(relay_bot):
    from slack_sdk import WebClient

    bot = relay_bot(FLOWROUTE_BOT_INBOX_CHANNEL="C0OPS")
    bot.relay.slack = WebClient(token=bot.slack.token, base_url=bot.slack.api_url, timeout=0.5, retry_handlers=[])
    stalled = []

    def stall_the_first_file_share(event, message):
        """Slack stores the shared file, but its answer comes after the bot's timeout."""
        if event == "posted" and message.files and not stalled:
            stalled.append(message.ts)
            time.sleep(1.0)

    bot.slack.subscribe(stall_the_first_file_share)
    bot.relay.poll_now()
    mdr = bot.sandbox.inject_message(REMOTE, SEATTLE, "meter photo", media_urls=["https://example.com/m.png"])
    bot.relay.poll_now()
    assert bot.relay.send_pending() == 0  # timed out waiting for files.completeUploadExternal
    bot.slack.wait_for(lambda: bot.relay.send_pending() == 1 or bot.relay.status()["counts"]["delivered"], timeout=10)

    assert posted_ids(bot.slack) == [mdr["id"]]
    assert len(bot.slack.calls_to("files.completeUploadExternal")) == 1
    shares = [m for m in bot.slack.messages("C0OPS", include_ephemeral=False) if m.files]
    assert len(shares) == 1 and bot.slack.calls_to("conversations.replies")
