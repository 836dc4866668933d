"""The relay's APScheduler jobs: built unstarted with explicit ids, coalescing, one instance; polls at start."""

from apscheduler.triggers.interval import IntervalTrigger

from bot.scheduler import APPROVAL_JOB_ID, POLL_JOB_ID, SEND_JOB_ID
from tests.helpers.relay import REMOTE, SEATTLE, posted_ids


def test_jobs_are_built_unstarted_and_the_first_poll_runs_when_started(relay_bot):
    bot = relay_bot(FLOWROUTE_BOT_INBOX_CHANNEL="C0OPS", FLOWROUTE_BOT_POLL_SECONDS="1")
    scheduler = bot.scheduler
    assert not scheduler.running
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {POLL_JOB_ID, SEND_JOB_ID, APPROVAL_JOB_ID}
    for job in jobs.values():
        assert job.coalesce is True and job.max_instances == 1 and isinstance(job.trigger, IntervalTrigger)
    assert jobs[POLL_JOB_ID].trigger.interval.total_seconds() == 1
    assert bot.relay.status()["next_poll"] is None and bot.relay.status()["last_poll"] is None

    scheduler.start()
    try:
        bot.slack.wait_for(lambda: bot.relay.status()["last_poll"], timeout=10)  # ran at start, not after 1 s
        mdr = bot.sandbox.inject_message(REMOTE, SEATTLE, "picked up by the scheduler")
        bot.slack.wait_for(lambda: posted_ids(bot.slack) == [mdr["id"]], timeout=10)
        assert bot.relay.status()["next_poll"] is not None
    finally:
        bot.relay.stop()
        scheduler.shutdown(wait=True)
