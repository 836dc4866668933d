"""CDR exports v2: ask Flowroute for a file of call records, follow it, download and summarise it.

Flowroute builds the export in the background (status `processing`, then `completed` or
`failed`); once completed, `download_url` is a pre-signed Amazon S3 link to a gzip CSV that
expires after 3 days (developer.flowroute.com, CDR API v2.0: "Query CDRs", "CDR Export Status").
"""

from __future__ import annotations

import csv
import gzip
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter

from ._util import segment
from .errors import FlowrouteError
from .phone import normalize_number

EXPORT_PROCESSING, EXPORT_COMPLETED, EXPORT_FAILED = "processing", "completed", "failed"
EXPORT_STATUSES = (EXPORT_PROCESSING, EXPORT_COMPLETED, EXPORT_FAILED)
# A month of a busy account is a few MB of gzip; anything far past that is not worth a Slack post.
MAX_EXPORT_BYTES = 50 * 1024 * 1024
_CHUNK_BYTES = 64 * 1024
# One CSV record (a line, or several when a field holds newlines) is a few hundred bytes.
_MAX_LINE_CHARS = 64 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
_REQUIRED_COLUMNS = ("direction", "destination", "callerid", "total_cost", "billed_duration")


class CdrExportFailedError(FlowrouteError):
    """Flowroute reports the export as `failed`: no file will come; ask for a new one."""


class CdrDownloadError(FlowrouteError):
    """The export's file could not be downloaded: link refused or expired, too large, or cut off."""


class CdrFileError(ValueError):
    """The downloaded file is not a readable CDR export (not gzip, not CSV, columns missing)."""


# ---------------------------------------------------------------------------------------------
# Export records
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CdrExport:
    """One export request as Flowroute describes it (the fields a caller acts on)."""

    id: str
    status: str
    download_url: str | None = None
    expires_at: str | None = None
    num_calls: int | None = None
    billed_minutes: int | None = None
    total_cost: Decimal | None = None
    filter_parameters: dict = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        """Completed with a file to fetch."""
        return self.status == EXPORT_COMPLETED and bool(self.download_url)


def cdr_export_from(document: Any) -> CdrExport:
    """Read `{"data": export}`, a bare export, or one item of the list (each wrapped in its own `data`).

    The captured list answer wraps every item as `{"data": {...}}` and gives integer ids, while
    create/get give string ids (the SDK README's examples); both shapes are read.
    """
    resource = document
    while isinstance(resource, dict) and "attributes" not in resource and isinstance(resource.get("data"), dict):
        resource = resource["data"]
    if not isinstance(resource, dict) or resource.get("id") in (None, ""):
        raise FlowrouteError(title="sent a CDR export without an id")
    attributes = resource.get("attributes") if isinstance(resource.get("attributes"), dict) else {}
    filters = attributes.get("filter_parameters")
    return CdrExport(
        id=str(resource["id"]),
        status=str(attributes.get("status") or EXPORT_PROCESSING).strip().lower(),
        download_url=attributes.get("download_url") or None,
        expires_at=attributes.get("expires_at") or None,
        num_calls=_int_or_none(attributes.get("num_calls")),
        billed_minutes=_int_or_none(attributes.get("billed_minutes")),
        total_cost=_decimal_or_none(attributes.get("total_cost")),
        filter_parameters=filters if isinstance(filters, dict) else {},
    )


def cdr_exports_from(document: Any) -> list[CdrExport]:
    """Every export of a list answer."""
    items = document.get("data") if isinstance(document, dict) else None
    return [cdr_export_from(item) for item in items] if isinstance(items, list) else []


def _int_or_none(value: Any) -> int | None:
    try:
        return None if value is None or isinstance(value, bool) else int(value)
    except (TypeError, ValueError):
        return None


def _decimal_or_none(value: Any) -> Decimal | None:
    try:
        return None if value is None or isinstance(value, bool) else Decimal(str(value).strip())
    except InvalidOperation:
        return None


def filter_time(moment: date | datetime | str) -> str:
    """`YYYY-MM-DD HH:MM:SS` in UTC, the form of Flowroute's examples; a date means its midnight.

    A datetime without a zone is taken as UTC (the API reads these values as UTC).
    """
    if isinstance(moment, str):
        text = moment.strip()
        try:
            moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
        except ValueError:
            raise ValueError(f'"{moment}" is not a date or time (use YYYY-MM-DD or YYYY-MM-DD HH:MM:SS)') from None
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time())
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


# ---------------------------------------------------------------------------------------------
# Client methods
# ---------------------------------------------------------------------------------------------


class CdrExportsMixin:
    """Methods for /v2/cdrs/exports and the download of an export's file."""

    def list_cdr_exports(self, status=None, limit=None, offset=None) -> dict:
        """Exports newest first as Flowroute lists them; `status` is processing, completed or failed."""
        if status is not None and status not in EXPORT_STATUSES:
            raise ValueError(f"status must be one of {', '.join(EXPORT_STATUSES)}")
        return self._request("GET", "/v2/cdrs/exports", params={"status": status, "limit": limit, "offset": offset})

    def get_cdr_export(self, export_id) -> dict:
        return self._request("GET", f"/v2/cdrs/exports/{segment(export_id)}")

    def create_cdr_export(self, start, end, *, callback_url=None, **filters: Any) -> dict:
        """Ask for the calls that started at or after `start` and before `end` (201, `processing`).

        Other documented filters pass through by name (`number_aliases`, `destination_numbers`,
        `callerid_numbers`, `duration_greater_than`, ...). A POST: repeated only after a 429.
        """
        start_text, end_text = filter_time(start), filter_time(end)
        if end_text <= start_text:
            raise ValueError("the end of a CDR export must come after its start")
        parameters = {"start_call_start_time": start_text, "start_call_end_time": end_text}
        parameters.update({name: value for name, value in filters.items() if value is not None})
        attributes: dict[str, Any] = {"filter_parameters": parameters}
        if callback_url is not None:
            attributes["callback_url"] = callback_url
        return self._request("POST", "/v2/cdrs/exports", json={"data": {"type": "cdrexport", "attributes": attributes}})

    def check_cdr_export(self, export_id) -> CdrExport:
        """The export's current state; raises CdrExportFailedError once Flowroute says it failed."""
        export = cdr_export_from(self.get_cdr_export(export_id))
        if export.status == EXPORT_FAILED:
            raise CdrExportFailedError(title=f"CDR export {export.id} failed", path=f"/v2/cdrs/exports/{export.id}")
        return export

    def download_cdr_export(self, download_url: str, destination, *, max_bytes: int = MAX_EXPORT_BYTES) -> int:
        """Stream the export's gzip file to the path `destination`; returns its size in bytes.

        The link is pre-signed, so it is fetched with no Authorization header at all: S3 refuses a
        request that carries a second kind of authentication (AWS docs, "Authenticating Requests:
        Using Query Parameters"), and our keys must not leave for another host. The bytes are kept
        as sent (gzip, even if the host adds Content-Encoding), written to a temporary file beside
        `destination` and moved into place only when complete; a file over `max_bytes` is refused
        without being kept. GETs are retried on the client's retry rules; redirects are refused.
        """
        if not isinstance(download_url, str) or not download_url.startswith(("https://", "http://")):
            raise ValueError("a CDR export download link must be an http(s) URL")
        destination = Path(destination)
        handle, partial = tempfile.mkstemp(prefix=destination.name + ".", suffix=".part", dir=destination.parent)
        try:
            with os.fdopen(handle, "wb") as file, requests.Session() as session:
                retry = self._session.get_adapter(self.base_url + "/").max_retries
                for scheme in ("https://", "http://"):
                    session.mount(scheme, HTTPAdapter(max_retries=retry))
                size = _stream_to(session, download_url, file, max_bytes, self.timeout)
            os.replace(partial, destination)
            return size
        finally:
            if os.path.exists(partial):
                os.unlink(partial)


def _without_authorization(request: requests.PreparedRequest) -> requests.PreparedRequest:
    """An auth hook that removes any Authorization header (and keeps requests from reading ~/.netrc)."""
    request.headers.pop("Authorization", None)
    return request


def _stream_to(session: requests.Session, url: str, file, max_bytes: int, timeout) -> int:
    split = urlsplit(url)
    host = f"{split.hostname}:{split.port}" if split.port else str(split.hostname)  # never the signed query
    try:
        with session.get(
            url, stream=True, timeout=timeout, auth=_without_authorization, allow_redirects=False
        ) as response:
            if response.status_code != 200:
                raise _download_refused(response, host)
            declared = _int_or_none(response.headers.get("Content-Length"))
            if declared is not None and declared > max_bytes:
                raise _too_large(max_bytes, host)
            size = 0
            for chunk in response.raw.stream(_CHUNK_BYTES, decode_content=False):
                size += len(chunk)
                if size > max_bytes:
                    raise _too_large(max_bytes, host)
                file.write(chunk)
            return size
    except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError) as exc:
        # `from None`: the cause's text holds the whole pre-signed link, which grants access to the file.
        raise CdrDownloadError(title="CDR export download failed", detail=f"{host}: {type(exc).__name__}") from None


def _download_refused(response: requests.Response, host: str) -> CdrDownloadError:
    """S3 answers with an XML <Error>: keep its <Message> (e.g. "Request has expired")."""
    head = response.raw.read(2000, decode_content=True) or b""
    match = re.search(r"<Message>([^<]{1,200})</Message>", head.decode("utf-8", "replace"))
    detail = f"the download link was refused by {host}" + (f" ({match.group(1).strip()})" if match else "")
    if 300 <= response.status_code < 400:
        detail = f"the download link redirected elsewhere ({host})"
    elif response.status_code >= 500:
        detail = f"{host} failed to serve the file; try again later"
    return CdrDownloadError(status=response.status_code, reason=response.reason, detail=detail, method="GET")


def _too_large(max_bytes: int, host: str) -> CdrDownloadError:
    return CdrDownloadError(title="CDR export too large", detail=f"the file from {host} is over {max_bytes} bytes")


# ---------------------------------------------------------------------------------------------
# Summary of a downloaded file
# ---------------------------------------------------------------------------------------------


@dataclass
class NumberUsage:
    """Calls on one of our numbers (the destination of inbound calls, the caller ID of outbound ones)."""

    number: str
    alias: str = ""
    calls: int = 0
    billed_seconds: int = 0
    cost: Decimal = Decimal(0)


@dataclass
class CdrSummary:
    """Totals of one export file; `top_numbers` are our busiest numbers by calls, then cost."""

    calls: int = 0
    inbound: int = 0
    outbound: int = 0
    failed: int = 0
    duration_seconds: int = 0
    billed_seconds: int = 0
    cost: Decimal = Decimal(0)
    top_numbers: list[NumberUsage] = field(default_factory=list)
    skipped_rows: int = 0
    untracked_calls: int = 0

    @property
    def billed_minutes(self) -> Decimal:
        return Decimal(self.billed_seconds) / 60


def summarise_cdr_export(path, *, top: int = 5, max_numbers: int = 10_000) -> CdrSummary:
    """Read the export file at `path` (gzip CSV; a plain CSV is read too) in one streaming pass.

    Memory stays bounded: rows are read one at a time, a record longer than 64 KiB is refused, and
    at most `max_numbers` distinct numbers are counted (calls on others land in `untracked_calls`).
    Rows whose numbers or amounts cannot be read are counted in `skipped_rows`, not guessed at.
    Raises CdrFileError for a file that is not a CDR export.
    """
    summary = CdrSummary()
    usage: dict[str, NumberUsage] = {}
    try:
        with _open_text(path) as text:
            rows = csv.reader(_bounded_lines(text))
            columns = _header(next(rows, None))
            for row in rows:
                if row:
                    _add_row(summary, usage, dict(zip(columns, row, strict=False)), max_numbers)
    except (OSError, EOFError, csv.Error) as exc:
        raise CdrFileError(f"the CDR export file could not be read ({_file_problem(exc)})") from exc
    ranked = sorted(usage.values(), key=lambda item: (-item.calls, -item.cost, item.number))
    summary.top_numbers = ranked[: max(0, top)]
    return summary


def _open_text(path):
    """A text stream over the file, decompressed when it starts with the gzip magic bytes."""
    with open(path, "rb") as probe:
        compressed = probe.read(2) == _GZIP_MAGIC
    opener = gzip.open if compressed else open
    return opener(path, "rt", encoding="utf-8", errors="replace", newline="")


def _bounded_lines(text):
    while line := text.readline(_MAX_LINE_CHARS):
        if len(line) >= _MAX_LINE_CHARS and not line.endswith(("\n", "\r")):
            raise csv.Error(f"a line is longer than {_MAX_LINE_CHARS} characters")
        yield line


def _header(row: list[str] | None) -> list[str]:
    columns = [name.strip().lower() for name in row or []]
    missing = [name for name in _REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise CdrFileError(f"not a Flowroute CDR export: column(s) {', '.join(missing)} missing")
    return columns


def _add_row(summary: CdrSummary, usage: dict[str, NumberUsage], row: dict[str, str], max_numbers: int) -> None:
    direction = (row.get("direction") or "").strip().lower()
    ours = row.get("destination") if direction == "inbound" else row.get("callerid")
    try:
        if direction not in ("inbound", "outbound"):
            raise ValueError(direction)
        number = normalize_number(ours or "")
        cost = Decimal((row.get("total_cost") or "0").strip() or "0")
        billed = int((row.get("billed_duration") or "0").strip() or "0")
        duration = int((row.get("duration") or "0").strip() or "0")
    except (ValueError, InvalidOperation):
        summary.skipped_rows += 1
        return
    summary.calls += 1
    summary.inbound += direction == "inbound"
    summary.outbound += direction == "outbound"
    summary.failed += (row.get("result") or "completed").strip().lower() != "completed"
    summary.duration_seconds += duration
    summary.billed_seconds += billed
    summary.cost += cost
    entry = usage.get(number)
    if entry is None:
        if len(usage) >= max_numbers:
            summary.untracked_calls += 1
            return
        entry = usage[number] = NumberUsage(number, (row.get("number_alias") or "").strip())
    entry.calls += 1
    entry.billed_seconds += billed
    entry.cost += cost


def _file_problem(exc: BaseException) -> str:
    if isinstance(exc, gzip.BadGzipFile):
        return "not a gzip file"
    if isinstance(exc, EOFError):
        return "the file is cut short"
    return str(exc) or type(exc).__name__
