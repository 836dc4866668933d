"""FlowrouteClient: one `_request()` applies auth, headers, timeout, retries and error mapping."""

from __future__ import annotations

import json as jsonlib
import logging
import os
import time
from typing import Any
from urllib.parse import urlencode

import requests
from requests.adapters import HTTPAdapter
from requests.auth import HTTPBasicAuth
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError, ReadTimeoutError

from .cdrs import CdrExportsMixin
from .cnam import CnamMixin
from .e911 import E911Mixin
from .errors import FlowrouteConnectionError, FlowrouteError, error_from_response
from .messages import MessagesMixin
from .numbers import NumbersMixin
from .porting import PortingMixin
from .retry import FlowrouteRetry, idempotency
from .routes import RoutesMixin

CLIENT_VERSION = "0.1.0"
USER_AGENT = f"flowroute-slack-ops/{CLIENT_VERSION}"
JSON_API = "application/vnd.api+json"
DEFAULT_BASE_URL = "https://api.flowroute.com"

logger = logging.getLogger("flowroute_api")

_NO_ANSWER_ERRORS = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


class FlowrouteClient(NumbersMixin, RoutesMixin, MessagesMixin, E911Mixin, CnamMixin, PortingMixin, CdrExportsMixin):
    """A thin client for Flowroute's REST API (Numbers v2, Messages v2.1, E911, CNAM, porting, CDR exports)."""

    def __init__(
        self,
        access_key: str,
        secret_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float | tuple[float, float] = (5, 30),
        session: requests.Session | None = None,
        max_retries: int = 3,
        backoff_factor: float = 0.5,
        max_retry_after: float = 30,
        pool_size: int = 10,
    ):
        if not access_key or not secret_key:
            raise ValueError("both the Flowroute access key and secret key are required")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._access_key = access_key
        self._auth = HTTPBasicAuth(access_key, secret_key)
        self._session = session if session is not None else _session_for(self.base_url)
        retry = FlowrouteRetry.build(max_retries, backoff_factor, max_retry_after)
        # Mounted on our base URL only, so a caller's session keeps its own behaviour elsewhere.
        # pool_size: connections kept for reuse; give it the number of threads that call at once.
        self._session.mount(self.base_url + "/", HTTPAdapter(max_retries=retry, pool_maxsize=pool_size))

    def __repr__(self) -> str:
        return f"FlowrouteClient(base_url={self.base_url!r}, access_key={_mask(self._access_key)!r})"

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> FlowrouteClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        idempotent: bool | None = None,
    ) -> Any:
        """Send one API call; return the parsed JSON body, or None for 204/empty; raise FlowrouteError."""
        method = method.upper()
        headers = {"User-Agent": USER_AGENT, "Accept": JSON_API}
        body = None
        if json is not None:
            headers["Content-Type"] = JSON_API
            body = jsonlib.dumps(json).encode("utf-8")
        started = time.monotonic()
        try:
            with idempotency(idempotent):
                response = self._session.request(
                    method,
                    self.base_url + path,
                    params=_query(params),
                    data=body,
                    headers=headers,
                    auth=self._auth,
                    timeout=self.timeout,
                    allow_redirects=False,
                )
        except _NO_ANSWER_ERRORS as exc:
            logger.debug("Flowroute %s %s failed: %s", method, path, type(exc).__name__)
            raise FlowrouteConnectionError(_describe(exc), method=method, path=path) from exc
        elapsed_ms = (time.monotonic() - started) * 1000
        logger.debug("Flowroute %s %s -> %s in %.0f ms", method, path, response.status_code, elapsed_ms)
        if not 200 <= response.status_code < 300:
            raise error_from_response(response)
        return _parse_success(response, method, path)


def _session_for(base_url: str) -> requests.Session:
    """Our own session, with the environment's proxy and CA-bundle settings read once, when the client is made.

    With `trust_env` on, requests reads the proxy variables again for every request
    (Session.merge_environment_settings): measured with py-spy under a burst of commands, that and the
    query encoding below were about a third of the CPU of a Flowroute call. This session only ever calls
    `base_url` (CDR downloads use a session of their own), so `no_proxy` is decided once, for that host.
    """
    session = requests.Session()
    session.proxies.update(requests.utils.get_environ_proxies(base_url))
    ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if ca_bundle:
        session.verify = ca_bundle
    session.trust_env = False
    return session


def _query(params: dict[str, Any] | None) -> str | None:
    """The query string: None values dropped; booleans as lowercase `true`/`false` (Flowroute's documented
    spelling). Encoded here (`+` as %2B, as requests would) because requests checks a dict against a
    typing.Protocol on every call, which is slow."""
    if not params:
        return None
    query = {}
    for name, value in params.items():
        if value is None:
            continue
        query[name] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return urlencode(query) or None


def _parse_success(response: requests.Response, method: str, path: str) -> Any:
    if response.status_code == 204 or not response.content.strip():
        return None
    try:
        return response.json()
    except ValueError:
        raise FlowrouteError(
            status=response.status_code,
            reason=response.reason,
            detail="the response body was not JSON",
            method=method,
            path=path,
        ) from None


def _describe(exc: Exception) -> str:
    """A short, secret-free description (read after "Flowroute ") of why no answer came back."""
    cause = getattr(exc.args[0], "reason", None) if exc.args else None
    # urllib3's NewConnectionError (refused, unreachable) subclasses ConnectTimeoutError: test it first.
    if isinstance(cause, NameResolutionError):
        return "host name not found (DNS)"
    if isinstance(cause, NewConnectionError):
        refused = isinstance(cause.__context__, ConnectionRefusedError) or "refused" in str(cause).lower()
        return "connection refused" if refused else "connection failed"
    if isinstance(exc, requests.exceptions.ConnectTimeout) or isinstance(cause, ConnectTimeoutError):
        return "connection timed out"
    if isinstance(exc, requests.exceptions.Timeout) or isinstance(cause, ReadTimeoutError):
        return "did not answer before the timeout"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return "could not be reached or dropped the connection"
    return f"sent a response that could not be read ({type(exc).__name__})"


def _mask(key: str) -> str:
    """Show at most the first four characters of a key."""
    return key[:4] + "****" if len(key) >= 12 else "****"
