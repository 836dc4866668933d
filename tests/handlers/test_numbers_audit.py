"""`/flowroute numbers audit` end to end: each kind of problem flagged on seeded numbers, nothing on a clean one."""

from handlers.e911.associate_form import E911_ADDRESS_BLOCK, E911_ASSOCIATE_OPEN_ACTION, E911_ASSOCIATE_VIEW
from handlers.routes.ids import ROUTES_SET_OPEN_ACTION
from tests.helpers.bot import USER, requests_to, shown, texts

CLEAN = "12065550100"  # seeded: alias, routes 1 / 0, E911 1, messaging on


def audit_lines(bot, user=None):
    result = bot.command("numbers audit", **({"user": user} if user else {}))
    page = shown(bot, result)
    return page, {line.split("*")[1]: line for line in texts(page.blocks).splitlines() if line.startswith(":warning:")}


def test_audit_flags_each_kind_of_problem_and_nothing_on_a_clean_number(bot):
    bot.flowroute.set_failover_route("13125550123", "2")  # primary is route 2 as well
    bot.flowroute.update_number("12065550101", messaging_enabled=False)
    page, lines = audit_lines(bot)
    assert "no failover route" in lines["+1 206-555-0101"] and "no E911 address" in lines["+1 206-555-0101"]
    assert "messaging off" in lines["+1 206-555-0101"]
    assert lines["+1 312-555-0123"].endswith("failover route is the primary")
    assert "no alias" in lines["+1 646-555-0199"]
    assert "+1 206-555-0100" not in lines  # the clean one
    assert "4 of 5 numbers need attention" in texts(page.blocks)
    buttons = {(b["action_id"], b["value"]) for b in bot.driver.buttons(page)}
    assert (ROUTES_SET_OPEN_ACTION, '{"number":"13125550123"}') in buttons
    assert (E911_ASSOCIATE_OPEN_ACTION, '{"number":"12065550101"}') in buttons
    assert not any(CLEAN in value for _, value in buttons)


def test_audit_reads_every_page_of_numbers_with_bounded_concurrency(bot):
    bot.sandbox.seed_numbers(230)  # beyond one 200-number page
    bot.sandbox.set_behaviour(page_cap=50)  # and a server that caps pages shorter
    bot.sandbox.fail_next(1, 429, retry_after=0, path_prefix="/v2/numbers/15095550007", method="GET")
    page, lines = audit_lines(bot)
    assert "+1 509-555-0229" in texts(page.blocks) or "more numbers with problems" in texts(page.blocks)
    assert "of 235 numbers need attention" in texts(page.blocks)
    details = [r for r in requests_to(bot, "GET", containing="/v2/numbers/") if r.path.count("/") == 3]
    assert len({r.path for r in details}) == 235
    assert len([r for r in details if r.path == "/v2/numbers/15095550007"]) == 2  # the 429, then the retry


def test_non_admins_see_the_problems_without_fix_buttons(bot):
    page, lines = audit_lines(bot, user=USER)
    assert lines and not bot.driver.buttons(page)


def test_the_e911_button_opens_a_form_that_associates_the_address(bot):
    page, _ = audit_lines(bot)
    bot.driver.click(page, action_id=E911_ASSOCIATE_OPEN_ACTION, value='{"number":"12065550101"}')
    view = bot.slack.wait_for(lambda: bot.slack.top_view(), timeout=10)
    assert view["callback_id"] == E911_ASSOCIATE_VIEW
    bot.driver.submit_view(view["id"], {E911_ADDRESS_BLOCK: "3"})
    bot.slack.wait_for(lambda: bot.sandbox.account_number("12065550101")["e911"] == "3", timeout=10)
    assert bot.store.get_audit()[0]["action"] == "e911 associate"
