"""`/flowroute cnam ...` end to end against the sandbox: request shapes, review state, confirmation, admins, errors."""

from handlers.cnam import CNAM_CANCEL_ACTION, CNAM_DELETE_ACTION
from tests.helpers.bot import USER, requests_to, shown, texts, wait_for_edit, wait_for_text, writes

ON_ACCOUNT = "12065550100"  # seeded with CNAM record 1
OTHER = "12065550101"  # seeded without one
# Seed: record 1 "ACME OPS" approved, record 2 "ACME SALES" pending review.


def test_list_shows_each_record_with_its_review_state(bot):
    listing = bot.reply(bot.command("cnam list --limit 5"))
    body = texts(listing["blocks"])
    assert "`1` *ACME OPS* · approved" in body
    assert "`2` *ACME SALES* · pending Flowroute's review" in body
    [request] = requests_to(bot, "GET", "/v2/cnams")
    assert request.query == {"limit": ["5"], "offset": ["0"]}


def test_show_names_the_numbers_using_a_record(bot):
    body = texts(bot.reply(bot.command("cnam show 1"))["blocks"])
    assert "ACME OPS" in body and "approved" in body and "+1 206-555-0100" in body
    missing = bot.reply(bot.command("cnam show 999"))
    assert missing["text"].startswith(":no_entry_sign: ")
    assert "is not on your Flowroute account (Flowroute 404" in missing["text"]


def test_create_sends_flat_json_and_says_it_awaits_review(make_bot):
    bot = make_bot(FLOWROUTE_BOT_AUDIT_CHANNEL="C0AUDIT")
    created = bot.reply(bot.command("cnam create ACME NOC"))
    assert created["response_type"] == "in_channel"
    assert "created CNAM record" in created["text"] and "“ACME NOC”" in created["text"]
    assert "pending Flowroute's review (up to 48 hours)" in created["text"]
    [request] = requests_to(bot, "POST", "/v2/cnams")
    headers = {name.lower(): value for name, value in request.headers.items()}
    assert request.json == {"value": "ACME NOC"} and "json" in headers["content-type"]
    row = bot.store.get_audit()[0]
    assert (row["action"], row["target"], row["ok"]) == ("cnam create", "ACME NOC", 1)
    assert wait_for_text(bot, "cnam create", channel="C0AUDIT", ephemeral=False)


def test_create_refuses_values_flowroute_would_reject_before_any_request(bot):
    for value in ("THIS NAME IS FAR TOO LONG", "12345", "ACME <ops>"):
        refused = bot.reply(bot.command(f"cnam create {value}"))
        assert "cannot be a CNAM record" in refused["text"]
    assert writes(bot) == []


def test_a_duplicate_is_flowroutes_refusal_in_plain_words(bot):
    refused = bot.reply(bot.command("cnam create acme ops"))
    assert refused["text"] == (":warning: Could not create CNAM record “acme ops”: Flowroute 422 Unprocessable "
                               "Entity: Duplicate CNAM entry found on your account.")
    assert bot.store.get_audit()[0]["ok"] == 0


def test_non_admins_cannot_change_cnam(bot):
    for line in ("cnam create ACME NOC", "cnam delete 2", f"cnam associate {OTHER} 1", f"cnam unassociate {OTHER}"):
        assert "only Flowroute admins" in bot.command(line, user=USER).message.text
    assert "ACME OPS" in texts(bot.reply(bot.command("cnam list", user=USER))["blocks"])  # reading is for all
    assert writes(bot) == []


def test_associate_checks_the_review_first_then_uses_the_documented_plural_path(bot):
    refused = bot.reply(bot.command(f"cnam associate {OTHER} 2"))
    assert "is pending Flowroute's review" in refused["text"] and "Nothing was changed" in refused["text"]
    assert writes(bot) == []

    bot.sandbox.approve_cnam("2")
    done = bot.reply(bot.command(f"cnam associate {OTHER} 2"))
    assert done["response_type"] == "in_channel" and "“ACME SALES”" in done["text"]
    assert "5–7 business days" in done["text"]
    [request] = writes(bot)
    assert (request.method, request.path) == ("PATCH", f"/v2/numbers/{OTHER}/relationships/cnams/2")
    assert bot.sandbox.account_number(OTHER)["cnam"] == "2"
    assert "ACME SALES (approved; record `2`)" in texts(shown(bot, bot.command(f"numbers show {OTHER}")).blocks)


def test_unassociate_removes_the_record_from_the_number(bot):
    done = bot.reply(bot.command(f"cnam unassociate {ON_ACCOUNT}"))
    assert "removed the CNAM record from +1 206-555-0100" in done["text"]
    [request] = writes(bot)
    assert (request.method, request.path) == ("DELETE", f"/v2/numbers/{ON_ACCOUNT}/relationships/cnams")
    assert bot.sandbox.account_number(ON_ACCOUNT)["cnam"] is None


def test_numbers_show_has_the_cnam_record_and_its_review_state(bot):
    body = texts(shown(bot, bot.command(f"numbers show {ON_ACCOUNT}")).blocks)
    assert "ACME OPS (approved; record `1`)" in body


def test_delete_asks_first_names_the_numbers_and_deletes_once_on_a_double_click(bot):
    confirmation = shown(bot, bot.command("cnam delete 1"))
    body = texts(confirmation.blocks)
    assert "Delete CNAM record `1` “ACME OPS”?" in body and "+1 206-555-0100 uses it and will lose it" in body
    assert writes(bot) == []
    bot.sandbox.set_latency(0.3)
    bot.driver.click(confirmation, action_id=CNAM_DELETE_ACTION)
    bot.driver.click(confirmation, action_id=CNAM_DELETE_ACTION)
    wait_for_text(bot, "already done")
    done = wait_for_edit(bot, confirmation)
    bot.sandbox.set_latency(0)
    assert "deleted CNAM record `1`" in done.text
    assert [(r.method, r.path) for r in writes(bot)] == [("DELETE", "/v2/cnams/1")]
    assert bot.sandbox.cnam("1") is None and bot.sandbox.account_number(ON_ACCOUNT)["cnam"] is None
    assert [row["action"] for row in bot.store.get_audit()] == ["cnam delete"]


def test_delete_cancelled_or_clicked_by_a_non_admin_changes_nothing(bot):
    confirmation = shown(bot, bot.command("cnam delete 2"))
    bot.driver.click(confirmation, action_id=CNAM_DELETE_ACTION, user=USER)
    assert wait_for_text(bot, "only Flowroute admins")
    bot.driver.click(confirmation, action_id=CNAM_CANCEL_ACTION)
    cancelled = wait_for_edit(bot, confirmation)
    assert "Cancelled" in cancelled.text and bot.driver.buttons(cancelled) == []
    assert writes(bot) == [] and bot.sandbox.cnam("2") is not None


def test_a_server_error_on_delete_is_one_readable_line(bot):
    confirmation = shown(bot, bot.command("cnam delete 2"))
    bot.sandbox.fail_next(count=5, status=503, path_prefix="/v2/cnams/2", method="DELETE")
    bot.driver.click(confirmation, action_id=CNAM_DELETE_ACTION)
    failed = wait_for_edit(bot, confirmation)
    assert failed.text.startswith(":warning: Could not delete CNAM record `2`: Flowroute 503")
