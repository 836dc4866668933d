"""The parser's command table and the registered command handlers name the same commands."""

from handlers.parser import COMMANDS


def test_every_parsed_command_has_a_handler_and_every_handler_a_parser_entry(bot):
    assert sorted(bot.commands) == sorted(COMMANDS)


def test_every_handler_either_runs_or_renders_a_page(bot):
    assert [key for key, handler in bot.commands.items() if (handler.run is None) == (handler.page is None)] == []
