"""Issue 12 "Check before asking": what the bot can check is checked before it asks for a confirmation.

End to end: signed Slack requests to the real bot, the Flowroute sandbox and the Slack emulator behind it.
(routes delete/set/create are in test_routes.py.)
"""

from handlers.e911.ids import E911_CONFIRM_ACTION
from handlers.numbers.ids import NUMBERS_BUY_ACTION, NUMBERS_RELEASE_ACTION
from handlers.routes.ids import ROUTES_SET_OPEN_ACTION
from relay.posts import SUBSCRIPTION_EVENT
from tests.helpers.bot import ADMIN, USER, shown, texts, wait_for_edit, wait_for_text, writes

NO_E911 = "12065550101"  # seeded: Seattle sales, no E911 address
SPARE = "16465550199"  # seeded, no alias
WRITE_ACTIONS = {NUMBERS_BUY_ACTION, NUMBERS_RELEASE_ACTION, ROUTES_SET_OPEN_ACTION}


def test_e911_disconnect_of_a_number_without_an_address_says_so_and_audits_nothing(bot):
    reply = bot.reply(bot.command(f"e911 disconnect {NO_E911}"))
    assert reply["text"] == ":information_source: +1 206-555-0101 has no E911 address; there is nothing to remove."
    assert "blocks" not in reply  # no Remove button
    assert writes(bot) == [] and bot.store.get_audit() == []


def test_e911_disconnect_of_a_number_with_an_address_still_asks(bot):
    confirmation = shown(bot, bot.command("e911 disconnect 12065550100"))
    assert E911_CONFIRM_ACTION in [b["action_id"] for b in bot.driver.buttons(confirmation)]


def test_release_names_the_channels_that_lose_their_subscription_and_removes_them(bot):
    bot.slack.add_channel("C0ALERTS", "alerts")
    bot.store.save_subscription(SPARE, "C0ALERTS", ADMIN)
    bot.store.save_subscription(SPARE, "C0OPS", ADMIN)
    bot.store.save_subscription("all", "C0OPS", ADMIN)
    confirmation = shown(bot, bot.command(f"numbers release {SPARE}"))
    assert ("Inbound messages stop reaching <#C0ALERTS>, <#C0OPS>: their subscriptions go with the number."
            in texts(confirmation.blocks))

    bot.driver.click(confirmation, action_id=NUMBERS_RELEASE_ACTION)
    done = wait_for_text(bot, "released *+1 646-555-0199*", ephemeral=False)
    assert "Its inbox subscriptions in <#C0ALERTS>, <#C0OPS> were removed." in done.text
    assert [(s["number"], s["channel_id"]) for s in bot.store.get_subscriptions()] == [("all", "C0OPS")]
    actions = sorted((e["action"], e["target"]) for e in bot.store.get_audit())
    assert actions == [("inbox unsubscribe", "+1 646-555-0199 → #alerts"),
                       ("inbox unsubscribe", "+1 646-555-0199 → #ops"),
                       ("numbers release", "+1 646-555-0199")]
    # Each channel is told, with the metadata a rebuilt database replays (no subscription comes back).
    for channel in ("C0ALERTS", "C0OPS"):
        told = [m.metadata["event_payload"] for m in bot.slack.messages(channel, include_ephemeral=False)
                if (m.metadata or {}).get("event_type") == SUBSCRIPTION_EVENT]
        assert told == [{"action": "unsubscribe", "number": "16465550199", "channel_id": channel}]


def test_release_of_a_number_without_subscriptions_says_nothing_about_channels(bot):
    confirmation = shown(bot, bot.command(f"numbers release {SPARE}"))
    assert "Inbound messages" not in texts(confirmation.blocks)


def test_non_admins_see_no_write_buttons_on_search_or_show(bot):
    search = shown(bot, bot.command("numbers search --starts-with 1206 --limit 3", user=USER))
    assert [b["text"] for b in bot.driver.buttons(search)] == ["Next"]
    assert "Only Flowroute admins can buy numbers." in texts(search.blocks)
    bot.driver.click(search, action_id="page_nav_next", user=USER)
    second = wait_for_edit(bot, search)
    assert {b["action_id"] for b in bot.driver.buttons(second)} & WRITE_ACTIONS == set()

    details = shown(bot, bot.command(f"numbers show {SPARE}", user=USER))
    assert "+1 646-555-0199" in texts(details.blocks) and bot.driver.buttons(details) == []

    admin_search = shown(bot, bot.command("numbers search --starts-with 1206 --limit 3"))
    assert [b["action_id"] for b in bot.driver.buttons(admin_search)].count(NUMBERS_BUY_ACTION) == 3
    admin_details = shown(bot, bot.command(f"numbers show {SPARE}"))
    assert {b["action_id"] for b in bot.driver.buttons(admin_details)} == {ROUTES_SET_OPEN_ACTION,
                                                                           NUMBERS_RELEASE_ACTION}


def test_an_admin_turning_a_page_keeps_the_buy_buttons_the_pager_value_holds_no_user(bot):
    search = shown(bot, bot.command("numbers search --starts-with 1206 --limit 2"))
    next_button = next(b for b in bot.driver.buttons(search) if b["text"] == "Next")
    assert ADMIN not in next_button["value"] and "_viewer" not in next_button["value"]
    bot.driver.click(search, action_id="page_nav_next")
    second = wait_for_edit(bot, search)
    assert [b["action_id"] for b in bot.driver.buttons(second)].count(NUMBERS_BUY_ACTION) == 2


def test_messages_list_with_a_reversed_range_says_so(bot):
    reply = bot.reply(bot.command("messages list --start 2026-12-01 --end 2026-11-01"))
    assert reply["text"] == (":no_entry_sign: The range is reversed: --end (2026-11-01 00:00:00 UTC) is not after "
                             "--start (2026-12-01 00:00:00 UTC). Swap the two dates.")
    assert [r for r in bot.sandbox.requests if "/messages" in r.path] == []


def test_messages_list_with_only_an_end_shows_the_day_before_it(bot):
    reply = bot.reply(bot.command("messages list --end 2026-11-02"))
    [listing] = [r for r in bot.sandbox.requests if r.path.endswith("/messages")]
    assert listing.query["start_date"][0].startswith("2026-11-01T00:00:00")
    assert "reversed" not in reply["text"]
