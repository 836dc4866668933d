"""Parsing Flowroute callback bodies: captured shapes, liberal field types, clear refusals, fuzzing."""

import dataclasses
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flowroute_api import (
    MAX_CALLBACK_BYTES,
    CallbackError,
    CallbackTooLarge,
    DeliveryReceipt,
    InboundMms,
    InboundSms,
    Media,
    check_callback_size,
    parse_callback,
)

NOT_OURS = "not a Flowroute message or delivery receipt"
S3_URL = "https://mms-media-prod.s3.amazonaws.com/1490420351891410944-9E41.jpg?AWSAccessKeyId=X&Expires=1644179177&Signature=abc%3D"


def encoded(document) -> bytes:
    return json.dumps(document).encode()


def sms_2022() -> dict:
    """An inbound SMS as captured in 2022: `to` a JSON integer, `amount_nanodollars` a string."""
    return {
        "data": {
            "type": "message",
            "id": "mdr2-5ca00ec193834bc691acd70988428554",
            "attributes": {
                "direction": "inbound",
                "from": "12018172450",
                "to": 16085612999,
                "body": "Hello from a phone",
                "is_mms": False,
                "message_type": "longcode",
                "message_encoding": 0,
                "status": "delivered",
                "timestamp": "2022-02-06T17:52:33Z",
                "amount_nanodollars": "4000000",
                "amount_display": "$0.0040",
                "message_callback_url": "https://bot.example.com/flowroute/callbacks/secret",
            },
        }
    }


def mms_2022() -> dict:
    """An inbound MMS as captured in 2017 and 2022: media joined through relationships and `included`."""
    media_id = "1490420351891410944-9E41.jpg"
    return {
        "data": {
            "type": "message",
            "id": "mdr2-5730c97c878a11ec8008a26e9054fd5e",
            "attributes": {
                "direction": "inbound",
                "from": "18337061641",
                "to": "16085612999",
                "body": "the rack",
                "is_mms": True,
                "message_type": "longcode",
                "message_encoding": 0,
                "status": "",
                "timestamp": "2022-02-06T20:21:17.00Z",
                "amount_nanodollars": 9500000,
                "amount_display": "$0.0095",
                "delivery_receipts": [],
            },
            "relationships": {"media": {"data": [{"type": "media", "id": media_id}]}},
        },
        "included": [
            {
                "type": "media",
                "id": media_id,
                "attributes": {"url": S3_URL, "file_name": "9E41.jpg", "mime_type": "image/jpeg", "file_size": 58017},
                "links": {"self": f"https://api.flowroute.com/v2.1/media/{media_id}"},
            }
        ],
    }


def receipt(level=1, status="message buffered", status_code="1003", **extra) -> dict:
    """A delivery receipt as the v2.1 receive-a-dlr page lists its fields."""
    attributes = {
        "body": "on my way",
        "level": level,
        "status": status,
        "status_code": status_code,
        "status_code_description": "Message accepted by Carrier",
        "timestamp": "2026-12-01T10:00:01.00Z",
        **extra,
    }
    return {
        "data": {
            "type": "delivery_receipt",
            "id": "mdr2-39cadeace66e11e7aff806cd7f24ba2d",
            "attributes": attributes,
            "links": {"related": "https://api.flowroute.com/v2.1/messages/mdr2-39cadeace66e11e7aff806cd7f24ba2d"},
        }
    }


def refused(raw) -> str:
    with pytest.raises(CallbackError) as caught:
        parse_callback(raw)
    return str(caught.value)


# --- captured shapes ------------------------------------------------------------------------------------


def test_inbound_sms_as_captured():
    message = parse_callback(encoded(sms_2022()))
    assert message == InboundSms(
        id="mdr2-5ca00ec193834bc691acd70988428554",
        from_number="12018172450",
        to_number="16085612999",
        body="Hello from a phone",
        timestamp=datetime(2022, 2, 6, 17, 52, 33, tzinfo=UTC),
        message_type="longcode",
        message_encoding=0,
        status="delivered",
        amount_nanodollars=4000000,
        amount_display="$0.0040",
        callback_url="https://bot.example.com/flowroute/callbacks/secret",
    )
    assert message.is_mms is False


def test_inbound_mms_as_captured_with_its_media():
    message = parse_callback(encoded(mms_2022()))
    assert isinstance(message, InboundMms) and message.is_mms
    assert (message.id, message.from_number, message.to_number) == (
        "mdr2-5730c97c878a11ec8008a26e9054fd5e", "18337061641", "16085612999")
    assert (message.body, message.status, message.amount_nanodollars) == ("the rack", "", 9500000)
    assert message.timestamp == datetime(2022, 2, 6, 20, 21, 17, tzinfo=UTC)
    assert message.media == (
        Media(
            id="1490420351891410944-9E41.jpg",
            url=S3_URL,
            mime_type="image/jpeg",
            file_name="9E41.jpg",
            file_size=58017,
            self_url="https://api.flowroute.com/v2.1/media/1490420351891410944-9E41.jpg",
        ),
    )


def test_the_flat_v2_body_is_an_sms_too():
    body = {"to": "12066418000", "body": "Hello there from Flowroute!", "from": "18553569768",
            "id": "mdr1-febb118b9b034338adfc662a8c02fd88"}
    assert parse_callback(encoded(body)) == InboundSms(
        id="mdr1-febb118b9b034338adfc662a8c02fd88", from_number="18553569768", to_number="12066418000",
        body="Hello there from Flowroute!")


@pytest.mark.parametrize("level", [1, 2, "2"])
def test_delivery_receipt_levels(level):
    parsed = parse_callback(encoded(receipt(level=level)))
    assert parsed == DeliveryReceipt(
        id="mdr2-39cadeace66e11e7aff806cd7f24ba2d",
        level=int(level),
        status="message buffered",
        status_code="1003",
        status_code_description="Message accepted by Carrier",
        timestamp=datetime(2026, 12, 1, 10, 0, 1, tzinfo=UTC),
        body="on my way",
        related_url="https://api.flowroute.com/v2.1/messages/mdr2-39cadeace66e11e7aff806cd7f24ba2d",
    )


@pytest.mark.parametrize(("code", "expected"), [("1003", "1003"), (1003, "1003"), (None, None)])
def test_receipt_status_code_string_integer_or_null(code, expected):
    assert parse_callback(encoded(receipt(level=2, status="delivered", status_code=code))).status_code == expected


def test_receipt_for_an_mms_has_an_empty_body_and_may_lack_fields():
    parsed = parse_callback(encoded({"data": {"type": "delivery_receipt", "id": "mdr2-1", "attributes": {"body": ""}}}))
    assert parsed == DeliveryReceipt(id="mdr2-1", level=None)


@pytest.mark.parametrize("level", [0, -1, "high", 1.5, True])
def test_receipt_with_a_nonsense_level_is_refused(level):
    assert refused(encoded(receipt(level=level))).startswith(f"{NOT_OURS}: receipt level is ")


# --- liberal field types ---------------------------------------------------------------------------------


def with_attributes(document: dict, **fields) -> bytes:
    document["data"]["attributes"].update(fields)
    return encoded(document)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12065550100", "12065550100"),
        (12065550100, "12065550100"),
        (2065550100, "12065550100"),
        ("+1 (206) 555-0100", "12065550100"),
        ("+12065550100", "12065550100"),
        ("22395", "22395"),  # a short code
        ("+447700900123", "447700900123"),  # a number abroad: its digits
    ],
)
def test_numbers_are_normalised_like_the_client_does(value, expected):
    message = parse_callback(with_attributes(sms_2022(), **{"from": value, "to": value}))
    assert (message.from_number, message.to_number) == (expected, expected)


@pytest.mark.parametrize("value", ["", "call me", True, None, 12.5, ["12065550100"], "12", "1" * 16])
def test_a_from_that_is_not_a_number_is_refused(value):
    assert refused(with_attributes(sms_2022(), **{"from": value})).startswith(f"{NOT_OURS}: ")


def test_a_missing_to_is_refused():
    document = sms_2022()
    del document["data"]["attributes"]["to"]
    assert refused(encoded(document)) == f"{NOT_OURS}: no 'to' number"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("4000000", 4000000), (4000000, 4000000), (4000000.0, 4000000), (" 9500000 ", 9500000),
     ("$0.004", None), (None, None), (4.5, None), (True, None)],
)
def test_amount_nanodollars_string_or_number(value, expected):
    assert parse_callback(with_attributes(sms_2022(), amount_nanodollars=value)).amount_nanodollars == expected


def test_only_the_required_fields():
    body = {"data": {"type": "message", "id": "mdr2-a", "attributes": {"from": "12065550100", "to": "12065550199"}}}
    message = parse_callback(encoded(body))
    assert message == InboundSms(id="mdr2-a", from_number="12065550100", to_number="12065550199")
    assert (message.body, message.timestamp, message.amount_nanodollars, message.callback_url) == ("", None, None, None)


def test_an_integer_id_is_read_as_a_string():
    body = {"data": {"type": "message", "id": 98396, "attributes": {"from": "12065550100", "to": "12065550199"}}}
    assert parse_callback(encoded(body)).id == "98396"


@pytest.mark.parametrize("value", ["2022-02-06T17:52:33", "2022-02-06T17:52:33+00:00", "2022-02-06T09:52:33-08:00"])
def test_timestamps_end_up_in_utc(value):
    moment = parse_callback(with_attributes(sms_2022(), timestamp=value)).timestamp
    assert moment == datetime(2022, 2, 6, 17, 52, 33, tzinfo=UTC)


@pytest.mark.parametrize("value", ["yesterday", "", 1644169953, "0001-01-01T00:00:00+01:00"])
def test_an_unreadable_timestamp_is_none_not_a_lost_message(value):
    assert parse_callback(with_attributes(sms_2022(), timestamp=value)).timestamp is None


@pytest.mark.parametrize("flag", [True, "true", "True", 1, "1"])
def test_is_mms_without_media_is_a_text_only_mms(flag):
    message = parse_callback(with_attributes(sms_2022(), is_mms=flag))
    assert isinstance(message, InboundMms) and message.media == ()


@pytest.mark.parametrize("flag", [False, "false", 0, None])
def test_is_mms_false_is_an_sms(flag):
    assert isinstance(parse_callback(with_attributes(sms_2022(), is_mms=flag)), InboundSms)


def test_media_follow_the_message_order_not_the_included_order():
    document = mms_2022()
    document["data"]["relationships"]["media"]["data"] = [{"type": "media", "id": "b"}, {"type": "media", "id": "a"}]
    document["included"] = [
        {"type": "media", "id": name, "attributes": {"url": f"https://s3.example/{name}", "file_size": "12"}}
        for name in ("a", "b")
    ]
    media = parse_callback(encoded(document)).media
    assert [(item.id, item.url, item.file_size) for item in media] == [
        ("b", "https://s3.example/b", 12), ("a", "https://s3.example/a", 12)]


def test_a_media_reference_without_its_included_object_has_no_url():
    document = mms_2022()
    document["included"] = []
    (item,) = parse_callback(encoded(document)).media
    assert item == Media(id="1490420351891410944-9E41.jpg", url=None)


def test_included_media_without_relationships_are_still_taken():
    document = mms_2022()
    del document["data"]["relationships"]
    document["included"].append({"type": "not-media", "id": "x"})
    (item,) = parse_callback(encoded(document)).media
    assert item.url == S3_URL


def test_the_same_json_in_any_unicode_encoding():
    text = json.dumps(sms_2022(), ensure_ascii=False).replace("Hello from a phone", "Café ☕")
    for raw in (text.encode("utf-8"), text.encode("utf-8-sig"), text.encode("utf-16"), text):
        assert parse_callback(raw).body == "Café ☕"


def test_as_record_is_an_mdr_resource_with_normalised_numbers():
    record = parse_callback(encoded(mms_2022())).as_record()
    assert record["type"] == "message" and record["id"] == "mdr2-5730c97c878a11ec8008a26e9054fd5e"
    assert record["attributes"]["direction"] == "inbound" and record["attributes"]["is_mms"] is True
    assert record["attributes"]["timestamp"] == "2022-02-06T20:21:17.000000Z"
    assert record["relationships"] == {"media": {"data": [{"type": "media", "id": "1490420351891410944-9E41.jpg"}]}}
    sms = parse_callback(encoded(sms_2022())).as_record()
    assert sms["attributes"]["to"] == "16085612999" and "relationships" not in sms


def test_parsed_callbacks_are_frozen():
    message = parse_callback(encoded(sms_2022()))
    with pytest.raises(dataclasses.FrozenInstanceError):
        message.body = "changed"


# --- refusals --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", [b"", b"{", b"<xml/>", b"to=12065550100&body=hi", b"\xff\xfe\xfa", b'{"a": 1} trailing'])
def test_not_json(raw):
    assert refused(raw) == "not JSON"


@pytest.mark.parametrize("raw", [b"[]", b'"text"', b"1", b"null", b"NaN"])
def test_json_that_is_not_an_object(raw):
    assert refused(raw) == f"{NOT_OURS}: the body is not a JSON object"


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ({"data": [sms_2022()["data"]]}, "data is not an object"),
        ({"data": {"type": "number", "id": "12065550100", "attributes": {}}}, 'data.type is "number"'),
        ({"data": {"id": "mdr2-a", "attributes": {"body": "hi"}}}, "data.type is missing"),
        ({"data": {"type": "message", "id": "mdr2-a", "attributes": "hi"}}, "attributes is not an object"),
        ({"data": {"type": "message", "attributes": {"from": "12065550100", "to": "12065550199"}}}, "no record id"),
        ({"data": {"type": "message", "id": True, "attributes": {"from": "12065550100", "to": "12065550199"}}},
         "no record id"),
        ({"data": {"type": "message", "id": " ", "attributes": {"from": "12065550100", "to": "12065550199"}}},
         "no record id"),
        ({"data": {"type": "<b>x</b>"}}, 'data.type is "?b?x??b?"'),
    ],
)
def test_not_a_flowroute_callback(document, reason):
    assert refused(encoded(document)) == f"{NOT_OURS}: {reason}"


def test_an_outbound_message_is_not_an_inbound_callback():
    reason = refused(with_attributes(sms_2022(), direction="outbound"))
    assert reason == f'{NOT_OURS}: direction is "outbound", not inbound'


def test_deeply_nested_json_is_refused_cleanly():
    assert refused(b"[" * 100_000 + b"]" * 100_000) == "not JSON"


# --- size ------------------------------------------------------------------------------------------------


def test_size_limit_is_one_megabyte():
    assert MAX_CALLBACK_BYTES == 1024 * 1024
    check_callback_size(MAX_CALLBACK_BYTES)
    check_callback_size(None)
    with pytest.raises(CallbackTooLarge, match="^body over 1 MB$"):
        check_callback_size(MAX_CALLBACK_BYTES + 1)


def test_a_body_over_the_limit_is_refused_as_too_large_even_when_valid():
    raw = encoded(sms_2022())
    padded = raw + b" " * (MAX_CALLBACK_BYTES - len(raw))
    assert parse_callback(padded).id == "mdr2-5ca00ec193834bc691acd70988428554"
    with pytest.raises(CallbackTooLarge) as caught:
        parse_callback(padded + b" ")
    assert isinstance(caught.value, CallbackError)


# --- fuzzing: nothing but CallbackError ------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
FIELD_NAMES = st.sampled_from(
    ["direction", "from", "to", "body", "is_mms", "timestamp", "amount_nanodollars", "message_encoding", "level",
     "status", "status_code", "message_callback_url", "file_size", "url"])
NUMBERS = st.one_of(st.integers(), st.text(alphabet="+0123456789 ()-", max_size=18), JSON_VALUES)
ATTRIBUTES = st.dictionaries(FIELD_NAMES, st.one_of(NUMBERS, JSON_VALUES), max_size=8) | JSON_VALUES
RESOURCES = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["message", "delivery_receipt", "media"]) | JSON_VALUES,
        "id": st.text(max_size=10) | st.integers() | JSON_VALUES,
        "attributes": ATTRIBUTES,
        "relationships": st.fixed_dictionaries({"media": st.fixed_dictionaries({"data": JSON_VALUES})}) | JSON_VALUES,
        "links": st.dictionaries(st.sampled_from(["self", "related"]), JSON_VALUES) | JSON_VALUES,
    },
)
DOCUMENTS = st.fixed_dictionaries({}, optional={"data": RESOURCES | JSON_VALUES, "included": st.lists(RESOURCES)})


def parses_or_refuses(raw) -> None:
    try:
        result = parse_callback(raw)
    except CallbackError as error:
        assert str(error) and "\n" not in str(error)
    else:
        assert isinstance(result, InboundSms | InboundMms | DeliveryReceipt)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_raise_nothing_but_callback_error(raw):
    parses_or_refuses(raw)


@settings(max_examples=500, deadline=None)
@given(DOCUMENTS | ATTRIBUTES)
def test_arbitrary_callback_shaped_json_raises_nothing_but_callback_error(document):
    parses_or_refuses(json.dumps(document).encode())


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=2, max_value=9), st.integers(min_value=0, max_value=99),
       st.integers(min_value=2, max_value=9), st.integers(min_value=0, max_value=999_999), st.booleans())
def test_any_nanp_number_as_string_or_integer_comes_out_in_11_digits(area, area_rest, exchange, rest, as_int):
    digits = f"1{area}{area_rest:02d}{exchange}{rest:06d}"
    value = int(digits) if as_int else digits
    assert parse_callback(with_attributes(sms_2022(), to=value)).to_number == digits
