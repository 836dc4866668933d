"""Flowroute callbacks: a raw POST body in, an inbound SMS, an inbound MMS or a delivery receipt out.

Flowroute POSTs inbound messages to the `sms_callback`/`mms_callback` URL and delivery receipts to
the DLR callback URL, and expects a 200 (anything else is resent). The bodies are not type-stable
(numbers arrive as strings or JSON integers, `amount_nanodollars` as a string or a number), so this
parser is liberal in what it takes and strict in what it returns: frozen dataclasses with 11-digit
numbers, or `CallbackError` with one short plain reason. It never raises anything else.

References (Flowroute's public docs):
- https://developer.flowroute.com/api/messages/v2.1/receive-an-sms (and receive-an-mms)
- https://developer.flowroute.com/api/messages/v2.1/receive-a-dlr
- https://developer.flowroute.com/docs/receive-an-inbound-message (the older, flat v2 body)
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .errors import InvalidNumberError
from .phone import normalize_number

MAX_CALLBACK_BYTES = 1024 * 1024
"""The largest body we read. Real ones are a few kB: MMS media arrive as URLs, not inline."""

MESSAGE_TYPE = "message"
RECEIPT_TYPE = "delivery_receipt"
_NOT_OURS = "not a Flowroute message or delivery receipt"
# E.164 allows up to 15 digits; short codes (which do text Flowroute numbers) have 5-6.
_OTHER_NUMBER = re.compile(r"\+?[0-9]{3,15}")
_TRUE_TEXTS = ("true", "1")


class CallbackError(ValueError):
    """The body is not a callback we take; `reason` (also `str()`) is short, plain and safe to return."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


class CallbackTooLarge(CallbackError):
    """The body is over MAX_CALLBACK_BYTES (an endpoint answers 413 rather than 400)."""


@dataclass(frozen=True)
class Media:
    """One MMS attachment from the callback's `included` list."""

    id: str
    url: str | None  # a pre-signed S3 URL with an Expires time: download promptly
    mime_type: str | None = None
    file_name: str | None = None
    file_size: int | None = None
    self_url: str | None = None  # links.self, /v2.1/media/{id}


@dataclass(frozen=True)
class InboundMessage:
    """Fields shared by inbound SMS and MMS callbacks."""

    id: str
    from_number: str
    to_number: str
    body: str = ""
    timestamp: datetime | None = None
    message_type: str | None = None  # longcode | toll-free
    message_encoding: int | None = None  # 0 ASCII/GSM, 8 UCS-2
    status: str = ""
    amount_nanodollars: int | None = None
    amount_display: str | None = None
    callback_url: str | None = None  # message_callback_url, when Flowroute sends it

    @property
    def is_mms(self) -> bool:
        return False

    def as_record(self) -> dict:
        """The message as an MDR resource object, the shape `GET /v2.1/messages` lists (numbers normalised)."""
        fields = {
            "direction": "inbound",
            "from": self.from_number,
            "to": self.to_number,
            "body": self.body,
            "is_mms": self.is_mms,
            "message_type": self.message_type,
            "message_encoding": self.message_encoding,
            "status": self.status,
            "timestamp": None if self.timestamp is None else self.timestamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "amount_nanodollars": self.amount_nanodollars,
            "amount_display": self.amount_display,
        }
        return {"type": MESSAGE_TYPE, "id": self.id, "attributes": fields}


@dataclass(frozen=True)
class InboundSms(InboundMessage):
    """An inbound SMS (`sms_callback`)."""


@dataclass(frozen=True)
class InboundMms(InboundMessage):
    """An inbound MMS (`mms_callback`); `media` is empty for a text-only MMS."""

    media: tuple[Media, ...] = field(default=())

    @property
    def is_mms(self) -> bool:
        return True

    def as_record(self) -> dict:
        record = super().as_record()
        if self.media:
            record["relationships"] = {"media": {"data": [{"type": "media", "id": item.id} for item in self.media]}}
        return record


@dataclass(frozen=True)
class DeliveryReceipt:
    """A DLR for one of our sends: level 1 (ESME to carrier) or 2 (anything after), possibly unknown to us."""

    id: str  # the outbound MDR's id, mdr2-...
    level: int | None
    status: str = ""
    status_code: str | None = None
    status_code_description: str = ""
    timestamp: datetime | None = None
    body: str = ""  # the text we sent; always empty for MMS
    related_url: str | None = None  # links.related, the MDR


Callback = InboundSms | InboundMms | DeliveryReceipt


def check_callback_size(size: int | None) -> None:
    """Raise CallbackTooLarge when a body of `size` bytes (a Content-Length, say) is over the limit."""
    if size is not None and size > MAX_CALLBACK_BYTES:
        raise CallbackTooLarge(f"body over {MAX_CALLBACK_BYTES // (1024 * 1024)} MB")


def parse_callback(raw: bytes | bytearray | memoryview | str) -> Callback:
    """Parse a callback body whatever its Content-Type; raises CallbackError only."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    check_callback_size(len(raw))
    try:
        # The Content-Type is not looked at: the v2 guide shows application/json, the v2.1 pages show no
        # header at all. json.loads detects UTF-8/16/32 (and a UTF-8 BOM) in bytes on its own.
        document = json.loads(bytes(raw))
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise CallbackError("not JSON") from None
    try:
        return _parse_document(document)
    except CallbackError:
        raise
    except (ValueError, TypeError, OverflowError, RecursionError) as error:  # belt and braces
        raise CallbackError(f"{_NOT_OURS}: unreadable field values") from error


def _parse_document(document: Any) -> Callback:
    if not isinstance(document, dict):
        raise CallbackError(f"{_NOT_OURS}: the body is not a JSON object")
    if "data" not in document:
        # Flowroute's v2 guide (developer.flowroute.com/docs/receive-an-inbound-message) shows a flat
        # {"to", "from", "body", "id"} body; the v2.1 pages (developer.flowroute.com/api/messages/v2.1/
        # receive-an-sms) a JSON:API one. Which one an account gets is not stated, so both are taken.
        return _inbound({"id": document.get("id"), "attributes": document}, [])
    resource = document["data"]
    if not isinstance(resource, dict):
        raise CallbackError(f"{_NOT_OURS}: data is not an object")
    kind = resource.get("type")
    attributes = _attributes(resource)
    if kind == RECEIPT_TYPE or (kind is None and "level" in attributes):
        return _receipt(resource)
    if kind == MESSAGE_TYPE or (kind is None and "from" in attributes):
        included = document.get("included")
        return _inbound(resource, included if isinstance(included, list) else [])
    raise CallbackError(f"{_NOT_OURS}: data.type is {_shown(kind)}")


def _attributes(resource: dict) -> dict:
    fields = resource.get("attributes")
    if fields is None:
        return {}
    if not isinstance(fields, dict):
        raise CallbackError(f"{_NOT_OURS}: attributes is not an object")
    return fields


def _inbound(resource: dict, included: list) -> InboundSms | InboundMms:
    fields = _attributes(resource)
    direction = fields.get("direction")
    if direction not in (None, "inbound"):
        raise CallbackError(f"{_NOT_OURS}: direction is {_shown(direction)}, not inbound")
    common = {
        "id": _record_id(resource.get("id")),
        "from_number": _number(fields.get("from"), "from"),
        "to_number": _number(fields.get("to"), "to"),
        "body": _text(fields.get("body")) or "",
        "timestamp": _moment(fields.get("timestamp")),
        "message_type": _text(fields.get("message_type")),
        "message_encoding": _whole(fields.get("message_encoding")),
        "status": _text(fields.get("status")) or "",
        "amount_nanodollars": _whole(fields.get("amount_nanodollars")),
        "amount_display": _text(fields.get("amount_display")),
        "callback_url": _text(fields.get("message_callback_url")),
    }
    media = _media(resource, included)
    if media or _truthy(fields.get("is_mms")):
        return InboundMms(**common, media=media)
    return InboundSms(**common)


def _receipt(resource: dict) -> DeliveryReceipt:
    fields = _attributes(resource)
    level = _whole(fields.get("level"))
    # The DLR page documents levels 1 and 2; a later level would still be a receipt, so any positive one is taken.
    if "level" in fields and (level is None or level < 1):
        raise CallbackError(f"{_NOT_OURS}: receipt level is {_shown(fields.get('level'))}")
    links = resource.get("links") if isinstance(resource.get("links"), dict) else {}
    code = fields.get("status_code")
    return DeliveryReceipt(
        id=_record_id(resource.get("id")),
        level=level,
        status=_text(fields.get("status")) or "",
        # The DLR page types status_code as a string; MDR delivery_receipts carry integers or null.
        status_code=None if code is None or isinstance(code, bool) else _text(code),
        status_code_description=_text(fields.get("status_code_description")) or "",
        timestamp=_moment(fields.get("timestamp")),
        body=_text(fields.get("body")) or "",
        related_url=_text(links.get("related")),
    )


def _media(resource: dict, included: list) -> tuple[Media, ...]:
    """Join data.relationships.media.data[].id to the `included` media objects, in the message's order."""
    objects = {}
    for item in included:
        if isinstance(item, dict) and item.get("type") == "media" and isinstance(item.get("id"), str | int):
            objects.setdefault(str(item["id"]), item)
    relationships = resource.get("relationships")
    refs = ((relationships.get("media") or {}) if isinstance(relationships, dict) else {}) or {}
    refs = refs.get("data") if isinstance(refs, dict) else None
    refs = refs if isinstance(refs, list) else []
    ids = [str(ref["id"]) for ref in refs if isinstance(ref, dict) and isinstance(ref.get("id"), str | int)]
    ids += list(objects)  # media included but not referenced are still the message's: take them after
    return tuple(_media_item(media_id, objects.get(media_id) or {}) for media_id in dict.fromkeys(ids))


def _media_item(media_id: str, item: dict) -> Media:
    fields = item.get("attributes") if isinstance(item.get("attributes"), dict) else {}
    links = item.get("links") if isinstance(item.get("links"), dict) else {}
    size = _whole(fields.get("file_size"))
    return Media(
        id=media_id,
        url=_text(fields.get("url")),
        mime_type=_text(fields.get("mime_type")),
        file_name=_text(fields.get("file_name")),
        file_size=size if size is not None and size >= 0 else None,
        self_url=_text(links.get("self")),
    )


# --- field readers --------------------------------------------------------------------------------------


def _record_id(value: Any) -> str:
    """Ids are strings (`mdr2-...`); some docs type ids as integers, so those are taken too."""
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        raise CallbackError(f"{_NOT_OURS}: no record id")
    return str(value).strip()


def _number(value: Any, name: str) -> str:
    """11-digit North American form like our client; other numbers (short codes, abroad) as their digits."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise CallbackError(f"{_NOT_OURS}: no {name!r} number")
    try:
        return normalize_number(value)
    except InvalidNumberError:
        pass
    text = re.sub(r"[\s().-]", "", str(value))
    if not _OTHER_NUMBER.fullmatch(text):
        raise CallbackError(f"{_NOT_OURS}: {name!r} is not a phone number")
    return text.lstrip("+")


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _whole(value: Any) -> int | None:
    """An integer from 4000000, "4000000" or 4000000.0; None when absent or not a whole number.

    A strange value in an optional field (cost, encoding) does not cost us the message.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,30}\s*", value):
        return int(value)
    return None


def _truthy(value: Any) -> bool:
    """`is_mms` is a boolean in callbacks, but Flowroute's own SDK demos use the strings "true"/"false"."""
    return value is True or (isinstance(value, str | int) and str(value).strip().lower() in _TRUE_TEXTS)


def _moment(value: Any) -> datetime | None:
    """ISO 8601 (`2022-02-06T20:21:17.00Z`, `2022-02-06T17:52:33Z`) in UTC; None when absent or unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):  # not ISO 8601, or out of range once moved to UTC
        return None


def _shown(value: Any) -> str:
    """A value for a reason line: short, and never markup or a secret (it is the caller's own data)."""
    if value is None:
        return "missing"
    text = json.dumps(value)[:40]
    return re.sub(r"[^\w\-. \"']", "?", text)
