"""flowroute_api.iter_pages: every record once, whatever page sizes the server picks; links never followed."""

from datetime import UTC, datetime, timedelta

import pytest

from flowroute_api import iter_pages, iter_records

START = datetime(2031, 3, 1, tzinfo=UTC)


def _inject(sandbox, count):
    return sandbox.inject_messages(
        [{"from": "12065559876", "to": "12065550100", "body": f"m{i}", "timestamp": START + timedelta(seconds=i)}
         for i in range(count)]
    )


def _fetch(client):
    return lambda limit, offset: client.list_messages(START, START + timedelta(days=1), limit=limit, offset=offset)


def test_short_pages_with_next_are_not_the_end_and_offsets_follow_the_records_received(client, sandbox):
    ids = _inject(sandbox, 45)
    sandbox.set_behaviour(page_cap=20)
    pages = list(iter_pages(_fetch(client), page_size=200))
    assert [len(page) for page in pages] == [20, 20, 5]
    assert [record["id"] for page in pages for record in page] == ids
    assert [r.query["offset"] for r in sandbox.requests] == [["0"], ["20"], ["40"]]
    assert all(r.query["limit"] == ["200"] for r in sandbox.requests)


@pytest.mark.parametrize("internal", [True, False])
def test_links_next_is_only_a_flag_whatever_host_it_names(client, sandbox, internal):
    ids = _inject(sandbox, 7)
    sandbox.set_behaviour(internal_next_links=internal)
    assert [record["id"] for record in iter_records(_fetch(client), page_size=3)] == ids
    assert len(sandbox.requests) == 3  # the link was never requested: every request is one of our three


def test_an_empty_page_ends_the_walk_even_with_a_next_link():
    calls = []

    def fetch(limit, offset):
        calls.append(offset)
        if offset == 0:
            return {"data": [{"id": "a"}, {"id": "b"}], "links": {"next": "http://elsewhere/?offset=2"}}
        return {"data": [], "links": {"next": "http://elsewhere/?offset=4"}}

    assert [r["id"] for r in iter_records(fetch, page_size=10)] == ["a", "b"]
    assert calls == [0, 2]


def test_a_server_that_ignores_the_offset_is_read_once_not_forever():
    calls = []

    def fetch(limit, offset):
        calls.append(offset)
        return {"data": [{"id": 1}, {"id": 2}], "links": {"next": "x"}}

    assert [r["id"] for r in iter_records(fetch)] == [1, 2]
    assert calls == [0, 2]


def test_a_list_that_shifts_under_the_pager_yields_no_record_twice():
    pages = {0: ["a", "b"], 2: ["b", "c"], 4: ["d"]}  # a record arrived before the offset between two reads

    def fetch(limit, offset):
        return {"data": [{"id": i} for i in pages[offset]], "links": {"next": "n"} if offset < 4 else {}}

    assert [r["id"] for r in iter_records(fetch, page_size=2)] == ["a", "b", "c", "d"]
    with pytest.raises(ValueError):
        next(iter_pages(fetch, page_size=0))


def test_only_the_previous_page_is_remembered_so_memory_stays_one_page():
    """A long walk keeps the ids of one page, not of every record (checked through what it still skips)."""
    pages = {0: ["a", "b"], 2: ["c", "d"], 4: ["a", "e"]}  # "a" again two pages later: not the overlap

    def fetch(limit, offset):
        return {"data": [{"id": i} for i in pages[offset]], "links": {"next": "n"} if offset < 4 else {}}

    assert [r["id"] for r in iter_records(fetch, page_size=2)] == ["a", "b", "c", "d", "a", "e"]
