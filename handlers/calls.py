"""`/flowroute calls export --start DATE --end DATE`: a CDR export, followed in the background, summarised.

Flowroute builds an export in the background (`processing`, then `completed` or `failed`; CDR API v2.0,
"CDR Export Status"). The command asks for it, posts a message in the channel, and a work-pool task
checks the export with growing pauses for at most FOLLOW_SECONDS; once it is completed the gzip CSV is
downloaded, the message is edited into the summary (calls, minutes, cost, top numbers) and the file is
attached in its thread (files_upload_v2). Slack's ack never waits for any of it.
"""

from __future__ import annotations

import logging
import tempfile
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from blocks.kit import context, fields_section, header, message, section
from blocks.text import escape, money, number_text, plural, utc_text
from core.commands import Command, CommandContext
from core.deps import Deps
from core.errors import UsageError, UserError
from flowroute_api import CdrFileError, FlowrouteError, summarise_cdr_export
from flowroute_api.cdrs import CdrExport, CdrExportFailedError, cdr_export_from

log = logging.getLogger("flowroute_bot.handlers")

USAGE = "/flowroute calls export --start DATE --end DATE"
FIRST_PAUSE_SECONDS = 2.0  # then doubled up to MAX_PAUSE_SECONDS
MAX_PAUSE_SECONDS = 30.0
FOLLOW_SECONDS = 20 * 60.0  # guess: a month of calls takes Flowroute a few minutes; 20 is generous
TOP_NUMBERS = 5


def register(app: App, deps: Deps) -> dict[str, Command]:
    return {"calls export": Command(run=calls_export_command)}


def calls_export_command(ctx: CommandContext) -> None:
    start, end = ctx.options.get("start"), ctx.options.get("end")
    if start is None or end is None:
        raise UsageError("give both --start and --end.", USAGE)
    if end <= start:
        raise UsageError("--end must come after --start.", USAGE)
    window = f"{utc_text(start)[:16]} to {utc_text(end)[:16]} UTC"
    created = ctx.deps.flowroute.create_cdr_export(start, end)
    export = cdr_export_from(created)
    ask = f":hourglass_flowing_sand: <@{ctx.user_id}> asked for the call records from {window} (export `{export.id}`)"
    try:
        posted = ctx.deps.slack.chat_postMessage(channel=ctx.channel_id, text=ask + ": Flowroute is building it.")
    except SlackApiError as error:
        raise UserError(f":warning: Export `{export.id}` was requested, but I cannot post in this channel "
                        f"({escape(error.response.get('error'))}); invite the bot and run the command again.") from None
    ctx.respond(text=f"Export `{export.id}` requested; the summary and the CSV will follow in this channel.")
    place = {"channel": ctx.channel_id, "ts": posted["ts"], "window": window, "user": ctx.user_id}
    ctx.deps.executor.submit(follow_export, ctx.deps, export.id, place)


def follow_export(deps: Deps, export_id: str, place: dict) -> None:
    """Check the export until it is done (bounded), then post the outcome; never raises (a pool task)."""
    try:
        export = wait_until_ready(deps, export_id)
        if export is None:
            edit(deps, place, f":warning: Flowroute was still building export `{escape(export_id)}` after "
                 f"{int(FOLLOW_SECONDS // 60)} minutes, so I stopped waiting. Try a shorter window.")
            return
        post_summary(deps, export, place)
    except CdrExportFailedError:
        edit(deps, place, f":x: Flowroute could not build export `{escape(export_id)}` (status failed) for "
             f"{place['window']}; no file was made. Run the command again, perhaps with a shorter window.")
    except (FlowrouteError, CdrFileError) as error:
        edit(deps, place, f":warning: Export `{escape(export_id)}` for {place['window']} could not be fetched: "
             f"{escape(error)}")
    except Exception:  # noqa: BLE001 - a work-pool task: nobody else would see it
        log.exception("Following CDR export %s failed", export_id)
        edit(deps, place, f":boom: Following export `{escape(export_id)}` failed on our side; it has been logged.")


def wait_until_ready(deps: Deps, export_id: str) -> CdrExport | None:
    deadline, pause = time.monotonic() + FOLLOW_SECONDS, FIRST_PAUSE_SECONDS
    while True:
        export = deps.flowroute.check_cdr_export(export_id)  # raises CdrExportFailedError once failed
        if export.ready:
            return export
        if time.monotonic() + pause > deadline:
            return None
        time.sleep(pause)
        pause = min(pause * 2, MAX_PAUSE_SECONDS)


def post_summary(deps: Deps, export: CdrExport, place: dict) -> None:
    with tempfile.TemporaryDirectory(prefix="cdr-export-") as folder:
        path = Path(folder) / f"flowroute-calls-{export.id}.csv.gz"
        deps.flowroute.download_cdr_export(export.download_url, path)
        summary = summarise_cdr_export(path, top=TOP_NUMBERS)
        text, blocks = summary_message(export, summary, place)
        edit(deps, place, text, blocks)
        try:
            deps.slack.files_upload_v2(channel=place["channel"], thread_ts=place["ts"], file=str(path),
                                       filename=path.name, title=f"Call records {place['window']}")
        except SlackApiError as error:
            deps.slack.chat_postMessage(channel=place["channel"], thread_ts=place["ts"], text=(
                f":warning: The CSV could not be attached ({escape(error.response.get('error'))}); "
                "run the command again to get it."))


def summary_message(export: CdrExport, summary, place: dict) -> tuple[str, list[dict]]:
    minutes = summary.billed_minutes.quantize(Decimal("0.1"))
    pairs = [("Calls", f"{summary.calls} ({summary.inbound} in, {summary.outbound} out, {summary.failed} failed)"),
             ("Billed minutes", f"{minutes}"), ("Cost", money(summary.cost)), ("Export", f"`{escape(export.id)}`")]
    lines = [usage_line(item) for item in summary.top_numbers]
    blocks = [header("Call records"), section(f"<@{place['user']}> asked for {place['window']}."),
              fields_section(pairs)]
    if lines:
        blocks.append(section("*Top numbers*\n" + "\n".join(lines)))
    notes = []
    if summary.skipped_rows:
        notes.append(f"{plural(summary.skipped_rows, 'row')} could not be read and are not counted")
    notes.append(f"the CSV (gzip) is attached in the thread; made {utc_text(datetime.now().astimezone())[:16]} UTC")
    blocks.append(context("; ".join(notes).capitalize() + "."))
    text = (f"Call records {place['window']}: {summary.calls} calls, {minutes} billed minutes, "
            f"{money(summary.cost)}")
    return text, blocks


def usage_line(item) -> str:
    alias = f" ({escape(item.alias)})" if item.alias else ""
    minutes = Decimal(item.billed_seconds) / 60
    return (f"• {number_text(item.number)}{alias}: {plural(item.calls, 'call')}, {round(minutes, 1)} min, "
            f"{money(item.cost)}")


def edit(deps: Deps, place: dict, text: str, blocks: list[dict] | None = None) -> None:
    try:
        deps.slack.chat_update(channel=place["channel"], ts=place["ts"], **message(text, blocks))
    except SlackApiError as error:
        log.warning("Could not update the export message in %s: %s", place["channel"], error.response.get("error"))
