"""Flowroute HTTP client: one module per API area, typed errors, no Slack imports."""

from .client import CLIENT_VERSION, FlowrouteClient
from .e911 import E911_ADDRESS_TYPES
from .errors import (
    AuthenticationError,
    FlowrouteConnectionError,
    FlowrouteError,
    ForbiddenError,
    InvalidNumberError,
    InvalidRequestError,
    NotFoundError,
    RateLimitError,
    ServerError,
    error_from_response,
)
from .paging import iter_pages, iter_records
from .phone import format_number, normalize_number

__version__ = CLIENT_VERSION

__all__ = [
    "AuthenticationError",
    "E911_ADDRESS_TYPES",
    "FlowrouteClient",
    "FlowrouteConnectionError",
    "FlowrouteError",
    "ForbiddenError",
    "InvalidNumberError",
    "InvalidRequestError",
    "NotFoundError",
    "RateLimitError",
    "ServerError",
    "error_from_response",
    "format_number",
    "iter_pages",
    "iter_records",
    "normalize_number",
]
