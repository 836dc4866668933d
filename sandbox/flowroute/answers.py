"""HTTP answers: a response (status, body, content type, headers), JSON and Flowroute error bodies, S3-style
XML errors for media links, and the lenient JSON read of a recorded body.

Responses are ``application/vnd.api+json``; 204 has no body.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sandbox.flowroute.plumbing import JSON_API, error_body, status_title


def loads_or_none(body: bytes) -> Any:
    try:
        return json.loads(body) if body.strip() else None
    except (ValueError, UnicodeDecodeError):
        return None


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: dict[str, str] | None = None


def json_response(status: int, payload: Any, content_type: str = JSON_API) -> Response:
    if status == 204 or payload is None:
        return Response(status)
    return Response(status, json.dumps(payload).encode("utf-8"), content_type)


def error_response(status: int, detail: str, title: str | None = None, headers=None) -> Response:
    response = json_response(status, error_body(status, title or status_title(status), detail))
    response.headers = headers
    return response


def s3_error(status: int, code: str, message: str) -> Response:
    body = f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code><Message>{message}</Message></Error>"
    return Response(status, body.encode(), "application/xml")
