"""The relay's APScheduler jobs, built unstarted; exactly one process (the one `python -m bot`) starts them."""

from __future__ import annotations

from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

from core.approvals import Approvals
from core.deps import Deps
from core.settings import Settings
from relay.digest import post_digest_if_due
from relay.service import Relay

POLL_JOB_ID = "relay-poll"
DIGEST_JOB_ID = "daily-digest"
DIGEST_CHECK_SECONDS = 60  # is today's digest due? (a table read; the post happens once, see relay/digest.py)
SEND_JOB_ID = "relay-send"
SEND_SECONDS = 1  # paced backlogs and retries are picked up this often (Slack takes ~1 post/s per channel)
SEND_BUDGET = 0.8
APPROVAL_JOB_ID = "approvals-sweep"
APPROVAL_SWEEP_SECONDS = 60  # each run posts what is ready and returns before the next run is due


def new_scheduler() -> BackgroundScheduler:
    return BackgroundScheduler(timezone=UTC, daemon=True)


def add_jobs(scheduler: BackgroundScheduler, relay: Relay, settings: Settings) -> None:
    """Poll (then send) every FLOWROUTE_BOT_POLL_SECONDS, first run at start; a short send job retries rows."""
    common = {"coalesce": True, "max_instances": 1, "replace_existing": True, "misfire_grace_time": None}
    scheduler.add_job(relay.scheduled_cycle, "interval", seconds=settings.poll_seconds, id=POLL_JOB_ID,
                      kwargs={"send_budget": SEND_BUDGET}, name="Poll Flowroute for inbound messages",
                      next_run_time=datetime.now(UTC), **common)
    scheduler.add_job(relay.send_pending, "interval", seconds=SEND_SECONDS, id=SEND_JOB_ID,
                      kwargs={"budget": SEND_BUDGET}, name="Post pending inbound messages to Slack", **common)


def add_digest_job(scheduler: BackgroundScheduler, deps: Deps) -> None:
    """With FLOWROUTE_BOT_DIGEST_CHANNEL set: check every minute, and at start (a restart after the time posts
    the day's digest late, once)."""
    if not deps.settings.digest_channel:
        return
    scheduler.add_job(post_digest_if_due, "interval", seconds=DIGEST_CHECK_SECONDS, id=DIGEST_JOB_ID,
                      args=[deps], name="Post the daily digest when due", next_run_time=datetime.now(UTC),
                      coalesce=True, max_instances=1, replace_existing=True, misfire_grace_time=None)


def add_approval_job(scheduler: BackgroundScheduler, approvals: Approvals) -> None:
    """Expire approval requests and run approved ones a restart left behind: at start, then every minute."""
    scheduler.add_job(approvals.sweep, "interval", seconds=APPROVAL_SWEEP_SECONDS, id=APPROVAL_JOB_ID,
                      name="Expire and resume approval requests", next_run_time=datetime.now(UTC), coalesce=True,
                      max_instances=1, replace_existing=True, misfire_grace_time=None)


def next_run(scheduler: BackgroundScheduler, job_id: str) -> datetime | None:
    """When `job_id` runs next; None while the scheduler is not running."""
    if not scheduler.running:
        return None
    job = scheduler.get_job(job_id)
    return getattr(job, "next_run_time", None) if job else None
