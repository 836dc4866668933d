"""The bot's HTTP surface, driven exactly as Slack drives it: signatures, /healthz, acks, help, errors."""

import logging
import time
from urllib.parse import urlencode

import requests

from bot.health import Health
from bot.server import HttpServer, SlackGate, make_wsgi_app
from tests.helpers.bot import ADMIN, OPS, USER


def slash_body(text: str, user: str = ADMIN) -> str:
    return urlencode({"command": "/flowroute", "text": text, "user_id": user, "channel_id": OPS,
                      "team_id": "T0001", "response_url": "http://127.0.0.1:9/unused", "trigger_id": "1.2.3"})


def test_before_the_gate_opens_healthz_and_slack_events_answer_503_with_the_reason(bot):
    health = Health(30)
    health.waiting("Slack cannot be reached: connection refused")
    not_ready = HttpServer(make_wsgi_app(SlackGate(health)), host="127.0.0.1", port=0)
    url = not_ready.start()
    try:
        response = requests.get(url + "/healthz", timeout=5)
        assert response.status_code == 503
        assert response.json()["reason"] == "Slack cannot be reached: connection refused"
        assert response.json()["ok"] is False and response.json()["serving"] is False
        events = requests.post(url + "/slack/events", data=slash_body("numbers list"), timeout=5)
        assert events.status_code == 503 and events.json()["reason"] == "Slack cannot be reached: connection refused"
    finally:
        not_ready.stop()


def test_bad_signature_and_stale_timestamp_are_rejected_with_401(bot):
    body = slash_body("numbers list")
    headers = bot.driver.sign(body)
    headers["X-Slack-Signature"] = "v0=" + "0" * 64
    forged = requests.post(bot.url + "/slack/events", data=body, timeout=5,
                           headers={**headers, "Content-Type": "application/x-www-form-urlencoded"})
    stale_headers = bot.driver.sign(body, timestamp=str(int(time.time()) - 301))
    stale = requests.post(bot.url + "/slack/events", data=body, timeout=5,
                          headers={**stale_headers, "Content-Type": "application/x-www-form-urlencoded"})
    assert forged.status_code == 401 and stale.status_code == 401
    assert bot.sandbox.requests == []


def test_help_lists_every_command_group(bot):
    result = bot.command("help")
    assert result.status == 200
    post = bot.reply(result)
    text = str(post.get("blocks"))
    for usage in ("/flowroute numbers search", "/flowroute routes set NUMBER", "/flowroute e911 create",
                  "/flowroute sms FROM TO TEXT...", "/flowroute inbox status", "/flowroute audit"):
        assert usage in text
    assert "Reply in that thread to answer by SMS" in text
    assert bot.reply(bot.command("")).get("blocks")  # bare /flowroute is help


def test_help_topic_and_unknown_topic(bot):
    post = bot.reply(bot.command("help routes"))
    assert "/flowroute routes delete ROUTE" in str(post["blocks"]) and "numbers search" not in str(post["blocks"])
    assert "no help topic" in bot.reply(bot.command("help frobs"))["text"]


def test_usage_mistakes_are_answered_in_the_ack_and_never_reach_flowroute(bot):
    result = bot.command("numbers show 555")
    assert result.status == 200
    assert "`555` is not a valid phone number" in result.body
    assert "/flowroute numbers show NUMBER" in result.body
    assert bot.sandbox.requests == []


def test_writes_are_refused_for_non_admins_before_anything_reaches_flowroute(bot):
    for text in ("numbers buy 2065550142", "numbers release 2065550100", "routes delete 3",
                 "sms 2065550100 2065551234 hi", "e911 delete 3", "inbox subscribe all here"):
        result = bot.command(text, user=USER)
        assert result.status == 200
        assert "only Flowroute admins" in result.body, text
    assert bot.sandbox.requests == []
    assert bot.slack.calls_to("views.open") == []


def test_audit_lists_recent_entries_with_paging(bot):
    for index in range(25):
        bot.store.save_audit(user_id=ADMIN, action="numbers alias", target=f"1206555{index:04d}", ok=True,
                             result="done")
    post = bot.reply(bot.command("audit --limit 10"))
    text = str(post["blocks"])
    assert "12065550024" in text and "12065550014" not in text
    bot.driver.click(post, action_id="page_nav_next", channel=OPS)
    page_two = bot.slack.wait_for(
        lambda: "12065550014" in str(bot.slack.response_posts()[-1].get("blocks")) and bot.slack.response_posts()[-1]
    )
    assert page_two.get("replace_original") is True


def test_unexpected_failure_is_logged_with_a_reference_the_user_sees(bot, caplog, monkeypatch):
    def boom(**_):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(bot.store, "get_audit", boom)
    with caplog.at_level(logging.ERROR):
        post = bot.reply(bot.command("audit"))
    assert "Something went wrong" in post["text"]
    reference = post["text"].split("`")[1]
    assert any(reference in record.getMessage() and record.exc_info for record in caplog.records)
    assert "database on fire" not in post["text"]
