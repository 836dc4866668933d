"""Issue 12 "Say it plainly": Flowroute's refusals in words naming the number, route or address; no API
field names, doubled warnings, raw codes or `(s)` plurals; near-miss commands get a suggestion.

End to end over signed HTTP (the bot, the Flowroute sandbox, the Slack emulator).
"""

from handlers.numbers.ids import NUMBERS_BUY_ACTION
from tests.helpers.bot import shown, texts, wait_for_text, writes

FOR_SALE = "12065550142"
SPARE = "16465550199"


def test_a_second_buy_press_says_already_on_your_account_like_numbers_buy(bot):
    first = shown(bot, bot.command(f"numbers buy {FOR_SALE}"))
    second = shown(bot, bot.command(f"numbers buy {FOR_SALE}"))  # another confirmation, its own nonce
    bot.driver.click(first, action_id=NUMBERS_BUY_ACTION)
    wait_for_text(bot, "bought *+1 206-555-0142*", ephemeral=False)
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


def test_e911_update_names_the_fields_as_the_form_labels_them(bot):
    from handlers.e911.ids import E911_UPDATE_VIEW
    from tests.helpers.bot import open_form

    view = open_form(bot, "e911 update 2", E911_UPDATE_VIEW)
    bot.driver.submit_view(view["id"], {"address_type": "none", "address_type_number": ""})
    announced = wait_for_text(bot, "updated E911 address", ephemeral=False)
    assert "(address type, unit number)" in announced.text and "address_type" not in announced.text
    assert "address_type" not in bot.store.get_audit()[0]["target"]


def test_modal_errors_carry_no_emoji_shortcodes(bot):
    from handlers.e911.ids import E911_VALIDATE_VIEW, block_id
    from tests.handlers.test_e911 import GOOD
    from tests.helpers.bot import open_form

    view = open_form(bot, "e911 validate", E911_VALIDATE_VIEW)
    bot.sandbox.fail_next(status=422, path_prefix="/v2/e911s/validate", detail="Address could not be validated.")
    bot.driver.submit_view(view["id"], GOOD)
    error = bot.slack.view_errors[view["id"]][block_id("street_name")]
    assert error.startswith("Flowroute 422") and ":warning:" not in error


def test_numbers_show_no_raw_codes_and_rate_centers_in_title_case(bot):
    listing = texts(shown(bot, bot.command("numbers list")).blocks)
    assert "Seattle support · Seattle, WA" in listing
    assert "*+1 646-555-0199*  _no alias_ · NY" in listing and "nwyrcyzn01" not in listing
    assert "Hotline · Toll-free" in listing
    details = texts(shown(bot, bot.command("numbers show 16465550199")).blocks)
    assert "nwyrcyzn01" not in details and "longcode" not in details and "standard" not in details
    assert "*sip-reg* (registered SIP device)" in details and "sip-reg (sip-reg)" not in details


def test_counts_and_ranges_read_as_words(bot):
    page = texts(shown(bot, bot.command("numbers list --limit 1")).blocks)
    assert "Result 1." in page and "1–1" not in page
    numbers = bot.reply(bot.command("e911 numbers 1"))["text"]
    assert numbers == "1 number uses E911 address 1"
    confirmation = texts(shown(bot, bot.command("e911 delete 1")).blocks)
    assert ":warning: Still used by +1 206-555-0100;" in confirmation and "(s)" not in confirmation


def test_near_miss_commands_get_a_suggestion(bot):
    for typed, meant in (("number list", "numbers list"), ("route list", "routes list"),
                         ("message list", "messages list"), ("numbers lst", "numbers list")):
        result = bot.command(typed)
        assert result.status == 200
        first, usage = result.json["text"].split("\n", 1)
        assert first == f"Unknown command `{typed}`; did you mean `{meant}`?", typed
        assert usage.startswith(f"Usage: `/flowroute {meant}")
    assert "Unknown command `frobnicate`. Commands:" in bot.command("frobnicate").json["text"]
    assert bot.sandbox.requests == []
