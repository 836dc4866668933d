"""Bolt's WSGI handler with one fix: a form body is an interactivity payload only if it has a `payload` key.

slack_bolt 1.x (slack_bolt/request/internals.py, `parse_body`) treats any form body that merely contains the
letters "payload" as an interactivity payload, so `/flowroute sms ... your payload shipped` parsed as an
empty payload and Bolt answered 404 "unhandled request". Slack sends slash commands as a form with keys like
`command` and `text`, and interactivity as a form whose one key is `payload` (a JSON string); events come as
JSON. This module decides by those keys. Signature checks still read the untouched raw body.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.context import BoltContext
from slack_bolt.request import BoltRequest
from slack_bolt.request.internals import build_context
from slack_bolt.response import BoltResponse


def parse_slack_body(raw: str, content_type: str | None) -> dict[str, Any]:
    """JSON (events, Bolt's own test bodies), else a form: its `payload` key's JSON, or the form itself."""
    if not raw:
        return {}
    if content_type == "application/json" or raw.startswith("{"):
        return json.loads(raw)
    form = dict(parse_qsl(raw, keep_blank_values=True))
    return json.loads(form["payload"]) if "payload" in form else form


class SlackRequest(BoltRequest):
    """A BoltRequest whose body is parsed by parse_slack_body (its context rebuilt from that body)."""

    def __init__(self, *, body, query=None, headers=None, context=None, mode: str = "http"):
        super().__init__(body=body, query=query, headers=headers, context=context, mode=mode)
        if isinstance(body, str):
            self.body = parse_slack_body(self.raw_body, self.content_type)
            self.context = build_context(BoltContext(context if context else {}), self.body)

    def to_copyable(self) -> SlackRequest:
        """Bolt copies requests for its listener threads; the copy must parse the same way."""
        return SlackRequest(body=self.raw_body if self.mode == "http" else self.body, query=self.query,
                            headers=self.headers, context=self.context.to_copyable(), mode=self.mode)


class SlackEventsHandler(SlackRequestHandler):
    """slack_bolt's WSGI adapter, building SlackRequest instead of BoltRequest."""

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        return self.app.dispatch(
            SlackRequest(body=request.get_body(), query=request.query_string, headers=request.get_headers())
        )
