"""The Flowroute sandbox over real HTTP: auth, errors, pagination, state changes and test controls."""

import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from sandbox.flowroute import FlowrouteSandbox
from tests.conftest import ACCESS_KEY, SECRET_KEY

GOOD_ADDRESS = {
    "label": "Office",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "street_number": "1218",
    "street_name": "3rd Ave",
    "city": "Seattle",
    "state": "WA",
    "country": "US",
    "zip": "98101",
}


@pytest.fixture
def api(sandbox):
    """A requests session with the sandbox's keys; `api.url(path)` builds absolute URLs."""
    session = requests.Session()
    session.auth = (ACCESS_KEY, SECRET_KEY)
    session.headers["Accept"] = "application/vnd.api+json"
    session.url = lambda path: sandbox.url + path
    with session:
        yield session


def _error(response) -> dict:
    errors = response.json()["errors"]
    assert len(errors) == 1
    assert set(errors[0]) == {"id", "status", "title", "detail"}
    assert errors[0]["status"] == response.status_code
    return errors[0]


def _search(url: str, **params) -> list[str]:
    response = requests.get(url + "/v2/numbers/available", params=params, auth=(ACCESS_KEY, SECRET_KEY))
    assert response.status_code == 200
    return [item["id"] for item in response.json()["data"]]


# --- auth, routing, bodies ---------------------------------------------------------------------


@pytest.mark.parametrize("auth", [None, (ACCESS_KEY, "wrong"), ("wrong", SECRET_KEY)])
def test_bad_or_missing_credentials_get_401_with_flowroute_error_body(sandbox, auth):
    response = requests.get(sandbox.url + "/v2/numbers", auth=auth)
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/vnd.api+json"
    error = _error(response)
    assert (error["title"], error["detail"]) == ("Unauthorized", "Authentication failed.")
    assert re.fullmatch(r"[0-9a-f-]{36}", error["id"])
    assert sandbox.requests[-1].status == 401


def test_unknown_path_is_404_and_wrong_method_405(api):
    assert api.get(api.url("/v2/nope")).status_code == 404
    response = api.post(api.url("/v2/routes/edge_strategies"), json={})
    assert response.status_code == 405
    assert _error(response)["title"] == "Method Not Allowed"
    assert api.get(api.url("/v2/numbers/12065550100/relationships/voicemail")).status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/v2/numbers/19995550000", "/v2/e911s/999", "/v2/cnams/999", "/v2.1/messages/mdr2-" + "0" * 32],
)
def test_unknown_ids_are_404(api, path):
    response = api.get(api.url(path))
    assert response.status_code == 404
    assert _error(response)["detail"] == "Could not find that resource on your account."


def test_non_json_content_type_is_415_and_malformed_json_400(api, sandbox):
    url = api.url("/v2/numbers/12065550101")
    form = api.patch(url, data="type=number&alias=x", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert form.status_code == 415
    broken = api.patch(url, data=b"{not json", headers={"Content-Type": "application/json"})
    assert broken.status_code == 400
    # No Content-Type at all is tolerated (the official SDK sends none here).
    bare = api.patch(url, data=b'{"type": "number", "alias": "Front desk"}')
    assert bare.status_code == 200
    assert sandbox.account_number("12065550101")["alias"] == "Front desk"


def test_patch_number_without_type_is_400(api):
    assert api.patch(api.url("/v2/numbers/12065550101"), json={"alias": "x"}).status_code == 400


# --- pagination --------------------------------------------------------------------------------


def test_areacodes_paginate_with_next_only_before_the_last_page(api, sandbox):
    first = api.get(api.url("/v2/numbers/available/areacodes"), params={"limit": 3}).json()
    assert [item["id"] for item in first["data"]] == ["206", "312", "415"]
    assert first["links"]["self"] == sandbox.url + "/v2/numbers/available/areacodes?limit=3&offset=0"
    assert first["links"]["next"] == sandbox.url + "/v2/numbers/available/areacodes?limit=3&offset=3"
    assert first["data"][0]["links"]["related"].endswith("/v2/numbers/available/exchanges?areacode=206")
    last = api.get(api.url("/v2/numbers/available/areacodes"), params={"limit": 3, "offset": 6}).json()
    assert [item["id"] for item in last["data"]] == ["844", "888"]
    assert "next" not in last["links"]


@pytest.mark.parametrize("limit", ["401", "abc", "-1", "0"])
def test_bad_limit_is_400(api, limit):
    response = api.get(api.url("/v2/numbers/available/areacodes"), params={"limit": limit})
    assert response.status_code == 400
    assert "limit" in _error(response)["detail"]


def test_maximum_limit_is_accepted_and_per_endpoint(api):
    assert api.get(api.url("/v2/numbers/available/areacodes"), params={"limit": 400}).status_code == 200
    assert api.get(api.url("/v2/numbers/available"), params={"limit": 201}).status_code == 400
    assert api.get(api.url("/v2/e911s"), params={"limit": 2000}).status_code == 200


def test_search_filters_and_echoes_starts_with_with_country_code(api, sandbox):
    params = {"starts_with": "206", "rate_center": "SEATTLE", "state": "wa", "limit": 200}
    body = api.get(api.url("/v2/numbers/available"), params=params).json()
    values = [item["attributes"]["value"] for item in body["data"]]
    assert values and all(value.startswith("1206") for value in values)
    assert "starts_with=1206" in body["links"]["self"]
    guaranteed = next(item for item in body["data"] if item["id"] == "12065550142")
    assert guaranteed["attributes"]["setup_cost"] == 1 and guaranteed["attributes"]["monthly_cost"] == 1.25
    assert guaranteed["attributes"]["number_type"] == "longcode"
    toll_free = api.get(api.url("/v2/numbers/available"), params={"number_type": "toll-free"}).json()
    assert toll_free["data"] and all(item["attributes"]["state"] is None for item in toll_free["data"])


def test_two_sandboxes_with_the_same_seed_give_the_same_inventory():
    first, second, other = FlowrouteSandbox(), FlowrouteSandbox(), FlowrouteSandbox(seed=2)
    urls = [first.start(), second.start(), other.start()]
    try:
        results = [_search_all(url) for url in urls]
    finally:
        for server in (first, second, other):
            server.stop()
    assert results[0] == results[1]
    assert results[0] != results[2]


def _search_all(url: str) -> list[str]:
    session = requests.Session()
    session.auth = ("sandbox-access-key", "sandbox-secret-key")
    with session:
        return [item["id"] for item in session.get(url + "/v2/numbers/available", params={"limit": 200}).json()["data"]]


# --- numbers -----------------------------------------------------------------------------------


def test_purchase_moves_the_number_to_the_account_and_twice_is_422(api, sandbox):
    response = api.post(api.url("/v2/numbers/13125550188"))
    assert response.status_code == 201
    body = response.json()
    assert body["data"]["relationships"]["primary_route"]["data"] == {"type": "route", "id": "0"}
    assert body["included"][0]["attributes"]["route_type"] == "sip-reg"
    assert sandbox.account_number("+1 312-555-0188")["primary_route"] == "0"
    assert not sandbox.is_available("13125550188")
    assert "13125550188" not in _search(sandbox.url, starts_with="312555", limit=200)
    again = api.post(api.url("/v2/numbers/13125550188"))
    assert again.status_code == 422
    assert api.post(api.url("/v2/numbers/12065550100")).status_code == 422
    assert api.post(api.url("/v2/numbers/19995550000")).status_code == 404
    assert api.post(api.url("/v2/numbers/206555")).status_code == 400


def test_purchase_flags_are_read_from_the_query(api, sandbox):
    response = api.post(api.url("/v2/numbers/14155550123"), params={"cnam_lookups_enabled": "true"})
    assert response.status_code == 201
    assert sandbox.account_number("14155550123")["cnam_lookups_enabled"] is True


def test_concurrent_purchases_of_one_number_succeed_once(sandbox):
    def buy(_):
        return requests.post(sandbox.url + "/v2/numbers/12065550142", auth=(ACCESS_KEY, SECRET_KEY)).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(buy, range(8)))
    assert statuses == [201] + [422] * 7


def test_release_returns_the_number_to_inventory(api, sandbox):
    assert api.delete(api.url("/v2/numbers/16465550199")).status_code == 204
    assert sandbox.account_number("16465550199") is None
    assert "16465550199" in _search(sandbox.url, starts_with="646555", limit=200)
    assert api.get(api.url("/v2/numbers/16465550199")).status_code == 404


def test_account_numbers_filter_by_alias_and_paginate(api, sandbox):
    by_alias = api.get(api.url("/v2/numbers"), params={"alias": "Chicago NOC"}).json()
    assert [item["id"] for item in by_alias["data"]] == ["13125550123"]
    page = api.get(api.url("/v2/numbers"), params={"limit": 2, "offset": 4}).json()
    assert [item["id"] for item in page["data"]] == ["18885550142"]
    assert "next" not in page["links"]


def test_number_details_include_routes_e911_and_cnam(api):
    body = api.get(api.url("/v2/numbers/12065550100")).json()
    relationships = body["data"]["relationships"]
    assert relationships["failover_route"]["data"]["id"] == "0"
    assert relationships["e911_address"]["data"] == {"type": "e911", "id": "1"}
    assert {(item["type"], item["id"]) for item in body["included"]} == {
        ("route", "1"),
        ("route", "0"),
        ("e911", "1"),
        ("cnam", "1"),
    }


# --- routes ------------------------------------------------------------------------------------


def test_route_delete_in_use_is_403_and_unused_is_204(api, sandbox):
    in_use = api.delete(api.url("/v2/routes/1"))
    assert in_use.status_code == 403
    assert _error(in_use)["title"] == "This Route has numbers still associated to it."
    assert api.delete(api.url("/v2/routes/3")).status_code == 204
    assert sandbox.route("3") is None
    assert api.delete(api.url("/v2/routes/3")).status_code == 404


def test_create_route_validates_and_stores_edge_strategy_as_int(api, sandbox):
    def create(**attributes):
        return api.post(api.url("/v2/routes"), json={"data": {"type": "route", "attributes": attributes}})

    assert create(route_type="host", value="pbx.example.com:5060", alias="office-pbx").status_code == 422
    assert create(route_type="host", value="bad host!", alias="new").status_code == 422
    assert create(route_type="uri", value="noc.example.net", alias="new").status_code == 422
    assert create(route_type="sip-reg", value="x", alias="new").status_code == 422
    created = create(route_type="host", value="10.0.0.5:5061", alias="backup-pbx", edge_strategy="2")
    assert created.status_code == 201
    body = created.json()
    assert body["data"]["id"] == "100"
    assert body["data"]["attributes"]["edge_strategy_id"] == 2
    assert body["links"]["self"] == sandbox.url + "/v2/routes/100"


def test_set_and_clear_primary_route(api, sandbox):
    path = api.url("/v2/numbers/12065550101/relationships/primary_route")
    assert api.patch(path, json={"data": {"type": "route", "id": "3"}}).status_code == 204
    assert sandbox.account_number("12065550101")["primary_route"] == "3"
    assert api.patch(path, json={"data": {"type": "route", "id": "999"}}).status_code == 404
    assert api.patch(path, json={"route": "3"}).status_code == 400
    assert api.delete(path).status_code == 204
    assert sandbox.account_number("12065550101")["primary_route"] is None


# --- E911 and CNAM -----------------------------------------------------------------------------


def _e911_body(**changes):
    return {"data": {"type": "e911", "attributes": {**GOOD_ADDRESS, **changes}}}


def test_e911_validate_good_is_204_and_bad_is_400_or_422(api):
    url = api.url("/v2/e911s/validate")
    good = api.post(url, json=_e911_body())
    assert (good.status_code, good.content) == (204, b"")
    for bad in ({"zip": "ABCDE"}, {"state": "XX"}, {"country": "USA"}, {"street_name": ""}):
        response = api.post(url, json=_e911_body(**bad))
        assert response.status_code == 400, bad
        assert _error(response)["detail"].startswith("Could not geocode this address.")
    assert api.post(url, json=_e911_body(address_type="Suite")).status_code == 422
    assert api.post(url, json=_e911_body(address_type="Cave", address_type_number="1")).status_code == 422


def test_e911_associate_refuses_toll_free_and_delete_in_use(api, sandbox):
    toll_free = api.patch(api.url("/v2/numbers/18885550142/relationships/e911s/3"))
    assert toll_free.status_code == 422
    assert api.patch(api.url("/v2/numbers/12065550101/relationships/e911s/3")).status_code == 204
    numbers = api.get(api.url("/v2/e911s/3/relationships/numbers")).json()["data"]
    assert [item["attributes"]["value"] for item in numbers] == ["12065550101"]
    assert api.delete(api.url("/v2/e911s/3")).status_code == 403
    assert api.delete(api.url("/v2/numbers/12065550101/relationships/e911s")).status_code == 204
    assert api.delete(api.url("/v2/e911s/3")).status_code == 204
    assert sandbox.e911("3") is None


def test_cnam_create_and_associate_only_when_approved(api, sandbox):
    assert api.post(api.url("/v2/cnams"), json={"value": "ACME OPS"}).status_code == 422
    assert api.post(api.url("/v2/cnams"), json={"value": "12345"}).status_code == 422
    created = api.post(api.url("/v2/cnams"), json={"value": "ACME NOC"})
    assert created.status_code == 201 and created.json()["data"]["attributes"]["is_approved"] is False
    pending = api.patch(api.url("/v2/numbers/12065550101/relationships/cnams/100"))
    assert pending.status_code == 422
    approved = api.patch(api.url("/v2/numbers/12065550101/relationships/cnams/1"))
    assert approved.status_code == 202 and approved.json()["data"]["id"] == 1
    assert sandbox.account_number("12065550101")["cnam"] == "1"
    listed = api.get(api.url("/v2/cnams"), params={"is_approved": "false"}).json()["data"]
    assert [item["attributes"]["value"] for item in listed] == ["ACME SALES", "ACME NOC"]


# --- messages ----------------------------------------------------------------------------------


def test_send_sms_creates_an_outbound_mdr_with_two_receipts(api, sandbox):
    body = {"data": {"type": "message", "attributes": {"from": "12065550100", "to": "12065559876", "body": "hi"}}}
    response = api.post(api.url("/v2.1/messages"), json=body)
    assert response.status_code == 202
    mdr_id = response.json()["data"]["id"]
    assert re.fullmatch(r"mdr2-[0-9a-f]{32}", mdr_id)
    assert response.json()["data"]["links"]["self"] == f"{sandbox.url}/v2.1/messages/{mdr_id}"
    mdr = api.get(api.url(f"/v2.1/messages/{mdr_id}")).json()["data"]["attributes"]
    assert (mdr["direction"], mdr["status"], mdr["message_encoding"]) == ("outbound", "delivered", 0)
    assert (mdr["amount_nanodollars"], mdr["amount_display"]) == (4000000, "$0.0040")
    assert [receipt["level"] for receipt in mdr["delivery_receipts"]] == [1, 2]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d\dZ", mdr["timestamp"])


def test_send_checks_numbers_body_and_mms_fields(api):
    def send(**fields):
        return api.post(api.url("/v2.1/messages"), json={"from": "12065550100", "to": "12065559876", **fields})

    assert send(body="ünïcödé ☃").status_code == 202  # compact body
    assert send(is_mms=True).status_code == 422
    assert "MMS requires media_urls or body" in _error(send(is_mms=True))["detail"]
    assert send(is_mms="maybe", body="x").status_code == 422
    assert send().status_code == 422
    assert (
        api.post(api.url("/v2.1/messages"), json={"from": "19995550000", "to": "1206", "body": "x"}).status_code == 422
    )
    not_ours = api.post(api.url("/v2.1/messages"), json={"from": "19995550000", "to": "12065559876", "body": "x"})
    assert not_ours.status_code == 403


def test_injected_message_shows_up_in_the_mdr_list(api, sandbox):
    payload = {"from": "+1 425-555-1234", "to": "12065550100", "body": "hello from outside"}
    created = requests.post(sandbox.url + "/sandbox/messages", json=payload)
    assert created.status_code == 201
    mdr_id = created.json()["data"]["id"]
    assert re.fullmatch(r"mdr2-[0-9a-f]{32}", mdr_id)
    listed = api.get(api.url("/v2.1/messages"), params={"start_date": "2000-01-01", "limit": 100}).json()
    assert listed["data"][-1]["id"] == mdr_id  # newest last
    assert listed["data"][-1]["attributes"]["from"] == "14255551234"
    assert sandbox.requests_to("GET", "/v2.1/messages")[0].query["start_date"] == ["2000-01-01"]


def test_mdr_list_pages_with_an_internal_next_link_and_needs_start_date(api, sandbox):
    ids = sandbox.inject_messages(
        [
            {"from": "14255551234", "to": "12065550100", "body": f"m{i}", "timestamp": f"2001-01-01T00:00:0{i}Z"}
            for i in range(5)
        ]
    )
    params = {"start_date": "2001-01-01T00:00:00+00:00", "end_date": "2001-01-02", "limit": 2}
    first = api.get(api.url("/v2.1/messages"), params=params).json()
    assert [item["id"] for item in first["data"]] == ids[:2]
    assert first["links"]["next"].startswith("http://mdr-api.internal/v2.1/messages?")
    assert first["links"]["next"].endswith("&offset=2")
    last = api.get(api.url("/v2.1/messages"), params={**params, "offset": 4}).json()
    assert [item["id"] for item in last["data"]] == ids[4:] and "next" not in last["links"]
    assert api.get(api.url("/v2.1/messages")).status_code == 400
    assert api.get(api.url("/v2.1/messages"), params={"start_date": "yesterday"}).status_code == 400


def test_bulk_injection_is_fast(sandbox):
    messages = [{"from": "14255551234", "to": "12065550100", "body": f"bulk {i}"} for i in range(10000)]
    started = time.monotonic()
    ids = sandbox.inject_messages(messages)
    assert len(set(ids)) == 10000
    assert time.monotonic() - started < 5
    assert len(sandbox.messages(direction="inbound")) >= 10000


def test_media_url_is_served_then_refused_after_expiry():
    server = FlowrouteSandbox(ACCESS_KEY, SECRET_KEY, media_ttl=0.5)
    server.start()
    try:
        mms = server.inject_message("14255551234", "12065550100", media_urls=["https://cdn.example.com/a/cat.jpg"])
        assert mms["attributes"]["is_mms"] is True and mms["attributes"]["status"] == ""
        detail = requests.get(f"{server.url}/v2.1/messages/{mms['id']}", auth=(ACCESS_KEY, SECRET_KEY)).json()
        media = detail["included"][0]
        assert media["id"] == detail["data"]["relationships"]["media"]["data"][0]["id"]
        assert media["attributes"]["file_name"] == "cat.jpg"
        url = media["attributes"]["url"]
        fetched = requests.get(url)
        assert fetched.status_code == 200 and fetched.headers["Content-Type"] == "image/png"
        assert fetched.content.startswith(b"\x89PNG") and len(fetched.content) == media["attributes"]["file_size"]
        assert requests.get(url.replace("Signature=", "Signature=0")).status_code == 403
        deadline = time.monotonic() + 5
        while requests.get(url).status_code == 200:
            assert time.monotonic() < deadline, "the media URL never expired"
            time.sleep(0.05)
        assert requests.get(url).status_code == 403
    finally:
        server.stop()


# --- test controls -----------------------------------------------------------------------------


def test_fail_next_answers_matching_requests_then_recovers(api, sandbox):
    control = requests.post(
        sandbox.url + "/sandbox/fail",
        json={"count": 2, "status": 503, "retry_after": 7, "path_prefix": "/v2/routes"},
    )
    assert control.status_code == 204
    assert api.get(api.url("/v2/numbers")).status_code == 200  # other paths are untouched
    for _ in range(2):
        failed = api.get(api.url("/v2/routes"))
        assert failed.status_code == 503 and failed.headers["Retry-After"] == "7"
        assert _error(failed)["title"] == "Service Unavailable"
    assert api.get(api.url("/v2/routes")).status_code == 200
    assert [r.status for r in sandbox.requests_to("GET", "/v2/routes")] == [503, 503, 200]


def test_fail_next_filters_by_method_and_needs_no_auth(sandbox):
    sandbox.fail_next(status=429, method="POST")
    assert requests.get(sandbox.url + "/v2/cnams", auth=(ACCESS_KEY, SECRET_KEY)).status_code == 200
    refused = requests.post(sandbox.url + "/v2/cnams", json={"value": "NEW NAME"})
    assert refused.status_code == 429 and "Retry-After" not in refused.headers


def test_recorded_requests_over_http_mask_the_password(api, sandbox):
    api.get(api.url("/v2/routes"), params={"route_type": "host"})
    recorded = requests.get(sandbox.url + "/sandbox/requests").json()
    assert recorded[-1]["path"] == "/v2/routes" and recorded[-1]["query"] == {"route_type": ["host"]}
    assert recorded[-1]["headers"]["authorization"] == "Basic ***"
    assert sandbox.requests[-1].headers["authorization"].startswith("Basic ")
    assert requests.delete(sandbox.url + "/sandbox/requests").status_code == 204
    assert sandbox.requests == []


def test_reset_restores_seed_state_and_clears_controls(api, sandbox):
    api.post(api.url("/v2/numbers/12065550142"))
    api.delete(api.url("/v2/routes/3"))
    sandbox.fail_next(count=5, status=500)
    sandbox.set_latency(0.2)
    seeded = len(sandbox.messages())
    sandbox.inject_message("14255551234", "12065550100", "extra")
    assert requests.post(sandbox.url + "/sandbox/reset").status_code == 204
    assert sandbox.requests == []
    assert sandbox.account_number("12065550142") is None and sandbox.is_available("12065550142")
    assert sandbox.route("3")["alias"] == "forward-to-cell"
    assert len(sandbox.messages()) == seeded
    started = time.monotonic()
    assert api.get(api.url("/v2/routes")).status_code == 200
    assert time.monotonic() - started < 0.2


def test_latency_delays_api_requests(api, sandbox):
    sandbox.set_latency(0.15)
    started = time.monotonic()
    api.get(api.url("/v2/routes"))
    assert time.monotonic() - started >= 0.15


def test_account_callbacks_accept_flat_and_wrapped_bodies(api, sandbox):
    flat = api.put(api.url("/v2.1/messages/sms_callback"), json={"callback_url": "https://bot.example.com/sms"})
    wrapped = api.put(
        api.url("/v2.1/messages/mms_callback"),
        json={"data": {"attributes": {"callback_url": "https://bot.example.com/mms"}}},
    )
    assert (flat.status_code, wrapped.status_code) == (204, 204)
    assert sandbox.account_callbacks() == {
        "sms_callback": "https://bot.example.com/sms",
        "mms_callback": "https://bot.example.com/mms",
    }
    assert api.put(api.url("/v2.1/messages/foo_callback"), json={"callback_url": "https://x"}).status_code == 404
    per_number = api.post(
        api.url("/v2/numbers/12065550100/relationships/dlr_callback"),
        json={"data": {"attributes": {"callback_url": "https://bot.example.com/dlr"}}},
    )
    assert per_number.status_code == 204
    assert sandbox.account_number("12065550100")["callbacks"] == {"dlr_callback": "https://bot.example.com/dlr"}
