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
from .mdr_tally import MdrTally
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
    "MdrTally",
    "NotFoundError",
    "RateLimitError",
    "ServerError",
    "error_from_response",
    "format_number",
    "normalize_number",
]
