"""The sandbox's portability and CDR export endpoints, spoken to with plain requests over HTTP."""

import csv
import gzip
import io

import pytest
import requests

from sandbox.flowroute.porting import CDR_COLUMNS, set_cdr_export_behaviour, set_portability
from tests.conftest import ACCESS_KEY, SECRET_KEY

AUTH = (ACCESS_KEY, SECRET_KEY)
JSON_API = {"Content-Type": "application/vnd.api+json", "Accept": "application/vnd.api+json"}
FILTERS = {"start_call_start_time": "2026-11-01 00:00:00", "start_call_end_time": "2026-11-03 00:00:00"}


@pytest.fixture
def api(flowroute_sandbox):
    session = requests.Session()
    session.auth = AUTH

    def call(method, path, **kwargs):
        return session.request(method, flowroute_sandbox.url + path, timeout=5, **kwargs)

    call.sandbox = flowroute_sandbox
    yield call
    session.close()


def _error_detail(response):
    (error,) = response.json()["errors"]
    assert error["status"] == response.status_code and error["id"] and error["title"]
    return error["detail"]


def _export(api, filters=None, **attributes):
    body = {"data": {"type": "cdrexport", "attributes": {"filter_parameters": filters or FILTERS, **attributes}}}
    response = api("POST", "/v2/cdrs/exports", json=body, headers=JSON_API)
    assert response.status_code == 201, response.text
    return response.json()["data"]


def _rows(api, url):
    response = requests.get(url, timeout=5)  # no auth: the link is pre-signed
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(gzip.decompress(response.content).decode())))


# -- portability ---------------------------------------------------------------------------------


def test_portability_answers_each_number_as_sent(api):
    set_portability(api.sandbox, "+1 425 555 0000", "nonportable")
    numbers = ["+14252081174", "+18085550100", "+12065550100", "+14255550000", "+442079460958", "+14252081174"]
    response = api("POST", "/v2/portorders/portability", json={"numbers": numbers})
    assert response.status_code == 200
    assert response.json() == {
        "data": {
            "portable": ["+14252081174"],
            "nonportable": ["+18085550100", "+14255550000", "+442079460958"],
            "hypernetwork_enabled": ["+12065550100"],
        }
    }


@pytest.mark.parametrize("number", ["14252081174", "4252081174", 14252081174, "+1 425 208 1174"])
def test_portability_requires_the_plus_form(api, number):
    response = api("POST", "/v2/portorders/portability", json={"numbers": [number]})
    assert response.status_code == 422
    assert "leading +" in _error_detail(response)


@pytest.mark.parametrize("body", [{}, {"numbers": []}, {"numbers": "+14252081174"}, ["+14252081174"]])
def test_portability_needs_a_list_of_numbers(api, body):
    response = api("POST", "/v2/portorders/portability", json=body)
    assert response.status_code == 400
    assert _error_detail(response)


def test_the_sdks_form_encoded_check_is_refused(api):
    response = api("POST", "/v2/portorders/portability", data={"numbers": ["+14252081174", "+12125551212"]})
    assert response.status_code == 415


def test_portability_needs_auth_and_post(api):
    assert (
        requests.post(api.sandbox.url + "/v2/portorders/portability", json={"numbers": []}, timeout=5).status_code
        == 401
    )
    assert api("GET", "/v2/portorders/portability").status_code == 405


# -- CDR exports -----------------------------------------------------------------------------------


def test_create_answers_201_processing_with_the_filters_echoed(api):
    data = _export(api, callback_url="https://bot.example.com/cdrs")
    assert data["type"] == "cdrexport" and isinstance(data["id"], str)
    attributes = data["attributes"]
    assert (attributes["status"], attributes["download_url"], attributes["total_cost"]) == ("processing", None, None)
    assert attributes["filter_parameters"] == FILTERS
    assert attributes["callback_url"] == "https://bot.example.com/cdrs"


def test_an_export_completes_on_the_second_read_with_a_presigned_gzip_csv(api):
    export_id = _export(api)["id"]
    first = api("GET", f"/v2/cdrs/exports/{export_id}").json()["data"]["attributes"]
    second = api("GET", f"/v2/cdrs/exports/{export_id}").json()["data"]["attributes"]
    assert (first["status"], second["status"]) == ("processing", "completed")
    rows = _rows(api, second["download_url"])
    assert list(rows[0]) == list(CDR_COLUMNS)
    assert second["num_calls"] == len(rows) > 0
    assert all("2026-11-01" <= row["start_time"] < "2026-11-03" for row in rows)
    assert [row["start_time"] for row in rows] == sorted((row["start_time"] for row in rows), reverse=True)
    assert {row["direction"] for row in rows} <= {"Inbound", "Outbound"}
    assert second["expires_at"] and second["total_cost"]


def test_after_polls_and_failure_are_switchable(api):
    set_cdr_export_behaviour(api.sandbox, "failed", after_polls=2)
    export_id = _export(api)["id"]
    statuses = [api("GET", f"/v2/cdrs/exports/{export_id}").json()["data"]["attributes"]["status"] for _ in range(4)]
    assert statuses == ["processing", "processing", "failed", "failed"]
    attributes = api("GET", f"/v2/cdrs/exports/{export_id}").json()["data"]["attributes"]
    assert attributes["download_url"] is None


def test_after_seconds_completes_without_polls_being_counted(api):
    set_cdr_export_behaviour(api.sandbox, after_polls=None, after_seconds=0)
    export_id = _export(api)["id"]
    listed = api("GET", "/v2/cdrs/exports").json()["data"]
    assert [(item["data"]["id"], item["data"]["attributes"]["status"]) for item in listed] == [
        (int(export_id), "completed")
    ]


def test_the_list_is_newest_first_wrapped_and_paged_with_internal_links(api):
    ids = [int(_export(api)["id"]) for _ in range(3)]
    page = api("GET", "/v2/cdrs/exports", params={"limit": 2}).json()
    assert [item["data"]["id"] for item in page["data"]] == ids[::-1][:2]
    assert page["links"] == {
        "self": "http://cdr-api/cdrs/exports?offset=0&limit=2",
        "next": "http://cdr-api/cdrs/exports?offset=2&limit=2",
    }
    last = api("GET", "/v2/cdrs/exports", params={"limit": 2, "offset": 2}).json()
    assert [item["data"]["id"] for item in last["data"]] == ids[:1] and "next" not in last["links"]
    api("GET", f"/v2/cdrs/exports/{ids[0]}")
    api("GET", f"/v2/cdrs/exports/{ids[0]}")
    completed = api("GET", "/v2/cdrs/exports", params={"status": "completed"}).json()["data"]
    assert [item["data"]["id"] for item in completed] == ids[:1]


@pytest.mark.parametrize("query", [{"status": "done"}, {"limit": "201"}, {"limit": "ten"}, {"offset": "-1"}])
def test_bad_list_queries_are_400(api, query):
    response = api("GET", "/v2/cdrs/exports", params=query)
    assert response.status_code == 400
    assert _error_detail(response)


@pytest.mark.parametrize(
    "body, status",
    [
        ({"data": {"type": "cdr", "attributes": {"filter_parameters": FILTERS}}}, 400),
        ({"data": {"type": "cdrexport", "attributes": {}}}, 400),
        (
            {
                "data": {
                    "type": "cdrexport",
                    "attributes": {"filter_parameters": {"start_call_start_time": "2026-11-01"}},
                }
            },
            400,
        ),
        (
            {
                "data": {
                    "type": "cdrexport",
                    "attributes": {"filter_parameters": {**FILTERS, "start_call_end_time": "2026-10-01 00:00:00"}},
                }
            },
            400,
        ),
        (
            {
                "data": {
                    "type": "cdrexport",
                    "attributes": {"filter_parameters": {**FILTERS, "start_call_end_time": "2028-01-01"}},
                }
            },
            422,
        ),
        ({"data": {"type": "cdrexport", "attributes": {"filter_parameters": FILTERS, "callback_url": "ftp://x"}}}, 422),
    ],
)
def test_bad_create_requests_are_refused(api, body, status):
    response = api("POST", "/v2/cdrs/exports", json=body, headers=JSON_API)
    assert response.status_code == status
    assert _error_detail(response)


def test_unknown_exports_are_404(api):
    for key in ("999", "abc"):
        response = api("GET", f"/v2/cdrs/exports/{key}")
        assert response.status_code == 404
        assert _error_detail(response) == "Could not find that resource on your account."


def test_filters_and_iso_times_are_honoured(api):
    filters = {
        "start_call_start_time": "2026-11-01T00:00:00+00:00",
        "start_call_end_time": "2026-11-03T00:00:00Z",
        "callerid_numbers": ["12065550100"],
        "duration_greater_than": 60,
    }
    export_id = _export(api, filters)["id"]
    api("GET", f"/v2/cdrs/exports/{export_id}")
    rows = _rows(api, api("GET", f"/v2/cdrs/exports/{export_id}").json()["data"]["attributes"]["download_url"])
    assert rows and all(row["callerid"] == "+12065550100" and int(row["duration"]) > 60 for row in rows)


def test_reset_forgets_exports_and_behaviour(api):
    set_cdr_export_behaviour(api.sandbox, "failed", after_polls=0)
    export_id = _export(api)["id"]
    api.sandbox.reset()
    assert api("GET", f"/v2/cdrs/exports/{export_id}").status_code == 404
    new_id = _export(api)["id"]
    api("GET", f"/v2/cdrs/exports/{new_id}")
    assert api("GET", f"/v2/cdrs/exports/{new_id}").json()["data"]["attributes"]["status"] == "completed"


def test_behaviour_settings_are_checked():
    with pytest.raises(ValueError):
        set_cdr_export_behaviour(None, "lost")
    with pytest.raises(ValueError):
        set_cdr_export_behaviour(None, after_polls=None, after_seconds=None)
    with pytest.raises(ValueError):
        set_portability(None, "+14252081174", "maybe")
