"""One Slack thread per conversation: started by the first message, continued, renewed after a quiet period,
rebuilt on an empty database, and searched by the relay's crash lookup."""

import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient

from relay.conversations import ACCEPTED_REACTION
from tests.helpers.conversations import (
    CHANNEL,
    OTHER_REMOTE,
    REMOTE,
    SEATTLE,
    answer,
    post_of,
    reactions,
    relay_in,
    sends,
    wait_reaction,
)
from tests.helpers.relay import post_text, posted_ids


def test_the_first_inbound_starts_a_thread_and_the_next_one_lands_in_it(convo_bot):
    bot = convo_bot()
    first = relay_in(bot, "Hello, is anyone there?")
    assert first.thread_ts is None  # a top-level post: the thread's parent
    assert "Conversation with *+1 206-555-7001* on *+1 206-555-0100* (Seattle support)" in post_text(first)
    assert first.metadata["event_payload"]["from"] == REMOTE and "thread_ts" not in first.metadata["event_payload"]

    second = relay_in(bot, "Hello again")
    assert second.thread_ts == first.ts
    assert second.metadata["event_payload"]["thread_ts"] == first.ts
    assert "Conversation with" not in post_text(second) and "Hello again" in post_text(second)

    someone_else = relay_in(bot, "A different customer", remote=OTHER_REMOTE)
    assert someone_else.thread_ts is None and someone_else.ts != first.ts
    assert [m.ts for m in bot.slack.thread(CHANNEL, first.ts)] == [first.ts, second.ts]


def test_a_quiet_period_starts_a_new_thread_and_a_reply_counts_as_activity(convo_bot):
    bot = convo_bot(FLOWROUTE_BOT_BACKFILL_MINUTES="240", FLOWROUTE_BOT_THREAD_IDLE_HOURS="1")
    now = datetime.now(UTC)
    early = relay_in(bot, "at 9", timestamp=now - timedelta(minutes=200))
    close_by = relay_in(bot, "at 9:10", timestamp=now - timedelta(minutes=190))
    after_quiet = relay_in(bot, "at 10:30", timestamp=now - timedelta(minutes=110))
    assert close_by.thread_ts == early.ts
    assert after_quiet.thread_ts is None  # 80 minutes of quiet > 1 hour: a new thread

    reply = answer(bot, after_quiet, "We'll call you back")  # our reply keeps the conversation going
    wait_reaction(bot, reply, ACCEPTED_REACTION)
    late = relay_in(bot, "thanks", timestamp=now - timedelta(minutes=1))
    assert late.thread_ts == after_quiet.ts  # 109 minutes after the last inbound, but just after our reply


def test_an_empty_database_rebuilds_the_threads_and_the_next_message_joins_the_existing_one(convo_bot):
    first = convo_bot()
    parent = relay_in(first, "before the wipe")
    in_thread = relay_in(first, "still before the wipe")
    assert in_thread.thread_ts == parent.ts
    first.stop()

    again = convo_bot()  # a new, empty database file: the first poll recovers from Slack
    assert again.relay.status()["counts"]["delivered"] == 2  # both found, the thread reply included
    later = relay_in(again, "after the wipe")
    assert later.thread_ts == parent.ts
    assert Counter(posted_ids(again.slack, CHANNEL)).most_common(1)[0][1] == 1  # nothing posted twice

    reply = answer(again, later, "Got it, thanks")  # and a reply typed there still reaches the customer
    wait_reaction(again, reply, ACCEPTED_REACTION)
    assert sends(again) == [{"from": SEATTLE, "to": REMOTE, "body": "Got it, thanks"}]


def test_a_thread_reply_whose_answer_was_lost_is_found_in_the_thread_not_posted_twice(convo_bot):
    bot = convo_bot()
    relay = bot.relay
    parent = relay_in(bot, "first")
    relay.slack = WebClient(token=bot.slack.token, base_url=bot.slack.api_url, timeout=0.5, retry_handlers=[])
    stalled = []

    def stall_the_first_thread_post(event, message):
        """Slack stores the reply, but its answer comes after the bot's timeout."""
        if event == "posted" and message.thread_ts == parent.ts and message.metadata and not stalled:
            stalled.append(message.ts)
            time.sleep(1.0)

    bot.slack.subscribe(stall_the_first_thread_post)
    mdr = bot.sandbox.inject_message(REMOTE, SEATTLE, "second, answer lost")
    relay.poll_now()
    assert relay.send_pending() == 0  # timed out: the post may or may not exist
    bot.slack.wait_for(lambda: relay.send_pending() == 1 or relay.status()["counts"]["delivered"] == 2, timeout=10)

    post = post_of(bot, mdr["id"])
    assert post.thread_ts == parent.ts and stalled == [post.ts]
    assert posted_ids(bot.slack, CHANNEL).count(mdr["id"]) == 1
    lookups = [c for c in bot.slack.calls_to("conversations.replies") if c.args.get("ts") == parent.ts
               and "oldest" in c.args]
    assert lookups  # the lookup read the conversation's thread, where top-level history cannot see the post


def test_an_mms_inside_a_conversation_has_its_file_in_the_same_thread(convo_bot):
    bot = convo_bot()
    parent = relay_in(bot, "first")
    mdr = bot.sandbox.inject_message(REMOTE, SEATTLE, "the photo", media_urls=["https://example.com/p.png"])
    bot.relay.poll_now()
    bot.relay.send_pending()
    post = post_of(bot, mdr["id"])
    assert post.thread_ts == parent.ts
    [share] = [m for m in bot.slack.thread(CHANNEL, parent.ts) if m.files]
    assert bot.slack.uploaded_files[share.files[0]["id"]].content.startswith(b"\x89PNG")


def test_a_deleted_thread_parent_makes_the_next_message_start_a_new_thread(convo_bot):
    bot = convo_bot()
    parent = relay_in(bot, "first")
    bot.deps.slack.chat_delete(channel=CHANNEL, ts=parent.ts)
    mdr = bot.sandbox.inject_message(REMOTE, SEATTLE, "after the delete")
    bot.relay.poll_now()
    bot.slack.wait_for(lambda: bot.relay.send_pending() or bot.relay.status()["counts"]["delivered"] == 2)
    post = post_of(bot, mdr["id"])
    assert post.thread_ts is None and "Conversation with" in post_text(post)


def test_a_reply_in_a_thread_the_database_does_not_know_is_matched_by_its_parents_metadata(convo_bot, make_bot):
    first = convo_bot()
    parent = relay_in(first, "Hello")
    first.stop()
    fresh = make_bot()  # an empty database, before any poll could rebuild the threads
    reply = answer(fresh, parent, "Hi, how can we help?")
    wait_reaction(fresh, reply, ACCEPTED_REACTION)
    assert sends(fresh) == [{"from": SEATTLE, "to": REMOTE, "body": "Hi, how can we help?"}]
    elsewhere = fresh.slack.post_as_user("team chat", user="U0BOB", channel=CHANNEL)
    chat = answer(fresh, elsewhere, "not a conversation")  # a thread under a person's message
    fresh.slack.wait_for(lambda: fresh.conversations.is_other_thread(CHANNEL, elsewhere.ts))
    fresh.stop()
    assert len(sends(fresh, status=None)) == 1 and reactions(fresh, chat) == []
