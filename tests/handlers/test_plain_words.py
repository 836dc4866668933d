"""Issue 12 "Say it plainly": Flowroute's refusals in words naming the number, route or address; no API
field names, doubled warnings, raw codes or `(s)` plurals; near-miss commands get a suggestion.

End to end over signed HTTP (the bot, the Flowroute sandbox, the Slack emulator).
"""

from handlers.numbers.ids import NUMBERS_BUY_ACTION
from tests.helpers.bot import shown, wait_for_edit, wait_for_text, writes

FOR_SALE = "12065550142"
SPARE = "16465550199"


def test_a_second_buy_press_says_already_on_your_account_like_numbers_buy(bot):
    first = shown(bot, bot.command(f"numbers buy {FOR_SALE}"))
    second = shown(bot, bot.command(f"numbers buy {FOR_SALE}"))  # another confirmation, its own nonce
    bot.driver.click(first, action_id=NUMBERS_BUY_ACTION)
    wait_for_edit(bot, first)
    bot.driver.click(second, action_id=NUMBERS_BUY_ACTION)
    answer = wait_for_text(bot, "already on your account")
    assert answer.text == ":information_source: +1 206-555-0142 is already on your account; nothing to buy."
    assert answer.text == bot.reply(bot.command(f"numbers buy {FOR_SALE}"))["text"]
    assert [r.status for r in writes(bot)] == [201, 422]


def test_a_too_long_alias_is_refused_with_the_limit_before_flowroute(bot):
    text = bot.reply(bot.command(f"numbers alias {SPARE} {'x' * 65}"))["text"]
    assert text == (":no_entry_sign: That alias is 65 characters; a number's alias can be at most 64. "
                    "Nothing was changed.")
    assert writes(bot) == []


def test_an_unknown_number_is_named_as_not_on_the_account(bot):
    for command in (f"numbers show {FOR_SALE}", f"numbers release {FOR_SALE}", f"e911 disconnect {FOR_SALE}"):
        text = bot.reply(bot.command(command))["text"]
        assert text.startswith(":no_entry_sign: +1 206-555-0142 is not on your Flowroute account (Flowroute 404"), \
            command
    assert writes(bot) == []
