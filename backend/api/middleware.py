"""Middlewares: JSON errors for everything, body size limit, service token, request log.

No log line holds a token, handle, identifier, factor, email, phone or query string: requests are
logged by route pattern (e.g. `/api/v1/cancellations/{confirmation_number}`).
"""

from __future__ import annotations

import hmac
import json
import logging
import time
import traceback
from typing import Awaitable, Callable

from aiohttp import web

from backend.errors import ApiError
from backend.policy import QuoteError

log = logging.getLogger("backend.api")
MAX_BODY_BYTES = 64 * 1024
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
}


def json_response(body, status: int = 200) -> web.Response:
    return web.json_response(body, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))


def error_response(status: int, code: str, message: str, **extra) -> web.Response:
    return json_response({"error": code, "message": message, **extra}, status=status)


def _route(request: web.Request) -> str:
    info = request.match_info
    resource = info.route.resource if info is not None and info.route is not None else None
    return resource.canonical if resource is not None else "<unmatched>"


@web.middleware
async def errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every exception into `{"error", "message"}` JSON; 5xx never carry details."""
    started = time.monotonic()
    try:
        response = await handler(request)
    except ApiError as exc:
        response = json_response(exc.body(), status=exc.status)
        if "retry_after" in exc.extra:
            response.headers["Retry-After"] = str(exc.extra["retry_after"])
    except QuoteError as exc:
        response = error_response(422, "invalid_field", str(exc), field=exc.field)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = _HTTP_CODES.get(exc.status, "http_error")
        message = {
            413: f"The request body is larger than {MAX_BODY_BYTES // 1024} KiB.",
            404: "No such endpoint.",
            405: "Method not allowed on this endpoint.",
        }.get(exc.status, exc.reason)
        response = error_response(exc.status, code, message)
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        # Only the exception type and stack: messages may quote SQL parameters (personal data).
        log.error(
            "unhandled %s on %s %s\n%s",
            type(exc).__name__,
            request.method,
            _route(request),
            "".join(traceback.format_tb(exc.__traceback__)),
        )
        response = error_response(
            500, "internal_error", "Something went wrong on our side; please try again."
        )
    log.info(
        "%s %s -> %s (%.0f ms)",
        request.method,
        _route(request),
        response.status,
        (time.monotonic() - started) * 1000,
    )
    return response


@web.middleware
async def body_limit_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """413 for bodies over 64 KiB on every route, before anything else reads them."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY_BYTES, actual_size=request.content_length)
    if request.body_exists:
        await request.read()  # aiohttp enforces client_max_size while reading (chunked bodies too)
    return await handler(request)


def is_protected(path: str) -> bool:
    """Every API path and the OpenAPI document need the service token; /health does not."""
    return path.startswith("/api/") or path == "/openapi.json"


def token_middleware(token: str):
    expected = f"Bearer {token}".encode()

    @web.middleware
    async def check_token(request: web.Request, handler: Handler) -> web.StreamResponse:
        if is_protected(request.path):
            given = request.headers.get("Authorization", "").strip().encode()
            if not hmac.compare_digest(given, expected):
                return error_response(401, "unauthorized", "Missing or wrong service token.")
        return await handler(request)

    return check_token
