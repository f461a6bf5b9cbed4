"""Checks of who may register: the 12-digit CCCD, Vietnamese phone numbers, birth date.

CCCD layout (Circular 07/2016/TT-BCA, art. 7): 3 digits province of birth registration,
1 digit century-and-gender, 2 digits year of birth, 6 random digits.
"""

from __future__ import annotations

import re
from datetime import date

from chalicelib.errors import ContestError, validation_error

PROVINCE_CODES = frozenset(
    [
        "001",
        "002",
        "004",
        "006",
        "008",
        "010",
        "011",
        "012",
        "014",
        "015",
        "017",
        "019",
        "020",
        "022",
        "024",
        "025",
        "026",
        "027",
        "030",
        "031",
        "033",
        "034",
        "035",
        "036",
        "037",
        "038",
        "040",
        "042",
        "044",
        "045",
        "046",
        "048",
        "049",
        "051",
        "052",
        "054",
        "056",
        "058",
        "060",
        "062",
        "064",
        "066",
        "067",
        "068",
        "070",
        "072",
        "074",
        "075",
        "077",
        "079",
        "080",
        "082",
        "083",
        "084",
        "086",
        "087",
        "089",
        "091",
        "092",
        "093",
        "094",
        "095",
        "096",
    ]
)
GENDERS = ("male", "female")
_DIGITS_12 = re.compile(r"[0-9]{12}")
_MOBILE = re.compile(r"0[35789][0-9]{8}")
_LANDLINE = re.compile(r"02[0-9]{9}")
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def century_gender_digit(birth_year: int, gender: str) -> int:
    """The 4th CCCD digit: 0/1 for 1900s male/female, 2/3 for 2000s, and so on."""
    century_index = (birth_year // 100) - 19
    return century_index * 2 + (1 if gender == "female" else 0)


def validate_national_id(national_id: str, date_of_birth: date, gender: str) -> str:
    """Return the CCCD if it is well formed and agrees with birth date and gender."""
    if not isinstance(national_id, str) or not _DIGITS_12.fullmatch(national_id):
        raise ContestError("INVALID_NATIONAL_ID", field="national_id", detail="cần đúng 12 chữ số")
    if national_id[:3] not in PROVINCE_CODES:
        raise ContestError("INVALID_NATIONAL_ID", field="national_id", detail="mã tỉnh không tồn tại")
    expected = century_gender_digit(date_of_birth.year, gender)
    if not 0 <= expected <= 9 or int(national_id[3]) != expected:
        raise ContestError(
            "INVALID_NATIONAL_ID", field="national_id", detail="chữ số thứ 4 không khớp giới tính, năm sinh"
        )
    if national_id[4:6] != f"{date_of_birth.year % 100:02d}":
        raise ContestError(
            "INVALID_NATIONAL_ID", field="national_id", detail="chữ số 5-6 không khớp năm sinh"
        )
    return national_id


def normalize_phone(phone: str) -> str:
    """Return the number in national form ``0…``; accepts ``+84…``/``84…`` and separators."""
    if not isinstance(phone, str):
        raise ContestError("INVALID_PHONE", field="phone")
    compact = _PHONE_SEPARATORS.sub("", phone.strip())
    if compact.startswith("+84"):
        compact = "0" + compact[3:]
    elif compact.startswith("84") and len(compact) in (11, 12):
        compact = "0" + compact[2:]
    if _MOBILE.fullmatch(compact) or _LANDLINE.fullmatch(compact):
        return compact
    raise ContestError("INVALID_PHONE", field="phone")


def parse_birth_date(value: object, today: date) -> date:
    """A real calendar date between 1900-01-01 and today."""
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise validation_error("date_of_birth", "ngày sinh cần dạng NNNN-TT-NN")
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise validation_error("date_of_birth", "ngày sinh không có trên lịch") from None
    if parsed.year < 1900 or parsed > today:
        raise validation_error("date_of_birth", "ngày sinh phải từ năm 1900 đến hôm nay")
    return parsed


def mask_national_id(national_id: str) -> str:
    """Only the last 4 digits are ever shown back."""
    return "*" * (len(national_id) - 4) + national_id[-4:]
