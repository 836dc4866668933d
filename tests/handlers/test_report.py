"""`/flowroute report`: a PNG chart uploaded through Slack's external upload flow, and totals that match the MDRs."""

import io
from datetime import UTC, datetime, timedelta

from PIL import Image

from flowroute_api.mdr_tally import is_failed
from tests.helpers.bot import OPS, wait_for_text


def expected_totals(sandbox, days, number=None):
    """Counted straight from the sandbox's records (not through MdrTally): the last `days` UTC days."""
    first = datetime.now(UTC).date() - timedelta(days=days - 1)
    totals = {"inbound": 0, "outbound": 0, "failed": 0, "nanodollars": 0}
    for record in sandbox.messages():
        fields = record["attributes"]
        ours = fields["to"] if fields["direction"] == "inbound" else fields["from"]
        when = datetime.fromisoformat(fields["timestamp"].replace("Z", "+00:00"))
        if when.date() < first or (number and ours != number):
            continue
        totals[fields["direction"]] += 1
        totals["failed"] += is_failed(fields)
        totals["nanodollars"] += fields["amount_nanodollars"]
    return totals


def uploaded(bot, needle):
    message = wait_for_text(bot, needle, channel=OPS, ephemeral=False)
    assert message.files, message
    content = bot.slack.uploaded_files[message.files[0]["id"]].content
    return message, content


def test_report_uploads_a_png_chart_with_totals_matching_the_seeded_mdrs(bot):
    bot.sandbox.seed_history()
    expected = expected_totals(bot.sandbox, 30)
    assert expected["failed"] > 0 and expected["inbound"] > 100  # the history has something to show
    assert bot.command("report --days 30").status == 200
    message, content = uploaded(bot, "Messages ")
    image = Image.open(io.BytesIO(content))
    image.load()  # decodes the whole image, not just the header
    assert (image.format, image.size) == ("PNG", (1200, 600))
    assert message.files[0]["name"].endswith(".png")
    assert f"Inbound: {expected['inbound']:,} · Outbound: {expected['outbound']:,}" in message.text
    assert f"Failed deliveries: {expected['failed']:,} (" in message.text
    spend = expected["nanodollars"] / 1e9
    assert f"Spend: ${spend:,.2f}" in message.text
    methods = [call.method for call in bot.slack.calls if call.method.startswith("files.")]
    assert methods[:2] == ["files.getUploadURLExternal", "files.completeUploadExternal"]


def test_report_for_one_number_counts_only_that_number(bot):
    bot.sandbox.seed_history()
    expected = expected_totals(bot.sandbox, 7, "13125550123")
    assert bot.command("report --number +13125550123").status == 200
    message, _ = uploaded(bot, "+1 312-555-0123")
    assert f"Inbound: {expected['inbound']:,} · Outbound: {expected['outbound']:,}" in message.text
    assert "7 days" in message.text


def test_report_refuses_more_than_90_days_and_changes_nothing(bot):
    result = bot.command("report --days 91")
    assert "between 1 and 90" in result.body
    assert not bot.slack.calls_to("files.getUploadURLExternal")


def test_report_where_the_bot_is_not_a_member_still_gives_the_summary(bot):
    bot.sandbox.seed_history()
    result = bot.command("report", channel="C0RANDOM")
    reply = bot.reply(result)
    assert "Inbound:" in reply["text"] and "not_in_channel" in reply["text"]
