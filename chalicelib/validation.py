"""Shape checks of request bodies: every malformed field becomes VALIDATION_ERROR with
the field's name, never an exception that would surface as a 500."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from chalicelib.errors import ContestError, validation_error

MAX_ANSWERS = 200
MAX_ID_LENGTH = 64
MAX_PREDICTION = 10_000_000
# Ids the server made (question ids, option ids): never anything a page could render.
_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Surrogates (break UTF-8 output), controls, and format characters: bidirectional
# overrides and zero-width characters make a name read as something else.
_REFUSED_CATEGORIES = frozenset({"Cs", "Cc", "Cf"})


def clean_text(value: str, name: str) -> str:
    """Text as stored and shown: NFC, whitespace runs collapsed to one space, and refused
    when it holds a character that could break a response or disguise what it says."""
    if any(unicodedata.category(char) in _REFUSED_CATEGORIES and not char.isspace() for char in value):
        raise validation_error(name, "có ký tự không được phép (ký tự điều khiển hoặc vô hình)")
    return unicodedata.normalize("NFC", " ".join(value.split()))


def text_field(body: dict, name: str, *, max_length: int, required: bool = True) -> str:
    value = body.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise validation_error(name, "cần là chuỗi ký tự")
    value = clean_text(value, name)
    if required and not value:
        raise validation_error(name, "không được để trống")
    if len(value) > max_length:
        raise validation_error(name, f"tối đa {max_length} ký tự")
    return value


def answers_field(body: dict, name: str = "answers") -> dict[str, str] | None:
    """``{question_id: option_id}`` or None when absent."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, dict) or len(value) > MAX_ANSWERS:
        raise validation_error(name, "cần là bảng câu hỏi → phương án")
    for key, option in value.items():
        if not (isinstance(option, str) and _ID.match(option) and _ID.match(key)):
            raise validation_error(name, "mã câu hỏi hoặc phương án không hợp lệ")
    return dict(value)


def prediction_field(body: dict, name: str = "prediction") -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PREDICTION:
        raise validation_error(name, f"cần là số nguyên từ 0 đến {MAX_PREDICTION}")
    return value


def flag_field(body: dict, name: str) -> bool:
    """An optional true/false field; absent is false."""
    value = body.get(name, False)
    if not isinstance(value, bool):
        raise validation_error(name, "cần là true hoặc false")
    return value


def require_object(body: Any) -> dict:
    if not isinstance(body, dict):
        raise validation_error("body", "cần là một đối tượng JSON")
    return body


def national_id_field(value: object, field: str = "national_id") -> str:
    """A CCCD's shape, checked before anything else reads it (keys, hashes, logs)."""
    if not isinstance(value, str) or len(value) != 12 or not value.isascii() or not value.isdigit():
        raise ContestError("INVALID_NATIONAL_ID", 400, field=field, detail="cần đúng 12 chữ số")
    return value
