"""The Flowroute sandbox's behaviour switches, late records and stalls, driven over real HTTP."""

import re
import time

import pytest
import requests

from sandbox.flowroute import DEFAULT_BEHAVIOUR
from tests.conftest import ACCESS_KEY, SECRET_KEY

WINDOW = {"start_date": "2001-01-01T00:00:00Z", "end_date": "2001-01-02T00:00:00Z"}


@pytest.fixture
def api(sandbox):
    session = requests.Session()
    session.auth = (ACCESS_KEY, SECRET_KEY)
    session.url = lambda path: sandbox.url + path
    with session:
        yield session


def _switch(sandbox, **switches) -> dict:
    response = requests.post(sandbox.url + "/sandbox/behaviour", json=switches)
    assert response.status_code == 200, response.text
    return response.json()


def _inject_2001(sandbox, count: int, **extra) -> list[str]:
    """`count` inbound records a second apart on 2001-01-01, through the control endpoint."""
    messages = [
        {"from": "14255551234", "to": "12065550100", "body": f"m{i}", "timestamp": f"2001-01-01T00:{i // 60:02d}:"
         f"{i % 60:02d}Z", **extra}
        for i in range(count)
    ]
    response = requests.post(sandbox.url + "/sandbox/messages", json={"messages": messages})
    assert response.status_code == 201
    return response.json()["ids"]


def _list_all(api, path: str, params: dict) -> tuple[list[dict], list[dict]]:
    """Every page of a list, offsets taken from the records received; returns (items, pages)."""
    items, pages, offset = [], [], 0
    while True:
        page = api.get(api.url(path), params={**params, "offset": offset}).json()
        pages.append(page)
        items += page["data"]
        if "next" not in page["links"]:
            return items, pages
        offset += len(page["data"])


# --- the switches themselves -----------------------------------------------------------------


def test_behaviour_is_read_and_set_over_http_and_reset_restores_the_defaults(sandbox):
    assert requests.get(sandbox.url + "/sandbox/behaviour").json() == DEFAULT_BEHAVIOUR
    assert DEFAULT_BEHAVIOUR == {
        "page_cap": None,
        "integer_numbers": False,
        "string_amounts": False,
        "internal_next_links": True,
        "coarse_timestamps": False,
    }
    changed = _switch(sandbox, page_cap=5, string_amounts=True)
    assert changed == {**DEFAULT_BEHAVIOUR, "page_cap": 5, "string_amounts": True}
    assert requests.get(sandbox.url + "/sandbox/behaviour").json() == changed
    assert sandbox.set_behaviour(integer_numbers=True)["integer_numbers"] is True
    assert requests.post(sandbox.url + "/sandbox/reset").status_code == 204
    assert sandbox.set_behaviour() == DEFAULT_BEHAVIOUR


@pytest.mark.parametrize(
    "switches", [{"page_size": 3}, {"page_cap": 0}, {"page_cap": "20"}, {"page_cap": True}, {"string_amounts": "yes"}]
)
def test_unknown_or_ill_typed_switches_are_refused_and_change_nothing(sandbox, switches):
    response = requests.post(sandbox.url + "/sandbox/behaviour", json=switches)
    assert response.status_code == 400
    assert response.json()["errors"][0]["detail"]
    assert sandbox.set_behaviour() == DEFAULT_BEHAVIOUR
    with pytest.raises(ValueError):
        sandbox.set_behaviour(**switches)


def test_page_cap_caps_every_list_whatever_limit_asks(api, sandbox):
    everything = api.get(api.url("/v2/numbers"), params={"limit": 200}).json()["data"]
    _switch(sandbox, page_cap=2)
    first = api.get(api.url("/v2/numbers"), params={"limit": 200}).json()
    assert len(first["data"]) == 2 and first["links"]["next"].endswith("limit=200&offset=2")
    items, pages = _list_all(api, "/v2/numbers", {"limit": 200})
    assert [item["id"] for item in items] == [item["id"] for item in everything]
    assert [len(page["data"]) for page in pages] == [2, 2, 1]
    assert len(api.get(api.url("/v2/routes"), params={"limit": 1}).json()["data"]) == 1  # under the cap: as asked
    _switch(sandbox, page_cap=1)
    for path in ("/v2/routes", "/v2/e911s", "/v2/cnams", "/v2/numbers/available", "/v2/numbers/available/areacodes"):
        page = api.get(api.url(path), params={"limit": 50}).json()
        assert len(page["data"]) == 1 and page["links"]["next"].endswith("limit=50&offset=1"), path


def test_page_cap_on_the_mdr_list_serves_short_pages_with_next_until_the_end(api, sandbox):
    ids = _inject_2001(sandbox, 60)
    _switch(sandbox, page_cap=20)
    items, pages = _list_all(api, "/v2.1/messages", {**WINDOW, "limit": 200})
    assert [item["id"] for item in items] == ids
    assert [len(page["data"]) for page in pages] == [20, 20, 20]
    assert [page["links"].get("next", "").rsplit("offset=", 1)[-1] for page in pages] == ["20", "40", ""]


def test_integer_numbers_and_string_amounts_on_list_and_get(api, sandbox):
    (mdr_id,) = _inject_2001(sandbox, 1)
    _switch(sandbox, integer_numbers=True, string_amounts=True)
    listed = api.get(api.url("/v2.1/messages"), params=WINDOW).json()["data"][0]["attributes"]
    fetched = api.get(api.url(f"/v2.1/messages/{mdr_id}")).json()["data"]["attributes"]
    for attributes in (listed, fetched):
        assert (attributes["to"], attributes["from"]) == (12065550100, 14255551234)
        assert attributes["amount_nanodollars"] == "4000000"
    assert sandbox.message(mdr_id)["attributes"]["to"] == "12065550100"  # stored as before
    _switch(sandbox, integer_numbers=False, string_amounts=False)
    plain = api.get(api.url(f"/v2.1/messages/{mdr_id}")).json()["data"]["attributes"]
    assert (plain["to"], plain["amount_nanodollars"]) == ("12065550100", 4000000)


def test_next_links_on_the_internal_host_by_default_or_on_the_sandbox(api, sandbox):
    _inject_2001(sandbox, 3)
    internal = api.get(api.url("/v2.1/messages"), params={**WINDOW, "limit": 2}).json()["links"]["next"]
    assert internal.startswith("http://mdr-api.internal/v2.1/messages?")
    _switch(sandbox, internal_next_links=False)
    own = api.get(api.url("/v2.1/messages"), params={**WINDOW, "limit": 2}).json()["links"]["next"]
    assert own.startswith(sandbox.url + "/v2.1/messages?")
    assert [item["attributes"]["body"] for item in api.get(own).json()["data"]] == ["m2"]


def test_coarse_timestamps_make_records_injected_together_share_one_timestamp(api, sandbox):
    _switch(sandbox, coarse_timestamps=True)
    messages = [{"from": "14255551234", "to": "12065550100", "body": f"c{i}"} for i in range(5)]
    ids = requests.post(sandbox.url + "/sandbox/messages", json={"messages": messages}).json()["ids"]
    stamps = {sandbox.message(mdr_id)["attributes"]["timestamp"] for mdr_id in ids}
    assert len(stamps) == 1 and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.00Z", stamps.pop())
    sent = api.post(api.url("/v2.1/messages"), json={"from": "12065550100", "to": "14255551234", "body": "x"})
    assert sandbox.message(sent.json()["data"]["id"])["attributes"]["timestamp"].endswith(".00Z")
    explicit = sandbox.inject_message("14255551234", "12065550100", "e", timestamp="2001-01-01T00:00:00.37Z")
    assert explicit["attributes"]["timestamp"] == "2001-01-01T00:00:00.37Z"  # a given time is kept


# --- late records --------------------------------------------------------------------------------


def test_an_unlisted_record_exists_but_is_listed_only_after_show_late(api, sandbox):
    on_time = _inject_2001(sandbox, 2)
    late = requests.post(
        sandbox.url + "/sandbox/messages",
        json={"from": "14255551234", "to": "12065550100", "body": "late", "timestamp": "2001-01-01T00:00:00.50Z",
              "listed": False},
    ).json()["data"]
    assert [item["id"] for item in api.get(api.url("/v2.1/messages"), params=WINDOW).json()["data"]] == on_time
    fetched = api.get(api.url(f"/v2.1/messages/{late['id']}"))
    assert fetched.status_code == 200
    assert fetched.json()["data"]["attributes"]["timestamp"] == "2001-01-01T00:00:00.50Z"
    shown = requests.post(sandbox.url + "/sandbox/messages/show-late")
    assert (shown.status_code, shown.json()) == (200, {"shown": 1})
    listed = [item["id"] for item in api.get(api.url("/v2.1/messages"), params=WINDOW).json()["data"]]
    assert listed == [on_time[0], late["id"], on_time[1]]  # in its own time's place
    assert sandbox.show_late_records() == 0


def test_unlisted_records_in_bulk_are_left_out_of_paging_too(api, sandbox):
    listed_ids = _inject_2001(sandbox, 5)
    sandbox.inject_messages(
        [{"from": "14255551234", "to": "12065550100", "timestamp": "2001-01-01T00:00:01.50Z", "listed": False}] * 3
    )
    items, pages = _list_all(api, "/v2.1/messages", {**WINDOW, "limit": 2})
    assert [item["id"] for item in items] == listed_ids and len(pages) == 3
    assert sandbox.show_late_records() == 3
    assert len(_list_all(api, "/v2.1/messages", {**WINDOW, "limit": 2})[0]) == 8
    bad = {"from": "14255551234", "to": "12065550100", "listed": "no"}
    assert requests.post(sandbox.url + "/sandbox/messages", json=bad).status_code == 400


# --- stalls --------------------------------------------------------------------------------------


def test_a_stall_times_a_short_read_timeout_out_then_calls_answer_normally(api, sandbox):
    control = requests.post(sandbox.url + "/sandbox/fail", json={"count": 1, "stall": 2.0, "path_prefix": "/v2/routes"})
    assert control.status_code == 204
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.get(api.url("/v2/routes"), timeout=0.2)
    assert api.get(api.url("/v2/routes"), timeout=5).status_code == 200


def test_a_stall_without_status_answers_normally_and_with_status_fails(api, sandbox):
    sandbox.fail_next(count=1, stall=0.3, method="GET")
    started = time.monotonic()
    assert api.get(api.url("/v2/cnams"), timeout=10).status_code == 200
    assert time.monotonic() - started >= 0.3
    sandbox.fail_next(count=1, stall=0.3, status=503, retry_after=1)
    started = time.monotonic()
    failed = api.get(api.url("/v2/cnams"), timeout=10)
    assert time.monotonic() - started >= 0.3
    assert (failed.status_code, failed.headers["Retry-After"]) == (503, "1")
    assert [r.status for r in sandbox.requests_to("GET", "/v2/cnams")] == [200, 503]
    with pytest.raises(ValueError):
        sandbox.fail_next(stall=-1)
