"""The control endpoints under /sandbox/ (no auth, not recorded, no latency), mixed into FlowrouteSandbox.

POST   /sandbox/messages    {"from", "to", "body", "media_urls"?, "timestamp"?, "direction"?,
                            "listed"?} -> 201 {"data": MDR}; {"messages": [...]} -> 201 {"ids": [...]}
POST   /sandbox/messages/show-late   -> 200 {"shown": N}: the unlisted records are listed now
POST   /sandbox/fail        {"count", "status"?, "retry_after"?, "path_prefix"?, "method"?,
                            "detail"?, "stall"?} -> 204: the next `count` matching API requests
                            wait `stall` seconds, then get that status (500 when neither is
                            given), a Flowroute error body and Retry-After when given
GET    /sandbox/behaviour   -> 200 {the switches}
POST   /sandbox/behaviour   {some switches} -> 200 {all the switches}; an unknown one 400
POST   /sandbox/latency     {"seconds"} -> 204: added to every API request
POST   /sandbox/reset       -> 204: seed state; requests, failures, latency and switches cleared
GET    /sandbox/requests    -> recorded API requests (Authorization value masked)
GET/POST /sandbox/callbacks  callbacks POSTed to the URLs set: counts and switches (callbacks.py)
DELETE /sandbox/requests    -> 204
GET    /sandbox/media/{id}?Expires=<unix>&Signature=<hex>   the media bytes; 403 once
                            expired or with a bad signature, like an S3 pre-signed URL
"""

from __future__ import annotations

import hmac
import time
from urllib.parse import parse_qs, unquote

from sandbox.flowroute.answers import Response, error_response, json_response, loads_or_none, s3_error
from sandbox.flowroute.plumbing import ApiError


class ControlEndpoints:
    """The /sandbox/ endpoints; each acts through the FlowrouteSandbox methods of the same name."""

    def _control(self, method: str, split, body: bytes) -> Response:
        path = split.path
        try:
            if path.startswith("/sandbox/media/"):
                if method != "GET":
                    raise ApiError(405, "Use GET.")
                return self._serve_media(unquote(path[len("/sandbox/media/") :]), parse_qs(split.query))
            actions = _CONTROL.get(path)
            if actions is None:
                raise ApiError(404, "No such sandbox control endpoint.")
            if method not in actions:
                raise ApiError(405, f"Use {', '.join(actions)}.")
            payload = loads_or_none(body) if body.strip() else {}
            if body.strip() and payload is None:
                raise ApiError(400, "The request body is not valid JSON.")
            with self._lock:
                return getattr(self, actions[method])(payload)
        except ApiError as error:
            return error_response(error.status, error.detail, error.title)
        except (ValueError, TypeError) as error:
            return error_response(400, str(error))

    def _control_inject(self, payload: dict) -> Response:
        if not isinstance(payload, dict):
            raise ValueError("The body must be a JSON object.")
        if "messages" in payload:
            if not isinstance(payload["messages"], list) or not all(isinstance(m, dict) for m in payload["messages"]):
                raise ValueError("messages must be a list of objects.")
            return json_response(201, {"ids": self.inject_messages(payload["messages"])}, "application/json")
        message = self.inject_message(
            payload.get("from"),
            payload.get("to"),
            payload.get("body") or "",
            media_urls=payload.get("media_urls"),
            timestamp=payload.get("timestamp"),
            direction=payload.get("direction") or "inbound",
            listed=payload.get("listed", True),
        )
        return json_response(201, {"data": message}, "application/json")

    def _control_fail(self, payload: dict) -> Response:
        self.fail_next(
            payload.get("count", 1),
            payload.get("status"),
            retry_after=payload.get("retry_after"),
            path_prefix=payload.get("path_prefix"),
            method=payload.get("method"),
            detail=payload.get("detail"),
            stall=payload.get("stall"),
        )
        return Response(204)

    def _control_behaviour(self, payload: dict) -> Response:
        if not isinstance(payload, dict):
            raise ValueError("The body must be a JSON object.")
        return json_response(200, self.set_behaviour(**payload), "application/json")

    def _control_get_behaviour(self, payload: dict) -> Response:
        return json_response(200, self.behaviour(), "application/json")

    def _control_show_late(self, payload: dict) -> Response:
        return json_response(200, {"shown": self.show_late_records()}, "application/json")

    def _control_latency(self, payload: dict) -> Response:
        self.set_latency(float(payload.get("seconds", 0)))
        return Response(204)

    def _control_reset(self, payload: dict) -> Response:
        self.reset()
        return Response(204)

    def _control_requests(self, payload: dict) -> Response:
        return json_response(200, [record.to_json() for record in self.requests], "application/json")

    def _control_callbacks(self, payload: dict) -> Response:
        return json_response(200, self.callbacks.control(payload), "application/json")

    def _control_clear_requests(self, payload: dict) -> Response:
        self.clear_requests()
        return Response(204)

    def _serve_media(self, media_id: str, query: dict[str, list[str]]) -> Response:
        expires = (query.get("Expires") or [""])[0]
        signature = (query.get("Signature") or [""])[0]
        with self._lock:
            expected = self._state.media_signature(media_id, expires)
            media = self._state.media.get(media_id)
        if not expires or not hmac.compare_digest(signature.encode(), expected.encode()):
            return s3_error(403, "SignatureDoesNotMatch", "The request signature does not match.")
        try:
            expired = float(expires) <= time.time()
        except ValueError:
            expired = True
        if expired:
            return s3_error(403, "AccessDenied", "Request has expired")
        if media is None:
            return s3_error(404, "NoSuchKey", "The specified key does not exist.")
        return Response(200, media["content"], media["mime_type"])


_CONTROL = {
    "/sandbox/messages": {"POST": "_control_inject"},
    "/sandbox/fail": {"POST": "_control_fail"},
    "/sandbox/latency": {"POST": "_control_latency"},
    "/sandbox/behaviour": {"GET": "_control_get_behaviour", "POST": "_control_behaviour"},
    "/sandbox/messages/show-late": {"POST": "_control_show_late"},
    "/sandbox/reset": {"POST": "_control_reset"},
    "/sandbox/requests": {"GET": "_control_requests", "DELETE": "_control_clear_requests"},
    "/sandbox/callbacks": {"GET": "_control_callbacks", "POST": "_control_callbacks"},
}
