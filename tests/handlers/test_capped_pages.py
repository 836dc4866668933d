"""Lists the bot reads whole or pages through, when Flowroute serves fewer records per page than `limit` asks."""

from tests.harness import shown, texts, wait_for_edit

SEATTLE_SALES = "12065550101"  # seeded, route 0, no E911
SPARE = "16465550199"  # seeded, no alias, no E911


def test_routes_set_finds_a_route_beyond_the_first_short_page(bot):
    bot.sandbox.set_behaviour(page_cap=2)  # the seed's 4 routes come 2 a page; the new one on page 3
    bot.flowroute.create_route("host", "sbc.example.com:5060", "late-page-route")
    post = bot.reply(bot.command(f"routes set {SEATTLE_SALES} --primary late-page-route"))
    assert "*late-page-route*" in post["text"]
    assert bot.sandbox.account_number(SEATTLE_SALES)["primary_route"] == "100"
    offsets = [r.query.get("offset") for r in bot.sandbox.requests_to("GET", "/v2/routes")]
    assert offsets == [["0"], ["2"], ["4"]]  # advanced by the records received, not by the limit asked


def test_e911_numbers_lists_every_number_over_short_pages(bot):
    for number in (SEATTLE_SALES, SPARE):
        bot.flowroute.associate_e911(number, "1")
    bot.sandbox.set_behaviour(page_cap=2)
    body = texts(shown(bot, bot.command("e911 numbers 1")).blocks)
    for number in ("+1 206-555-0100", "+1 206-555-0101", "+1 646-555-0199"):
        assert number in body
    assert "Flowroute has more" not in body
    assert len(bot.sandbox.requests_to("GET", "/v2/e911s/1/relationships/numbers")) == 2


def test_numbers_list_next_starts_after_the_records_shown_on_a_short_page(bot):
    bot.sandbox.set_behaviour(page_cap=2)
    page = shown(bot, bot.command("numbers list --limit 3"))
    first = texts(page.blocks)
    assert "+1 206-555-0100" in first and "+1 206-555-0101" in first and "+1 312-555-0123" not in first
    bot.driver.click(page, text="Next")
    second = texts(wait_for_edit(bot, page).blocks)
    assert "+1 312-555-0123" in second  # the third number is not skipped
    assert bot.sandbox.requests_to("GET", "/v2/numbers")[-1].query["offset"] == ["2"]
