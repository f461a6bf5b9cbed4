"""Domain refusals: one exception type carrying a stable code and an HTTP status."""

from __future__ import annotations

from chalicelib.messages import ERROR_MESSAGES


class ContestError(Exception):
    """A refusal the caller can act on; mapped to a 4xx in exactly one place (http.py)."""

    status = 400

    def __init__(
        self,
        code: str,
        status: int | None = None,
        *,
        field: str | None = None,
        detail: str | None = None,
        message_key: str | None = None,
    ) -> None:
        super().__init__(code)
        self.code = code
        self.message_key = message_key
        if status is not None:
            self.status = status
        self.field = field
        self.detail = detail

    @property
    def message(self) -> str:
        base = ERROR_MESSAGES.get(self.message_key or self.code, ERROR_MESSAGES["VALIDATION_ERROR"])
        return f"{base} ({self.detail})" if self.detail else base

    def to_body(self) -> dict:
        error: dict = {"code": self.code, "message": self.message}
        if self.field:
            error["field"] = self.field
        return {"error": error}


def validation_error(field: str, detail: str | None = None) -> ContestError:
    return ContestError("VALIDATION_ERROR", 400, field=field, detail=detail)
