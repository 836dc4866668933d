from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.parser import COMMANDS, NOUNS, UsageError, clean_text, parse


def test_bare_command_is_help():
    assert parse("").key == "help"
    assert parse("   ").key == "help"


def test_options_take_both_spellings_and_dashes_equal_underscores():
    parsed = parse("numbers search --starts-with 206 rate_center=seattle --state wa --limit=5")
    assert parsed.key == "numbers search"
    assert parsed.options == {"starts_with": "206", "rate_center": "seattle", "state": "WA", "limit": 5}


@pytest.mark.parametrize(
    "typed", ["+1 (206) 555-0100", "206-555-0100", "12065550100", "(206) 555-0100", "+12065550100"]
)
def test_numbers_in_any_common_form(typed):
    assert parse(f"numbers show {typed}").args["NUMBER"] == "12065550100"


def test_sms_with_spaced_numbers_keeps_text_as_typed():
    parsed = parse("sms +1 206 555 0100 (425) 555-1234 Hello  there -- x=1 --limit 5")
    assert parsed.args == {"FROM": "12065550100", "TO": "14255551234", "TEXT": "Hello  there -- x=1 --limit 5"}


def test_slack_escaping_is_undone_in_text_and_links():
    parsed = parse("sms 2065550100 <tel:4255551234|425-555-1234> Tom &amp; Jerry &lt;3 <https://x.io/a>")
    assert parsed.args["TO"] == "14255551234"
    assert parsed.args["TEXT"] == "Tom & Jerry <3 https://x.io/a"
    assert clean_text("<https://example.com/a.png|a.png>") == "https://example.com/a.png"


def test_mms_urls_and_optional_text():
    parsed = parse("mms 2065550100 4255551234 https://a.io/1.png,https://a.io/2.jpg look")
    assert parsed.args["URL"] == ["https://a.io/1.png", "https://a.io/2.jpg"]
    assert parsed.args["TEXT"] == "look"
    assert parse("mms 2065550100 4255551234 https://a.io/1.png").args["TEXT"] is None


def test_channels_in_every_accepted_form():
    for typed in ("<#C0OPS|ops>", "<#C0OPS>", "C0OPS", "here"):
        parsed = parse(f"inbox subscribe all {typed}", channel_id="C0OPS")
        assert parsed.args == {"NUMBER": "all", "CHANNEL": "C0OPS"}


def test_dates_become_utc_datetimes():
    parsed = parse("messages list --start 2026-01-02 --end 2026-01-03T04:05:06+02:00")
    assert parsed.options["start"] == datetime(2026, 1, 2, tzinfo=UTC)
    assert parsed.options["end"].utcoffset().total_seconds() == 7200


@pytest.mark.parametrize(
    "text, problem, usage",
    [
        ("frobnicate", "Unknown command `frobnicate`", "/flowroute help"),
        ("numbers", "`numbers` needs a command", "/flowroute numbers search"),
        ("numbers frob", "`numbers` has no command `frob`", "/flowroute numbers list"),
        ("numbers show", "Missing NUMBER", "/flowroute numbers show NUMBER"),
        ("numbers show 555", "`555` is not a valid phone number", "/flowroute numbers show NUMBER"),
        ("numbers list --colour red", "Unknown option `--colour`", "/flowroute numbers list"),
        ("numbers list --limit 0", "--limit: must be between 1 and 100", "/flowroute numbers list"),
        ("numbers list --limit", "needs a value", "/flowroute numbers list"),
        ("numbers search --limit 26", "between 1 and 25", "/flowroute numbers search"),
        ("routes list --type pstn", "must be one of", "/flowroute routes list"),
        ("messages list --start yesterday", "is not a date", "/flowroute messages list"),
        ("messages show 123", "not a message record id", "/flowroute messages show MDR_ID"),
        ("numbers show 2065550100 extra", "Unexpected `extra`", "/flowroute numbers show NUMBER"),
        ("inbox subscribe all #ops", "is not a channel", "/flowroute inbox subscribe"),
        ("mms 2065550100 4255551234 not-a-url", "URLs", "/flowroute mms FROM TO"),
    ],
)
def test_mistakes_say_what_was_wrong_and_show_usage(text, problem, usage):
    with pytest.raises(UsageError) as info:
        parse(text, channel_id="C0OPS")
    assert problem in str(info.value)
    assert usage in str(info.value)


def test_no_command_mixes_options_with_free_text():
    for spec in COMMANDS.values():
        assert not (spec.options and any(arg.rest for arg in spec.args)), spec.key


def test_every_noun_has_usage_lines():
    assert set(NOUNS) == {"help", "numbers", "routes", "sms", "mms", "messages", "e911", "inbox", "audit", "report",
                          "optouts", "cnam", "calls", "approvals"}


WORDS = st.sampled_from(
    ["numbers", "routes", "e911", "inbox", "sms", "mms", "messages", "list", "show", "search", "buy", "set",
     "--limit", "5", "--offset", "x", "all", "here", "2065550100", "+1", "(206)", "555-0100", "<#C1|a>", '"',
     "=", "limit=3", "--state", "WA", "mdr2-abcdef0123", "<tel:1|2>", "&amp;", "--", "-", "delete", "99"]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(WORDS, max_size=8).map(" ".join))
def test_any_command_like_text_parses_or_gives_a_usage_error(text):
    try:
        parsed = parse(text, channel_id="C0OPS")
    except UsageError as error:
        assert str(error).strip()
    else:
        assert parsed.key in COMMANDS


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_text_at_all_parses_or_gives_a_usage_error(text):
    try:
        parse(text)
    except UsageError:
        pass
