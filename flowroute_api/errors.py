"""The Flowroute error hierarchy, chosen from the HTTP status by one function."""

from __future__ import annotations

import email.utils
import re
import time
from typing import Any
from urllib.parse import urlsplit

_MAX_TEXT_DETAIL = 200


class FlowrouteError(Exception):
    """Base class: a request to Flowroute failed; `str()` is one readable line."""

    def __init__(
        self,
        *,
        status: int | None = None,
        errors: list[dict] | None = None,
        title: str | None = None,
        detail: str | None = None,
        method: str | None = None,
        path: str | None = None,
        reason: str | None = None,
    ):
        self.status = status
        self.errors = list(errors or [])
        self.title = title
        self.detail = detail
        self.method = method
        self.path = path
        self.reason = reason
        super().__init__(self._one_line())

    def _one_line(self) -> str:
        head = " ".join(str(part) for part in ("Flowroute", self.status, self.title or self.reason) if part)
        text = f"{head}: {self.detail}" if self.detail else head
        return " ".join(text.split())


class AuthenticationError(FlowrouteError):
    """401: the access key / secret key pair was refused."""


class ForbiddenError(FlowrouteError):
    """403: the account may not do this (also: a route still has numbers)."""


class NotFoundError(FlowrouteError):
    """404: no such resource on this account."""


class InvalidRequestError(FlowrouteError):
    """400, 415, 422 and other 4xx: Flowroute refused the request as sent."""


class RateLimitError(FlowrouteError):
    """429: throttled; `retry_after` holds the server's wait in seconds when it sent one."""

    def __init__(self, *, retry_after: float | None = None, **fields: Any):
        self.retry_after = retry_after
        super().__init__(**fields)


class ServerError(FlowrouteError):
    """5xx: Flowroute failed or is in maintenance."""


class FlowrouteConnectionError(FlowrouteError):
    """No HTTP answer at all: connection refused, reset or timed out."""

    def __init__(self, message: str, *, method: str | None = None, path: str | None = None):
        super().__init__(title=message, method=method, path=path)


class InvalidNumberError(ValueError):
    """A phone number was rejected locally, before any request was made."""

    def __init__(self, text: object):
        self.text = text
        super().__init__(f'"{text}" is not a valid phone number')


def error_from_response(response) -> FlowrouteError:
    """Build the error for a non-2xx `requests.Response`, its class picked by status code."""
    status = response.status_code
    errors, text_detail = _parse_error_body(response)
    titles = [str(item["title"]) for item in errors if item.get("title")]
    details = [str(item["detail"]) for item in errors if item.get("detail")]
    request = getattr(response, "request", None)
    fields: dict[str, Any] = {
        "status": status,
        "errors": errors,
        "title": titles[0] if titles else None,
        "detail": "; ".join(details) or text_detail,
        "method": getattr(request, "method", None),
        "path": urlsplit(request.url).path if request is not None and request.url else None,
        "reason": response.reason or None,
    }
    error_class = _error_class_for(status)
    if error_class is RateLimitError:
        return RateLimitError(retry_after=parse_retry_after(response.headers.get("Retry-After")), **fields)
    return error_class(**fields)


def _error_class_for(status: int) -> type[FlowrouteError]:
    special = {401: AuthenticationError, 403: ForbiddenError, 404: NotFoundError, 429: RateLimitError}
    if status in special:
        return special[status]
    if 400 <= status < 500:
        return InvalidRequestError
    if status >= 500:
        return ServerError
    return FlowrouteError


def _parse_error_body(response) -> tuple[list[dict], str | None]:
    """Return Flowroute's errors[] (dict items only) and, for a non-JSON body, a short text detail."""
    try:
        body = response.json()
    except ValueError:
        return [], _short_text(response.text)
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        return [item for item in body["errors"] if isinstance(item, dict)], None
    if isinstance(body, dict) and (body.get("detail") or body.get("title")):
        return [body], None
    return [], None


def _short_text(text: str | None) -> str | None:
    """A plain-text body as one short line; HTML pages and empty bodies give nothing."""
    line = " ".join((text or "").split())
    if not line or line.startswith("<"):
        return None
    return line if len(line) <= _MAX_TEXT_DETAIL else line[: _MAX_TEXT_DETAIL - 1] + "…"


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    parsed = email.utils.parsedate_tz(value)
    if parsed is None:
        return None
    return max(0.0, email.utils.mktime_tz(parsed) - time.time())
