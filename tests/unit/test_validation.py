"""Shape checks of request bodies: a malformed field is VALIDATION_ERROR naming the field,
never another exception (which would surface as a 500)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.errors import ContestError
from chalicelib.validation import (
    MAX_ANSWERS,
    MAX_ID_LENGTH,
    MAX_PREDICTION,
    answers_field,
    prediction_field,
    require_object,
    text_field,
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
ids = st.text("0123456789abcdef-", min_size=1, max_size=MAX_ID_LENGTH)


def refused_field(call, *args, **kwargs) -> str:
    with pytest.raises(ContestError) as refused:
        call(*args, **kwargs)
    assert refused.value.code == "VALIDATION_ERROR"
    assert refused.value.status == 400
    return refused.value.field


# ---------------------------------------------------------------- text fields


def test_text_is_trimmed_and_inner_whitespace_collapsed() -> None:
    body = {"full_name": "  Nguyễn   Văn\tAn \n"}
    assert text_field(body, "full_name", max_length=100) == "Nguyễn Văn An"


@pytest.mark.parametrize("value", [None, "", "   ", "\t\n"])
def test_a_required_text_that_is_missing_or_blank_is_refused(value: object) -> None:
    assert refused_field(text_field, {"full_name": value}, "full_name", max_length=100) == "full_name"


@pytest.mark.parametrize("value", [42, ["An"], {"name": "An"}, True])
def test_a_text_field_that_is_not_a_string_is_refused(value: object) -> None:
    assert refused_field(text_field, {"workplace": value}, "workplace", max_length=10, required=False) == (
        "workplace"
    )


def test_an_optional_text_may_be_absent_or_blank() -> None:
    assert text_field({}, "workplace", max_length=200, required=False) == ""
    assert text_field({"workplace": "  "}, "workplace", max_length=200, required=False) == ""


def test_the_length_limit_counts_characters_after_collapsing_spaces() -> None:
    assert text_field({"n": "ab    cd"}, "n", max_length=5) == "ab cd"
    assert refused_field(text_field, {"n": "abcdef"}, "n", max_length=5) == "n"


def test_the_length_limit_counts_vietnamese_letters_as_one_each() -> None:
    assert text_field({"n": "Nguyễn"}, "n", max_length=6) == "Nguyễn"


@given(st.text(max_size=60))
def test_accepted_text_never_has_stray_whitespace(value: str) -> None:
    try:
        cleaned = text_field({"n": value}, "n", max_length=50)
    except ContestError as error:
        assert error.code == "VALIDATION_ERROR"
        return
    assert cleaned == cleaned.strip()
    assert "  " not in cleaned
    assert 0 < len(cleaned) <= 50


# ---------------------------------------------------------------- answers


def test_absent_answers_are_none_not_empty() -> None:
    assert answers_field({}) is None
    assert answers_field({"answers": None}) is None


def test_an_empty_answer_map_is_accepted() -> None:
    assert answers_field({"answers": {}}) == {}


@pytest.mark.parametrize(
    "answers",
    [
        ["q1", "a"],
        "q1=a",
        {"q1": 3},
        {"q1": None},
        {"q1": ""},
        {"q1": "a" * (MAX_ID_LENGTH + 1)},
        {"": "a"},
        {"q" * (MAX_ID_LENGTH + 1): "a"},
        {f"q{i}": "a" for i in range(MAX_ANSWERS + 1)},
    ],
)
def test_malformed_answers_are_refused(answers: object) -> None:
    assert refused_field(answers_field, {"answers": answers}) == "answers"


def test_the_largest_allowed_answer_map_is_accepted() -> None:
    answers = {f"q{i}": "x" * MAX_ID_LENGTH for i in range(MAX_ANSWERS)}
    assert answers_field({"answers": answers}) == answers


@given(st.dictionaries(ids, ids, max_size=10))
def test_well_formed_answers_come_back_unchanged_as_a_copy(answers: dict[str, str]) -> None:
    body = {"answers": answers}
    accepted = answers_field(body)
    assert accepted == answers
    assert accepted is not answers


# ---------------------------------------------------------------- prediction


@pytest.mark.parametrize("value", [0, 1, 1234, MAX_PREDICTION])
def test_a_whole_number_in_range_is_a_prediction(value: int) -> None:
    assert prediction_field({"prediction": value}) == value


def test_an_absent_prediction_is_none() -> None:
    assert prediction_field({}) is None


@pytest.mark.parametrize("value", [-1, MAX_PREDICTION + 1, 12.0, 12.5, "12", True, False, [12]])
def test_anything_but_a_whole_number_in_range_is_refused(value: object) -> None:
    assert refused_field(prediction_field, {"prediction": value}) == "prediction"


# ---------------------------------------------------------------- bodies


@pytest.mark.parametrize("body", [[], "text", 1, None, True])
def test_a_body_that_is_not_an_object_is_refused(body: object) -> None:
    assert refused_field(require_object, body) == "body"


def test_an_object_body_is_returned_as_is() -> None:
    body = {"a": 1}
    assert require_object(body) is body


@given(json_values)
def test_any_json_value_is_either_accepted_or_a_validation_error(value: object) -> None:
    # GIVEN any JSON value in any field
    body = {"full_name": value, "answers": value, "prediction": value}
    # WHEN each check reads it
    # THEN it returns or refuses with VALIDATION_ERROR: no other exception escapes
    for check in (
        lambda: text_field(body, "full_name", max_length=100),
        lambda: answers_field(body),
        lambda: prediction_field(body),
        lambda: require_object(value),
    ):
        try:
            check()
        except ContestError as error:
            assert error.code == "VALIDATION_ERROR"
