"""The `/flowroute` grammar: one table of commands and one small parser.

`parse(text, channel_id=...)` returns a `ParsedCommand` or raises `UsageError`, whose message says what was
wrong and shows the usage line of the command the user meant. It never raises anything else.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from core.commands import PAGE_OPTIONS as PAGE
from core.commands import Arg, CommandSpec, ParsedCommand
from core.commands import command_spec as _spec
from core.errors import UsageError
from flowroute_api import InvalidNumberError, normalize_number
from handlers.parser_kinds import (
    CONVERTERS,
    REPORT_DEFAULT_DAYS,
    REPORT_MAX_DAYS,
)
from handlers.parser_more import MORE_COMMANDS
from handlers.suggestions import suggestion

NUMBER_FILTERS = {"starts_with": "digits", "contains": "digits", "ends_with": "digits"}

COMMANDS: dict[str, CommandSpec] = {
    spec.key: spec
    for spec in [
        _spec("help", "/flowroute help [TOPIC]", "Show commands, or the commands of one topic",
              [Arg("TOPIC", "word", required=False)]),
        _spec("numbers areacodes", "/flowroute numbers areacodes [--max-setup-cost N] [--limit N] [--offset N]",
              "Area codes with numbers for sale", options={"max_setup_cost": "money", **PAGE}),
        _spec("numbers exchanges",
              "/flowroute numbers exchanges [AREACODE] [--max-setup-cost N] [--limit N] [--offset N]",
              "Exchanges with numbers for sale", [Arg("AREACODE", "areacode", required=False)],
              {"max_setup_cost": "money", **PAGE}),
        _spec("numbers search",
              "/flowroute numbers search [--starts-with D] [--contains D] [--ends-with D] [--state ST] "
              "[--rate-center RC] [--limit N] [--offset N]",
              "Search numbers you can buy",
              options={**NUMBER_FILTERS, "state": "state", "rate_center": "word", "limit": "search_limit",
                       "offset": "offset"}),
        _spec("numbers buy", "/flowroute numbers buy NUMBER", "Buy a number (asks for confirmation)",
              [Arg("NUMBER", "number")], write=True),
        _spec("numbers list",
              "/flowroute numbers list [--starts-with D] [--contains D] [--ends-with D] [--limit N] [--offset N]",
              "Numbers on the account", options={**NUMBER_FILTERS, **PAGE}),
        _spec("numbers show", "/flowroute numbers show NUMBER", "A number's routes, E911 address and CNAM",
              [Arg("NUMBER", "number")]),
        _spec("numbers alias", "/flowroute numbers alias NUMBER TEXT...", "Set a number's alias",
              [Arg("NUMBER", "number"), Arg("TEXT", "text", rest=True)], write=True),
        _spec("numbers release", "/flowroute numbers release NUMBER", "Release a number (asks for confirmation)",
              [Arg("NUMBER", "number")], write=True),
        _spec("routes list", "/flowroute routes list [--limit N] [--offset N] [--type TYPE]",
              "Inbound voice routes", options={**PAGE, "type": "route_type_any"}),
        _spec("routes create", '/flowroute routes create [TYPE VALUE ["ALIAS"]]',
              "Create a route (no arguments: opens a form; quote an alias with spaces)",
              [Arg("TYPE", "route_type", required=False), Arg("VALUE", "word", required=False),
               Arg("ALIAS", "word", required=False)], write=True),
        _spec("routes set", "/flowroute routes set NUMBER [--primary ROUTE] [--failover ROUTE]",
              "Set a number's primary and failover routes (no options: opens a form)",
              [Arg("NUMBER", "number")], {"primary": "word", "failover": "word"}, write=True),
        _spec("routes delete", "/flowroute routes delete ROUTE", "Delete a route (asks for confirmation)",
              [Arg("ROUTE", "word")], write=True),
        _spec("sms", "/flowroute sms FROM TO TEXT...", "Send an SMS (asks for confirmation)",
              [Arg("FROM", "number"), Arg("TO", "number"), Arg("TEXT", "text", rest=True)], write=True),
        _spec("mms", "/flowroute mms FROM TO URL[,URL...] [TEXT...]", "Send an MMS (asks for confirmation)",
              [Arg("FROM", "number"), Arg("TO", "number"), Arg("URL", "urls"),
               Arg("TEXT", "text", required=False, rest=True)], write=True),
        _spec("messages list",
              "/flowroute messages list [--start DATE] [--end DATE] [--number NUMBER] "
              "[--direction inbound|outbound] [--status STATUS] [--limit N] [--offset N]",
              "Message detail records, newest first (default: the last 24 hours)",
              options={"start": "date", "end": "date", "number": "phone", "direction": "direction",
                       "status": "status", **PAGE}),
        _spec("messages show", "/flowroute messages show MDR_ID", "One message detail record",
              [Arg("MDR_ID", "mdr_id")]),
        _spec("e911 list", "/flowroute e911 list [--limit N] [--offset N] [--state ST]", "E911 addresses",
              options={**PAGE, "state": "state"}),
        _spec("e911 show", "/flowroute e911 show ADDRESS_ID", "One E911 address", [Arg("ADDRESS_ID", "id")]),
        _spec("e911 validate", "/flowroute e911 validate", "Check an address (opens a form)"),
        _spec("e911 create", "/flowroute e911 create", "Create an E911 address (opens a form)", write=True),
        _spec("e911 update", "/flowroute e911 update ADDRESS_ID", "Change an E911 address (opens a form)",
              [Arg("ADDRESS_ID", "id")], write=True),
        _spec("e911 associate", "/flowroute e911 associate NUMBER ADDRESS_ID", "Give a number an E911 address",
              [Arg("NUMBER", "number"), Arg("ADDRESS_ID", "id")], write=True),
        _spec("e911 numbers", "/flowroute e911 numbers ADDRESS_ID", "Numbers using an E911 address",
              [Arg("ADDRESS_ID", "id")]),
        _spec("e911 disconnect", "/flowroute e911 disconnect NUMBER",
              "Remove a number's E911 address (asks for confirmation)", [Arg("NUMBER", "number")], write=True),
        _spec("e911 delete", "/flowroute e911 delete ADDRESS_ID", "Delete an E911 address (asks for confirmation)",
              [Arg("ADDRESS_ID", "id")], write=True),
        _spec("inbox subscribe", "/flowroute inbox subscribe NUMBER|all CHANNEL",
              "Post inbound SMS/MMS for a number (or all numbers) into a channel",
              [Arg("NUMBER", "number_or_all"), Arg("CHANNEL", "channel")], write=True),
        _spec("inbox unsubscribe", "/flowroute inbox unsubscribe NUMBER|all [CHANNEL]", "Stop posting into a channel",
              [Arg("NUMBER", "number_or_all"), Arg("CHANNEL", "channel", required=False)], write=True),
        _spec("inbox list", "/flowroute inbox list", "Inbox subscriptions"),
        _spec("inbox status", "/flowroute inbox status", "Relay health: last poll, watermark, counts, errors"),
        _spec("inbox poll", "/flowroute inbox poll", "Poll Flowroute for inbound messages now"),
        _spec("inbox callbacks", "/flowroute inbox callbacks on|off|status",
              "Flowroute callbacks for inbound messages and receipts (on/off: admins)",
              [Arg("SWITCH", "on_off_status")]),
        _spec("audit", "/flowroute audit [--limit N]", "Recent changes made through the bot",
              options={"limit": "limit"}),
        _spec("numbers audit", "/flowroute numbers audit",
              "Numbers missing an E911 address, a failover route, messaging or an alias"),
        _spec("report", "/flowroute report [--days N] [--number NUMBER]",
              f"Messages per day, failures and spend as a chart (default {REPORT_DEFAULT_DAYS} days, "
              f"at most {REPORT_MAX_DAYS})", options={"days": "report_days", "number": "phone"}),
    ]
}

COMMANDS.update({spec.key: spec for spec in MORE_COMMANDS})  # handlers/parser_more.py

NOUNS: dict[str, list[CommandSpec]] = {}
for _spec_item in COMMANDS.values():
    NOUNS.setdefault(_spec_item.key.split()[0], []).append(_spec_item)

TOKEN = re.compile(r'["\u201c]([^"\u201d]*)["\u201d]|(\S+)')  # straight or curly quotes (macOS may curl them)
SLACK_LINK = re.compile(r"<((?:https?|mailto|tel):[^|>]*)(?:\|([^>]*))?>")
NUMBER_PIECE = re.compile(r"^\+?[\d().\-]+$")


@dataclass
class _Token:
    value: str
    start: int  # offset in the cleaned text, for rest-of-line arguments


def clean_text(text: str) -> str:
    """Undo Slack's escaping: links and phone numbers come wrapped, `&<>` come as entities."""

    def unwrap(match: re.Match) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith(("tel:", "mailto:")):
            return label or target.split(":", 1)[1]
        return target

    return html.unescape(SLACK_LINK.sub(unwrap, text or "")).strip()


def tokenize(text: str) -> list[_Token]:
    return [
        _Token(m.group(1) if m.group(1) is not None else m.group(2), m.start()) for m in TOKEN.finditer(text)
    ]


def parse(text: str, *, channel_id: str | None = None) -> ParsedCommand:
    cleaned = clean_text(text)
    tokens = tokenize(cleaned)
    if not tokens:
        return ParsedCommand(COMMANDS["help"], {"TOPIC": None}, {})
    spec, tokens = _find_spec(tokens)
    return _Parser(spec, tokens, cleaned, channel_id).run()


def _find_spec(tokens: list[_Token]) -> tuple[CommandSpec, list[_Token]]:
    noun = tokens[0].value.lower()
    if noun in COMMANDS:
        return COMMANDS[noun], tokens[1:]
    suggested = _suggestion(noun, tokens[1].value.lower() if len(tokens) > 1 else None)
    if noun not in NOUNS:
        if suggested:
            raise UsageError(*suggested)
        raise UsageError(
            f"Unknown command `{tokens[0].value}`. Commands: {', '.join(sorted(NOUNS))}.",
            "/flowroute help [TOPIC]",
        )
    if len(tokens) < 2:
        raise UsageError(f"`{noun}` needs a command: " + ", ".join(_verbs(noun)) + ".", _usage_lines(noun))
    key = f"{noun} {tokens[1].value.lower()}"
    if key not in COMMANDS:
        if suggested:
            raise UsageError(*suggested)
        raise UsageError(
            f"`{noun}` has no command `{tokens[1].value}`. Try: {', '.join(_verbs(noun))}.", _usage_lines(noun)
        )
    return COMMANDS[key], tokens[2:]


def _suggestion(noun: str, verb: str | None) -> tuple[str, str] | None:
    return suggestion(noun, verb, COMMANDS, {name: _verbs(name) for name in NOUNS}, _usage_lines)


def _verbs(noun: str) -> list[str]:
    return [spec.key.split()[1] for spec in NOUNS[noun] if " " in spec.key]


def _usage_lines(noun: str) -> str:
    return "`\n`".join(spec.usage for spec in NOUNS[noun])


def usage_for(topic: str | None) -> list[CommandSpec]:
    """The specs shown by `help TOPIC` (all of them without a topic)."""
    if topic is None:
        return list(COMMANDS.values())
    return NOUNS.get(topic.lower(), [])


class _Parser:
    def __init__(self, spec: CommandSpec, tokens: list[_Token], text: str, channel_id: str | None):
        self.spec, self.tokens, self.text, self.channel_id = spec, tokens, text, channel_id
        self.args: dict = {}
        self.options: dict = {}

    def fail(self, problem: str) -> UsageError:
        return UsageError(problem, self.spec.usage)

    def run(self) -> ParsedCommand:
        positional = self._take_options()
        self._take_args(positional)
        return ParsedCommand(self.spec, self.args, self.options)

    def _take_options(self) -> list[_Token]:
        """Split options from positional tokens. Commands with free text take no options, so message
        text is never mistaken for an option."""
        if not self.spec.options:
            return list(self.tokens)
        positional: list[_Token] = []
        tokens = list(self.tokens)
        while tokens:
            token = tokens.pop(0)
            name, value = self._option_parts(token, tokens)
            if name is None:
                positional.append(token)
                continue
            self.options[name] = self._convert(self.spec.options[name], value, f"--{name.replace('_', '-')}")
        return positional

    def _option_parts(self, token: _Token, tokens: list[_Token]) -> tuple[str | None, str | None]:
        raw = token.value
        if raw.startswith("--") and len(raw) > 2:
            name, _, value = raw[2:].partition("=")
            has_value = "=" in raw
        elif re.match(r"^[A-Za-z][\w-]*=", raw):
            name, _, value = raw.partition("=")
            has_value = True
        else:
            return None, None
        name = name.lower().replace("-", "_")
        if name not in self.spec.options:
            known = ", ".join("--" + n.replace("_", "-") for n in self.spec.options) or "none"
            raise self.fail(f"Unknown option `{raw.split('=')[0]}` (options: {known}).")
        if not has_value:
            if not tokens:
                raise self.fail(f"Option `--{name.replace('_', '-')}` needs a value.")
            value = tokens.pop(0).value
        return name, value

    def _take_args(self, tokens: list[_Token]) -> None:
        for arg in self.spec.args:
            if not tokens:
                if arg.required:
                    raise self.fail(f"Missing {arg.name}.")
                self.args[arg.name] = None
                continue
            if arg.rest:
                self.args[arg.name] = self.text[tokens[0].start:].strip()
                tokens = []
                continue
            if arg.kind in ("number", "number_or_all"):
                value, tokens = self._take_number(arg, tokens)
                self.args[arg.name] = value
                continue
            self.args[arg.name] = self._convert(arg.kind, tokens.pop(0).value, arg.name)
        if tokens:
            extra = " ".join(t.value for t in tokens)
            raise self.fail(f"Unexpected `{extra}`: put values with spaces in double quotes.")

    def _take_number(self, arg: Arg, tokens: list[_Token]) -> tuple[str, list[_Token]]:
        """A phone number may be typed with spaces (`+1 (206) 555-0100`): join pieces up to a full number."""
        first = tokens[0].value
        if arg.kind == "number_or_all" and first.lower() == "all":
            return "all", tokens[1:]
        taken, digits = 0, ""
        for token in tokens:
            if not NUMBER_PIECE.match(token.value):
                break
            candidate = digits + re.sub(r"\D", "", token.value)
            if len(candidate) > 11 or (len(candidate) > 10 and not candidate.startswith("1")):
                break
            digits, taken = candidate, taken + 1
            if len(digits) == 11 or (len(digits) == 10 and not digits.startswith("1")):
                break
        if taken == 0:
            taken, raw = 1, first
        else:
            raw = " ".join(t.value for t in tokens[:taken])
        try:
            return normalize_number(raw), tokens[taken:]
        except InvalidNumberError:
            raise self.fail(f"`{raw}` is not a valid phone number ({arg.name}).") from None

    def _convert(self, kind: str, value: str, label: str):
        converter = CONVERTERS[kind]
        try:
            return converter(self, value)
        except ValueError as error:
            raise self.fail(f"{label}: {error}") from None
