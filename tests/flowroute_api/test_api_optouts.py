"""Opt-out keyword rules: which inbound bodies opt out or in, and the state a sequence leads to."""

import string

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from flowroute_api import FlowrouteError, InvalidRequestError, NotFoundError, ServerError
from flowroute_api.optouts import (
    KEYWORDS,
    OPT_OUT_KEYWORDS,
    OptOutState,
    classify,
    is_opt_out_refusal,
    next_state,
    opt_keyword,
    state_after,
)

IN, OUT, STOPPED = OptOutState.OPTED_IN, OptOutState.OPTED_OUT, OptOutState.STOPPED

keywords = st.sampled_from(sorted(KEYWORDS))
surroundings = st.text(alphabet=string.whitespace + string.punctuation + "¡¿“”«»。\u200b", max_size=6)


@st.composite
def any_case(draw, word):
    return "".join(char.upper() if draw(st.booleans()) else char.lower() for char in word)


@pytest.mark.parametrize(
    "body, expected",
    [
        ("STOP", "STOP"),
        ("stop", "STOP"),
        ("  Stop!  ", "STOP"),
        ("\n\tunsubscribe.\n", "UNSUBSCRIBE"),
        ("“Quit”", "QUIT"),
        ("STOPALL", "STOPALL"),
        ("Cancel?!", "CANCEL"),
        ("end", "END"),
        ("UNSTOP", "UNSTOP"),
        ("start", "START"),
        ("STOP PLEASE", None),
        ("Stop it", None),
        ("STOP ALL", None),
        ("STOPP", None),
        ("don't stop", None),
        ("STOP 🛑", None),
        ("ＳＴＯＰ", None),
        ("ſtop", None),
        ("", None),
        ("!!!", None),
        (None, None),
        (1110, None),
    ],
)
def test_keyword_examples(body, expected):
    assert opt_keyword(body) == expected


@given(word=keywords.flatmap(any_case), before=surroundings, after=surroundings)
def test_a_keyword_in_any_case_with_surrounding_spaces_and_punctuation_is_recognised(word, before, after):
    assert opt_keyword(before + word + after) == word.upper()


@given(word=keywords, extra=st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=5))
def test_anything_else_next_to_the_keyword_makes_it_an_ordinary_message(word, extra):
    assert opt_keyword(f"{word} {extra}") is None
    assert opt_keyword(f"{extra} {word}") is None
    assert opt_keyword(word + extra) is None or (word + extra).upper() in KEYWORDS  # STOP + ALL = STOPALL


@given(body=st.text(max_size=30))
@example("stop")
@example(" S.T.O.P ")
def test_a_recognised_body_holds_nothing_but_the_keyword_and_ignorable_characters(body):
    keyword = opt_keyword(body)
    if keyword is not None:
        assert "".join(char for char in body if char.isalnum()).upper() == keyword


@pytest.mark.parametrize(
    "body, action",
    [("STOP", "opt_out"), ("quit!", "opt_out"), ("Unstop", "opt_in"), ("START", "opt_in"), ("stop now", None)],
)
def test_classify(body, action):
    assert classify(body) == action


def test_state_transitions():
    assert state_after("STOP") is STOPPED
    assert state_after("quit") is OUT
    assert state_after("START", OUT) is IN
    assert state_after("START", STOPPED) is STOPPED
    assert state_after("UNSTOP", STOPPED) is IN
    assert state_after("UNSTOP", OUT) is IN
    assert state_after("QUIT", STOPPED) is STOPPED
    assert state_after("STOP", OUT) is STOPPED
    assert state_after("hello", STOPPED) is STOPPED
    assert state_after("hello", OUT) is OUT


def test_states_are_plain_strings_for_storage():
    assert OptOutState("stopped") is STOPPED
    assert [state.blocks_sending for state in (IN, OUT, STOPPED)] == [False, True, True]
    with pytest.raises(ValueError):
        next_state(IN, "HELLO")


def _model(sequence):
    """An independent statement of the rules, over the whole history.

    Flowroute blocks when a STOP came after the last UNSTOP. Otherwise our own opt-out holds when
    the last keyword after the last UNSTOP (if any) was an opt-out rather than START.
    """
    words = [word for word in sequence if word is not None]
    last_unstop = max((i for i, word in enumerate(words) if word == "UNSTOP"), default=-1)
    since = words[last_unstop + 1 :]
    if "STOP" in since:
        return STOPPED
    if since and since[-1] in OPT_OUT_KEYWORDS:
        return OUT
    return IN


@given(sequence=st.lists(st.one_of(st.none(), keywords), max_size=25))
def test_any_keyword_sequence_ends_in_the_state_the_rules_describe(sequence):
    state = IN
    for word in sequence:
        state = next_state(state, word)
    assert state is _model(sequence)


@given(sequence=st.lists(keywords, max_size=15))
def test_unstop_always_opts_in_and_stop_always_opts_out(sequence):
    state = IN
    for word in sequence:
        state = next_state(state, word)
    assert next_state(state, "UNSTOP") is IN
    assert next_state(state, "STOP") is STOPPED
    assert next_state(state, "START") is (STOPPED if state is STOPPED else IN)


def _error(status, errors, error_class=InvalidRequestError):
    details = [item["detail"] for item in errors if item.get("detail")]
    return error_class(status=status, errors=errors, detail="; ".join(details) or None)


@pytest.mark.parametrize(
    "error",
    [
        _error(400, [{"code": 1110, "detail": "Message accepted by the SMSC but the phone rejected the message"}]),
        _error(400, [{"code": "1110"}]),
        _error(400, [{"title": "Error 1110", "detail": "recipient opted out"}]),
        _error(400, [{"detail": "Delivery failed (1110): Message accepted by the SMSC but the phone rejected it"}]),
        InvalidRequestError(status=400, detail="error code 1110"),
    ],
)
def test_flowroutes_opt_out_refusal_is_recognised(error):
    assert is_opt_out_refusal(error)


@pytest.mark.parametrize(
    "error",
    [
        _error(400, [{"detail": "Could not send to 12061110000"}]),
        _error(400, [{"code": 11100}]),
        _error(422, [{"detail": "body is required"}]),
        _error(422, [{"code": 1110}]),  # the docs name 400 only
        _error(404, [{"code": 1110}], NotFoundError),
        _error(500, [{"code": 1110}], ServerError),
        FlowrouteError(title="could not be reached"),
        ValueError("1110"),
    ],
)
def test_other_errors_are_not_opt_out_refusals(error):
    assert not is_opt_out_refusal(error)
