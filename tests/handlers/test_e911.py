"""`/flowroute e911 ...` end to end: slash commands, modals and buttons through the bot's HTTP endpoint."""

import pytest

from handlers.e911.ids import (
    E911_CANCEL_ACTION,
    E911_CONFIRM_ACTION,
    E911_CREATE_VIEW,
    E911_UPDATE_VIEW,
    E911_VALIDATE_VIEW,
    block_id,
)
from tests.helpers.bot import (
    ADMIN,
    USER,
    open_form,
    requests_to,
    shown,
    texts,
    wait_for_delete,
    wait_for_edit,
    wait_for_text,
    writes,
)

SEATTLE_HQ = "Seattle HQ: 1218 3rd Ave Suite 600, Seattle WA 98101, US"
GOOD = {
    "label": "Portland office", "first_name": "Ada", "last_name": "Lovelace", "street_number": "100",
    "street_name": "SW Main St", "address_type": "Floor", "address_type_number": "3", "city": "Portland",
    "state": "or", "country": "US", "zip": "97204",
}
ADMIN_ONLY = "only Flowroute admins"


# --- helpers ----------------------------------------------------------------------------------------

def input_element(view, field):
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id(field))
    return block["element"]


# --- lists and details ---------------------------------------------------------------------------------

def test_list_shows_addresses_on_one_line_and_pages(bot):
    page = shown(bot, bot.command("e911 list --limit 2"))
    first = texts(page.blocks)
    assert SEATTLE_HQ in first and "Chicago NOC: 233 S Wacker Dr Floor 12, Chicago IL 60606, US" in first
    assert "Spare" not in first
    assert [b["text"] for b in bot.driver.buttons(page)] == ["Next"]

    bot.driver.click(page, text="Next")
    second = texts(wait_for_edit(bot, page).blocks)
    assert "Spare: 100 Main St, Portland OR 97204, US" in second and "Seattle HQ" not in second
    assert requests_to(bot, "GET", "/v2/e911s")[-1].query["offset"] == ["2"]


def test_list_filters_by_state(bot):
    body = texts(shown(bot, bot.command("e911 list --state il")).blocks)
    assert "Chicago NOC" in body and "Seattle HQ" not in body
    assert requests_to(bot, "GET", "/v2/e911s")[-1].query["state"] == ["IL"]


def test_show_and_numbers(bot):
    detail = texts(shown(bot, bot.command("e911 show 1")).blocks)
    assert SEATTLE_HQ in detail and "John Doe" in detail

    numbers = texts(shown(bot, bot.command("e911 numbers 1")).blocks)
    assert "+1 206-555-0100 — Seattle support" in numbers and SEATTLE_HQ in numbers
    assert "No numbers use" in bot.reply(bot.command("e911 numbers 3"))["text"]


def test_show_unknown_address_is_one_readable_line(bot):
    text = bot.reply(bot.command("e911 show 999"))["text"]
    assert text.startswith(":no_entry_sign: E911 address `999` is not on your Flowroute account (Flowroute 404")


# --- validate ----------------------------------------------------------------------------------------

def test_validate_good_address_reports_success(bot):
    view = open_form(bot, "e911 validate", E911_VALIDATE_VIEW)
    assert input_element(view, "country")["initial_option"]["value"] == "US"
    bot.driver.submit_view(view["id"], GOOD)
    assert not bot.slack.is_view_open(view["id"])
    success = wait_for_text(bot, "Flowroute accepts this E911 address")
    assert "Portland office: 100 SW Main St Floor 3, Portland OR 97204, US" in success.text
    [request] = requests_to(bot, "POST", "/v2/e911s/validate")
    assert request.json["data"]["attributes"]["state"] == "OR"
    assert writes(bot) == [request]  # validation only: nothing created


def test_validate_shows_flowroute_geocode_error_on_the_form(bot):
    view = open_form(bot, "e911 validate", E911_VALIDATE_VIEW)
    bot.driver.submit_view(view["id"], GOOD | {"state": "ZZ"})
    errors = bot.slack.view_errors[view["id"]]
    assert "Flowroute 400" in errors[block_id("street_name")]
    assert "Could not geocode this address" in errors[block_id("street_name")]
    assert bot.slack.is_view_open(view["id"])
    assert len(requests_to(bot, "POST", "/v2/e911s/validate")) == 1


# --- create -----------------------------------------------------------------------------------------------

def test_create_validates_first_then_creates_audits_and_announces(make_bot):
    bot = make_bot(FLOWROUTE_BOT_AUDIT_CHANNEL="C0AUDIT")
    view = open_form(bot, "e911 create", E911_CREATE_VIEW)
    bot.driver.submit_view(view["id"], GOOD)
    announced = wait_for_text(bot, "created E911 address", ephemeral=False)
    assert "`100`" in announced.text and "Portland office: 100 SW Main St Floor 3" in announced.text
    assert [(r.method, r.path) for r in writes(bot)] == [("POST", "/v2/e911s/validate"), ("POST", "/v2/e911s")]
    created = bot.sandbox.e911("100")
    assert (created["label"], created["address_type"], created["address_type_number"]) == ("Portland office",
                                                                                          "Floor", "3")
    row = bot.store.get_audit()[0]
    assert (row["user_id"], row["action"], row["target"], row["ok"]) == (ADMIN, "e911 create", "Portland office", 1)
    assert wait_for_text(bot, "e911 create", channel="C0AUDIT", ephemeral=False)


def test_create_with_local_mistakes_shows_field_errors_and_sends_nothing(bot):
    view = open_form(bot, "e911 create", E911_CREATE_VIEW)
    bad = GOOD | {"label": "", "state": "Oregon", "zip": "972", "address_type_number": ""}
    bot.driver.submit_view(view["id"], bad)
    errors = bot.slack.view_errors[view["id"]]
    assert set(errors) == {block_id("label"), block_id("state"), block_id("zip"), block_id("address_type_number")}
    assert "two-letter" in errors[block_id("state")] and "Floor" in errors[block_id("address_type_number")]
    assert requests_to(bot, containing="e911") == []

    bot.driver.submit_view(view["id"], GOOD | {"address_type": None, "address_type_number": "12"})
    assert set(bot.slack.view_errors[view["id"]]) == {block_id("address_type")}
    bot.driver.submit_view(view["id"], GOOD | {"country": "CA", "state": "ON", "zip": "97204"})
    assert "M4C 5K7" in bot.slack.view_errors[view["id"]][block_id("zip")]
    assert requests_to(bot, containing="e911") == []


def test_create_geocode_failure_shows_flowroute_error_and_creates_nothing(bot):
    view = open_form(bot, "e911 create", E911_CREATE_VIEW)
    bot.driver.submit_view(view["id"], GOOD | {"state": "ZZ"})
    assert "Could not geocode" in bot.slack.view_errors[view["id"]][block_id("street_name")]
    assert bot.slack.is_view_open(view["id"])
    assert [(r.method, r.path) for r in writes(bot)] == [("POST", "/v2/e911s/validate")]
    assert bot.sandbox.e911("100") is None and bot.store.get_audit() == []


def test_create_when_flowroute_is_slow_answers_in_time_and_finishes_later(bot):
    view = open_form(bot, "e911 create", E911_CREATE_VIEW)
    bot.sandbox.set_latency(2.3)  # longer than the bot waits inside Slack's 3-second window
    response = bot.driver.submit_view(view["id"], GOOD)
    assert response.status_code == 200 and response.elapsed.total_seconds() < 3
    assert "still checking" in texts(bot.slack.views[view["id"]]["blocks"])
    wait_for_text(bot, "created E911 address", ephemeral=False)
    bot.sandbox.set_latency(0)
    assert bot.sandbox.e911("100")["label"] == "Portland office"


# --- update -----------------------------------------------------------------------------------------------

def test_update_opens_loading_then_prefilled_form_and_patches_only_changes(bot):
    view = open_form(bot, "e911 update 1", E911_UPDATE_VIEW)
    opened = bot.slack.calls_to("views.open")[-1]
    assert "Loading" in texts(opened.args["view"]["blocks"])
    assert input_element(view, "label")["initial_value"] == "Seattle HQ"
    assert input_element(view, "street_number")["initial_value"] == "1218"
    assert input_element(view, "address_type")["initial_option"]["value"] == "Suite"
    assert input_element(view, "address_type_number")["initial_value"] == "600"
    assert input_element(view, "country")["initial_option"]["value"] == "US"

    bot.driver.submit_view(view["id"], {"label": "Seattle HQ <3rd floor>", "zip": "98104"})
    announced = wait_for_text(bot, "updated E911 address", ephemeral=False)
    assert "Seattle HQ &lt;3rd floor&gt;: 1218 3rd Ave Suite 600, Seattle WA 98104, US" in announced.text
    [patch] = requests_to(bot, "PATCH", containing="e911")
    assert patch.path == "/v2/e911s/1"
    assert patch.json == {"data": {"type": "e911", "attributes": {"label": "Seattle HQ <3rd floor>", "zip": "98104"}}}
    stored = bot.sandbox.e911("1")
    assert (stored["address_type"], stored["address_type_number"], stored["zip"]) == ("Suite", "600", "98104")
    assert bot.store.get_audit()[0]["action"] == "e911 update"


def test_update_with_nothing_changed_says_so(bot):
    view = open_form(bot, "e911 update 2", E911_UPDATE_VIEW)
    bot.driver.submit_view(view["id"])
    assert "Nothing changed" in bot.slack.view_errors[view["id"]][block_id("label")]
    assert requests_to(bot, "PATCH", containing="e911") == []


def test_update_of_unknown_address_says_why_at_once_and_once(bot):
    result = bot.command("e911 update 999")
    assert result.status == 200
    failure = bot.reply(result)
    assert failure["text"].startswith(":no_entry_sign: E911 address `999` is not on your Flowroute account "
                                      "(Flowroute 404")
    assert bot.slack.calls_to("views.open") == []  # no modal to wait on
    assert len(bot.slack.response_posts(result.response_url)) == 1


def test_update_when_flowroute_is_slow_opens_the_loading_modal_and_says_a_late_failure_there(bot):
    bot.sandbox.fail_next(status=404, path_prefix="/v2/e911s/999", stall=1.5)
    assert bot.command("e911 update 999").status == 200
    loading = bot.slack.wait_for(lambda: bot.slack.calls_to("views.open"), timeout=10)[-1].response["view"]["id"]
    bot.slack.wait_for(lambda: "Could not load" in texts(bot.slack.views[loading]["blocks"]), timeout=10)
    assert bot.slack.response_posts() == []  # said once, in the modal


# --- associate / disconnect / delete ------------------------------------------------------------------------

def test_associate_gives_a_number_an_address_and_tells_the_channel(bot):
    result = bot.command("e911 associate 206-555-0101 3")
    announced = wait_for_text(bot, "gave +1 206-555-0101 the E911 address", ephemeral=False)
    assert "Spare: 100 Main St" in announced.text and bot.reply(result)["response_type"] == "in_channel"
    assert bot.sandbox.account_number("12065550101")["e911"] == "3"
    assert [(r.method, r.path) for r in writes(bot)] == [("PATCH", "/v2/numbers/12065550101/relationships/e911s/3")]
    assert bot.store.get_audit()[0]["action"] == "e911 associate"


def test_associate_toll_free_shows_flowroute_422(bot):
    reply = bot.reply(bot.command("e911 associate 18885550142 1"))
    assert reply["text"].startswith(":no_entry_sign: Flowroute refused to give +1 888-555-0142 that E911 address "
                                    "(Flowroute 422") and "emergency services" in reply["text"]
    assert bot.store.get_audit()[0]["ok"] == 0


def test_disconnect_asks_first_then_acts_once(bot):
    confirmation = shown(bot, bot.command("e911 disconnect 12065550100"))
    button = next(b for b in bot.driver.buttons(confirmation) if b["action_id"] == E911_CONFIRM_ACTION)
    assert button["style"] == "danger" and button["confirm"]["style"] == "danger"
    assert "+1 206-555-0100" in confirmation.text and writes(bot) == []

    bot.sandbox.set_latency(0.3)
    bot.driver.click(confirmation, action_id=E911_CONFIRM_ACTION)
    bot.driver.click(confirmation, action_id=E911_CONFIRM_ACTION)
    wait_for_delete(bot, confirmation)
    wait_for_text(bot, "already done")
    bot.sandbox.set_latency(0)
    done = wait_for_text(bot, f"<@{ADMIN}> removed the E911 address from +1 206-555-0100", ephemeral=False)
    assert done.ephemeral_to is None
    assert [(r.method, r.path) for r in writes(bot)] == [("DELETE", "/v2/numbers/12065550100/relationships/e911s")]
    assert bot.sandbox.account_number("12065550100")["e911"] is None


def test_delete_unused_address_after_confirmation(bot):
    confirmation = shown(bot, bot.command("e911 delete 3"))
    body = texts(confirmation.blocks)
    assert "Spare: 100 Main St, Portland OR 97204, US" in body and "No numbers use it." in body
    bot.driver.click(confirmation, action_id=E911_CONFIRM_ACTION)
    wait_for_delete(bot, confirmation)
    assert wait_for_text(bot, "deleted E911 address `3`", ephemeral=False)
    assert bot.sandbox.e911("3") is None
    assert [(r.method, r.path) for r in writes(bot)] == [("DELETE", "/v2/e911s/3")]


def test_delete_address_in_use_warns_and_shows_flowroute_refusal(bot):
    confirmation = shown(bot, bot.command("e911 delete 1"))
    assert ":warning: Still used by +1 206-555-0100;" in texts(confirmation.blocks)
    bot.driver.click(confirmation, action_id=E911_CONFIRM_ACTION)
    replaced = wait_for_edit(bot, confirmation)
    assert replaced.text.startswith(":no_entry_sign: E911 address `1` is still used by numbers, so Flowroute kept "
                                    "it.") and "(Flowroute 403" in replaced.text
    assert bot.sandbox.e911("1") is not None
    assert bot.store.get_audit()[0]["ok"] == 0


def test_cancel_removes_the_button_and_changes_nothing(bot):
    confirmation = shown(bot, bot.command("e911 delete 3"))
    bot.driver.click(confirmation, action_id=E911_CANCEL_ACTION)
    assert "Cancelled" in wait_for_edit(bot, confirmation).text
    assert writes(bot) == [] and bot.sandbox.e911("3") is not None


# --- admins only --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text",
    ["e911 create", "e911 update 1", "e911 associate 12065550101 3", "e911 disconnect 12065550100", "e911 delete 3"],
)
def test_non_admin_write_commands_are_refused(bot, text):
    result = bot.command(text, user=USER)
    assert ADMIN_ONLY in result.message.text
    assert bot.slack.calls_to("views.open") == [] and bot.sandbox.requests == []


def test_non_admin_cannot_confirm_or_submit_an_admins_forms(bot):
    confirmation = shown(bot, bot.command("e911 delete 3"))
    bot.driver.click(confirmation, action_id=E911_CONFIRM_ACTION, user=USER)
    wait_for_text(bot, ADMIN_ONLY)

    create = open_form(bot, "e911 create", E911_CREATE_VIEW)
    bot.driver.submit_view(create["id"], GOOD, user=USER)
    assert ADMIN_ONLY in bot.slack.view_errors[create["id"]][block_id("label")]

    update = open_form(bot, "e911 update 1", E911_UPDATE_VIEW)
    bot.driver.submit_view(update["id"], {"zip": "98104"}, user=USER)
    assert ADMIN_ONLY in bot.slack.view_errors[update["id"]][block_id("label")]

    assert writes(bot) == [] and bot.sandbox.e911("3") is not None and bot.sandbox.e911("100") is None


def test_update_can_remove_the_unit_on_purpose(bot):
    view = open_form(bot, "e911 update 2", E911_UPDATE_VIEW)
    assert input_element(view, "address_type")["initial_option"]["value"] == "Floor"
    bot.driver.submit_view(view["id"], {"address_type": "none"})
    assert block_id("address_type") in bot.slack.view_errors[view["id"]]  # the unit number is still there

    bot.driver.submit_view(view["id"], {"address_type": "none", "address_type_number": ""})
    wait_for_text(bot, "updated E911 address", ephemeral=False)
    [patch] = requests_to(bot, "PATCH", containing="e911")
    assert patch.json["data"]["attributes"] == {"address_type": None, "address_type_number": None}
    assert bot.sandbox.e911("2")["address_type"] is None
