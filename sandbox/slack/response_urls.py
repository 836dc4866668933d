"""The response_url receiver and slash-command acks, mixed into SlackEmulator.

response_url receiver (POST JSON to url + "/response/<id>"), like Slack: up to 5 uses within 30 minutes,
then HTTP 404 "used_url" / "expired_url" (unknown id: 404 "no_service"); response_type "ephemeral"
(default, visible to the invoking user) or "in_channel"; replace_original edits the source message in
place (same id and ts); delete_original deletes it; thread_ts; text / blocks / metadata. Invalid blocks ->
400 "invalid_blocks", nothing to show -> 400 "no_text"; success -> 200 "ok".
"""

from __future__ import annotations

import copy
import json
import secrets
import time
from typing import Any

from sandbox.slack.records import RESPONSE_URL_MAX_USES, RESPONSE_URL_TTL, ApiError, Message, ResponseUrl
from sandbox.slack.wire import truthy


class ResponseUrls:
    """The response_url receiver and command acks (mixed into SlackEmulator, which holds the state)."""

    def new_response_url(self, *, channel_id: str, user_id: str, source_message_id: str | None = None) -> str:
        """A response_url (5 uses, 30 minutes) whose replace/delete_original act on source_message_id."""
        rid = f"{self._next_number()}-{secrets.token_hex(12)}"
        with self._lock:
            self._response_urls[rid] = ResponseUrl(rid, channel_id, user_id, source_message_id, self._now())
        return f"{self.url}/response/{rid}"

    def _bind_response_url(self, url: str, message_id: str) -> None:
        with self._lock:
            record = self._response_urls.get(url.rsplit("/", 1)[-1])
            if record is not None:
                record.source_message_id = message_id

    def response_posts(self, url: str | None = None) -> list[dict]:
        """The JSON bodies POSTed to response_urls (all, or one url's), in order; unparseable ones as {}."""
        return [record["payload"] if isinstance(record["payload"], dict) else {}
                for record in self.response_post_records(url)]

    def response_post_records(self, url: str | None = None) -> list[dict]:
        """Every POST to a response_url: {url, payload, raw, status, answer, message_id, at}."""
        with self._lock:
            return copy.deepcopy([p for p in self._response_posts if url is None or p["url"] == url])

    def show_ack(self, response_url: str, body: dict) -> Message:
        """Show a slash command's ack body like Slack does (ephemeral unless in_channel); source "ack"."""
        with self._lock:
            record = self._response_urls[response_url.rsplit("/", 1)[-1]]
            content = self._content(body)
            ephemeral_to = None if body.get("response_type") == "in_channel" else record.user_id
            message = self._store(record.channel_id, self.bot_user_id, content, source="ack",
                                  ephemeral_to=ephemeral_to)
            if record.source_message_id is None:
                record.source_message_id = message.id
            result = copy.deepcopy(message)
        self._flush_events()
        return result

    # -- response_url receiver ------------------------------------------------------------------------

    def _serve_response_url(self, rid: str, raw: bytes) -> tuple:
        with self._lock:
            try:
                payload = json.loads(raw.decode("utf-8")) if raw else None
            except ValueError:
                payload = None
            status, answer, message_id = self._response_post(rid, payload)
            self._response_posts.append({
                "url": f"{self.url}/response/{rid}", "payload": copy.deepcopy(payload),
                "raw": raw.decode("utf-8", "replace"), "status": status, "answer": answer,
                "message_id": message_id, "at": time.time(),
            })
        return status, answer.encode(), "text/plain; charset=utf-8", {}

    def _response_post(self, rid: str, payload: Any) -> tuple[int, str, str | None]:
        """(status, answer, id of the message created, replaced or deleted)."""
        record = self._response_urls.get(rid)
        if record is None:
            return 404, "no_service", None  # [guess] what Slack answers for an unknown hook URL
        if self._now() - record.created > RESPONSE_URL_TTL:
            return 404, "expired_url", None
        if record.uses >= RESPONSE_URL_MAX_USES:
            return 404, "used_url", None
        if not isinstance(payload, dict):
            return 400, "invalid_payload", None
        source = self._by_id.get(record.source_message_id or "")
        source = source if source is not None and not source.deleted else None
        if truthy(payload.get("delete_original")):
            record.uses += 1
            if source is not None:
                self._delete(source)
            return 200, "ok", source.id if source else None
        try:
            content = self._content(payload)
        except ApiError as err:
            return 400, err.error, None
        record.uses += 1
        if truthy(payload.get("replace_original")) and source is not None:
            # [guess] metadata not given in the replacement is kept, like chat.update.
            self._edit(source, content, replace_all=True)
            return 200, "ok", source.id
        return 200, "ok", self._post_from_response_url(record, payload, content)

    def _post_from_response_url(self, record: ResponseUrl, payload: dict, content: dict) -> str:
        # [guess] with neither replace_original nor delete_original a new message is posted (Slack's exact
        # default for interactive-message response_urls is not confirmed).
        ephemeral_to = None if payload.get("response_type") == "in_channel" else record.user_id
        parent = None
        if payload.get("thread_ts"):
            try:
                parent = self._thread_parent(record.channel_id, payload["thread_ts"])
            except ApiError:
                parent = None  # [guess] an unknown thread_ts posts at the top level
        message = self._store(record.channel_id, self.bot_user_id, content, source="response_url",
                              parent=parent, ephemeral_to=ephemeral_to)
        if parent is not None and ephemeral_to is not None:
            message.thread_ts = parent.ts
        if record.source_message_id is None:
            # [guess] a later replace_original on a command's response_url replaces this response.
            record.source_message_id = message.id
        return message.id
