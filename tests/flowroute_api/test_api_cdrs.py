"""CDR exports: request shapes, following an export, the pre-signed download and its errors."""

import gzip
import threading
import traceback
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from http.server import BaseHTTPRequestHandler

import pytest

from flowroute_api import (
    CdrDownloadError,
    CdrExportFailedError,
    FlowrouteClient,
    InvalidRequestError,
    NotFoundError,
    ServerError,
    cdr_export_from,
    cdr_exports_from,
    summarise_cdr_export,
)
from sandbox.flowroute.porting import set_cdr_export_behaviour
from sandbox.loopback import LoopbackServer
from tests.conftest import ACCESS_KEY, SECRET_KEY
from tests.flowroute_api.checks import call_once

EXPORTS = "/v2/cdrs/exports"
WINDOW = (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 8, tzinfo=UTC))



def _create(client, **filters):
    return cdr_export_from(client.create_cdr_export(*WINDOW, **filters))


def _completed(client, export_id):
    """Poll the export until it is ready (the sandbox finishes it on the second read)."""
    for _ in range(5):
        export = client.check_cdr_export(export_id)
        if export.ready:
            return export
    raise AssertionError(f"export {export_id} never completed")


# -- create, get, list ---------------------------------------------------------------------------


def test_create_sends_a_json_api_body_with_utc_times(client, sandbox):
    pacific = timezone(timedelta(hours=-8))
    document = call_once(
        sandbox,
        lambda: client.create_cdr_export(
            date(2026, 11, 1),
            datetime(2026, 11, 7, 16, 0, tzinfo=pacific),
            number_aliases=["Seattle support"],
            callback_url="https://bot.example.com/cdrs",
        ),
        "POST",
        EXPORTS,
        body={
            "data": {
                "type": "cdrexport",
                "attributes": {
                    "filter_parameters": {
                        "start_call_start_time": "2026-11-01 00:00:00",
                        "start_call_end_time": "2026-11-08 00:00:00",
                        "number_aliases": ["Seattle support"],
                    },
                    "callback_url": "https://bot.example.com/cdrs",
                },
            }
        },
    )
    export = cdr_export_from(document)
    assert (export.status, export.download_url, export.ready) == ("processing", None, False)
    assert sandbox.requests[-1].status == 201


@pytest.mark.parametrize(
    "start, end, message",
    [
        ("2026-11-08", "2026-11-01", "must come after"),
        ("2026-11-01", "2026-11-01 00:00:00", "must come after"),
        ("last week", "2026-11-08", "not a date"),
    ],
)
def test_a_bad_window_is_refused_before_any_request(client, sandbox, start, end, message):
    with pytest.raises(ValueError, match=message):
        client.create_cdr_export(start, end)
    assert sandbox.requests == []


def test_an_export_is_processing_then_completed_with_totals(client, sandbox):
    export = _create(client)
    first = call_once(sandbox, lambda: client.check_cdr_export(export.id), "GET", f"{EXPORTS}/{export.id}")
    assert first.status == "processing"
    second = client.check_cdr_export(export.id)
    assert second.ready and second.status == "completed"
    assert second.num_calls > 0 and second.total_cost > 0 and second.expires_at
    assert second.download_url.startswith(sandbox.url + "/sandbox/media/")


def test_a_failed_export_raises_export_failed(client, sandbox):
    set_cdr_export_behaviour(sandbox, "failed", after_polls=0)
    export = _create(client)
    with pytest.raises(CdrExportFailedError) as caught:
        client.check_cdr_export(export.id)
    assert str(caught.value) == f"Flowroute CDR export {export.id} failed"


def test_list_sends_the_filters_and_reads_the_wrapped_items(client, sandbox):
    older, newer = _create(client), _create(client)
    _completed(client, older.id)
    document = call_once(
        sandbox,
        lambda: client.list_cdr_exports(status="completed", limit=5, offset=0),
        "GET",
        EXPORTS,
        query={"status": ["completed"], "limit": ["5"], "offset": ["0"]},
    )
    assert [export.id for export in cdr_exports_from(document)] == [older.id]
    everything = cdr_exports_from(client.list_cdr_exports())
    assert [(export.id, export.status) for export in everything] == [(newer.id, "processing"), (older.id, "completed")]


def test_list_refuses_an_unknown_status_before_any_request(client, sandbox):
    with pytest.raises(ValueError, match="processing, completed, failed"):
        client.list_cdr_exports(status="done")
    assert sandbox.requests == []


def test_an_unknown_export_is_not_found(client, sandbox):
    with pytest.raises(NotFoundError, match="Could not find that resource"):
        client.check_cdr_export("999999")


def test_a_get_is_retried_after_5xx_and_a_lasting_5xx_is_a_server_error(client, sandbox):
    export = _create(client)
    sandbox.fail_next(1, 502, path_prefix=f"{EXPORTS}/")
    assert client.check_cdr_export(export.id).status == "processing"
    sandbox.fail_next(10, 503, path_prefix=f"{EXPORTS}/", detail="CDR service in maintenance.")
    with pytest.raises(ServerError, match="CDR service in maintenance"):
        client.check_cdr_export(export.id)


def test_create_after_a_5xx_is_attempted_once(client, sandbox):
    sandbox.fail_next(1, 500, path_prefix=EXPORTS, method="POST")
    with pytest.raises(ServerError):
        client.create_cdr_export(*WINDOW)
    assert [(r.method, r.status) for r in sandbox.requests] == [("POST", 500)]


def test_a_4xx_from_the_api_is_an_invalid_request_error(client, sandbox):
    sandbox.fail_next(1, 422, path_prefix=EXPORTS, method="POST", detail="Unable to parse filter_parameters.")
    with pytest.raises(InvalidRequestError, match="422 Unprocessable Entity: Unable to parse filter_parameters"):
        client.create_cdr_export(*WINDOW)


def test_exports_are_read_in_both_captured_shapes():
    wrapped = {"data": {"data": {"type": "cdrexport", "id": 203485, "attributes": {"status": "completed"}}}}
    bare = {"data": {"type": "cdrexport", "id": "38647", "attributes": {"status": "PROCESSING", "total_cost": None}}}
    assert cdr_export_from(wrapped).id == "203485"
    assert cdr_export_from(wrapped).ready is False  # completed but no link yet
    assert cdr_export_from(bare).status == "processing"
    assert cdr_export_from({"data": {"id": 1, "attributes": {"total_cost": "34.3213"}}}).total_cost == Decimal(
        "34.3213"
    )


# -- download from the sandbox and summary ---------------------------------------------------------


def test_a_completed_export_downloads_and_its_summary_matches_flowroutes_totals(client, sandbox, tmp_path):
    export = _completed(client, _create(client).id)
    target = tmp_path / "calls.csv.gz"
    size = client.download_cdr_export(export.download_url, target)
    assert size == target.stat().st_size > 0
    assert target.read_bytes()[:2] == b"\x1f\x8b"
    summary = summarise_cdr_export(target)
    assert summary.calls == export.num_calls
    assert round(summary.billed_minutes) == export.billed_minutes
    assert abs(summary.cost - export.total_cost) < Decimal("0.000001") * summary.calls
    assert summary.inbound + summary.outbound == summary.calls
    assert summary.top_numbers and summary.top_numbers[0].calls >= summary.top_numbers[-1].calls
    assert summary.skipped_rows == 0


def test_the_same_window_gives_the_same_file(client, sandbox, tmp_path):
    first, second = (_completed(client, _create(client).id) for _ in range(2))
    client.download_cdr_export(first.download_url, tmp_path / "a.gz")
    client.download_cdr_export(second.download_url, tmp_path / "b.gz")
    assert (tmp_path / "a.gz").read_bytes() == (tmp_path / "b.gz").read_bytes()


def test_filters_narrow_the_file(client, sandbox, tmp_path):
    export = _completed(client, _create(client, number_aliases=["Chicago NOC"]).id)
    client.download_cdr_export(export.download_url, tmp_path / "noc.gz")
    summary = summarise_cdr_export(tmp_path / "noc.gz")
    assert summary.calls == export.num_calls > 0
    assert {usage.number for usage in summary.top_numbers} == {"13125550123"}
    assert {usage.alias for usage in summary.top_numbers} == {"Chicago NOC"}


def test_an_expired_link_is_a_download_error(tmp_path):
    from sandbox.flowroute import FlowrouteSandbox

    # A negative lifetime makes every link the sandbox signs expired from the start.
    with FlowrouteSandbox(ACCESS_KEY, SECRET_KEY, media_ttl=-1) as sandbox:
        with FlowrouteClient(ACCESS_KEY, SECRET_KEY, base_url=sandbox.url, backoff_factor=0.01) as client:
            export = _completed(client, _create(client).id)
            with pytest.raises(CdrDownloadError, match="403 Forbidden: .*Request has expired") as caught:
                client.download_cdr_export(export.download_url, tmp_path / "late.gz")
    assert caught.value.status == 403
    assert list(tmp_path.iterdir()) == []


# -- the pre-signed host, as a tiny recording server ----------------------------------------------


class _FileHost:
    """A stand-in for S3: records each request's headers and answers what the test queued."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answers: list[tuple[int, dict, bytes]] = []
        host = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                host.requests.append({name.lower(): value for name, value in self.headers.items()})
                status, headers, body = host.answers.pop(0) if host.answers else (404, {}, b"")
                self.send_response(status)
                chunked = headers.pop("chunked", False)
                for name, value in headers.items():
                    self.send_header(name, value)
                if chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for start in range(0, len(body), 4096):
                        piece = body[start : start + 4096]
                        self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                    self.wfile.write(b"0\r\n\r\n")
                    return
                self.send_header("Content-Length", headers.get("Content-Length", str(len(body))))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format, *args):
                """Quiet."""

        self.server = LoopbackServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def link(self, name="export.csv.gz"):
        return f"{self.url}/flowroute-cdrexports/{name}?X-Amz-Expires=259200&X-Amz-Signature=abc123"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def file_host():
    host = _FileHost()
    yield host
    host.close()


CSV_TEXT = (
    "direction,start_time,end_time,destination,number_alias,callerid,total_cost,destination_name,"
    "callerid_country,line_information,result,call_fail_sip_code,call_fail_reason,duration,billed_duration,"
    "rate,first_increment,subsequent_increment,cost_subtotal,connect_fee,usf_fee,ccrf,cnam_lookup_fee,"
    "custom_x_tag,customer_ip\n"
    "Outbound,2019-06-25 18:18:54+00,2019-06-25 18:19:31+00,18774551500,Office Line 2,+12063389999,0.00000000,"
    "UNITED STATES - TOLL FREE,N/A,,completed,200,OK,37,42,0.000000,6,6,0.00000000,0.0000,0.00000000,0.00000000,"
    "0.00000000,,53.186.152.52:5080\n"
    "Inbound,2019-06-25 18:18:00+00,2019-06-25 18:18:29+00,12063389999,Office Line 2,+12069928999,0.00474784,"
    "UNITED STATES,UNITED STATES,61,completed,200,OK,29,30,0.001500,6,6,0.00075000,0.0000,0.00000000,0.00009784,"
    "0.00390000,,53.186.152.52\n"
    "Outbound,2019-06-25 18:15:38+00,2019-06-25 18:17:24+00,12069928999,Office Line 1,+12063389998,0.01994112,"
    "UNITED STATES,N/A,,completed,200,OK,106,108,0.009800,6,6,0.01764000,0.0000,0.00000000,0.00230112,"
    "0.00000000,,53.186.151.52:5080\n"
)


def test_no_authorization_header_reaches_the_presigned_host(client, file_host, tmp_path, monkeypatch):
    # A ~/.netrc entry for the host would make requests add Basic auth on its own; ours must not.
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login leaked-user password leaked-password\n")
    monkeypatch.setenv("NETRC", str(netrc))
    client._session.headers["Authorization"] = "Basic c2hvdWxkOm5vdA=="  # a caller's session default
    file_host.answers.append((200, {"Content-Type": "binary/octet-stream"}, gzip.compress(CSV_TEXT.encode())))
    client.download_cdr_export(file_host.link(), tmp_path / "calls.gz")
    assert len(file_host.requests) == 1
    assert "authorization" not in file_host.requests[0]
    assert ACCESS_KEY not in str(file_host.requests[0]) and SECRET_KEY not in str(file_host.requests[0])


def test_the_file_is_kept_as_gzip_even_with_content_encoding(client, file_host, tmp_path):
    packed = gzip.compress(CSV_TEXT.encode())
    file_host.answers.append((200, {"Content-Type": "text/csv", "Content-Encoding": "gzip"}, packed))
    assert client.download_cdr_export(file_host.link(), tmp_path / "calls.gz") == len(packed)
    assert (tmp_path / "calls.gz").read_bytes() == packed


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_file_over_the_cap_is_refused_and_nothing_is_kept(client, file_host, tmp_path, chunked):
    packed = gzip.compress(CSV_TEXT.encode() * 50, compresslevel=0)
    file_host.answers.append((200, {"chunked": chunked}, packed))
    with pytest.raises(
        CdrDownloadError, match=f"too large: the file from 127.0.0.1:\\d+ is over {len(packed) - 1} bytes"
    ):
        client.download_cdr_export(file_host.link(), tmp_path / "calls.gz", max_bytes=len(packed) - 1)
    assert list(tmp_path.iterdir()) == []


def test_a_file_at_the_cap_is_accepted(client, file_host, tmp_path):
    packed = gzip.compress(CSV_TEXT.encode())
    file_host.answers.append((200, {"chunked": True}, packed))
    assert client.download_cdr_export(file_host.link(), tmp_path / "calls.gz", max_bytes=len(packed)) == len(packed)


def test_a_refused_link_says_what_s3_said(client, file_host, tmp_path):
    body = b"<?xml version='1.0'?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"
    file_host.answers.append((403, {"Content-Type": "application/xml"}, body))
    with pytest.raises(CdrDownloadError) as caught:
        client.download_cdr_export(file_host.link(), tmp_path / "calls.gz")
    assert str(caught.value).startswith("Flowroute 403 Forbidden: the download link was refused by 127.0.0.1:")
    assert str(caught.value).endswith("(Request has expired)")
    assert list(tmp_path.iterdir()) == []


def test_a_5xx_from_the_file_host_is_retried(client, file_host, tmp_path):
    file_host.answers.append((503, {}, b"Slow Down"))
    file_host.answers.append((200, {}, gzip.compress(CSV_TEXT.encode())))
    client.download_cdr_export(file_host.link(), tmp_path / "calls.gz")
    assert len(file_host.requests) == 2
    assert summarise_cdr_export(tmp_path / "calls.gz").calls == 3


def test_a_lasting_5xx_from_the_file_host_is_a_download_error(client, file_host, tmp_path):
    file_host.answers.extend([(500, {}, b"")] * 4)
    with pytest.raises(CdrDownloadError, match="500 Internal Server Error: 127.0.0.1:\\d+ failed to serve the file"):
        client.download_cdr_export(file_host.link(), tmp_path / "calls.gz")
    assert len(file_host.requests) == 4  # the first try and the client's 3 retries


def test_a_redirect_is_not_followed(client, file_host, tmp_path):
    file_host.answers.append((307, {"Location": "https://elsewhere.example.com/file.gz"}, b""))
    with pytest.raises(CdrDownloadError, match="redirected"):
        client.download_cdr_export(file_host.link(), tmp_path / "calls.gz")
    assert len(file_host.requests) == 1


def test_an_unreachable_file_host_is_a_download_error_that_keeps_the_link_secret(tmp_path):
    link = "http://127.0.0.1:9/file.gz?X-Amz-Security-Token=secret-token&X-Amz-Signature=secret-signature"
    with FlowrouteClient(ACCESS_KEY, SECRET_KEY, base_url="http://127.0.0.1:9", max_retries=0) as client:
        with pytest.raises(CdrDownloadError) as caught:
            client.download_cdr_export(link, tmp_path / "calls.gz")
    assert str(caught.value) == "Flowroute CDR export download failed: 127.0.0.1:9: ConnectionError"
    shown = "".join(traceback.format_exception(caught.value))
    assert "secret-token" not in shown and "secret-signature" not in shown
    assert list(tmp_path.iterdir()) == []


def test_only_http_links_are_fetched(client, tmp_path):
    with pytest.raises(ValueError, match="http"):
        client.download_cdr_export("file:///etc/passwd", tmp_path / "calls.gz")


def test_the_readme_sample_is_summarised(client, file_host, tmp_path):
    file_host.answers.append((200, {}, gzip.compress(CSV_TEXT.encode())))
    client.download_cdr_export(file_host.link(), tmp_path / "calls.gz")
    summary = summarise_cdr_export(tmp_path / "calls.gz", top=2)
    assert (summary.calls, summary.inbound, summary.outbound, summary.failed) == (3, 1, 2, 0)
    assert (summary.duration_seconds, summary.billed_seconds, summary.billed_minutes) == (172, 180, 3)
    assert summary.cost == Decimal("0.02468896")
    assert [(u.number, u.alias, u.calls, u.billed_seconds) for u in summary.top_numbers] == [
        ("12063389999", "Office Line 2", 2, 72),
        ("12063389998", "Office Line 1", 1, 108),
    ]
