"""Request plumbing shared by the endpoints: the refusal (ApiError), the parsed call, query arguments, paging.

Every refusal is a Flowroute error body ``{"errors": [{"id", "status", "title", "detail"}]}`` (the "Errors"
page at developer.flowroute.com). Lists take ``limit``/``offset`` (a limit over the area's maximum, negative or
not an integer is 400), always carry an absolute ``links.self`` and carry ``links.next`` only when more results
exist, as the answers captured in the official Python SDK's README do. Guesses where the docs are silent are
marked "Guess:".
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

JSON_API = "application/vnd.api+json"
NOT_FOUND_DETAIL = "Could not find that resource on your account."


CALLBACK_TYPES = ("sms_callback", "mms_callback", "sms_dlr_callback", "mms_dlr_callback", "dlr_callback")


class ApiError(Exception):
    """A refusal sent back as a Flowroute error body."""

    def __init__(self, status: int, detail: str = NOT_FOUND_DETAIL, *, title: str | None = None, headers=None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or status_title(status)
        self.headers = headers


def status_title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def error_body(status: int, title: str, detail: str) -> dict:
    return {"errors": [{"id": str(uuid.uuid4()), "status": status, "title": title, "detail": detail}]}


def bool_value(value: Any, name: str, status: int) -> bool:
    """A JSON boolean or the strings true/false (the docs' own example sends "true")."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ApiError(status, f"{name} must be true or false.")


def text_value(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ApiError(422, f"{name} must be a string.")
    return str(value).strip()


@dataclass
class Call:
    method: str
    path: str
    params: dict[str, str]
    query: dict[str, list[str]]
    body: Any
    base_url: str
    behaviour: dict = field(default_factory=dict)

    def arg(self, name: str) -> str | None:
        """The first value of a query parameter; blank counts as absent."""
        values = self.query.get(name)
        value = values[0].strip() if values else ""
        return value or None


def int_arg(call: Call, name: str, default: int, *, minimum: int, maximum: int | None = None) -> int:
    # Guess: out-of-range or non-integer values are refused with 400 rather than clamped.
    text = call.arg(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ApiError(400, f"{name} must be an integer.") from None
    if value < minimum:
        raise ApiError(400, f"{name} must be at least {minimum}.")
    if maximum is not None and value > maximum:
        raise ApiError(400, f"{name} must be at most {maximum}.")
    return value


def float_arg(call: Call, name: str) -> float | None:
    text = call.arg(name)
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        raise ApiError(400, f"{name} must be a number.") from None


def digits_arg(call: Call, name: str) -> str | None:
    text = call.arg(name)
    if text is not None and not text.isdigit():
        raise ApiError(400, f"{name} must contain digits only.")
    return text


def page_of(call: Call, items: list, *, maximum: int | None, echo=(), default: int = 10) -> tuple[list, dict]:
    """Slice one page and build links.self (always) and links.next (only when more exist)."""
    limit = int_arg(call, "limit", default, minimum=1, maximum=maximum)
    offset = int_arg(call, "offset", 0, minimum=0)
    kept = [(name, value) for name, value in echo if value is not None]

    def link(at: int) -> str:
        return f"{call.base_url}{call.path}?{urlencode(kept + [('limit', limit), ('offset', at)])}"

    page = items[offset : offset + capped(call, limit)]
    links = {"self": link(offset)}
    if offset + len(page) < len(items):
        links["next"] = link(offset + len(page))
    return page, links


def capped(call: Call, limit: int) -> int:
    """The page size actually served: `limit`, or less under the page_cap switch."""
    cap = call.behaviour.get("page_cap")
    return limit if cap is None else min(limit, cap)


def object_body(call: Call) -> dict:
    if not isinstance(call.body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    return call.body


def envelope(call: Call, resource_type: str) -> dict:
    """`data` of a JSON:API body, which must name the right type."""
    data = object_body(call).get("data")
    if not isinstance(data, dict):
        raise ApiError(400, 'The request body must be {"data": {...}}.')
    if data.get("type") != resource_type:
        raise ApiError(400, f'data.type must be "{resource_type}".')
    return data


def data_attributes(call: Call, resource_type: str) -> dict:
    attributes = envelope(call, resource_type).get("attributes")
    if not isinstance(attributes, dict):
        raise ApiError(400, "data.attributes must be an object.")
    return attributes


def callback_url_of(call: Call) -> str:
    """callback_url, wrapped in data.attributes or flat (Flowroute's SDKs ship both shapes)."""
    body = object_body(call)
    data = body.get("data")
    source = data.get("attributes") if isinstance(data, dict) else body
    url = source.get("callback_url") if isinstance(source, dict) else None
    if not isinstance(url, str) or not url.strip():
        raise ApiError(400, "callback_url is required.")
    if not url.startswith(("http://", "https://")):
        raise ApiError(422, "callback_url must be an http(s) URL.")  # Guess: format check and status
    return url


def id_sort_key(item: tuple[str, dict]) -> tuple[int, str]:
    return (int(item[0]) if item[0].isdigit() else 10**9, item[0])
