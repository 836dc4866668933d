"""The daily digest: yesterday's volume and spend per number, failures, unanswered conversations, audit problems.

`post_digest_if_due` runs every minute (bot/scheduler.py) and at start. Once FLOWROUTE_BOT_DIGEST_TIME has
passed on a day (in FLOWROUTE_BOT_TIMEZONE), that day's digest is due; a row in the `digests` table, inserted
before posting, makes it happen once across restarts and processes. Only the latest due day is ever
considered, so a restart after the time posts it late, once, and a bot down for two days posts one digest.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError

from blocks.kit import context, header, section
from blocks.report_text import spend_text
from blocks.text import escape, number_text
from core.deps import Deps
from core.number_checks import NumberState, account_numbers
from flowroute_api.mdr_tally import MdrTally, parse_mdr

log = logging.getLogger("flowroute_bot.digest")

UNANSWERED_HOURS = 4
MAX_LINES = 15  # per list; the rest is counted
MDR_PAGE_SIZE = 1000
# Slack's answers that will not change by trying again (chat.postMessage errors, https://api.slack.com/methods/chat.postMessage)
WRONG_CHANNEL = frozenset({"channel_not_found", "not_in_channel", "is_archived", "missing_scope"})


def due_day(now: datetime, digest_time: tuple[int, int], zone: ZoneInfo) -> date:
    """The latest day whose digest time has passed at `now` (today after the time, else yesterday)."""
    local = now.astimezone(zone)
    today = local.date()
    return today if local.time() >= time(*digest_time) else today - timedelta(days=1)


def post_digest_if_due(deps: Deps, now: datetime | None = None) -> date | None:
    """Post the latest due digest unless it was posted already; the day posted for, or None."""
    settings = deps.settings
    if not settings.digest_channel:
        return None
    zone = ZoneInfo(settings.timezone)
    now = now or datetime.now(UTC)
    day = due_day(now, settings.digest_time, zone)
    covers = day - timedelta(days=1)
    if not deps.store.claim_digest(day.isoformat(), covers.isoformat(), settings.digest_channel):
        return None
    try:
        text, blocks = digest_message(gather(deps, covers, zone, now))
        response = deps.slack.chat_postMessage(channel=settings.digest_channel, text=text, blocks=blocks,
                                               unfurl_links=False, unfurl_media=False)
    except SlackApiError as error:
        if error.response.get("error") in WRONG_CHANNEL:
            # Trying again every minute would read Flowroute every minute for nothing: skip this day.
            log.error("The digest of %s was not posted: FLOWROUTE_BOT_DIGEST_CHANNEL %s answers %s",
                      covers, settings.digest_channel, error.response.get("error"))
            return None
        deps.store.release_digest(day.isoformat())  # nothing was posted: the next run tries again
        raise
    except Exception:
        deps.store.release_digest(day.isoformat())
        raise
    deps.store.mark_digest_posted(day.isoformat(), response.get("ts"))
    log.info("Posted the digest of %s in %s", covers, settings.digest_channel)
    return day


@dataclass
class Unanswered:
    """Per conversation (our number, remote number): its last message in the window."""

    last: dict[tuple[str, str], tuple[datetime, str]] = field(default_factory=dict)

    def add(self, record: dict) -> None:
        parsed = parse_mdr(record)
        if parsed is None:
            return
        fields = record.get("attributes") or {}
        remote = str(fields.get("from") if parsed.direction == "inbound" else fields.get("to"))
        key = (parsed.our_number, remote)
        if key not in self.last or self.last[key][0] <= parsed.moment:
            self.last[key] = (parsed.moment, parsed.direction)

    def waiting(self, now: datetime) -> list[tuple[str, str, datetime]]:
        """(our number, remote, when) whose last message is inbound and older than UNANSWERED_HOURS, oldest first."""
        cutoff = now - timedelta(hours=UNANSWERED_HOURS)
        found = [(ours, remote, moment) for (ours, remote), (moment, direction) in self.last.items()
                 if direction == "inbound" and moment < cutoff]
        return sorted(found, key=lambda item: item[2])


@dataclass
class DigestData:
    tally: MdrTally
    unanswered: list[tuple[str, str, datetime]]
    numbers: list[NumberState]
    now: datetime


def gather(deps: Deps, covers: date, zone: ZoneInfo, now: datetime) -> DigestData:
    """One pass over the MDRs from the start of `covers` to now: the day's tally and the conversations."""
    tally = MdrTally(covers, covers, zone)
    conversations = Unanswered()
    start, _ = tally.utc_bounds()
    for record in deps.flowroute.iter_messages(start, now, page_size=MDR_PAGE_SIZE):
        tally.add(record)
        conversations.add(record)
    return DigestData(tally, conversations.waiting(now), account_numbers(deps.flowroute), now)


def digest_message(data: DigestData) -> tuple[str, list[dict]]:
    tally, totals = data.tally, data.tally.totals
    title = f"Daily digest: {tally.start:%a %b %d, %Y} ({tally.zone.key})"
    summary = (f"Inbound: {totals.inbound:,} · Outbound: {totals.outbound:,} · Failed deliveries: {totals.failed:,}"
               f" · Spend: {spend_text(totals.nanodollars)}")
    per_number = [f"• *{number_text(number)}*: {counts.inbound:,} in, {counts.outbound:,} out"
                  f"{f', {counts.failed:,} failed' if counts.failed else ''}, {spend_text(counts.nanodollars)}"
                  for number, counts in tally.numbers.items()]
    waiting = [f"• {number_text(remote)} → {number_text(ours)}, last message {moment:%Y-%m-%d %H:%M} UTC "
               f"({int((data.now - moment).total_seconds() // 3600)} h ago)"
               for ours, remote, moment in data.unanswered]
    flagged = [state for state in data.numbers if state.problems]
    problems = [f"• *{number_text(state.number)}*{f' ({escape(state.alias)})' if state.alias else ''}: "
                f"{', '.join(state.problems)}" for state in flagged]
    blocks = [header(title), section(summary),
              section("*Per number*\n" + _capped(per_number, "No messages that day.")),
              section(f"*Unanswered for more than {UNANSWERED_HOURS} hours*\n" + _capped(waiting, "None.")),
              section(f"*Numbers audit* ({len(flagged)} of {len(data.numbers)} need attention)\n"
                      + _capped(problems, "Nothing missing.")),
              context("Details: `/flowroute report --days 7`, `/flowroute numbers audit`.")]
    text = (f"{title}: {summary}; {len(waiting)} unanswered conversations; "
            f"{len(flagged)} numbers need attention")
    return text, blocks


def _capped(lines: list[str], empty: str) -> str:
    if not lines:
        return empty
    more = len(lines) - MAX_LINES
    return "\n".join(lines[:MAX_LINES]) + (f"\n…and {more} more" if more > 0 else "")
