"""`/flowroute numbers portable NUMBER[,NUMBER...]` end to end against the sandbox's portability endpoint."""

from sandbox.flowroute.porting import NOT_PORTABLE, set_portability
from tests.helpers.bot import USER, requests_to, texts


def test_each_number_is_portable_not_portable_or_already_on_flowroute(bot):
    result = bot.command("numbers portable 2065550100,+1-907-555-0100,(503)555-0177,13125559999")
    answer = bot.reply(result)
    body = texts(answer["blocks"])
    assert "*+1 206-555-0100*: :house: already on Flowroute" in body
    assert "*+1 907-555-0100*: :no_entry: not portable" in body
    assert "*+1 503-555-0177*: :white_check_mark: portable" in body
    assert "2 portable, 1 not portable, 1 already on Flowroute" in body
    [request] = requests_to(bot, "POST", "/v2/portorders/portability")
    # JSON with the leading "+", as Flowroute documents (the official SDK's form data is not used).
    assert request.json == {"numbers": ["+12065550100", "+19075550100", "+15035550177", "+13125559999"]}


def test_the_sandbox_override_and_repeats(bot):
    set_portability(bot.sandbox, "5035550177", NOT_PORTABLE)
    body = texts(bot.reply(bot.command("numbers portable 5035550177,503-555-0177"))["blocks"])
    assert body.count("503-555-0177") == 1 and "not portable" in body
    assert requests_to(bot, "POST", "/v2/portorders/portability")[0].json == {"numbers": ["+15035550177"]}


def test_anyone_may_check_and_bad_numbers_never_reach_flowroute(bot):
    assert "Portability check" in texts(bot.reply(bot.command("numbers portable 5035550177", user=USER))["blocks"])
    refused = bot.command("numbers portable 5035550177,12")
    assert "`12` is not a valid phone number" in refused.message.text
    assert "/flowroute numbers portable NUMBER[,NUMBER...]" in refused.message.text
    assert len(requests_to(bot, "POST", "/v2/portorders/portability")) == 1


def test_flowroute_errors_are_one_readable_line(bot):
    bot.sandbox.fail_next(count=5, status=503, path_prefix="/v2/portorders")
    failed = bot.reply(bot.command("numbers portable 5035550177"))
    assert failed["text"].startswith(":warning: Flowroute 503")
    bot.sandbox.fail_next(status=422, path_prefix="/v2/portorders", detail="Too many numbers.")
    failed = bot.reply(bot.command("numbers portable 5035550178"))
    assert failed["text"] == (":no_entry_sign: Flowroute refused `numbers portable` for +1 503-555-0178 "
                              "(Flowroute 422 Unprocessable Entity: Too many numbers.).")
