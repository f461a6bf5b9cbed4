"""Who may register: CCCD layout, Vietnamese phone numbers, birth dates and masking."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.identity import (
    GENDERS,
    PROVINCE_CODES,
    century_gender_digit,
    mask_national_id,
    normalize_phone,
    parse_birth_date,
    validate_national_id,
)
from chalicelib.errors import ContestError

TODAY = date(2021, 12, 15)
HANOI = "001"
MOBILE_PREFIXES = ("03", "05", "07", "08", "09")


def cccd(birth: date, gender: str, province: str = HANOI, tail: str = "123456") -> str:
    return f"{province}{century_gender_digit(birth.year, gender)}{birth.year % 100:02d}{tail}"


def refusal_code(call, *args) -> str:
    with pytest.raises(ContestError) as refused:
        call(*args)
    return refused.value.code


# ---------------------------------------------------------------- CCCD


@pytest.mark.parametrize(
    ("birth", "gender", "digit"),
    [
        (date(1990, 5, 1), "male", "0"),
        (date(1990, 5, 1), "female", "1"),
        (date(1900, 1, 1), "male", "0"),
        (date(1999, 12, 31), "female", "1"),
        (date(2000, 1, 1), "male", "2"),
        (date(2003, 7, 9), "female", "3"),
    ],
)
def test_fourth_digit_encodes_century_and_gender(birth: date, gender: str, digit: str) -> None:
    # GIVEN a CCCD whose 4th digit is the one the circular assigns
    national_id = f"001{digit}{birth.year % 100:02d}000777"
    # WHEN it is validated against that birth date and gender
    accepted = validate_national_id(national_id, birth, gender)
    # THEN it is accepted unchanged
    assert accepted == national_id


@pytest.mark.parametrize(
    ("birth", "gender", "wrong_digit"),
    [
        (date(1990, 5, 1), "male", "1"),
        (date(1990, 5, 1), "female", "0"),
        (date(2003, 7, 9), "male", "0"),
        (date(2003, 7, 9), "female", "1"),
        (date(2003, 7, 9), "male", "3"),
    ],
)
def test_fourth_digit_of_the_other_gender_or_century_is_refused(
    birth: date, gender: str, wrong_digit: str
) -> None:
    national_id = f"001{wrong_digit}{birth.year % 100:02d}000777"
    assert refusal_code(validate_national_id, national_id, birth, gender) == "INVALID_NATIONAL_ID"


def test_digits_five_and_six_must_be_the_birth_year() -> None:
    # GIVEN a person born in 1990 whose CCCD says 91
    birth = date(1990, 5, 1)
    # WHEN / THEN
    assert refusal_code(validate_national_id, "001091123456", birth, "male") == "INVALID_NATIONAL_ID"


@pytest.mark.parametrize(
    "national_id",
    ["00109012345", "0010901234567", "00109012345a", "001 90123456", "", "001-090123456"],
)
def test_anything_but_twelve_digits_is_refused(national_id: str) -> None:
    assert refusal_code(validate_national_id, national_id, date(1990, 1, 1), "male") == "INVALID_NATIONAL_ID"


def test_a_number_is_refused_when_it_is_not_a_string() -> None:
    assert refusal_code(validate_national_id, 1090123456, date(1990, 1, 1), "male") == "INVALID_NATIONAL_ID"


@pytest.mark.parametrize("province", ["000", "003", "005", "013", "099", "100", "999"])
def test_province_codes_that_do_not_exist_are_refused(province: str) -> None:
    birth = date(1990, 1, 1)
    national_id = cccd(birth, "male", province=province)
    assert refusal_code(validate_national_id, national_id, birth, "male") == "INVALID_NATIONAL_ID"


def test_every_province_code_is_three_digits_and_there_are_sixty_three() -> None:
    # The 63 provinces and centrally-run cities before the 2025 merger.
    assert len(PROVINCE_CODES) == 63
    assert all(len(code) == 3 and code.isdigit() for code in PROVINCE_CODES)


def test_refusal_says_which_field_and_why_in_vietnamese() -> None:
    with pytest.raises(ContestError) as refused:
        validate_national_id("001190123456", date(1990, 1, 1), "male")
    body = refused.value.to_body()["error"]
    assert body["code"] == "INVALID_NATIONAL_ID"
    assert body["field"] == "national_id"
    assert "chữ số thứ 4" in body["message"]


@pytest.mark.parametrize("disguised", ["001090123456\n", "001٠90123456"])
def test_a_cccd_with_a_trailing_newline_or_non_ascii_digits_is_refused(disguised: str) -> None:
    # GIVEN the CCCD 001090123456 disguised so that it is a different string
    # WHEN / THEN it is refused (otherwise one person registers twice, or escapes the exclusion list)
    assert refusal_code(validate_national_id, disguised, date(1990, 1, 1), "male") == "INVALID_NATIONAL_ID"


births = st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31))


@given(
    province=st.sampled_from(sorted(PROVINCE_CODES)),
    birth=births,
    gender=st.sampled_from(GENDERS),
    tail=st.text("0123456789", min_size=6, max_size=6),
)
def test_any_cccd_built_by_the_rules_validates(province: str, birth: date, gender: str, tail: str) -> None:
    # GIVEN a CCCD built from a real province, the century/gender digit, the year and 6 random digits
    national_id = cccd(birth, gender, province=province, tail=tail)
    # WHEN / THEN it validates
    assert validate_national_id(national_id, birth, gender) == national_id


@given(
    birth=births,
    gender=st.sampled_from(GENDERS),
    other=st.integers(0, 9),
)
def test_changing_the_fourth_digit_to_any_other_value_is_refused(
    birth: date, gender: str, other: int
) -> None:
    # GIVEN a valid CCCD
    valid = cccd(birth, gender)
    if int(valid[3]) == other:
        other = (other + 1) % 10
    # WHEN its 4th digit is replaced by any other digit
    changed = valid[:3] + str(other) + valid[4:]
    # THEN it is refused
    assert refusal_code(validate_national_id, changed, birth, gender) == "INVALID_NATIONAL_ID"


# ---------------------------------------------------------------- phone numbers


@pytest.mark.parametrize(
    "written",
    [
        "0912345678",
        "+84912345678",
        "84912345678",
        "+84 912 345 678",
        "0912.345.678",
        "0912 345 678",
        "(+84) 912-345-678",
        "  0912345678  ",
    ],
)
def test_a_mobile_number_in_any_usual_form_becomes_its_national_form(written: str) -> None:
    assert normalize_phone(written) == "0912345678"


@pytest.mark.parametrize("prefix", MOBILE_PREFIXES)
def test_every_mobile_prefix_is_accepted(prefix: str) -> None:
    assert normalize_phone(f"{prefix}12345678") == f"{prefix}12345678"


@pytest.mark.parametrize(
    ("written", "national"),
    [
        ("02083123456", "02083123456"),  # Thái Nguyên
        ("+84 208 3123 456", "02083123456"),
        ("842083123456", "02083123456"),
        ("024.3825.1234", "02438251234"),  # Hà Nội
    ],
)
def test_a_landline_02x_number_is_accepted(written: str, national: str) -> None:
    assert normalize_phone(written) == national


@pytest.mark.parametrize(
    "written",
    [
        "0112345678",  # no such mobile prefix
        "0412345678",
        "0612345678",
        "091234567",  # one digit short
        "09123456789",  # one digit long
        "0212345678",  # landline needs 11 digits
        "+1 912 345 678",
        "0912a45678",
        "",
        "+84",
    ],
)
def test_numbers_that_are_not_vietnamese_phones_are_refused(written: str) -> None:
    assert refusal_code(normalize_phone, written) == "INVALID_PHONE"


def test_a_phone_that_is_not_a_string_is_refused() -> None:
    assert refusal_code(normalize_phone, 912345678) == "INVALID_PHONE"


def test_a_phone_with_non_ascii_digits_is_refused() -> None:
    assert refusal_code(normalize_phone, "09١٢345678") == "INVALID_PHONE"


separators = st.sampled_from([" ", ".", "-", "  ", ""])


@given(
    prefix=st.sampled_from(MOBILE_PREFIXES),
    digits=st.text("0123456789", min_size=8, max_size=8),
    cuts=st.lists(st.tuples(st.integers(1, 8), separators), max_size=4),
)
def test_any_mobile_written_as_plus_84_with_separators_normalises_to_the_national_form(
    prefix: str, digits: str, cuts: list[tuple[int, str]]
) -> None:
    # GIVEN a valid mobile and the same number written +84 with separators in random places
    national = prefix + digits
    subscriber = national[1:]
    for position, separator in sorted(cuts, reverse=True):
        subscriber = subscriber[:position] + separator + subscriber[position:]
    written = "+84 " + subscriber
    # WHEN / THEN both normalise to the national form
    assert normalize_phone(written) == normalize_phone(national) == national


# ---------------------------------------------------------------- birth dates


def test_a_real_past_date_is_parsed() -> None:
    assert parse_birth_date("1990-02-28", TODAY) == date(1990, 2, 28)


@pytest.mark.parametrize("value", ["1990-02-30", "1991-02-29", "1990-13-01", "1990-04-31", "1990-00-10"])
def test_dates_that_are_not_on_the_calendar_are_refused(value: str) -> None:
    assert refusal_code(parse_birth_date, value, TODAY) == "VALIDATION_ERROR"


def test_leap_day_is_accepted_in_a_leap_year() -> None:
    assert parse_birth_date("2000-02-29", TODAY) == date(2000, 2, 29)


def test_today_is_accepted_and_tomorrow_is_refused() -> None:
    assert parse_birth_date("2021-12-15", TODAY) == TODAY
    assert refusal_code(parse_birth_date, "2021-12-16", TODAY) == "VALIDATION_ERROR"


def test_1900_is_the_earliest_year() -> None:
    assert parse_birth_date("1900-01-01", TODAY) == date(1900, 1, 1)
    assert refusal_code(parse_birth_date, "1899-12-31", TODAY) == "VALIDATION_ERROR"


@pytest.mark.parametrize(
    "value", ["15/12/1990", "1990-1-5", "19900105", "", None, 19900105, "1990-01-05T00:00"]
)
def test_anything_but_yyyy_mm_dd_is_refused(value: object) -> None:
    assert refusal_code(parse_birth_date, value, TODAY) == "VALIDATION_ERROR"


# ---------------------------------------------------------------- masking


def test_masking_shows_only_the_last_four_digits() -> None:
    assert mask_national_id("001090123456") == "********3456"


@given(st.text("0123456789", min_size=12, max_size=12))
def test_masking_keeps_the_length_and_hides_the_first_eight_digits(national_id: str) -> None:
    masked = mask_national_id(national_id)
    assert len(masked) == 12
    assert masked[:8] == "*" * 8
    assert masked[8:] == national_id[8:]
