"""The retry policy mounted on the client's HTTP adapter."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from urllib3.util.retry import Retry

from .errors import parse_retry_after

# Per-call override of "may this request be repeated after it may have been processed?",
# set by FlowrouteClient._request around one call (context-local, so thread-safe).
_IDEMPOTENT_OVERRIDE: ContextVar[bool | None] = ContextVar("flowroute_idempotent", default=None)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# 501/505 are not transient, so they are not worth another attempt.
TRANSIENT_SERVER_STATUSES = frozenset({500, 502, 503, 504})


@contextmanager
def idempotency(override: bool | None):
    """Within the block, treat the request as idempotent (True), not (False) or by its method (None)."""
    token = _IDEMPOTENT_OVERRIDE.set(override)
    try:
        yield
    finally:
        _IDEMPOTENT_OVERRIDE.reset(token)


class FlowrouteRetry(Retry):
    """Retry 429 for every method; 5xx and read errors only for idempotent requests.

    A 429 means Flowroute did not process the request, so repeating even a POST is safe.
    After a 5xx or a read timeout a POST/PATCH may already have taken effect (a number bought,
    an SMS sent), so it is never repeated. Connection failures (nothing was sent) are retried
    for every method, as urllib3 does. Waits follow Retry-After (capped) or exponential backoff.
    """

    def __init__(self, *args: Any, max_retry_after: float = 30.0, **kwargs: Any):
        kwargs.setdefault("allowed_methods", IDEMPOTENT_METHODS)
        super().__init__(*args, **kwargs)
        self.max_retry_after = max_retry_after

    @classmethod
    def build(cls, max_retries: int, backoff_factor: float, max_retry_after: float) -> FlowrouteRetry:
        return cls(
            total=max_retries,
            connect=max_retries,
            read=max_retries,
            status=max_retries,
            other=0,
            redirect=False,
            backoff_factor=backoff_factor,
            backoff_max=max_retry_after,
            raise_on_status=False,
            respect_retry_after_header=True,
            max_retry_after=max_retry_after,
        )

    def new(self, **kw: Any) -> FlowrouteRetry:
        kw.setdefault("max_retry_after", self.max_retry_after)
        return super().new(**kw)

    def _is_method_retryable(self, method: str) -> bool:
        override = _IDEMPOTENT_OVERRIDE.get()
        if override is not None:
            return override
        return method.upper() in IDEMPOTENT_METHODS

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if status_code == 429:
            return True
        return status_code in TRANSIENT_SERVER_STATUSES and self._is_method_retryable(method)

    def parse_retry_after(self, retry_after: str) -> float:
        # An unreadable header falls back to backoff instead of failing the request.
        seconds = parse_retry_after(retry_after)
        return 0.0 if seconds is None else min(seconds, self.max_retry_after)

    def get_backoff_time(self) -> float:
        # urllib3 waits 0 s before the first retry; wait backoff_factor, then double it each time.
        attempts = len(self.history)
        if attempts == 0 or self.backoff_factor <= 0:
            return 0.0
        return min(self.backoff_max, self.backoff_factor * 2 ** (attempts - 1))
