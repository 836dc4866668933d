"""`/flowroute calls export` end to end: the export is created, followed in the background, downloaded from the
sandbox's pre-signed link, summarised in the channel message and attached in its thread; errors in plain words."""

import csv
import gzip
import io
from decimal import Decimal

import pytest

from handlers import calls
from sandbox.flowroute.porting import set_cdr_export_behaviour
from tests.helpers.bot import OPS, requests_to, texts

START, END = "2026-11-01", "2026-11-03"


@pytest.fixture(autouse=True)
def _quick_follow(monkeypatch):
    """Check the export every few hundredths of a second instead of every few seconds."""
    monkeypatch.setattr(calls, "FIRST_PAUSE_SECONDS", 0.02)
    monkeypatch.setattr(calls, "MAX_PAUSE_SECONDS", 0.05)


def export_post(bot):
    return bot.slack.wait_for(lambda: next((m for m in bot.slack.messages(OPS, include_ephemeral=False)
                                            if "export `" in m.text.lower() or "Call records" in m.text), None),
                          timeout=10)


def finished(bot, needle: str):
    return bot.slack.wait_for(lambda: (post := bot.slack.message(export_post(bot).id)).edited_ts
                              and needle in post.text and post, timeout=15)


def test_an_export_is_summarised_with_the_csv_attached_in_its_thread(bot):
    result = bot.command(f"calls export --start {START} --end {END}")
    assert result.status == 200
    assert "requested" in bot.reply(result)["text"]
    post = finished(bot, "Call records")
    [created] = requests_to(bot, "POST", "/v2/cdrs/exports")
    assert created.json == {"data": {"type": "cdrexport", "attributes": {"filter_parameters": {
        "start_call_start_time": "2026-11-01 00:00:00", "start_call_end_time": "2026-11-03 00:00:00"}}}}
    assert len(requests_to(bot, "GET", containing="/v2/cdrs/exports/")) >= 2  # processing, then completed

    [upload] = bot.slack.wait_for(lambda: [f for f in bot.slack.uploaded_files.values() if f.completed], timeout=10)
    assert upload.name.endswith(".csv.gz")
    rows = list(csv.DictReader(io.StringIO(gzip.decompress(upload.content).decode())))
    assert rows, "the sandbox generates calls for any two days"
    cost = sum(Decimal(row["total_cost"]) for row in rows)
    body = texts(post.blocks)
    assert f"{len(rows)} (" in body and f"${cost:,.2f}" in body and "Top numbers" in body
    assert any(m.files for m in bot.slack.thread(OPS, post.ts))  # attached in the export message's thread


def test_a_failed_export_is_said_in_plain_words(bot):
    set_cdr_export_behaviour(bot.sandbox, "failed")
    bot.command(f"calls export --start {START} --end {END}")
    post = finished(bot, "could not build export")
    assert "status failed" in post.text and "no file was made" in post.text
    assert bot.slack.uploaded_files == {}


def test_an_export_still_processing_at_the_bound_stops_being_followed(bot, monkeypatch):
    monkeypatch.setattr(calls, "FOLLOW_SECONDS", 0.2)
    set_cdr_export_behaviour(bot.sandbox, after_polls=10**6)
    bot.command(f"calls export --start {START} --end {END}")
    assert "so I stopped waiting" in finished(bot, "still building").text


@pytest.mark.parametrize("status, detail, expected", [
    (422, "start_call_start_time is invalid.",
     ":no_entry_sign: Flowroute refused `calls export` for this request (Flowroute 422 Unprocessable Entity: "
     "start_call_start_time"),
    (503, None, ":warning: Flowroute 503"),
])
def test_flowroute_refusing_the_export_is_one_line_and_nothing_is_posted(bot, status, detail, expected):
    bot.sandbox.fail_next(count=5, status=status, path_prefix="/v2/cdrs/exports", method="POST", detail=detail)
    failed = bot.reply(bot.command(f"calls export --start {START} --end {END}"))
    assert failed["text"].startswith(expected)
    assert [m for m in bot.slack.messages(OPS, include_ephemeral=False)] == []


def test_an_expired_download_link_is_said_in_plain_words(bot):
    bot.sandbox.media_ttl = -60.0  # every pre-signed link is born expired (S3 answers 403)
    bot.sandbox.reset()
    bot.command(f"calls export --start {START} --end {END}")
    post = finished(bot, "could not be fetched")
    assert "403" in post.text and bot.slack.uploaded_files == {}


def test_both_dates_are_required_and_in_order(bot):
    refused = bot.reply(bot.command(f"calls export --start {START}"))
    assert "give both --start and --end" in refused["text"] and calls.USAGE in refused["text"]
    refused = bot.reply(bot.command(f"calls export --start {END} --end {START}"))
    assert "--end must come after --start" in refused["text"]
    assert requests_to(bot, "POST", "/v2/cdrs/exports") == []
