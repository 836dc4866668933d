"""Flowroute HTTP client: one module per API area, typed errors, no Slack imports."""

from .cdrs import (
    CdrDownloadError,
    CdrExport,
    CdrExportFailedError,
    CdrFileError,
    CdrSummary,
    cdr_export_from,
    cdr_exports_from,
    summarise_cdr_export,
)
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
from .optouts import OptOutState, is_opt_out_refusal, opt_keyword
from .phone import format_number, normalize_number
from .porting import portability_by_number

__version__ = CLIENT_VERSION

__all__ = [
    "AuthenticationError",
    "CdrDownloadError",
    "CdrExport",
    "CdrExportFailedError",
    "CdrFileError",
    "CdrSummary",
    "E911_ADDRESS_TYPES",
    "FlowrouteClient",
    "FlowrouteConnectionError",
    "FlowrouteError",
    "ForbiddenError",
    "InvalidNumberError",
    "InvalidRequestError",
    "NotFoundError",
    "OptOutState",
    "RateLimitError",
    "ServerError",
    "cdr_export_from",
    "cdr_exports_from",
    "error_from_response",
    "format_number",
    "is_opt_out_refusal",
    "normalize_number",
    "opt_keyword",
    "portability_by_number",
    "summarise_cdr_export",
]
