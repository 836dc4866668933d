"""Issue 12 "One format everywhere": every message builder formats numbers, money, times, channels, counts
and ranges through blocks/text.py, so no builder carries its own format.

The check reads the string literals (f-strings included) of every production module that builds user-facing
text, with Python's own parser, and fails on a hand-made format. blocks/text.py, where the formats live, is
the one module allowed them.
"""

import ast
import re
from pathlib import Path

import pytest

from blocks.text import (
    channel_text,
    money,
    number_list,
    number_text,
    place_text,
    plural,
    range_text,
    route_kind_text,
    slack_time,
    title_text,
)

ROOT = Path(__file__).resolve().parents[2]
# blocks/chart.py and blocks/report_text.py (the MDR report) are left out: their dates are calendar days in the
# report's zone, not moments, and report_text keeps its own money() until the lead merges it (its TODO).
REPORT = {ROOT / "blocks/chart.py", ROOT / "blocks/report_text.py"}
BUILDERS = sorted(
    {*ROOT.glob("handlers/**/*.py"), *ROOT.glob("blocks/*.py"), ROOT / "relay/posts.py", ROOT / "relay/replies.py",
     ROOT / "core/errors.py", ROOT / "core/audit.py"} - REPORT
)
FORMATS = ROOT / "blocks/text.py"
# (what is hand-made, a pattern in a string literal)
HAND_MADE = [
    ("a money format (use blocks.text.money)", re.compile(r"\{[^{}]*:[,]?\.\d+f\}|\$\{")),
    ("a time format (use blocks.text.slack_time)", re.compile(r"%Y|%H|%M:%S")),
    ("a `(s)` plural (use blocks.text.plural)", re.compile(r"(?<!http)\(s\)")),
    ("a channel mention made by hand (use blocks.text.channel_text)", re.compile(r"<#\{|<#C")),
    ("an ASCII arrow (use →)", re.compile(r"\s->\s")),
    ("an `N–M` range made by hand (use blocks.text.range_text)", re.compile(r"\}–\{")),
]


def string_literals(path: Path):
    """(line, text) of every string constant in the module, docstrings left out."""
    tree = ast.parse(path.read_text(), str(path))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            yield node.lineno, ast.unparse(node)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


@pytest.mark.parametrize("path", [p for p in BUILDERS if p != FORMATS], ids=lambda p: str(p.relative_to(ROOT)))
def test_builders_use_the_one_set_of_formatters(path):
    found = [f"{path.relative_to(ROOT)}:{line}: {what}: {text!r}"
             for line, text in string_literals(path) for what, pattern in HAND_MADE if pattern.search(text)]
    assert found == []


def test_the_formatters_give_the_one_format():
    assert number_text("12065550100") == "+1 206-555-0100"
    assert (money(1), money(0.0045), money(1234.5), money(None)) == ("$1.00", "$0.0045", "$1,234.50", "n/a")
    assert slack_time("2026-03-01T12:00:00Z") == (
        "<!date^1772366400^{date_short_pretty} at {time_secs}|2026-03-01 12:00:00 UTC>")
    assert slack_time("soon") == "soon" and slack_time(None) == "unknown time"
    assert (title_text("san francisco"), place_text("seattle", "wa")) == ("San Francisco", "Seattle, WA")
    assert place_text("nwyrcyzn01", "ny") == "NY" and place_text(None, None, "toll-free") == "Toll-free"
    assert channel_text("C0OPS") == "<#C0OPS>"
    assert (plural(1, "number"), plural(2, "number"), plural(2, "entry", "entries")) == (
        "1 number", "2 numbers", "2 entries")
    assert (range_text("Route", 0, 1), range_text("Route", 20, 20)) == ("Route 1", "Routes 21–40")
    assert number_list(["12065550100"]) == "+1 206-555-0100"
    assert number_list([f"1206555{n:04d}" for n in range(12)], limit=2) == (
        "12 numbers (+1 206-555-0000, +1 206-555-0001 and 10 more)")
    assert route_kind_text("sip-reg") == "registered SIP device"


def test_audit_inbox_and_messages_show_slack_dates_and_formatted_numbers(bot):
    from tests.helpers.bot import shown, texts

    bot.reply(bot.command("routes set 12065550101 --primary office-pbx"))
    audit = texts(shown(bot, bot.command("audit")).blocks)
    assert "*routes set* +1 206-555-0101 primary → office-pbx (1)" in audit
    assert re.search(r"<!date\^\d+\^\{date_short_pretty\} at \{time_secs\}\|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC>",
                     audit)
    bot.sandbox.inject_message("14255551234", "12065550100", "hello")
    listing = texts(shown(bot, bot.command("messages list")).blocks)
    assert listing.count("<!date^") >= 3  # the window's two ends and the record's time
    assert "+1 425-555-1234 → +1 206-555-0100" in listing
    bot.relay.poll_now()
    status = texts(shown(bot, bot.command("inbox status")).blocks)
    assert "<!date^" in status and " UTC>" in status


def test_a_number_route_is_audited_with_the_formatted_number(bot):
    bot.reply(bot.command("routes create number 12065550177 cell"))
    [entry] = bot.store.get_audit()
    assert entry["target"] == "cell (number +1 206-555-0177)"
