"""Times, numbers, MDR records and media files as Flowroute writes them.

MDR timestamps have two fractional digits (``2017-12-22T01:52:39.39Z``), CNAM times six with ``+00:00``; an
MDR carries its encoding (0 GSM 03.38, 8 UCS-2), its segments' price and, for outbound SMS only, two
delivery receipts (Messages v2.1 reference at developer.flowroute.com, "MDR object"). Media are small PNGs.
"""

from __future__ import annotations

import math
import re
import struct
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote, urlsplit

_TOLL_FREE_PREFIXES = frozenset({"800", "833", "844", "855", "866", "877", "888"})
_GSM_NON_ASCII = frozenset("£¥èéùìòÇØøÅåΔΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà€")
# Guess: the captured prices, applied to both directions: $0.0040 per SMS segment, $0.0095 per MMS.
_SMS_NANODOLLARS = 4_000_000
_MMS_NANODOLLARS = 9_500_000


def mdr_now() -> datetime:
    """The current time cut to hundredths of a second, the precision MDR timestamps show."""
    moment = datetime.now(UTC)
    return moment.replace(microsecond=moment.microsecond // 10000 * 10000)


def mdr_time(moment: datetime) -> str:
    """MDR style: `2017-12-22T01:52:39.39Z`."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 10000:02d}Z"


def parse_moment(text: str) -> datetime:
    """`YYYY-MM-DD` or ISO 8601 (with `Z`, an offset or no zone: UTC); raises ValueError."""
    text = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        moment = datetime.strptime(text, "%Y-%m-%d")
    else:
        moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def record_moment(behaviour: dict) -> datetime:
    """The time stamped on a new record: now, floored to the second under coarse_timestamps."""
    moment = mdr_now()
    return moment.replace(microsecond=0) if behaviour.get("coarse_timestamps") else moment


def as_moment(value: Any) -> datetime:
    if value is None:
        return mdr_now()
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    elif isinstance(value, str):
        moment = parse_moment(value)
    else:
        raise ValueError("timestamp must be an ISO 8601 string or a datetime")
    moment = moment.astimezone(UTC)
    return moment.replace(microsecond=moment.microsecond // 10000 * 10000)


def _digits(value: Any) -> str:
    return re.sub(r"\D", "", str(value))


def python_number(value: Any) -> str:
    """Numbers given to the Python API: any formatting; 10 digits get the country code 1."""
    digits = _digits(value)
    return "1" + digits if len(digits) == 10 else digits


def is_toll_free(number: str) -> bool:
    return len(number) == 11 and number[1:4] in _TOLL_FREE_PREFIXES


def _encoding(body: str) -> int:
    """0 when every character fits GSM 03.38 / ASCII, else 8 (UCS-2)."""
    return 0 if all(ord(char) < 128 or char in _GSM_NON_ASCII for char in body) else 8


def _segments(body: str, encoding: int) -> int:
    """Flowroute's doc: 160 chars in one GSM segment, else 140 per segment; UCS-2 70 per segment."""
    if encoding == 0:
        return 1 if len(body) <= 160 else math.ceil(len(body) / 140)
    return max(1, math.ceil(len(body) / 70))


def _dollars(nanodollars: int) -> str:
    return f"${nanodollars / 1e9:.4f}"


def png_image(seed: int) -> bytes:
    """A valid 4x4 single-colour PNG; the colour comes from `seed`."""
    red, green, blue = seed & 0xFF, (seed >> 8) & 0xFF, (seed >> 16) & 0xFF
    rows = b"".join(b"\x00" + bytes((red, green, blue)) * 4 for _ in range(4))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def media_file_name(url: str, index: int) -> str:
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    name = re.sub(r"[^A-Za-z0-9._-]", "_", unquote(name))
    return name or f"media-{index}.png"


def cnam_time(moment: datetime) -> str:
    """CNAM style: `2018-06-01 00:09:52.513092+00:00`."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f+00:00")


def _delivery_receipts(moment: datetime) -> list[dict]:
    return [
        {
            "level": 1,
            "status": "message buffered",
            "status_code": 1003,
            "status_code_description": "Message accepted by Carrier",
            "timestamp": mdr_time(moment + timedelta(seconds=1)),
        },
        {
            "level": 2,
            "status": "delivered",
            "status_code": None,  # Guess: only level 1's code (1003) appears in captures
            "status_code_description": "Message delivered to handset",
            "timestamp": mdr_time(moment + timedelta(seconds=3)),
        },
    ]


def mdr_record(mdr_id, *, direction, from_, to, body, moment, media_ids=(), is_mms=False, status=None) -> dict:
    encoding = _encoding(body)
    amount = _MMS_NANODOLLARS if is_mms else _SMS_NANODOLLARS * _segments(body, encoding)
    ours = from_ if direction == "outbound" else to
    # Receipts only for outbound SMS: the docs say they are "not available for MMS".
    receipts = _delivery_receipts(moment) if direction == "outbound" and not is_mms else []
    attributes = {
        "direction": direction,
        "from": from_,
        "to": to,
        "body": body,
        "is_mms": is_mms,
        "message_type": "toll-free" if is_toll_free(ours) else "longcode",
        "message_encoding": encoding,
        "status": status if status is not None else ("" if is_mms else "delivered"),
        "timestamp": mdr_time(moment),
        "amount_nanodollars": amount,
        "amount_display": _dollars(amount),
        "delivery_receipts": receipts,
    }
    return {"id": mdr_id, "moment": moment, "attributes": attributes, "media_ids": list(media_ids)}
