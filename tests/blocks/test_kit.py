"""Block Kit pieces: Slack's size limits, the pager's state, and modal metadata that survives a round trip."""

import json

from blocks.kit import (
    PAGE_ACTION,
    button,
    form_metadata,
    modal,
    new_nonce,
    nonce_of,
    pager_block,
    plain,
    read_metadata,
    read_value,
    section,
    state_option,
    state_value,
    with_nonce,
)


def test_text_is_cut_to_slacks_limits():
    assert plain("x" * 80)["text"] == "x" * 74 + "…"
    assert len(section("y" * 5000)["text"]["text"]) == 3000


def test_a_button_value_is_compact_json_unless_it_is_text():
    assert button("Go", "go_action", {"n": "abc"})["value"] == '{"n":"abc"}'
    assert button("Go", "go_action", "raw")["value"] == "raw"


def test_every_button_carries_its_nonce_under_one_key():
    fresh = with_nonce({"number": "12065550100"})
    assert set(fresh) == {"number", "n"} and len(fresh["n"]) == 16 and nonce_of(fresh) == fresh["n"]
    assert with_nonce({"id": "7"}, "abc") == {"id": "7", "n": "abc"}
    assert with_nonce({"id": "7"})["n"] != with_nonce({"id": "7"})["n"]
    assert nonce_of({"id": "7"}) is None and nonce_of({"n": ""}) is None and len(new_nonce()) == 16


def test_the_pager_carries_the_list_and_its_next_offset():
    block = pager_block("numbers list", {"limit": 10, "offset": 10, "starts_with": None}, has_next=True)
    previous, following = block["elements"]
    assert previous["action_id"] == f"{PAGE_ACTION}_prev" and following["action_id"] == f"{PAGE_ACTION}_next"
    assert json.loads(following["value"]) == {"k": "numbers list", "o": {"limit": 10, "offset": 20}}
    assert json.loads(previous["value"])["o"]["offset"] == 0
    assert pager_block("numbers list", {"limit": 10, "offset": 0}, has_next=False) is None


def test_modal_metadata_has_one_shape_and_reads_back():
    metadata = form_metadata("https://hooks.slack.com/x", "C1", "U1", number="12065550100")
    view = modal("some_view", "A title", [], metadata, submit="Save")
    assert read_metadata(view) == {"url": "https://hooks.slack.com/x", "channel": "C1", "user": "U1",
                                   "number": "12065550100"}
    assert read_metadata({"private_metadata": "not json"}) == {} and read_metadata({}) == {}
    assert read_value("[1, 2]") is None and read_value(None) is None


def test_submitted_values_are_read_from_inputs_and_selects():
    values = {"b1": {"a1": {"type": "plain_text_input", "value": "typed"}},
              "b2": {"a2": {"type": "static_select", "selected_option": {"value": "v", "text": plain("V")}}},
              "b3": {"a3": {"type": "static_select", "selected_option": None}}}
    assert state_value(values, "b1", "a1") == "typed" and state_value(values, "b2", "a2") == "v"
    assert state_option(values, "b2", "a2")["value"] == "v"
    assert state_option(values, "b3", "a3") is None and state_value(values, "missing", "a") is None
