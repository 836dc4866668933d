"""Messages v2.1 methods: sending, MDR listing with dates and pagination, callbacks."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from flowroute_api import InvalidNumberError
from flowroute_api.messages import format_api_datetime
from tests.flowroute_api.checks import assert_request, call_once

WINDOW_START = datetime(2031, 3, 1, tzinfo=UTC)


def test_send_sms_posts_json_api_body(client, sandbox):
    result = call_once(
        sandbox,
        lambda: client.send_sms("+1 206-555-0100", "(206) 555-9876", "Hello & welcome"),
        "POST",
        "/v2.1/messages",
        body={"data": {"type": "message", "attributes": {
            "from": "12065550100", "to": "12065559876", "body": "Hello & welcome",
        }}},
    )  # fmt: skip
    mdr_id = result["data"]["id"]
    assert mdr_id.startswith("mdr2-")
    assert sandbox.message(mdr_id)["attributes"]["body"] == "Hello & welcome"


def test_send_mms_sends_media_and_a_real_boolean(client, sandbox):
    urls = ["https://media.example.com/a.jpg", "https://media.example.com/b.png"]
    result = call_once(
        sandbox,
        lambda: client.send_mms("12065550100", "12065559876", urls, body="pics"),
        "POST",
        "/v2.1/messages",
        body={"data": {"type": "message", "attributes": {
            "from": "12065550100", "to": "12065559876", "body": "pics", "media_urls": urls, "is_mms": True,
        }}},
    )  # fmt: skip
    assert result["data"]["id"].startswith("mdr2-")


def test_send_message_passes_dlr_callback_and_explicit_is_mms(client, sandbox):
    call_once(
        sandbox,
        lambda: client.send_message(
            "12065550100", "12065559876", "hi", is_mms=False, dlr_callback="https://bot.example.com/dlr"
        ),
        "POST",
        "/v2.1/messages",
        body={"data": {"type": "message", "attributes": {
            "from": "12065550100", "to": "12065559876", "body": "hi", "is_mms": False,
            "dlr_callback": "https://bot.example.com/dlr",
        }}},
    )  # fmt: skip


def test_send_message_needs_a_body_or_media(client, sandbox):
    with pytest.raises(ValueError, match="body or media"):
        client.send_message("12065550100", "12065559876")
    assert sandbox.requests == []


@pytest.mark.parametrize("from_number, to_number", [("206-555", "12065559876"), ("12065550100", "911")])
def test_send_refuses_invalid_numbers_before_any_request(client, sandbox, from_number, to_number):
    with pytest.raises(InvalidNumberError):
        client.send_sms(from_number, to_number, "hi")
    assert sandbox.requests == []


@pytest.mark.parametrize(
    "value, sent",
    [
        (datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "2026-01-02T03:04:05+00:00"),
        (datetime(2026, 1, 2, 3, 4, 5), "2026-01-02T03:04:05+00:00"),
        (datetime(2026, 1, 2, 5, 4, 5, tzinfo=timezone(timedelta(hours=2))), "2026-01-02T03:04:05+00:00"),
        (date(2026, 1, 2), "2026-01-02T00:00:00+00:00"),
        ("2026-01-02", "2026-01-02T00:00:00+00:00"),
        ("2026-01-02T03:04:05Z", "2026-01-02T03:04:05+00:00"),
        ("2026-01-02T03:04:05", "2026-01-02T03:04:05+00:00"),
        ("2026-01-01T22:04:05-05:00", "2026-01-02T03:04:05+00:00"),
    ],
)
def test_dates_are_sent_in_utc_with_an_explicit_zone(value, sent):
    assert format_api_datetime(value) == sent


def test_list_messages_sends_both_dates_with_zones(client, sandbox):
    start = datetime.now(UTC) - timedelta(days=4)
    result = call_once(
        sandbox,
        lambda: client.list_messages(start, "2099-01-01", limit=50, offset=0),
        "GET",
        "/v2.1/messages",
        query={
            "start_date": [start.isoformat()],
            "end_date": ["2099-01-01T00:00:00+00:00"],
            "limit": ["50"],
            "offset": ["0"],
        },
    )
    assert len(result["data"]) >= 15
    assert {item["attributes"]["direction"] for item in result["data"]} == {"inbound", "outbound"}


def test_list_messages_rejects_a_malformed_date_before_any_request(client, sandbox):
    with pytest.raises(ValueError):
        client.list_messages("yesterday")
    assert sandbox.requests == []


def _inject_window(sandbox, count):
    return sandbox.inject_messages(
        [
            {
                "from": "12065559876",
                "to": "12065550100",
                "body": f"message {index}",
                "timestamp": WINDOW_START + timedelta(minutes=index),
            }
            for index in range(count)
        ]
    )


def test_iter_messages_walks_every_page_once_without_following_links(client, sandbox):
    injected = _inject_window(sandbox, 25)
    sandbox.clear_requests()
    records = list(client.iter_messages(WINDOW_START, WINDOW_START + timedelta(days=1), page_size=10))
    assert sorted(record["id"] for record in records) == sorted(injected)
    assert len(records) == 25
    for recorded in sandbox.requests:
        assert_request(
            recorded,
            "GET",
            "/v2.1/messages",
            query={
                "start_date": ["2031-03-01T00:00:00+00:00"],
                "end_date": ["2031-03-02T00:00:00+00:00"],
                "limit": ["10"],
                "offset": recorded.query["offset"],
            },
        )
    assert [recorded.query["offset"] for recorded in sandbox.requests] == [["0"], ["10"], ["20"]]


def test_iter_messages_stops_on_an_empty_window(client, sandbox):
    assert list(client.iter_messages("2031-06-01", "2031-06-02", page_size=10)) == []
    assert len(sandbox.requests) == 1


def test_get_message(client, sandbox):
    mdr = sandbox.inject_message("12065559876", "12065550100", "ping")
    sandbox.clear_requests()
    result = call_once(sandbox, lambda: client.get_message(mdr["id"]), "GET", f"/v2.1/messages/{mdr['id']}")
    assert result["data"]["attributes"]["body"] == "ping"
    assert result["data"]["attributes"]["direction"] == "inbound"


def test_set_account_callback_puts_the_url(client, sandbox):
    result = call_once(
        sandbox,
        lambda: client.set_account_callback("sms_callback", "https://bot.example.com/sms"),
        "PUT",
        "/v2.1/messages/sms_callback",
        body={"data": {"attributes": {"callback_url": "https://bot.example.com/sms"}}},
    )
    assert result is None


def test_set_account_callback_rejects_unknown_type(client, sandbox):
    with pytest.raises(ValueError):
        client.set_account_callback("fax_callback", "https://bot.example.com/x")
    assert sandbox.requests == []
