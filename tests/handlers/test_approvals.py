"""Two-person approval end to end: a listed command, once confirmed, becomes a request in the channel and reaches
Flowroute only after ANOTHER admin approves, exactly once (double clicks, two approvers, a restart); reject,
cancel and expiry never reach Flowroute; every step is audited and the request message shows the outcome."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from blocks.text import iso_utc
from core.approvals import APPROVE_ACTION, CANCEL_ACTION, REJECT_ACTION
from core.settings import Settings, SettingsError
from handlers.cnam import CNAM_DELETE_ACTION
from handlers.e911.ids import E911_CONFIRM_ACTION
from handlers.numbers.ids import NUMBERS_BUY_ACTION, NUMBERS_RELEASE_ACTION
from handlers.routes.ids import ROUTES_DELETE_ACTION
from tests.helpers.bot import ADMIN, OPS, USER, shown, texts, wait_for_text, writes

ALICE = "U0ALICE"  # the second admin
SPARE = "12065550101"  # seeded account number without subscriptions
RELEASE = ("DELETE", f"/v2/numbers/{SPARE}")
ENV = {"FLOWROUTE_BOT_ADMINS": f"{ADMIN},{ALICE}", "FLOWROUTE_BOT_APPROVAL": "numbers release, routes delete, e911 *",
       "FLOWROUTE_BOT_AUDIT_CHANNEL": "C0AUDIT"}


@pytest.fixture
def approval_bot(make_bot):
    def build(**env):
        return make_bot(**{**ENV, **env})
    return build


def ask_release(bot):
    """The admin runs `numbers release`, confirms it, and the request appears in the channel."""
    confirmation = shown(bot, bot.command(f"numbers release {SPARE}"))
    bot.driver.click(confirmation, action_id=NUMBERS_RELEASE_ACTION)
    assert "Sent for approval" in wait_for_text(bot, "Sent for approval").text
    return request_post(bot)


def request_post(bot):
    return bot.slack.wait_for(lambda: next((m for m in bot.slack.messages(OPS, include_ephemeral=False)
                                            if m.text.startswith("Approval")), None), timeout=10)


def outcome(bot, post, needle: str):
    return bot.slack.wait_for(lambda: (fresh := bot.slack.message(post.id)) and needle in texts(fresh.blocks)
                              and fresh, timeout=10)


def released(bot) -> list:
    return [r for r in writes(bot) if (r.method, r.path) == RELEASE]


def actions_audited(bot) -> list[str]:
    return [row["action"] for row in reversed(bot.store.get_audit(limit=50))]


def test_a_request_runs_only_after_another_admin_approves_and_exactly_once(approval_bot):
    bot = approval_bot()
    post = ask_release(bot)
    body = texts(post.blocks)
    assert f"<@{ADMIN}> asks to *release +1 206-555-0101*" in body and "open until" in body
    assert [b["action_id"] for b in bot.driver.buttons(post)] == [APPROVE_ACTION, REJECT_ACTION, CANCEL_ACTION]
    assert released(bot) == []

    bot.driver.click(post, action_id=APPROVE_ACTION, user=ADMIN)  # the requester
    assert wait_for_text(bot, "cannot approve or reject your own request")
    bot.driver.click(post, action_id=APPROVE_ACTION, user=USER)  # not an admin
    assert wait_for_text(bot, "only Flowroute admins can approve")
    assert released(bot) == []

    bot.sandbox.set_latency(0.3)  # the first approval is still running when the second click lands
    bot.driver.click(post, action_id=APPROVE_ACTION, user=ALICE)
    assert bot.driver.resend_last().status_code == 200  # a double click, or Slack retrying the click
    assert bot.driver.resend_last({"X-Slack-Retry-Num": "1"}).status_code == 200
    done = outcome(bot, post, "Result:")
    bot.sandbox.set_latency(0)
    assert f"Approved by <@{ALICE}>" in texts(done.blocks) and "released *+1 206-555-0101*" in texts(done.blocks)
    assert bot.driver.buttons(done) == []
    assert wait_for_text(bot, "That request is already")
    assert len(released(bot)) == 1 and bot.sandbox.account_number(SPARE) is None
    audited = actions_audited(bot)
    assert audited == ["approval requested", "approval approved", "numbers release", "approval executed"]
    assert bot.store.get_audit(limit=50)[1]["user_id"] == ADMIN  # the release itself runs as the requester
    assert wait_for_text(bot, "approval executed", channel="C0AUDIT", ephemeral=False)


def test_two_admins_approving_at_once_release_once(approval_bot):
    bot = approval_bot(FLOWROUTE_BOT_ADMINS=f"{ADMIN},{ALICE},U0CAROL")
    post = ask_release(bot)
    [row] = bot.store.get_approvals("open")
    bot.sandbox.set_latency(0.3)
    start = threading.Barrier(2)

    def approve(user):
        start.wait()
        return bot.deps.approvals.decide(row["id"], user, "approve", None)

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(approve, [ALICE, "U0CAROL"]))
    bot.sandbox.set_latency(0)
    assert sorted(answer.split()[-1] for answer in answers) == ["approved.", "happens."]  # one won, one was told
    assert outcome(bot, post, "Result:")
    assert len(released(bot)) == 1
    assert actions_audited(bot).count("approval approved") == 1


def test_a_double_click_on_the_confirmation_makes_one_request(approval_bot):
    bot = approval_bot()
    confirmation = shown(bot, bot.command(f"numbers release {SPARE}"))
    bot.driver.click(confirmation, action_id=NUMBERS_RELEASE_ACTION)
    bot.driver.click(confirmation, action_id=NUMBERS_RELEASE_ACTION)
    assert wait_for_text(bot, "already waiting for approval")
    assert len(bot.store.get_approvals("open")) == 1


@pytest.mark.parametrize("clicker, action, shown_text", [
    (ALICE, REJECT_ACTION, f"Rejected by <@{ALICE}>; nothing was done."),
    (ADMIN, CANCEL_ACTION, f"Cancelled by <@{ADMIN}>; nothing was done."),
])
def test_reject_and_cancel_never_reach_flowroute(approval_bot, clicker, action, shown_text):
    bot = approval_bot()
    post = ask_release(bot)
    bot.driver.click(post, action_id=action, user=clicker)
    done = outcome(bot, post, shown_text)
    assert bot.driver.buttons(done) == []
    [row] = bot.store.get_approvals(done.text.split(":")[0].split()[-1])  # "Approval rejected: ..."
    assert bot.deps.approvals.decide(row["id"], ALICE, "approve", None).startswith("That request is already")
    assert released(bot) == [] and bot.sandbox.account_number(SPARE) is not None


def test_only_the_requester_can_cancel(approval_bot):
    bot = approval_bot()
    post = ask_release(bot)
    bot.driver.click(post, action_id=CANCEL_ACTION, user=ALICE)
    assert wait_for_text(bot, f"Only <@{ADMIN}>, who asked, can cancel")
    assert bot.store.get_approvals("open")


def test_a_request_expires_after_24_hours_and_can_no_longer_be_approved(approval_bot):
    bot = approval_bot()
    post = ask_release(bot)
    [row] = bot.store.get_approvals("open")
    assert row["expires_at"] > iso_utc(datetime.now(UTC) + timedelta(hours=23, minutes=59))
    bot.store.set_approval_expiry(row["id"], iso_utc(datetime.now(UTC) - timedelta(seconds=1)))
    bot.driver.click(post, action_id=APPROVE_ACTION, user=ALICE)
    assert outcome(bot, post, "Expired after 24 hours; nothing was done.")
    assert wait_for_text(bot, "already expired")
    assert released(bot) == [] and "approval expired" in actions_audited(bot)


def test_the_sweep_expires_requests_nobody_clicked(approval_bot):
    bot = approval_bot()
    post = ask_release(bot)
    [row] = bot.store.get_approvals("open")
    bot.store.set_approval_expiry(row["id"], iso_utc(datetime.now(UTC) - timedelta(seconds=1)))
    bot.deps.approvals.sweep()  # the scheduler's job, every minute
    assert outcome(bot, post, "Expired after 24 hours")
    assert bot.store.get_approval(row["id"])["status"] == "expired"


def test_a_restart_between_approval_and_execution_runs_it_once(approval_bot, tmp_path):
    kept = str(tmp_path / "kept.db")
    bot = approval_bot(FLOWROUTE_BOT_DB=kept)
    post = ask_release(bot)
    [row] = bot.store.get_approvals("open")
    # The approval was committed, then the process died before running it.
    assert bot.store.move_approval(row["id"], "open", "approved", decided_by=ALICE, decided_at=iso_utc())
    bot.stop()
    assert released(bot) == []

    again = approval_bot(FLOWROUTE_BOT_DB=kept)
    again.deps.approvals.sweep()  # what the scheduler runs at start
    again.deps.approvals.sweep()
    assert outcome(again, post, "Result:")
    assert len(released(again)) == 1
    assert again.store.get_approval(row["id"])["status"] == "done"


def test_a_request_posted_through_the_response_url_is_found_by_its_first_click(approval_bot):
    bot = approval_bot()
    confirmation = shown(bot, bot.command("routes delete forward-to-cell"))
    bot.driver.click(confirmation, action_id=ROUTES_DELETE_ACTION)
    post = request_post(bot)
    assert "delete route forward-to-cell (3)" in texts(post.blocks)
    assert writes(bot) == []
    bot.driver.click(post, action_id=APPROVE_ACTION, user=ALICE)
    done = outcome(bot, post, "Result:")
    assert "deleted route *forward-to-cell*" in texts(done.blocks)
    assert [(r.method, r.path) for r in writes(bot)] == [("DELETE", "/v2/routes/3")]


def test_commands_not_listed_run_at_once(approval_bot):
    bot = approval_bot(FLOWROUTE_BOT_APPROVAL="routes delete")
    confirmation = shown(bot, bot.command(f"numbers release {SPARE}"))
    bot.driver.click(confirmation, action_id=NUMBERS_RELEASE_ACTION)
    bot.slack.wait_for(lambda: released(bot), timeout=10)
    assert bot.store.get_approvals("open") == []


def test_approvals_lists_the_open_requests(approval_bot):
    bot = approval_bot()
    assert bot.reply(bot.command("approvals"))["text"] == "No approval requests are open."
    ask_release(bot)
    listing = texts(bot.reply(bot.command("approvals list", user=USER))["blocks"])
    assert f"<@{ADMIN}>: *release +1 206-555-0101*" in listing and "open until" in listing


MINIMAL = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "FLOWROUTE_ACCESS_KEY": "a",
           "FLOWROUTE_SECRET_KEY": "b"}


def test_the_setting_takes_keys_and_nouns_and_names_unknown_keys_in_one_line():
    settings = Settings.from_env({**MINIMAL, "FLOWROUTE_BOT_APPROVAL": "numbers buy, E911 *"})
    assert settings.approval == {"numbers buy", "e911 disconnect", "e911 delete"}
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({**MINIMAL, "FLOWROUTE_BOT_APPROVAL": "numbers buy,numbers sell, fax *"})
    text = str(raised.value)
    assert "\n" not in text and "'numbers sell' is not a command that can need approval" in text and "'fax *'" in text


def test_e911_star_covers_e911_delete_and_flowroutes_refusal_shows_in_the_outcome(approval_bot):
    bot = approval_bot()
    confirmation = shown(bot, bot.command("e911 delete 1"))  # address 1 is still used: Flowroute says 403
    bot.driver.click(confirmation, action_id=E911_CONFIRM_ACTION)
    post = request_post(bot)
    assert "delete E911 address 1" in texts(post.blocks) and writes(bot) == []
    bot.driver.click(post, action_id=APPROVE_ACTION, user=ALICE)
    done = outcome(bot, post, "Result:")
    assert "is still used by numbers" in texts(done.blocks) and "Flowroute 403" in texts(done.blocks)
    assert [(r.method, r.path) for r in writes(bot)] == [("DELETE", "/v2/e911s/1")]


def test_cnam_delete_can_need_approval_too(approval_bot):
    bot = approval_bot(FLOWROUTE_BOT_APPROVAL="cnam delete")
    confirmation = shown(bot, bot.command("cnam delete 2"))
    bot.driver.click(confirmation, action_id=CNAM_DELETE_ACTION)
    post = request_post(bot)
    assert writes(bot) == []
    bot.driver.click(post, action_id=APPROVE_ACTION, user=ALICE)
    assert "deleted CNAM record `2`" in texts(outcome(bot, post, "Result:").blocks)
    assert [(r.method, r.path) for r in writes(bot)] == [("DELETE", "/v2/cnams/2")]


def test_help_lists_the_new_commands(bot):
    body = texts(bot.reply(bot.command("help"))["blocks"])
    for usage in ("/flowroute approvals [list]", "/flowroute optouts list [NUMBER]", "/flowroute cnam delete CNAM_ID",
                  "/flowroute numbers portable NUMBER[,NUMBER...]", "/flowroute calls export --start DATE --end DATE"):
        assert usage in body


def test_a_buy_request_shows_its_cost_and_buys_once_approved(approval_bot):
    bot = approval_bot(FLOWROUTE_BOT_APPROVAL="numbers buy")
    confirmation = shown(bot, bot.command("numbers buy 14155550123"))
    bot.driver.click(confirmation, action_id=NUMBERS_BUY_ACTION)
    post = request_post(bot)
    assert "*Cost:* $3.50 setup, $2.50 a month" in texts(post.blocks) and writes(bot) == []
    bot.driver.click(post, action_id=APPROVE_ACTION, user=ALICE)
    assert "bought *+1 415-555-0123*" in texts(outcome(bot, post, "Result:").blocks)
    assert [(r.method, r.path) for r in writes(bot)] == [("POST", "/v2/numbers/14155550123")]
