"""The sandbox's history switch: weeks of MDRs in both directions over several numbers, a few failures."""

from collections import Counter
from datetime import UTC, datetime, timedelta

from flowroute_api.mdr_tally import is_failed


def test_history_has_both_directions_several_numbers_few_failures_and_realistic_amounts(flowroute_sandbox):
    before = len(flowroute_sandbox.messages())
    added = flowroute_sandbox.seed_history(days=35)
    records = flowroute_sandbox.messages()
    assert len(records) == before + added and added >= 35 * 20
    fields = [record["attributes"] for record in records]
    assert Counter(f["direction"] for f in fields).keys() == {"inbound", "outbound"}
    ours = {f["to"] if f["direction"] == "inbound" else f["from"] for f in fields}
    assert len(ours) >= 5
    failed = sum(is_failed(f) for f in fields if f["direction"] == "outbound")
    assert 0 < failed < 0.1 * sum(f["direction"] == "outbound" for f in fields)
    assert {f["amount_nanodollars"] for f in fields} <= {4_000_000, 8_000_000, 9_500_000, 12_000_000}
    oldest = min(datetime.fromisoformat(f["timestamp"].replace("Z", "+00:00")) for f in fields)
    assert oldest < datetime.now(UTC) - timedelta(days=34)


def test_bulk_history_and_extra_numbers(flowroute_sandbox):
    assert flowroute_sandbox.seed_history(days=30, total=5000) == 5000
    numbers = flowroute_sandbox.seed_numbers(8)
    assert numbers[0] == "15095550000" and len(numbers) == 8
    assert flowroute_sandbox.account_number("15095550001")["alias"] is None
    assert flowroute_sandbox.account_number("15095550001")["messaging_enabled"] is False
