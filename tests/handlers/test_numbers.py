"""`/flowroute numbers ...` end to end: signed Slack requests to the bot, the sandbox and the emulator behind it."""

import json

import pytest

from blocks.text import number_text
from handlers.numbers.ids import NUMBERS_BUY_ACTION, NUMBERS_RELEASE_ACTION
from handlers.routes.ids import ROUTES_SET_OPEN_ACTION
from tests.helpers.bot import (
    ADMIN,
    OPS,
    USER,
    requests_to,
    shown,
    texts,
    wait_for_delete,
    wait_for_edit,
    wait_for_text,
    writes,
)

FOR_SALE = "12065550142"  # seeded: seattle, setup $1.00, $1.25 a month
FOR_SALE_SF = "14155550123"  # seeded: sanfrancisco, setup $3.50, $2.50 a month
ON_ACCOUNT = "12065550100"  # seeded: "Seattle support", routes 1 / 0, E911 1, CNAM 1
SPARE = "16465550199"  # seeded account number with no alias
ADMIN_ONLY = "only Flowroute admins"


# --- helpers ----------------------------------------------------------------------------------------

def button(bot, message, action_id):
    found = [b for b in bot.driver.buttons(message) if b["action_id"] == action_id]
    assert found, (action_id, bot.driver.buttons(message))
    return found[0]


# --- lists ------------------------------------------------------------------------------------------

def test_list_shows_formatted_numbers_and_next_replaces_the_message_in_place(bot):
    result = bot.command("numbers list --limit 2")
    assert result.status == 200
    page = shown(bot, result)
    first = texts(page.blocks)
    assert "+1 206-555-0100" in first and "Seattle support" in first
    assert "+1 206-555-0101" in first and "Seattle sales" in first
    assert "Seattle, WA" in first
    assert "+1 312-555-0123" not in first
    assert [b["text"] for b in bot.driver.buttons(page)] == ["Next"]

    posts_before = len(bot.slack.messages(OPS))
    bot.driver.click(page, text="Next")
    second_page = wait_for_edit(bot, page)
    second = texts(second_page.blocks)
    assert "+1 312-555-0123" in second and "Chicago NOC" in second
    assert "+1 206-555-0100" not in second
    assert {b["text"] for b in bot.driver.buttons(second_page)} == {"Previous", "Next"}
    assert len(bot.slack.messages(OPS)) == posts_before  # replaced, not a new message
    assert requests_to(bot, "GET", "/v2/numbers")[-1].query["offset"] == ["2"]


def test_list_filters_reach_flowroute(bot):
    page = shown(bot, bot.command("numbers list --starts-with 1312"))
    assert "+1 312-555-0123" in texts(page.blocks)
    assert "+1 206-555-0100" not in texts(page.blocks)
    # Flowroute assumes country code 1 in starts_with, so the typed leading 1 is not sent
    assert requests_to(bot, "GET", "/v2/numbers")[-1].query["starts_with"] == ["312"]
    assert bot.driver.buttons(page) == []  # one page only: no pager


def test_areacodes_page_through_with_previous_and_next(bot):
    page = shown(bot, bot.command("numbers areacodes --limit 3 --max-setup-cost 3.5"))
    first = texts(page.blocks)
    assert "Area codes" in first and "up to $3.50" in first
    assert [b["text"] for b in bot.driver.buttons(page)] == ["Next"]
    query = requests_to(bot, "GET", "/v2/numbers/available/areacodes")[-1].query
    assert query["limit"] == ["3"] and query["max_setup_cost"] == ["3.5"]

    bot.driver.click(page, text="Next")
    second = wait_for_edit(bot, page)
    assert texts(second.blocks) != first
    assert "Results 4–" in texts(second.blocks)
    assert requests_to(bot, "GET", "/v2/numbers/available/areacodes")[-1].query["offset"] == ["3"]
    assert "Previous" in [b["text"] for b in bot.driver.buttons(second)]


def test_exchanges_for_an_area_code(bot):
    page = shown(bot, bot.command("numbers exchanges 206"))
    assert "area code 206" in texts(page.blocks)
    assert "`206-555`" in texts(page.blocks)
    assert "--starts-with 206" in texts(page.blocks)  # a ready-to-run next step
    assert requests_to(bot, "GET", "/v2/numbers/available/exchanges")[-1].query["areacode"] == ["206"]


# --- search and buy ---------------------------------------------------------------------------------

def offered(bot, message):
    """The numbers a message's Buy buttons offer, in order."""
    buys = [b for b in bot.driver.buttons(message) if b["action_id"] == NUMBERS_BUY_ACTION]
    return [json.loads(b["value"])["number"] for b in buys]


def search_for(bot, number):
    """Search results holding exactly `number` (searching by its ten national digits)."""
    page = shown(bot, bot.command(f"numbers search --ends-with {number[1:]}"))
    assert [b["action_id"] for b in bot.driver.buttons(page)] == [NUMBERS_BUY_ACTION]
    return page


def test_search_shows_costs_and_a_buy_button_with_a_confirm_dialog(bot):
    page = shown(bot, bot.command("numbers search --starts-with 1206 --limit 5"))
    buys = [b for b in bot.driver.buttons(page) if b["action_id"] == NUMBERS_BUY_ACTION]
    assert len(buys) == 5
    assert "Next" in [b["text"] for b in bot.driver.buttons(page)]
    for buy in buys:
        value = json.loads(buy["value"])
        assert value["number"].startswith("1206") and value["n"]
        confirm = buy["confirm"]["text"]["text"]
        assert f"{value['setup']:.2f}" in confirm and f"{value['monthly']:.2f}" in confirm
    assert len({json.loads(b["value"])["n"] for b in buys}) == 5

    page = search_for(bot, FOR_SALE)
    body = texts(page.blocks)
    assert "+1 206-555-0142" in body and "Setup $1.00" in body and "$1.25 a month" in body
    confirm = button(bot, page, NUMBERS_BUY_ACTION)["confirm"]["text"]["text"]
    assert "$1.00 setup" in confirm and "$1.25 a month" in confirm and "+1 206-555-0142" in confirm


def test_buy_from_search_buys_replaces_the_message_announces_and_audits(bot):
    page = search_for(bot, FOR_SALE)
    bot.driver.click(page, action_id=NUMBERS_BUY_ACTION, user=ADMIN)

    replaced = wait_for_edit(bot, page)
    assert "Bought *+1 206-555-0142*." in texts(replaced.blocks)  # the private list: the row marked, no costs
    assert "setup" not in replaced.text
    announced = wait_for_text(bot, "bought *+1 206-555-0142*", ephemeral=False)
    assert announced.ephemeral_to is None and "$1.00 setup, $1.25 a month" in announced.text
    assert [m.text for m in bot.slack.messages(OPS)].count(announced.text) == 1  # said once
    assert bot.sandbox.account_number(FOR_SALE) is not None
    assert len(requests_to(bot, "POST", f"/v2/numbers/{FOR_SALE}")) == 1
    row = bot.store.get_audit()[0]
    assert (row["user_id"], row["action"], row["target"], row["ok"]) == (ADMIN, "numbers buy", "+1 206-555-0142", 1)


def test_buying_from_a_list_keeps_the_other_offers(bot):
    bot.driver.include_ephemeral_message = True  # a payload that carries the clicked message's blocks
    page = shown(bot, bot.command("numbers search --starts-with 206555 --limit 2"))
    offers = offered(bot, page)
    assert len(offers) == 2
    second = next(b for b in bot.driver.buttons(page) if b["action_id"] == NUMBERS_BUY_ACTION
                  and json.loads(b["value"])["number"] == offers[1])
    bot.driver.click(page, action_id=NUMBERS_BUY_ACTION, value=second["value"])  # the second Buy button

    replaced = wait_for_edit(bot, page)
    body = texts(replaced.blocks)
    assert f"Bought *{number_text(offers[1])}*" in body
    assert offered(bot, replaced) == [offers[0]]
    assert bot.sandbox.account_number(offers[1]) is not None and bot.sandbox.account_number(offers[0]) is None


def test_double_clicked_buy_buys_once(bot):
    page = search_for(bot, FOR_SALE)
    bot.sandbox.set_latency(0.3)  # the first purchase is still running when the second click arrives
    first = bot.driver.click(page, action_id=NUMBERS_BUY_ACTION)
    second = bot.driver.click(page, action_id=NUMBERS_BUY_ACTION)
    assert (first.status_code, second.status_code) == (200, 200)

    assert "already used" in wait_for_text(bot, "already used").text
    wait_for_edit(bot, page)
    bot.sandbox.set_latency(0)
    assert len(requests_to(bot, "POST", f"/v2/numbers/{FOR_SALE}")) == 1
    assert [row["action"] for row in bot.store.get_audit()] == ["numbers buy"]


def test_buy_command_confirms_the_cost_then_buys_on_click(bot):
    result = bot.command("numbers buy +1 (415) 555-0123")
    assert result.status == 200
    confirmation = shown(bot, result)
    body = texts(confirmation.blocks)
    assert "+1 415-555-0123" in body and "Setup $3.50" in body and "$2.50 a month" in body
    confirm = button(bot, confirmation, NUMBERS_BUY_ACTION)["confirm"]["text"]["text"]
    assert "$3.50 setup" in confirm and "$2.50 a month" in confirm
    assert writes(bot) == []  # nothing bought before the click

    bot.driver.click(confirmation, action_id=NUMBERS_BUY_ACTION)
    wait_for_delete(bot, confirmation)  # the private question goes; the result is said once, in the channel
    assert wait_for_text(bot, "bought *+1 415-555-0123*", ephemeral=False).ephemeral_to is None
    assert bot.sandbox.account_number(FOR_SALE_SF) is not None
    assert [(r.method, r.path) for r in writes(bot)] == [("POST", f"/v2/numbers/{FOR_SALE_SF}")]


@pytest.mark.parametrize(
    "number, expected",
    [(ON_ACCOUNT, "already on your account"), ("12065550777", "not for sale")],
)
def test_buy_command_for_a_number_that_cannot_be_bought_says_why(bot, number, expected):
    reply = bot.reply(bot.command(f"numbers buy {number}"))
    assert expected in reply["text"]
    assert "blocks" not in reply
    assert writes(bot) == []


@pytest.mark.parametrize(
    "text",
    [f"numbers buy {FOR_SALE}", f"numbers alias {ON_ACCOUNT} Hijacked", f"numbers release {ON_ACCOUNT}"],
)
def test_non_admin_write_commands_are_refused_before_flowroute(bot, text):
    bot.sandbox.clear_requests()
    result = bot.command(text, user=USER)
    assert result.status == 200
    assert ADMIN_ONLY in result.json["text"]
    assert result.json["response_type"] == "ephemeral"
    assert bot.sandbox.requests == []
    assert bot.sandbox.account_number(ON_ACCOUNT)["alias"] == "Seattle support"


def test_non_admin_clicking_buy_is_refused_and_nothing_is_bought(bot):
    page = search_for(bot, FOR_SALE)
    bot.driver.click(page, action_id=NUMBERS_BUY_ACTION, user=USER)

    refusal = wait_for_text(bot, ADMIN_ONLY)
    assert refusal.ephemeral_to == USER and "buy numbers" in refusal.text
    assert writes(bot) == []
    assert bot.sandbox.account_number(FOR_SALE) is None
    assert bot.slack.message(page.id).edited_ts is None  # the offer is still there for an admin
    assert bot.store.get_audit() == []

    bot.driver.click(page, action_id=NUMBERS_BUY_ACTION, user=ADMIN)  # the refusal did not use up the button
    wait_for_edit(bot, page)
    assert bot.sandbox.account_number(FOR_SALE) is not None


def test_a_flowroute_refusal_on_buy_is_one_line_and_the_button_still_works(bot):
    page = search_for(bot, FOR_SALE)
    bot.sandbox.fail_next(status=422, detail="Insufficient funds.")
    bot.driver.click(page, action_id=NUMBERS_BUY_ACTION)
    failure = wait_for_text(bot, "Flowroute 422")
    assert failure.text.startswith(":no_entry_sign: Flowroute refused `numbers buy` for +1 206-555-0142 (Flowroute "
                                   "422") and failure.text.endswith("Insufficient funds.).")
    assert bot.store.get_audit()[0]["ok"] == 0

    bot.driver.click(page, action_id=NUMBERS_BUY_ACTION)
    wait_for_edit(bot, page)
    assert bot.sandbox.account_number(FOR_SALE) is not None


# --- one number -------------------------------------------------------------------------------------

def test_show_lists_routes_e911_cnam_and_offers_route_and_release_buttons(bot):
    details = shown(bot, bot.command("numbers show 206-555-0100"))
    body = texts(details.blocks)
    assert "+1 206-555-0100" in body and "Seattle support" in body
    assert "Seattle, WA" in body
    assert "*office-pbx* (host `pbx.example.com:5060`)" in body  # primary
    assert "*sip-reg* (registered SIP device)" in body and "sip-reg (sip-reg)" not in body  # failover
    assert "Seattle HQ: 1218 3rd Ave Suite 600, Seattle WA 98101, US" in body  # as /flowroute e911 shows it
    assert "ACME OPS" in body
    routes = button(bot, details, ROUTES_SET_OPEN_ACTION)
    assert json.loads(routes["value"]) == {"number": ON_ACCOUNT} and routes["text"] == "Set routes"
    release = button(bot, details, NUMBERS_RELEASE_ACTION)
    assert release["style"] == "danger" and release["confirm"]["style"] == "danger"
    assert "+1 206-555-0100" in release["confirm"]["text"]["text"]


def test_show_unknown_number_is_one_readable_line(bot):
    reply = bot.reply(bot.command(f"numbers show {FOR_SALE}"))
    text = reply["text"]
    assert text.startswith(":no_entry_sign: +1 206-555-0142 is not on your Flowroute account (Flowroute 404")
    assert "\n" not in text
    assert "Traceback" not in text


def test_alias_updates_flowroute_tells_the_channel_and_audits(bot):
    reply = bot.reply(bot.command(f"numbers alias {SPARE} NY <lab> & co"))
    assert reply["response_type"] == "in_channel"
    assert "+1 646-555-0199" in reply["text"]
    assert "NY &lt;lab&gt; &amp; co" in reply["text"]  # escaped for mrkdwn
    assert bot.sandbox.account_number(SPARE)["alias"] == "NY <lab> & co"
    patch = requests_to(bot, "PATCH", f"/v2/numbers/{SPARE}")
    assert len(patch) == 1 and patch[0].json == {"type": "number", "alias": "NY <lab> & co"}
    row = bot.store.get_audit()[0]
    assert (row["action"], row["ok"]) == ("numbers alias", 1) and "+1 646-555-0199" in row["target"]


def test_alias_refused_by_flowroute_is_one_readable_line_and_audited_as_failed(bot):
    bot.sandbox.fail_next(status=422, detail="Alias is too long.")
    reply = bot.reply(bot.command(f"numbers alias {SPARE} {'x' * 60}"))
    text = reply["text"]
    assert text.startswith(":no_entry_sign: Flowroute refused the alias for +1 646-555-0199; an alias can be at "
                           "most 64 characters (Flowroute 422") and text.endswith("Alias is too long.).")
    assert reply["response_type"] == "ephemeral"
    row = bot.store.get_audit()[0]
    assert (row["action"], row["ok"]) == ("numbers alias", 0) and "Alias is too long." in row["result"]


def test_release_asks_for_confirmation_then_releases_once(bot):
    confirmation = shown(bot, bot.command(f"numbers release {ON_ACCOUNT}"))
    assert "Release *+1 206-555-0100* (Seattle support)" in texts(confirmation.blocks)
    release = button(bot, confirmation, NUMBERS_RELEASE_ACTION)
    assert release["style"] == "danger" and release["confirm"]["style"] == "danger"
    assert json.loads(release["value"])["n"]
    assert writes(bot) == []

    bot.driver.click(confirmation, action_id=NUMBERS_RELEASE_ACTION)
    wait_for_delete(bot, confirmation)
    wait_for_text(bot, "released *+1 206-555-0100*", ephemeral=False)
    assert bot.sandbox.account_number(ON_ACCOUNT) is None
    assert [(r.method, r.path) for r in writes(bot)] == [("DELETE", f"/v2/numbers/{ON_ACCOUNT}")]
    row = bot.store.get_audit()[0]
    assert (row["action"], row["target"], row["ok"]) == ("numbers release", "+1 206-555-0100", 1)


def test_non_admin_clicking_release_is_refused(bot):
    details = shown(bot, bot.command(f"numbers show {SPARE}"))
    bot.driver.click(details, action_id=NUMBERS_RELEASE_ACTION, user=USER)
    wait_for_text(bot, ADMIN_ONLY)
    assert writes(bot) == []
    assert bot.sandbox.account_number(SPARE) is not None


# --- failures and the audit channel -----------------------------------------------------------------

def test_flowroute_500_after_retries_is_one_readable_line(bot):
    bot.sandbox.clear_requests()
    bot.sandbox.fail_next(status=500, count=5, detail="Maintenance in progress.")
    result = bot.command("numbers list")
    assert result.status == 200 and result.elapsed < 3
    text = bot.reply(result)["text"]
    assert text.startswith(":warning: Flowroute 500 ") and text.endswith(": Maintenance in progress.")
    assert "\n" not in text and "Traceback" not in text
    assert [r.status for r in bot.sandbox.requests] == [500, 500, 500, 500]  # first try + 3 retries


def test_writes_are_announced_in_the_audit_channel(make_bot):
    bot = make_bot(FLOWROUTE_BOT_AUDIT_CHANNEL="C0AUDIT")
    bot.reply(bot.command(f"numbers alias {SPARE} Lab line"))
    announced = wait_for_text(bot, "numbers alias", channel="C0AUDIT", ephemeral=False)
    assert f"<@{ADMIN}>" in announced.text and "+1 646-555-0199" in announced.text
    assert announced.text.startswith(":white_check_mark:")


def test_set_routes_button_opens_the_routes_modal_for_that_number(bot):
    """The contract with the routes area: our button's action_id and value open its modal."""
    details = shown(bot, bot.command(f"numbers show {ON_ACCOUNT}"))
    bot.driver.click(details, action_id=ROUTES_SET_OPEN_ACTION)
    opened = bot.slack.wait_for(lambda: [c for c in bot.slack.calls_to("views.open") if c.response.get("ok")])
    assert len(opened) == 1
    view_id = opened[0].response["view"]["id"]
    assert bot.slack.wait_for(lambda: "206-555-0100" in json.dumps(bot.slack.views[view_id]), timeout=10)
