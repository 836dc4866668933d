"""Messages v2.1: send SMS/MMS, message detail records (MDRs), account callbacks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime

from ._util import segment
from .paging import iter_records
from .phone import normalize_number

ACCOUNT_CALLBACK_TYPES = frozenset(
    {"sms_callback", "mms_callback", "sms_dlr_callback", "mms_dlr_callback", "dlr_callback"}
)
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


def format_api_datetime(value: datetime | date | str) -> str:
    """ISO 8601 in UTC with an explicit zone: `2026-01-02T03:04:05+00:00`; naive times are UTC."""
    if isinstance(value, str):
        text = value.strip()
        if _DATE_ONLY.fullmatch(text):
            value = date.fromisoformat(text)
        else:
            try:
                value = datetime.fromisoformat(text)
            except ValueError:
                raise ValueError(f"{value!r} is not an ISO 8601 date or date-time") from None
    if not isinstance(value, datetime):
        if not isinstance(value, date):
            raise TypeError(f"expected a datetime, date or ISO 8601 string, got {type(value).__name__}")
        value = datetime(value.year, value.month, value.day)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


class MessagesMixin:
    """Methods for /v2.1/messages."""

    def send_message(
        self, from_number, to_number, body=None, *, media_urls=None, is_mms=None, dlr_callback=None
    ) -> dict:
        """Send an SMS or MMS (202). A POST: repeated only after a 429, so never sent twice."""
        if not body and not media_urls:
            raise ValueError("a message needs a body or media URLs")
        attributes = {"from": normalize_number(from_number), "to": normalize_number(to_number)}
        if body is not None:
            attributes["body"] = body
        if media_urls:
            attributes["media_urls"] = [media_urls] if isinstance(media_urls, str) else list(media_urls)
        if is_mms is not None:
            attributes["is_mms"] = bool(is_mms)
        if dlr_callback is not None:
            attributes["dlr_callback"] = dlr_callback
        return self._request("POST", "/v2.1/messages", json={"data": {"type": "message", "attributes": attributes}})

    def send_sms(self, from_number, to_number, body: str) -> dict:
        return self.send_message(from_number, to_number, body)

    def send_mms(self, from_number, to_number, media_urls, body=None) -> dict:
        return self.send_message(from_number, to_number, body, media_urls=media_urls, is_mms=True)

    def list_messages(self, start_date, end_date=None, limit=None, offset=None) -> dict:
        params = {
            "start_date": format_api_datetime(start_date),
            "end_date": None if end_date is None else format_api_datetime(end_date),
            "limit": limit,
            "offset": offset,
        }
        return self._request("GET", "/v2.1/messages", params=params)

    def iter_messages(self, start_date, end_date=None, page_size: int = 200) -> Iterator[dict]:
        """Yield every MDR of every page once (see paging.iter_pages: offsets are ours, links never followed)."""

        def fetch(limit, offset):
            return self.list_messages(start_date, end_date, limit=limit, offset=offset)

        return iter_records(fetch, page_size=page_size)

    def get_message(self, mdr_id) -> dict:
        return self._request("GET", f"/v2.1/messages/{segment(mdr_id)}")

    def set_account_callback(self, callback_type: str, callback_url: str) -> None:
        """Set the account-level callback URL for one callback type (204)."""
        if callback_type not in ACCOUNT_CALLBACK_TYPES:
            raise ValueError(f"unknown callback type {callback_type!r}")
        # Guess [UNCONFIRMED, flowroute-api.md §4.6]: the Python SDK wraps the URL in data.attributes,
        # the PHP SDK sends it flat. We use the wrapped form, the same as the per-number callback.
        body = {"data": {"attributes": {"callback_url": callback_url}}}
        return self._request("PUT", f"/v2.1/messages/{callback_type}", json=body)
