"""The text formats: escaping, the one number, money and stored-time formats."""

from datetime import UTC, datetime, timedelta, timezone

from blocks.text import escape, iso_utc, money, number_text, parse_time, shorten, utc_text


def test_escape_keeps_mentions_and_links_from_forming():
    assert escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
    assert escape(None) == ""


def test_numbers_read_as_people_write_them_and_other_text_is_escaped():
    assert number_text("12065550100") == "+1 206-555-0100"
    assert number_text("<not a number>") == "&lt;not a number&gt;"


def test_money_has_two_decimals_and_says_when_there_is_none():
    assert money("1.5") == "$1.50" and money(1234) == "$1,234.00"
    assert money(None) == "n/a"


def test_stored_times_are_utc_sortable_text_and_read_back():
    moment = datetime(2026, 1, 2, 3, 4, 5, 60000, tzinfo=timezone(timedelta(hours=-8)))
    assert iso_utc(moment) == "2026-01-02T11:04:05.060000Z"
    assert parse_time(iso_utc(moment)) == moment
    earlier, later = iso_utc(moment), iso_utc(moment + timedelta(microseconds=1))
    assert earlier < later
    assert parse_time("2026-01-02T03:04:05") == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert parse_time("yesterday") is None and parse_time(None) is None
    assert iso_utc().endswith("Z")


def test_shorten_folds_whitespace_and_cuts_with_an_ellipsis():
    assert shorten("a\n  b", 10) == "a b"
    assert shorten("abcdef", 4) == "abc…"


def test_times_read_in_utc_whatever_zone_they_come_in():
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2)))
    assert utc_text(moment) == "2026-01-02 01:04:05 UTC"
    assert utc_text(datetime(2026, 1, 2, 3, 4, 5)) == "2026-01-02 03:04:05 UTC"
