"""Shape checks of request bodies: every malformed field becomes VALIDATION_ERROR with
the field's name, never an exception that would surface as a 500."""

from __future__ import annotations

from typing import Any

from chalicelib.errors import validation_error

MAX_ANSWERS = 200
MAX_ID_LENGTH = 64
MAX_PREDICTION = 10_000_000


def text_field(body: dict, name: str, *, max_length: int, required: bool = True) -> str:
    value = body.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise validation_error(name, "cần là chuỗi ký tự")
    value = " ".join(value.split())
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
        if not (
            isinstance(option, str) and 0 < len(option) <= MAX_ID_LENGTH and 0 < len(key) <= MAX_ID_LENGTH
        ):
            raise validation_error(name, "mã câu hỏi hoặc phương án không hợp lệ")
    return dict(value)


def prediction_field(body: dict, name: str = "prediction") -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PREDICTION:
        raise validation_error(name, f"cần là số nguyên từ 0 đến {MAX_PREDICTION}")
    return value


def require_object(body: Any) -> dict:
    if not isinstance(body, dict):
        raise validation_error("body", "cần là một đối tượng JSON")
    return body
