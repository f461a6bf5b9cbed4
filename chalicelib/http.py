"""The thin HTTP layer: JSON in, JSON out, and the one place where refusals become
status codes."""

from __future__ import annotations

import functools
import hmac
import json
import uuid
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from chalice import Response
from pynamodb.exceptions import PynamoDBException

from chalicelib.errors import ContestError, validation_error
from chalicelib.settings import get_settings

logger = Logger(service="songcong-contest")

JSON_HEADERS = {
    "Content-Type": "application/json; charset=utf-8",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}
JSON_MEDIA_TYPE = "application/json"
# Declared on every route that takes a body so that a wrong content type reaches json_body
# and gets our 415 body, not Chalice's own.
BODY_CONTENT_TYPES = [
    "application/json",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "application/octet-stream",
]
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
MAX_BODY_BYTES = 64 * 1024


HSTS = {"Strict-Transport-Security": "max-age=31536000; includeSubDomains"}


@functools.cache
def json_headers() -> dict[str, str]:
    """The headers of every JSON reply; HSTS outside the local stack (which is HTTP)."""
    return {**JSON_HEADERS, **(HSTS if get_settings().strict_transport_security else {})}


def respond(body: Any, status: int = 200) -> Response:
    # Replaced, not raised: a lone surrogate stored before text was cleaned must not break
    # every reply that shows it.
    text = json.dumps(body, ensure_ascii=False).encode("utf-8", "replace").decode("utf-8")
    return Response(body=text, status_code=status, headers=json_headers())


def error_response(error: ContestError) -> Response:
    return respond(error.to_body(), error.status)


def json_body(request: Any) -> Any:
    """Parse the raw body ourselves so a body that is not JSON is a clean 4xx. Only
    ``application/json`` is read: a form on another site can send ``text/plain`` without
    asking the browser's permission, but not JSON."""
    raw = request.raw_body or b""
    if len(raw) > MAX_BODY_BYTES:
        raise ContestError("REQUEST_TOO_LARGE", 413)
    if not raw.strip():
        return {}
    media_type = (request.headers or {}).get("content-type", "").split(";")[0].strip().lower()
    if media_type != JSON_MEDIA_TYPE:
        raise ContestError("UNSUPPORTED_MEDIA_TYPE", 415)
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise validation_error("body", "không phải JSON hợp lệ") from None


def client_address(request: Any, origin_secret: str | None) -> str | None:
    """The participant's address, for per-client limits (only ever used through a keyed hash).

    Behind the CDN, API Gateway sees CloudFront's address: the CDN's function then puts the
    viewer's in ``X-Viewer-Ip`` and the distribution adds ``X-Origin-Verify: <origin secret>``.
    The header is believed only with that proof, so a caller going around the CDN cannot pick
    a new address for each request."""
    headers = request.headers or {}
    if origin_secret and hmac.compare_digest(
        headers.get("x-origin-verify", "").encode(), origin_secret.encode()
    ):
        viewer = headers.get("x-viewer-ip", "").strip()
        if viewer:
            return viewer
    identity = (request.context or {}).get("identity") or {}
    source_ip = identity.get("sourceIp")
    return source_ip if isinstance(source_ip, str) else None


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
        except Exception:  # the last line of defence: our shape and a request id, never a trace
            request_id = uuid.uuid4().hex[:16]
            logger.exception("unexpected error", extra={"request_id": request_id})
            body = ContestError("INTERNAL_ERROR", 500).to_body()
            body["error"]["request_id"] = request_id
            return respond(body, 500)
        if isinstance(result, Response):
            return result
        return respond(result)

    return wrapper


def answer_unknown_paths(app: Any) -> None:
    """Behind the HTTP API (infra/http_api.json) a path that no route serves reaches the
    function through its ``$default`` route: our 404, not Chalice's 500 for a resource path it
    does not know (the REST API answers those itself through its gateway responses)."""

    @app.middleware("http")
    def unknown_path(request: Any, get_response: Callable) -> Response:
        if request is None or request.path not in app.routes:
            return error_response(ContestError("NOT_FOUND", 404))
        return get_response(request)


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
