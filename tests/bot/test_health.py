"""GET /healthz over HTTP: 200 while the last poll succeeded within three intervals, 503 with the reason
otherwise; the body carries the relay's state and never a secret. Polls are driven directly."""

import time

import requests

from tests.conftest import ACCESS_KEY, SECRET_KEY
from tests.helpers.bot import SIGNING_SECRET
from tests.helpers.relay import REMOTE, SEATTLE

MESSAGES = "/v2.1/messages"


def healthz(bot):
    response = requests.get(bot.url + "/healthz", timeout=5)
    return response.status_code, response.json(), response.text


def assert_no_secret(bot, text: str) -> None:
    for secret in (ACCESS_KEY, SECRET_KEY, SIGNING_SECRET, bot.slack.token):
        assert secret not in text


def test_healthz_turns_503_while_polls_fail_and_200_when_they_succeed(bot):
    bot.relay.scheduled_cycle()
    status, body, text = healthz(bot)
    assert status == 200 and body["ok"] is True and body["serving"] is True and "reason" not in body
    assert body["last_poll"]["ok"] is True and 0 <= body["last_poll_age_seconds"] < 30
    assert body["pending"] == 0 and body["failing_channels"] == [] and body["last_error"] is None

    # Every try of the next poll's GET /v2.1/messages fails (the client tries 4 times).
    bot.sandbox.fail_next(count=4, status=500, path_prefix=MESSAGES, method="GET")
    bot.relay.scheduled_cycle()
    status, body, text = healthz(bot)
    assert status == 503 and body["ok"] is False and body["serving"] is True
    assert body["reason"].startswith("polls are failing: Flowroute 500")
    assert body["last_poll"]["ok"] is False and body["last_error"].startswith("the last poll of Flowroute failed")
    assert_no_secret(bot, text)

    bot.relay.scheduled_cycle()
    status, body, text = healthz(bot)
    assert status == 200 and body["ok"] is True and body["last_error"] is None
    assert_no_secret(bot, text)


def test_healthz_is_503_when_no_poll_succeeded_for_three_intervals(bot):
    bot.relay.scheduled_cycle()
    assert healthz(bot)[0] == 200
    later = time.time() + 3 * bot.settings.poll_seconds + 5
    bot.health.clock = lambda: later  # as if the scheduler had stopped polling for three intervals
    status, body, _ = healthz(bot)
    assert status == 503 and body["reason"].startswith("no successful poll for")
    assert body["last_poll"]["ok"] is True and body["last_poll_age_seconds"] > 3 * bot.settings.poll_seconds


def test_healthz_is_200_right_after_start_then_503_if_no_poll_ever_comes(bot):
    status, body, _ = healthz(bot)
    assert status == 200 and body["last_poll"] is None  # the first poll has not had its three intervals yet
    later = time.time() + 3 * bot.settings.poll_seconds + 5
    bot.health.clock = lambda: later
    status, body, _ = healthz(bot)
    assert status == 503 and body["reason"].startswith("no poll of Flowroute since start")


def test_a_channel_whose_posts_fail_is_listed_with_its_error(bot):
    bot.store.save_subscription(SEATTLE, "C0ALERTS", "U0ADMIN")
    bot.slack.fail_next("chat.postMessage", count=50, status=500)
    bot.sandbox.inject_message(REMOTE, SEATTLE, "Is the office open today?")
    bot.relay.scheduled_cycle()
    status, body, _ = healthz(bot)
    assert status == 200  # the poll itself succeeded; the post waits for a retry
    assert body["pending"] == 1
    assert body["failing_channels"] == [{"channel_id": "C0ALERTS", "pending": 1,
                                         "last_error": "Slack HTTP 500 internal_error"}]
    assert body["last_error"] == "posting to C0ALERTS failed: Slack HTTP 500 internal_error"
