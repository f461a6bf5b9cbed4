"""The thin HTTP layer: JSON in, JSON out, and the one place where refusals become
status codes."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from chalice import Response
from pynamodb.exceptions import PynamoDBException

from chalicelib.errors import ContestError, validation_error

logger = Logger(service="songcong-contest")

JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"}
# Accepted so that a wrong content type gets our VALIDATION_ERROR, not Chalice's own 415.
BODY_CONTENT_TYPES = [
    "application/json",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "application/octet-stream",
]
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
MAX_BODY_BYTES = 64 * 1024


def respond(body: Any, status: int = 200) -> Response:
    return Response(body=json.dumps(body, ensure_ascii=False), status_code=status, headers=JSON_HEADERS)


def error_response(error: ContestError) -> Response:
    return respond(error.to_body(), error.status)


def json_body(request: Any) -> Any:
    """Parse the raw body ourselves so a body that is not JSON is a clean 400."""
    raw = request.raw_body or b""
    if len(raw) > MAX_BODY_BYTES:
        raise validation_error("body", "nội dung quá lớn")
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise validation_error("body", "không phải JSON hợp lệ") from None


def bearer_token(request: Any) -> str | None:
    header = (request.headers or {}).get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def api(view: Callable[..., Any]) -> Callable[..., Response]:
    """Wrap a view: refusals map to their 4xx, storage trouble to 503 (retry), and
    nothing unexpected leaks a stack trace."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        try:
            result = view(*args, **kwargs)
        except ContestError as error:
            return error_response(error)
        except PynamoDBException:
            logger.exception("storage error")
            return error_response(ContestError("SERVICE_BUSY", 503))
        if isinstance(result, Response):
            return result
        return respond(result)

    return wrapper


def refuse_other_methods(app: Any) -> None:
    """Answer every method a path does not serve with our 405 body instead of Chalice's."""
    for path, methods in list(app.routes.items()):
        missing = [m for m in HTTP_METHODS if m not in methods]
        if not missing:
            continue

        def not_allowed(**_params: Any) -> Response:
            return error_response(ContestError("METHOD_NOT_ALLOWED", 405))

        name = "method_not_allowed_" + "".join(c if c.isalnum() else "_" for c in path)
        app.route(path, methods=missing, content_types=BODY_CONTENT_TYPES, name=name)(not_allowed)
