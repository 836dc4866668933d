"""Flowroute callbacks end to end: the sandbox POSTs to the real bot, the post reaches the Slack emulator."""

import threading

import requests

from tests.helpers.bot import OPS, BotHarness
from tests.helpers.callbacks import TOKEN, callback_env, callback_url, start_callback_bot
from tests.helpers.relay import REMOTE, SEATTLE, fast_config, post_text, posted_ids, relay_posts


def wait_posted(bot, mdr_id, timeout=10.0):
    return bot.slack.wait_for(lambda: mdr_id in posted_ids(bot.slack, OPS), timeout=timeout)


def mdr_list_calls(bot) -> int:
    return len(bot.sandbox.requests_to("GET", "/v2.1/messages"))


def test_on_sets_the_account_urls_and_a_callback_is_posted_without_a_poll(make_bot):
    bot = start_callback_bot(make_bot)
    url = callback_url(bot)
    assert bot.sandbox.account_callbacks() == {"sms_callback": url, "mms_callback": url, "sms_dlr_callback": url}
    polls = mdr_list_calls(bot)

    mdr = bot.sandbox.inject_message(REMOTE, SEATTLE, "Door code <@channel> & more")

    # The scheduler is stopped and the poll interval is 60 s: only the callback can bring this post.
    wait_posted(bot, mdr["id"])
    assert mdr_list_calls(bot) == polls
    [post] = relay_posts(bot.slack, OPS)
    assert "Door code &lt;@channel&gt; &amp; more" in post_text(post)  # escaped like a polled body
    assert bot.sandbox.callbacks.sender.counts["sent"] == 1


def test_the_same_callback_five_times_is_posted_once(make_bot):
    bot = start_callback_bot(make_bot)
    bot.sandbox.callbacks.set_faults(repeat=5)
    mdr = bot.sandbox.inject_message(REMOTE, SEATTLE, "five times")
    assert bot.sandbox.callbacks.sender.wait_for(lambda counts: counts["sent"] == 5, timeout=10)
    wait_posted(bot, mdr["id"])
    bot.relay.send_pending()
    assert posted_ids(bot.slack) == [mdr["id"]]


def test_callback_then_poll_and_poll_then_callback_post_once(make_bot):
    bot = start_callback_bot(make_bot)
    first = bot.sandbox.inject_message(REMOTE, SEATTLE, "callback first")
    wait_posted(bot, first["id"])
    bot.relay.run_cycle()  # the poll finds the record the callback brought

    bot.sandbox.callbacks.set_faults(delay=0.5)  # the poll gets there first
    second = bot.sandbox.inject_message(REMOTE, SEATTLE, "poll first")
    bot.relay.run_cycle()
    wait_posted(bot, second["id"])
    assert bot.sandbox.callbacks.sender.wait_for(lambda counts: counts["sent"] == 2, timeout=10)
    bot.relay.send_pending()
    assert posted_ids(bot.slack) == [first["id"], second["id"]]
    assert bot.store.get_callback_day(bot.relay.callback_status()["today"]["day"])["inbound"] == 2


def test_dropped_callbacks_are_delivered_by_the_poll_and_counted_missed(make_bot):
    bot = start_callback_bot(make_bot)
    bot.sandbox.callbacks.set_faults(drop=True)
    lost = [bot.sandbox.inject_message(REMOTE, SEATTLE, f"lost {n}")["id"] for n in range(3)]
    bot.relay.run_cycle()
    assert sorted(posted_ids(bot.slack)) == sorted(lost)
    bot.sandbox.callbacks.set_faults(drop=False)
    caught = bot.sandbox.inject_message(REMOTE, SEATTLE, "caught")
    wait_posted(bot, caught["id"])

    status = bot.reply(bot.command("inbox callbacks status"))
    assert "callbacks missed 3" in status["text"]
    assert "1 inbound" in str(status["blocks"])


def test_wrong_token_other_method_oversize_and_bad_json_are_refused(make_bot):
    bot = start_callback_bot(make_bot)
    url = callback_url(bot)
    wrong = requests.post(f"{bot.url}/flowroute/callbacks/{'x' * len(TOKEN)}", json={}, timeout=5)
    assert wrong.status_code == 404
    assert requests.get(url, timeout=5).status_code == 405
    assert requests.post(url, data=b"{" + b" " * (1024 * 1024) + b"}", timeout=5).status_code == 413
    bad = requests.post(url, data=b"not json", headers={"Content-Type": "text/plain"}, timeout=5)
    assert bad.status_code == 400 and bad.json()["error"] == "not JSON"
    other = requests.post(url, json={"data": {"type": "number", "id": "1"}}, timeout=5)
    assert other.status_code == 400 and "not a Flowroute message" in other.json()["error"]
    # Without the token the rest of the server still wants Slack's signature.
    assert requests.post(f"{bot.url}/flowroute/callbacks", json={}, timeout=5).status_code in (401, 404)
    assert bot.relay.callback_status()["today"]["rejected"] == 3
    assert posted_ids(bot.slack) == []


def test_an_mms_callback_is_posted_with_its_media_attached(make_bot):
    bot = start_callback_bot(make_bot)
    polls = mdr_list_calls(bot)
    mdr = bot.sandbox.inject_message(REMOTE, SEATTLE, "meter photo", media_urls=["https://example.com/meter.png"])
    wait_posted(bot, mdr["id"])
    [post] = relay_posts(bot.slack, OPS)
    thread = bot.slack.wait_for(lambda: [m for m in bot.slack.thread(OPS, post.ts) if m.files], timeout=10)
    assert thread[0].files[0]["name"].endswith(".png")
    assert mdr_list_calls(bot) == polls
    assert not bot.sandbox.requests_to("GET", f"/v2.1/messages/{mdr['id']}")  # the callback's links were used


def test_a_restart_between_the_callbacks_200_and_its_post_posts_once(make_bot, flowroute_sandbox, slack_emulator):
    bot = start_callback_bot(make_bot)
    port, db = bot.server.port, bot.settings.db_path
    # Slack holds the post back for 10 minutes (429): the callback is answered 200, its post waits.
    slack_emulator.fail_next("chat.postMessage", 1, status=429, retry_after=600)
    mdr = bot.sandbox.inject_message(REMOTE, SEATTLE, "survives a restart")
    assert bot.sandbox.callbacks.sender.wait_for(lambda counts: counts["sent"] == 1, timeout=10)
    bot.slack.wait_for(lambda: bot.relay.status()["counts"]["pending"] == 1 and bot.relay.status()["blocked"])
    bot.stop()
    assert posted_ids(slack_emulator) == []

    again = BotHarness(db, flowroute_sandbox, slack_emulator, env=callback_env(port))
    try:
        again.relay.config = fast_config()
        again.relay.run_cycle()  # the first cycle after start posts what is pending
        assert posted_ids(slack_emulator) == [mdr["id"]]
        again.relay.run_cycle()
        assert posted_ids(slack_emulator) == [mdr["id"]]
    finally:
        again.stop()


def test_only_admins_turn_callbacks_on_and_the_token_is_never_shown_or_logged(make_bot, caplog):
    caplog.set_level("DEBUG")
    bot = start_callback_bot(make_bot, turn_on=False)
    refused = bot.reply(bot.command("inbox callbacks on", user="U0BOB"))
    assert "only Flowroute admins" in refused["text"] and bot.sandbox.account_callbacks() == {}
    assert "off" in bot.reply(bot.command("inbox callbacks status", user="U0BOB"))["text"]

    on = bot.reply(bot.command("inbox callbacks on"))
    assert "/flowroute/callbacks/&lt;FLOWROUTE_BOT_CALLBACK_TOKEN&gt;`" in on["text"]
    mdr = bot.sandbox.inject_message(REMOTE, SEATTLE, "hello")
    wait_posted(bot, mdr["id"])
    requests.post(callback_url(bot), data=b"nope", timeout=5)
    off = bot.reply(bot.command("inbox callbacks off"))
    assert "portal" in off["text"]
    assert bot.store.get_state("callbacks_on") is None

    audit = [(row["action"], row["target"]) for row in bot.store.get_audit(limit=10)]
    assert ("inbox callbacks off", "account callbacks") in audit
    assert ("inbox callbacks on (sms_callback)", f"{bot.settings.public_url}/flowroute/callbacks/"
            "<FLOWROUTE_BOT_CALLBACK_TOKEN>") in audit
    # urllib3's DEBUG lines of the sandbox's own POSTs (Flowroute's side) name the URL; the bot's never do.
    ours = "\n".join(record.getMessage() for record in caplog.records
                     if not record.name.startswith(("urllib3", "sandbox")))
    everything = ours + str(audit) + str(bot.slack.messages()) + str(bot.slack.response_posts())
    assert TOKEN not in everything


def test_a_slow_poll_does_not_hold_up_a_callback(make_bot):
    bot = start_callback_bot(make_bot)
    bot.sandbox.fail_next(1, path_prefix="/v2.1/messages", method="GET", stall=8)  # Flowroute answers slowly
    poll = threading.Thread(target=bot.relay.poll_now)
    polls = mdr_list_calls(bot)
    poll.start()
    bot.slack.wait_for(lambda: mdr_list_calls(bot) > polls and  # the poll is waiting for its answer
                       bot.sandbox.requests_to("GET", "/v2.1/messages")[-1].status == 0)
    mdr = bot.sandbox.inject_message(REMOTE, SEATTLE, "not behind the poll")
    wait_posted(bot, mdr["id"])
    assert poll.is_alive()  # posted while the poll was still waiting for Flowroute
    poll.join()
