"""`/flowroute report [--days N] [--number NUMBER]`: messages per day, failures and spend, as a chart and a summary.

The MDR pages stream into an MdrTally (one bucket per day, never the records), so a 90-day report over
100,000 messages holds no more than a 7-day one. The PNG goes up with Slack's external upload flow
(files.getUploadURLExternal, the bytes, files.completeUploadExternal: slack_sdk's files_upload_v2; the old
files.upload is retired, https://api.slack.com/methods/files.upload), the summary as its comment.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from zoneinfo import ZoneInfo

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from blocks.chart import HEIGHT_PX, WIDTH_PX, chart_title, render_report_chart
from blocks.report_text import report_summary
from core.commands import Command, CommandContext
from core.deps import Deps
from flowroute_api.mdr_tally import MdrTally
from handlers.parser_kinds import REPORT_DEFAULT_DAYS

log = logging.getLogger("flowroute_bot.report")

# Flowroute documents no maximum `limit` for GET /v2.1/messages ("Look up a set of messages",
# https://developer.flowroute.com/api/messages/v2.1/look-up-set-of-messages/); big pages mean few round trips,
# and a server that caps pages shorter is read on by offsets (flowroute_api.paging).
MDR_PAGE_SIZE = 1000
# Slack errors that mean "not here" rather than "broken": the summary is still worth showing.
CANNOT_UPLOAD_HERE = frozenset({"not_in_channel", "channel_not_found", "is_archived", "missing_scope"})


def register(app: App, deps: Deps) -> dict[str, Command]:
    return {"report": Command(run=report_command)}


def report_command(ctx: CommandContext) -> None:
    tally = period_tally(ctx.deps, ctx.options.get("days") or REPORT_DEFAULT_DAYS, ctx.options.get("number"))
    summary = report_summary(tally)
    try:
        upload_chart(ctx.deps, ctx.channel_id, tally, summary)
    except SlackApiError as error:
        code = error.response.get("error")
        if code not in CANNOT_UPLOAD_HERE:
            raise
        log.warning("Report chart not uploaded to %s: %s", ctx.channel_id, code)
        ctx.respond(text=f"{summary}\n:warning: I could not post the chart here (`{code}`); invite me to this "
                         "channel to get it as an image.")


def period_tally(deps: Deps, days: int, number: str | None = None, *, today: date | None = None) -> MdrTally:
    """The last `days` calendar days (today included) in FLOWROUTE_BOT_TIMEZONE, read page by page."""
    zone = ZoneInfo(deps.settings.timezone)
    tally = MdrTally.last_days(days, today or datetime.now(zone).date(), zone, number)
    start, end = tally.utc_bounds()
    return tally.add_all(deps.flowroute.iter_messages(start, end, page_size=MDR_PAGE_SIZE))


def upload_chart(deps: Deps, channel_id: str, tally: MdrTally, summary: str) -> dict:
    """Post the chart PNG with the summary as its comment; returns the uploaded file object."""
    png = render_report_chart(tally)
    name = f"messages-{tally.start.isoformat()}-{tally.end.isoformat()}.png"
    title = chart_title(tally)
    response = deps.slack.files_upload_v2(
        channel=channel_id, content=png, filename=name, title=title, initial_comment=summary,
        alt_txt=f"{title}: a {WIDTH_PX}x{HEIGHT_PX} bar chart of inbound and outbound messages per day "
                "with failed deliveries marked and spend as a line",
    )
    return (response.get("files") or [response.get("file") or {}])[0]
