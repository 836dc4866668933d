"""How requests arrive: JSON, form-encoded and multipart bodies, arguments that may be strings (form) or native
values (JSON), ts ordering and the opaque cursors of conversations.history / .replies / users.conversations.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import json
from typing import Any
from urllib.parse import parse_qsl

from sandbox.slack.checks import as_messages
from sandbox.slack.records import ApiError

# ---------------------------------------------------------------------------------------------------------
# Argument helpers (form bodies carry strings, JSON bodies native values)


def truthy(value: Any) -> bool:
    return value is True or value == 1 or str(value).lower() in ("1", "true")


def int_arg(args: dict, name: str, default: int) -> int:
    value = args.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiError("invalid_arguments", **as_messages([f"must be an integer [json-pointer:/{name}]"])) from None


def json_arg(args: dict, name: str, error: str) -> Any:
    """A parameter that may arrive as a JSON string (form bodies) or as a native value (JSON bodies)."""
    value = args.get(name)
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise ApiError(error) from None
    return value


def ts_key(ts: str) -> tuple[int, int]:
    seconds, _, micros = str(ts).partition(".")
    try:
        return int(seconds or 0), int((micros or "0").ljust(6, "0")[:6])
    except ValueError:
        return 0, 0


def plain(text: str) -> dict:
    return {"type": "plain_text", "text": text, "emoji": True}


def encode_cursor(ts: str) -> str:
    return base64.b64encode(f"next_ts:{ts}".encode()).decode()


def decode_cursor(cursor: str) -> str:
    try:
        decoded = base64.b64decode(cursor.encode(), validate=True).decode()
    except ValueError:
        raise ApiError("invalid_cursor") from None
    if not decoded.startswith("next_ts:"):
        raise ApiError("invalid_cursor")
    return decoded[len("next_ts:"):]


def parse_body(raw: bytes, content_type: str) -> dict:
    if not raw:
        return {}
    if "json" in content_type:
        try:
            body = json.loads(raw.decode("utf-8"))
        except ValueError:
            raise ApiError("invalid_json") from None
        if not isinstance(body, dict):
            raise ApiError("invalid_json")
        return body
    return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))


def multipart_file(raw: bytes, content_type: str) -> bytes:
    """The first file part of a multipart/form-data body (the upload URL also accepts that form)."""
    parser = email.parser.BytesParser(policy=email.policy.HTTP)
    message = parser.parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw)
    for part in message.iter_parts():
        if part.get_filename() is not None:
            return part.get_payload(decode=True) or b""
    return raw
