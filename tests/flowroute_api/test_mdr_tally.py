"""MdrTally: per-day counts, failures and spend from MDRs, in a time zone, streamed."""

import random
import tracemalloc
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flowroute_api import InvalidNumberError
from flowroute_api.mdr_tally import MdrTally, amount_nanodollars, is_failed, parse_timestamp

OURS = "12065550100"
OTHER_OURS = "12065550111"
REMOTE = "14255551234"
PERIOD_START, PERIOD_END = date(2031, 3, 1), date(2031, 3, 7)


def mdr(direction="outbound", timestamp="2031-03-02T12:00:00.00Z", *, ours=OURS, remote=REMOTE,
        amount=4000000, status="delivered", receipts=None, mdr_id="mdr2-1", **extra):  # fmt: skip
    """An MDR resource object shaped like `GET /v2.1/messages` returns them."""
    sender, receiver = (ours, remote) if direction == "outbound" else (remote, ours)
    attributes = {"direction": direction, "from": sender, "to": receiver, "body": "hi", "is_mms": False,
                  "message_type": "longcode", "message_encoding": 0, "status": status, "timestamp": timestamp,
                  "amount_nanodollars": amount, "amount_display": f"${int(amount or 0) / 1e9:.4f}",
                  "delivery_receipts": receipts or []}  # fmt: skip
    attributes.update(extra)
    return {"type": "message", "id": mdr_id, "attributes": attributes}


def week(**kwargs) -> MdrTally:
    return MdrTally(PERIOD_START, PERIOD_END, **kwargs)


def test_counts_each_direction_failures_and_spend_per_day():
    tally = week().add_all([
        mdr("inbound", "2031-03-02T01:00:00.00Z", amount=4000000),
        mdr("outbound", "2031-03-02T02:00:00.00Z", amount=8000000),
        mdr("outbound", "2031-03-02T03:00:00.00Z", amount=4000000, status="smsc reject"),
        mdr("outbound", "2031-03-05T23:59:59.99Z", amount=9500000),
    ])  # fmt: skip
    by_day = {day.day: day for day in tally.days}
    second = by_day[date(2031, 3, 2)]
    assert (second.inbound, second.outbound, second.failed, second.nanodollars) == (1, 2, 1, 16000000)
    fifth = by_day[date(2031, 3, 5)]
    assert (fifth.inbound, fifth.outbound, fifth.failed, fifth.nanodollars) == (0, 1, 0, 9500000)
    totals = tally.totals
    assert (totals.inbound, totals.outbound, totals.failed, totals.nanodollars, totals.messages) == (
        1, 3, 1, 25500000, 4)  # fmt: skip


def test_every_day_of_the_period_is_present_even_without_messages():
    tally = week().add_all([mdr(timestamp="2031-03-04T10:00:00Z")])
    assert [day.day for day in tally.days] == [PERIOD_START + timedelta(days=n) for n in range(7)]
    assert [day.messages for day in tally.days] == [0, 0, 0, 1, 0, 0, 0]
    assert MdrTally(date(2031, 3, 1), date(2031, 3, 1)).days[0].messages == 0


def test_days_follow_the_given_zone_not_utc():
    # 07:30 UTC on 2 March is 23:30 on 1 March in Los Angeles (PST, UTC-8).
    late_evening = mdr(timestamp="2031-03-02T07:30:00.00Z")
    utc_tally = week().add_all([late_evening])
    la_tally = week(zone="America/Los_Angeles").add_all([late_evening])
    assert [d.day for d in utc_tally.days if d.messages] == [date(2031, 3, 2)]
    assert [d.day for d in la_tally.days if d.messages] == [date(2031, 3, 1)]


def test_a_day_with_a_daylight_saving_change_keeps_its_own_records():
    # Los Angeles springs forward on 9 March 2031: that day is 23 hours, 08:00Z to 07:00Z next day.
    tally = MdrTally(date(2031, 3, 9), date(2031, 3, 10), "America/Los_Angeles")
    tally.add_all([mdr(timestamp="2031-03-09T08:00:00Z"), mdr(timestamp="2031-03-10T06:59:59Z"),
                   mdr(timestamp="2031-03-10T07:00:00Z")])  # fmt: skip
    assert [day.messages for day in tally.days] == [2, 1]
    start, end = tally.utc_bounds()
    assert (start, end) == (datetime(2031, 3, 9, 8, tzinfo=UTC), datetime(2031, 3, 11, 7, tzinfo=UTC))


def test_records_outside_the_period_are_ignored_and_counted_as_such():
    tally = week(zone="Europe/Paris")
    # Paris is UTC+1 in March: the period starts at 2031-02-28T23:00Z and ends at 2031-03-07T23:00Z.
    assert tally.add(mdr(timestamp="2031-02-28T22:59:59Z")) is False
    assert tally.add(mdr(timestamp="2031-02-28T23:00:00Z")) is True
    assert tally.add(mdr(timestamp="2031-03-07T22:59:59.999999Z")) is True
    assert tally.add(mdr(timestamp="2031-03-07T23:00:00Z")) is False
    assert (tally.totals.messages, tally.ignored) == (2, 2)


def test_number_filter_keeps_only_that_number_of_ours_in_any_format():
    records = [mdr("inbound", ours=OURS), mdr("outbound", ours=OURS), mdr("outbound", ours=OTHER_OURS),
               # The filter is on OUR side: a message from OTHER_OURS to OURS's number as remote does not count.
               mdr("outbound", ours=OTHER_OURS, remote=OURS)]  # fmt: skip
    tally = week(number="+1 (206) 555-0100").add_all(records)
    assert (tally.totals.inbound, tally.totals.outbound, tally.ignored) == (1, 1, 2)
    assert list(tally.numbers) == [OURS]
    with pytest.raises(InvalidNumberError):
        week(number="not a number")


def test_per_number_totals_for_the_digest_busiest_first():
    records = [mdr("inbound", ours=OTHER_OURS), mdr("outbound", ours=OTHER_OURS, amount=8000000),
               mdr("outbound", ours=OURS, status="delivery failed")]  # fmt: skip
    numbers = week().add_all(records).numbers
    assert list(numbers) == [OTHER_OURS, OURS]
    assert (numbers[OTHER_OURS].inbound, numbers[OTHER_OURS].outbound, numbers[OTHER_OURS].nanodollars) == (
        1, 1, 12000000)  # fmt: skip
    assert numbers[OURS].failed == 1


def test_numbers_as_json_integers_or_in_another_form_are_the_same_number():
    # Flowroute callbacks have carried `to` as a JSON integer; the MDR list may too. E.164 is accepted as well.
    records = [mdr("inbound", ours=int(OURS)), mdr("outbound", ours=OURS), mdr("outbound", ours="+12065550100")]
    tally = week().add_all(records)
    assert list(tally.numbers) == [OURS]
    assert tally.numbers[OURS].messages == 3


def test_a_number_that_is_not_nanp_or_not_text_is_kept_apart_not_fatal():
    tally = week().add_all([mdr("outbound", ours="447700900123"), mdr("inbound", ours=["12065550100"])])
    assert tally.totals.messages == 2
    assert set(tally.numbers) == {"447700900123", ""}


@pytest.mark.parametrize("text, expected", [
    ("2017-12-22T01:52:39.39Z", datetime(2017, 12, 22, 1, 52, 39, 390000, tzinfo=UTC)),
    ("2022-02-06T17:52:33Z", datetime(2022, 2, 6, 17, 52, 33, tzinfo=UTC)),
    ("2022-02-06T17:52:33.123456+00:00", datetime(2022, 2, 6, 17, 52, 33, 123456, tzinfo=UTC)),
    ("2022-02-06T09:52:33-08:00", datetime(2022, 2, 6, 17, 52, 33, tzinfo=UTC)),
    ("2022-02-06T17:52:33", datetime(2022, 2, 6, 17, 52, 33, tzinfo=UTC)),
    ("2022-02-06 17:52:33.5z", datetime(2022, 2, 6, 17, 52, 33, 500000, tzinfo=UTC)),
])  # fmt: skip
def test_timestamps_with_any_fraction_zone_or_none(text, expected):
    assert parse_timestamp(text) == expected


@pytest.mark.parametrize("value", [None, "", "yesterday", 1700000000, "2022-13-01T00:00:00Z"])
def test_unreadable_timestamps_are_none_and_the_record_is_ignored(value):
    assert parse_timestamp(value) is None
    tally = week()
    assert tally.add(mdr(timestamp=value)) is False
    assert (tally.totals.messages, tally.ignored) == (0, 1)


def test_records_without_a_known_direction_are_ignored():
    tally = week()
    assert tally.add(mdr(direction="sideways")) is False
    assert tally.add({"type": "message", "id": "mdr2-x"}) is False
    assert tally.add(mdr(direction="OUTBOUND")) is True
    assert (tally.totals.outbound, tally.ignored) == (1, 2)


@pytest.mark.parametrize("attributes, expected", [
    ({"amount_nanodollars": 4000000}, 4000000),
    ({"amount_nanodollars": "4000000"}, 4000000),  # a string in one captured callback
    ({"amount_nanodollars": 9500000.0}, 9500000),
    ({"amount_nanodollars": " 12000000 "}, 12000000),
    ({"amount_nanodollars": None, "amount_display": "$0.0095"}, 9500000),
    ({"amount_display": "$0.0040"}, 4000000),
    ({"amount_nanodollars": "n/a", "amount_display": ""}, 0),
    ({"amount_nanodollars": True}, 0),
    ({}, 0),
])  # fmt: skip
def test_amounts_as_numbers_strings_or_only_the_display(attributes, expected):
    assert amount_nanodollars(attributes) == expected
    assert isinstance(amount_nanodollars(attributes), int)


@pytest.mark.parametrize("status", ["smsc reject", "delivery failed", "failed", "undelivered", "Undeliverable",
                                    "expired", "REJECTED"])
def test_failure_statuses_count_as_failed(status):
    assert is_failed({"status": status})


@pytest.mark.parametrize("status", ["delivered", "message buffered", "smsc submit", "", None])
def test_documented_normal_statuses_are_not_failures(status):
    assert not is_failed({"status": status})


def test_a_failed_delivery_receipt_marks_the_record_failed():
    receipts = [{"level": 1, "status": "message buffered", "status_code": 1003},
                {"level": 2, "status": "smsc reject", "status_code": None}]  # fmt: skip
    tally = week().add_all([mdr(status="message buffered", receipts=receipts)])
    assert tally.totals.failed == 1
    ok_receipts = [{"level": 1, "status": "message buffered"}, {"level": 2, "status": "delivered"}]
    assert week().add_all([mdr(receipts=ok_receipts)]).totals.failed == 0


def test_a_period_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="before it starts"):
        MdrTally(date(2031, 3, 2), date(2031, 3, 1))
    with pytest.raises(ValueError):
        MdrTally.last_days(0, date(2031, 3, 1))


def test_last_days_ends_with_today():
    tally = MdrTally.last_days(7, date(2031, 3, 7), "America/New_York")
    assert (tally.start, tally.end, len(tally.days)) == (PERIOD_START, PERIOD_END, 7)
    assert len(MdrTally.last_days(90, date(2031, 3, 7)).days) == 90


def test_memory_does_not_grow_with_the_number_of_records():
    def stream(count):
        rng = random.Random(7)
        for index in range(count):
            moment = datetime(2031, 3, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(7 * 86400))
            yield mdr(rng.choice(("inbound", "outbound")), moment.isoformat(), ours=rng.choice((OURS, OTHER_OURS)),
                      mdr_id=f"mdr2-{index:032x}")  # fmt: skip

    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tally = week().add_all(stream(20_000))
        retained = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert tally.totals.messages == 20_000
    # 20,000 records kept would be several megabytes; the buckets are a few kilobytes.
    assert retained < 64 * 1024, retained


# -- properties ---------------------------------------------------------------------------------

ZONES = st.sampled_from(["UTC", "America/Los_Angeles", "Europe/Paris", "Asia/Kolkata", "Australia/Lord_Howe"])
records_strategy = st.lists(
    st.builds(
        lambda direction, seconds, ours, amount, status, as_text: mdr(
            direction,
            (datetime(2031, 2, 27, tzinfo=UTC) + timedelta(seconds=seconds)).isoformat(),
            ours=ours,
            amount=str(amount) if as_text else amount,
            status=status,
        ),
        st.sampled_from(["inbound", "outbound"]),
        st.integers(0, 12 * 86400),  # spills over both ends of the period
        st.sampled_from([OURS, OTHER_OURS, int(OURS)]),
        st.integers(0, 50_000_000),
        st.sampled_from(["delivered", "smsc reject", "message buffered", ""]),
        st.booleans(),
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(records=records_strategy, zone=ZONES)
def test_totals_are_the_sum_of_the_days_and_of_the_numbers(records, zone):
    tally = week(zone=zone).add_all(records)
    totals = tally.totals
    for field in ("inbound", "outbound", "failed", "nanodollars"):
        assert getattr(totals, field) == sum(getattr(day, field) for day in tally.days)
        assert getattr(totals, field) == sum(getattr(counts, field) for counts in tally.numbers.values())
    assert totals.messages + tally.ignored == len(records)


@settings(max_examples=150, deadline=None)
@given(records=records_strategy, zone=ZONES, seed=st.randoms(use_true_random=False))
def test_the_order_of_the_records_does_not_matter(records, zone, seed):
    shuffled = list(records)
    seed.shuffle(shuffled)
    first, second = week(zone=zone).add_all(records), week(zone=zone).add_all(shuffled)
    assert first.days == second.days
    assert first.numbers == second.numbers
    assert first.ignored == second.ignored


@settings(max_examples=150, deadline=None)
@given(records=records_strategy, zone=ZONES, outside_seconds=st.integers(1, 30 * 86400), before=st.booleans())
def test_a_record_outside_the_period_changes_nothing(records, zone, outside_seconds, before):
    tally = week(zone=zone).add_all(records)
    start, end = tally.utc_bounds()
    moment = start - timedelta(seconds=outside_seconds) if before else end + timedelta(seconds=outside_seconds - 1)
    days_before, ignored_before = [(d.day, d.messages, d.nanodollars) for d in tally.days], tally.ignored
    assert tally.add(mdr(timestamp=moment.isoformat(), amount=123456789)) is False
    assert [(d.day, d.messages, d.nanodollars) for d in tally.days] == days_before
    assert tally.ignored == ignored_before + 1


# -- against the sandbox over HTTP --------------------------------------------------------------


def test_tally_of_the_sandbox_mdrs_streamed_page_by_page_matches_them(client, sandbox):
    today = datetime.now(UTC).date()
    tally = MdrTally.last_days(5, today, "America/Los_Angeles")
    start, end = tally.utc_bounds()
    tally.add_all(client.iter_messages(start, end, page_size=7))
    seeded = sandbox.messages()
    assert seeded and len(sandbox.requests) > 1  # several pages were read
    assert tally.totals.inbound == sum(r["attributes"]["direction"] == "inbound" for r in seeded)
    assert tally.totals.outbound == sum(r["attributes"]["direction"] == "outbound" for r in seeded)
    assert tally.totals.nanodollars == sum(int(r["attributes"]["amount_nanodollars"]) for r in seeded)
    assert tally.ignored == 0
