"""The report's text summary: totals and notable days, readable without the chart."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from blocks.report_text import report_summary, spend_text
from blocks.text import money
from flowroute_api.mdr_tally import MdrTally

OURS = "12065550100"


def mdr(direction, moment, status="delivered", amount=4000000):
    sender, receiver = (OURS, "14255551234") if direction == "outbound" else ("14255551234", OURS)
    return {"type": "message", "id": "mdr2-x", "attributes": {
        "direction": direction, "from": sender, "to": receiver, "status": status,
        "timestamp": moment.isoformat(), "amount_nanodollars": amount}}  # fmt: skip


def at(day, hour=12):
    return datetime(2031, 3, day, hour, tzinfo=UTC)


def week(records, **kwargs):
    return MdrTally(date(2031, 3, 1), date(2031, 3, 7), **kwargs).add_all(records)


def test_summary_gives_the_period_the_totals_and_the_notable_days():
    records = [mdr("inbound", at(2)), mdr("outbound", at(2), amount=8000000),
               mdr("outbound", at(4), status="smsc reject"), mdr("outbound", at(4)), mdr("inbound", at(4)),
               mdr("inbound", at(6), amount="9500000")]  # fmt: skip
    text = report_summary(week(records, zone="America/New_York", number="+1 206 555 0100"))
    assert text.splitlines() == [
        "*Messages 2031-03-01 to 2031-03-07* (America/New_York, +1 206-555-0100, 7 days)",
        "Inbound: 3 · Outbound: 3 · Failed deliveries: 1 (33.3% of outbound) · Spend: $0.03",
        "Busiest day: Tue Mar 04 (3 messages) · Days without messages: 4 of 7",
        "Failures on: Mar 04 (1)",
    ]


def test_summary_of_an_empty_period_says_so():
    assert report_summary(week([])).splitlines() == [
        "*Messages 2031-03-01 to 2031-03-07* (UTC, all numbers, 7 days)",
        "Inbound: 0 · Outbound: 0 · Failed deliveries: 0 · Spend: $0.00",
        "No messages in this period.",
    ]


def test_the_busiest_day_is_the_earliest_of_equals_and_many_failure_days_are_capped():
    start = datetime(2031, 1, 1, 12, tzinfo=UTC)
    records = [mdr("outbound", start + timedelta(days=n), status="smsc reject") for n in range(8)]
    text = report_summary(MdrTally(date(2031, 1, 1), date(2031, 1, 31)).add_all(records))
    assert "Busiest day: Wed Jan 01 (1 messages)" in text
    assert text.splitlines()[-1] == ("Failures on: Jan 01 (1), Jan 02 (1), Jan 03 (1), Jan 04 (1), Jan 05 (1)"
                                     " and 3 more days")  # fmt: skip
    assert "Failed deliveries: 8 (100.0% of outbound)" in text


def test_large_totals_use_thousands_separators():
    records = [mdr("inbound", at(3), amount=1_500_000_000)] * 1200
    text = report_summary(week(records))
    assert "Inbound: 1,200 · Outbound: 0 · Failed deliveries: 0 · Spend: $1,800.00" in text


@pytest.mark.parametrize("nanodollars, expected", [
    (0, "$0.00"), (4_000_000, "$0.0040"), (999_900_000, "$1.00"), (9_900_000, "$0.0099"), (999_990_000, "$1.00"),
    (1_000_000_000, "$1.00"), (40_000, "$0.00"),
    (1_234_567_000_000, "$1,234.57"),
])  # fmt: skip
def test_spend_in_dollars_with_four_decimals_only_below_a_cent(nanodollars, expected):
    assert spend_text(nanodollars) == expected


def test_money_accepts_decimal_float_and_int():
    assert [money(value) for value in (Decimal("2.5"), 0.004, 3)] == ["$2.50", "$0.0040", "$3.00"]
