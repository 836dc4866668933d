"""Flowroute HTTP client: one module per API area, typed errors, no Slack imports."""

from ._util import attributes
from .callbacks import (
    MAX_CALLBACK_BYTES,
    CallbackError,
    CallbackTooLarge,
    DeliveryReceipt,
    InboundMms,
    InboundSms,
    Media,
    check_callback_size,
    parse_callback,
)
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
from .mdr_tally import MdrTally
from .optouts import OptOutState, is_opt_out_refusal, opt_keyword
from .paging import iter_pages, iter_records
from .phone import format_number, normalize_number
from .porting import portability_by_number
from .sms import plain_quotes, sms_segments

__version__ = CLIENT_VERSION

__all__ = [
    "AuthenticationError",
    "CallbackError",
    "CallbackTooLarge",
    "CdrDownloadError",
    "CdrExport",
    "CdrExportFailedError",
    "CdrFileError",
    "CdrSummary",
    "DeliveryReceipt",
    "E911_ADDRESS_TYPES",
    "FlowrouteClient",
    "FlowrouteConnectionError",
    "FlowrouteError",
    "ForbiddenError",
    "InboundMms",
    "InboundSms",
    "InvalidNumberError",
    "InvalidRequestError",
    "MAX_CALLBACK_BYTES",
    "MdrTally",
    "Media",
    "NotFoundError",
    "OptOutState",
    "RateLimitError",
    "ServerError",
    "attributes",
    "cdr_export_from",
    "cdr_exports_from",
    "check_callback_size",
    "error_from_response",
    "format_number",
    "is_opt_out_refusal",
    "iter_pages",
    "iter_records",
    "normalize_number",
    "opt_keyword",
    "parse_callback",
    "plain_quotes",
    "portability_by_number",
    "sms_segments",
    "summarise_cdr_export",
]
