"""normalize_number / format_number: common forms in, 11 digits out, everything else refused."""

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from flowroute_api import InvalidNumberError, format_number, normalize_number


@pytest.mark.parametrize(
    "text",
    ["+1 (206) 555-0100", "206-555-0100", "12065550100", "2065550100", "(206) 555 0100", "206.555.0100",
     "+12065550100", "1-206-555-0100", 12065550100],
)  # fmt: skip
def test_common_forms_normalise_to_eleven_digits(text):
    assert normalize_number(text) == "12065550100"


@pytest.mark.parametrize("text", ["18885550142", "16465550199", "13125550123", "14155550123"])
def test_fictional_555_01xx_and_toll_free_numbers_are_accepted(text):
    assert normalize_number(text) == text


@pytest.mark.parametrize(
    "text",
    ["206-555", "", "   ", "hello", "+44 20 7946 0958", "1206555010", "120655501000", "0065550100",
     "1065550100", "2061550100", "206-555-0100 ext. 7", "911", None, 3.5, True],
)  # fmt: skip
def test_invalid_input_raises_invalid_number_error(text):
    with pytest.raises(InvalidNumberError):
        normalize_number(text)


def test_invalid_number_message_quotes_the_input():
    with pytest.raises(InvalidNumberError) as caught:
        normalize_number("206-555")
    assert str(caught.value) == '"206-555" is not a valid phone number'
    assert isinstance(caught.value, ValueError)


def test_format_number_is_readable():
    assert format_number("12065550100") == "+1 206-555-0100"
    assert format_number("(888) 555-0142") == "+1 888-555-0142"


@given(st.text(max_size=40))
@example("+1 (206) 555-0100")
@example("１２０６５５５０１００")
@example("+" + "9" * 300)
@example("tel:+1-206-555-0100;ext=1")
def test_any_text_normalises_or_raises_invalid_number_error(text):
    try:
        result = normalize_number(text)
    except InvalidNumberError:
        return
    assert len(result) == 11
    assert result.isascii() and result.isdigit()
    assert result.startswith("1")
    assert normalize_number(result) == result


@given(st.from_regex(r"\A1?[2-9][0-9]{2}[2-9][0-9]{6}\Z"))
def test_every_nanp_shaped_number_is_accepted(digits):
    assert normalize_number(digits) == digits[-10:].rjust(11, "1")
