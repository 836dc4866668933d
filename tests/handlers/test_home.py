"""The App Home end to end: `app_home_opened` -> views.publish with health, numbers and this month's counts."""

import time
from datetime import UTC, datetime

from handlers.e911.associate_form import E911_ASSOCIATE_OPEN_ACTION
from handlers.home_actions import (
    FROM_BLOCK,
    HOME_SEARCH_ACTION,
    HOME_SEARCH_VIEW,
    HOME_SMS_ACTION,
    HOME_SMS_VIEW,
    STARTS_BLOCK,
    STATE_BLOCK,
    TEXT_BLOCK,
    TO_BLOCK,
)
from handlers.home_view import HOME_REFRESH_ACTION
from handlers.messages import MESSAGES_SEND_ACTION
from handlers.numbers.ids import NUMBERS_BUY_ACTION
from handlers.routes.ids import ROUTES_SET_OPEN_ACTION
from tests.helpers.bot import ADMIN, USER, requests_to, texts

WRITE_ACTIONS = {ROUTES_SET_OPEN_ACTION, E911_ASSOCIATE_OPEN_ACTION, HOME_SEARCH_ACTION, HOME_SMS_ACTION}


def open_home(bot, user=ADMIN, previous=None):
    """Send app_home_opened and wait for a view newer than `previous` (its hash)."""
    bot.driver.send_event({"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home",
                           "event_ts": f"{time.time():.6f}"})
    return bot.slack.wait_for(lambda: (view := bot.slack.home_view(user)) and view["hash"] != previous and view,
                              timeout=15)


def view_buttons(view):
    return [element for block in view["blocks"] if block["type"] == "actions" for element in block["elements"]]


def month_counts(sandbox):
    now = datetime.now(UTC)
    inbound = outbound = 0
    for record in sandbox.messages():
        when = datetime.fromisoformat(record["attributes"]["timestamp"].replace("Z", "+00:00"))
        if (when.year, when.month) == (now.year, now.month):
            inbound += record["attributes"]["direction"] == "inbound"
            outbound += record["attributes"]["direction"] == "outbound"
    return inbound, outbound


def test_home_is_published_with_health_numbers_and_this_months_counts(bot):
    bot.sandbox.seed_history()
    bot.relay.poll_now()
    view = open_home(bot)
    text = texts(view["blocks"])
    assert view["type"] == "home"
    assert "Relay health" in text and "Last poll:* :white_check_mark:" in text and "ago)" in text
    assert "Pending posts:* 0" in text
    inbound, outbound = month_counts(bot.sandbox)
    assert f"Inbound: {inbound:,} · Outbound: {outbound:,}" in text
    assert "Numbers* (5 on the account, 4 need attention)" in text
    lines = text.splitlines()
    flagged = [i for i, line in enumerate(lines) if line.startswith(":warning: *+1")]
    clean = [i for i, line in enumerate(lines) if line.startswith(":white_check_mark: *+1 206-555-0100*")]
    assert len(flagged) == 4 and clean and max(flagged) < clean[0]  # problems first
    assert "office-pbx / sip-reg" in text and "E911 Seattle HQ" in text
    assert {b["action_id"] for b in view_buttons(view)} >= WRITE_ACTIONS


def test_non_admins_see_no_write_buttons(bot):
    view = open_home(bot, user=USER)
    assert "need attention" in texts(view["blocks"])
    assert {b["action_id"] for b in view_buttons(view)} == {HOME_REFRESH_ACTION}


def test_three_hundred_numbers_stay_within_100_blocks_problems_first_and_say_how_many_more(bot):
    bot.sandbox.seed_numbers(295)
    view = open_home(bot)
    assert len(view["blocks"]) <= 100
    text = texts(view["blocks"])
    assert "300 on the account" in text
    shown = [line for line in text.splitlines() if line.startswith((":warning: *+1", ":white_check_mark: *+1"))]
    assert shown and all(line.startswith(":warning:") for line in shown)  # 225 problems: they fill the space
    assert f"{300 - len(shown)} more numbers not shown" in text


def test_a_second_open_reuses_the_flowroute_reads_and_a_write_by_the_viewer_refreshes(bot):
    first = open_home(bot)
    reads = len(requests_to(bot, "GET"))
    second = open_home(bot, previous=first["hash"])
    assert len(requests_to(bot, "GET")) == reads  # cached: Flowroute not called again
    assert "Seattle sales" in texts(second["blocks"])
    assert bot.command("numbers alias 12065550101 Front desk").status == 200
    refreshed = bot.slack.wait_for(
        lambda: (view := bot.slack.home_view(ADMIN)) and "Front desk" in texts(view["blocks"]) and view, timeout=15)
    assert "numbers alias" in texts(refreshed["blocks"])  # the latest changes show the write too


def test_admin_buttons_search_and_send_sms_answer_in_the_apps_dm(bot):
    bot.slack.add_channel("D0HOME", "alice-dm")  # the app's DM with alice, named by app_home_opened
    view = open_home(bot)
    bot.driver.block_action_in_view(view["id"], HOME_SEARCH_ACTION)
    search = bot.slack.wait_for(lambda: (top := bot.slack.top_view()) and top["callback_id"] == HOME_SEARCH_VIEW
                                and top, timeout=10)
    bot.driver.submit_view(search["id"], {STARTS_BLOCK: "206", STATE_BLOCK: "wa"})
    results = bot.slack.wait_for(lambda: bot.slack.messages("D0HOME"), timeout=10)[-1]
    assert "Numbers for sale" in texts(results.blocks) and "+1 206-" in texts(results.blocks)
    assert any(b["action_id"] == NUMBERS_BUY_ACTION for b in bot.driver.buttons(results))

    bot.driver.block_action_in_view(view["id"], HOME_SMS_ACTION)
    form = bot.slack.wait_for(lambda: (top := bot.slack.top_view()) and top["callback_id"] == HOME_SMS_VIEW
                              and top, timeout=10)
    bot.driver.submit_view(form["id"], {FROM_BLOCK: "12065550100", TO_BLOCK: "+1 206-555-9876", TEXT_BLOCK: "Hi"})
    confirm = bot.slack.wait_for(lambda: len(bot.slack.messages("D0HOME")) > 1 and bot.slack.messages("D0HOME"),
                                 timeout=10)[-1]
    assert confirm.text == "Send this SMS from +1 206-555-0100 → +1 206-555-9876?"
    before = len(bot.sandbox.messages("outbound"))
    bot.driver.click(confirm, action_id=MESSAGES_SEND_ACTION)
    bot.slack.wait_for(lambda: len(bot.sandbox.messages("outbound")) == before + 1, timeout=10)
    assert bot.sandbox.messages("outbound")[-1]["attributes"]["body"] == "Hi"


def test_the_home_says_whether_callbacks_are_on_and_when_the_last_came(make_bot):
    from tests.helpers.callbacks import start_callback_bot
    from tests.helpers.relay import REMOTE, SEATTLE

    bot = start_callback_bot(make_bot, turn_on=False)

    def home_says(needle):  # the viewer's latest Home, republished after each of their writes
        return bot.slack.wait_for(lambda: needle in texts(bot.slack.home_view(ADMIN)["blocks"]), timeout=10)

    open_home(bot)
    home_says("*Callbacks:* off: inbound messages are polled")
    bot.reply(bot.command("inbox callbacks on", user=ADMIN))
    home_says("*Callbacks:* on, none received yet")
    bot.sandbox.inject_message(REMOTE, SEATTLE, "via callback")
    bot.slack.wait_for(lambda: bot.relay.callback_status()["last_at"], timeout=10)
    open_home(bot)
    home_says("*Callbacks:* on, last ")



def test_two_publishes_for_one_viewer_cannot_finish_in_the_wrong_order(make_bot, monkeypatch):
    """`inbox callbacks on` republishes once per Flowroute URL it sets, then once when callbacks are on: the
    first of those, holding data read before the change, must not be the one left showing."""
    import threading

    from handlers import home
    from relay.callbacks import CALLBACKS_ON
    from tests.helpers.callbacks import start_callback_bot

    bot = start_callback_bot(make_bot, turn_on=False)
    real_home_data, release, read_first = home.home_data, threading.Event(), threading.Event()

    def first_one_held(deps, user_id, dm_channel=None):
        data = real_home_data(deps, user_id, dm_channel)
        if not read_first.is_set():
            read_first.set()
            release.wait(timeout=10)  # held after reading: "callbacks off"
        return data

    monkeypatch.setattr(home, "home_data", first_one_held)
    earlier = threading.Thread(target=home.publish_home, args=(bot.deps, ADMIN, None))
    earlier.start()
    assert read_first.wait(timeout=10)
    bot.store.save_state(CALLBACKS_ON, {"at": "2026-12-01T12:00:00Z", "by": ADMIN})
    later = threading.Thread(target=home.publish_home, args=(bot.deps, ADMIN, None))
    later.start()
    later.join(timeout=1)  # before the fix it published at once; now it waits for the earlier one
    release.set()
    earlier.join(timeout=10)
    later.join(timeout=10)
    assert "*Callbacks:* on, none received yet" in texts(bot.slack.home_view(ADMIN)["blocks"])
