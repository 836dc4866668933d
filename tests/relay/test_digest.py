"""The daily digest: posted once per day, across a restart and a missed run; two days down posts only the latest."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.errors import SlackApiError

from bot.scheduler import DIGEST_JOB_ID
from relay.digest import due_day, post_digest_if_due
from tests.helpers.bot import BotHarness

DIGEST_ENV = {"FLOWROUTE_BOT_DIGEST_CHANNEL": "C0ALERTS", "FLOWROUTE_BOT_DIGEST_TIME": "00:00"}
NEW_REMOTE = "15415550123"


def digests(bot):
    return [m for m in bot.slack.messages("C0ALERTS") if m.text.startswith("Daily digest")]


def yesterday_counts(sandbox):
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    counts = {"inbound": 0, "outbound": 0}
    for record in sandbox.messages():
        fields = record["attributes"]
        if datetime.fromisoformat(fields["timestamp"].replace("Z", "+00:00")).date() == yesterday:
            counts[fields["direction"]] += 1
    return counts


def test_the_digest_is_posted_by_the_scheduler_once_even_across_a_restart(tmp_path, flowroute_sandbox, slack_emulator):
    flowroute_sandbox.seed_history()
    flowroute_sandbox.inject_message(NEW_REMOTE, "12065550100", "anyone there?",
                                     timestamp=datetime.now(UTC) - timedelta(hours=5))
    first = BotHarness(tmp_path / "bot.db", flowroute_sandbox, slack_emulator, env=DIGEST_ENV)
    try:
        job = first.scheduler.get_job(DIGEST_JOB_ID)
        assert job.func is post_digest_if_due
        first.scheduler.start()  # the job runs at start: the time (00:00) has passed today
        posted = slack_emulator.wait_for(lambda: digests(first), timeout=20)
    finally:
        first.stop()
    assert len(posted) == 1
    text = posted[0].text
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    assert text.startswith(f"Daily digest: {yesterday:%a %b %d, %Y} (UTC)")
    counts = yesterday_counts(flowroute_sandbox)
    assert f"Inbound: {counts['inbound']:,} · Outbound: {counts['outbound']:,}" in text
    blocks_text = str(posted[0].blocks)
    assert "+1 541-555-0123 → +1 206-555-0100" in blocks_text  # unanswered for 5 hours
    assert "4 of 5 need attention" in blocks_text

    restarted = BotHarness(tmp_path / "bot.db", flowroute_sandbox, slack_emulator, env=DIGEST_ENV)
    try:
        assert post_digest_if_due(restarted.deps) is None  # what the job does at start and each minute
        assert post_digest_if_due(restarted.deps) is None
        assert len(digests(restarted)) == 1
        # Down for two days: the next run posts one digest, the latest, and then nothing more that day.
        later = datetime.now(UTC) + timedelta(days=2)
        assert post_digest_if_due(restarted.deps, now=later) == later.date()
        assert post_digest_if_due(restarted.deps, now=later + timedelta(minutes=1)) is None
        latest = digests(restarted)
        assert len(latest) == 2
        assert latest[1].text.startswith(f"Daily digest: {later.date() - timedelta(days=1):%a %b %d, %Y}")
        assert [row["day"] for row in restarted.store.get_digests()] == [
            datetime.now(UTC).date().isoformat(), later.date().isoformat()]
    finally:
        restarted.stop()


def test_a_failed_post_is_tried_again_on_the_next_run(make_bot):
    bot = make_bot(**DIGEST_ENV)
    bot.slack.fail_next("chat.postMessage", status=500)
    with pytest.raises(SlackApiError, match="internal_error"):  # the scheduler logs it
        post_digest_if_due(bot.deps)
    assert post_digest_if_due(bot.deps) == datetime.now(UTC).date()
    assert len(digests(bot)) == 1


def test_a_channel_the_bot_cannot_post_in_skips_the_day_instead_of_rereading_flowroute_every_minute(make_bot):
    bot = make_bot(**{**DIGEST_ENV, "FLOWROUTE_BOT_DIGEST_CHANNEL": "C0RANDOM"})  # the bot is not a member
    assert post_digest_if_due(bot.deps) is None
    reads = len(bot.sandbox.requests)
    assert post_digest_if_due(bot.deps) is None
    assert len(bot.sandbox.requests) == reads


def test_the_digest_is_due_once_the_time_has_passed_in_the_zone():
    zone = ZoneInfo("America/Chicago")  # UTC-6 in December
    assert due_day(datetime(2031, 12, 2, 13, 59, tzinfo=UTC), (8, 0), zone).isoformat() == "2031-12-01"
    assert due_day(datetime(2031, 12, 2, 14, 0, tzinfo=UTC), (8, 0), zone).isoformat() == "2031-12-02"


def test_no_channel_no_digest_job(bot):
    assert bot.scheduler.get_job(DIGEST_JOB_ID) is None
    assert post_digest_if_due(bot.deps) is None
