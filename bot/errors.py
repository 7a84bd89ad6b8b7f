"""Errors the business layer raises; the API turns each into `{"error", "message"}` + status."""

from __future__ import annotations

from typing import Any, Dict, Optional


class ApiError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, code: Optional[str] = None, **extra: Any):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.extra: Dict[str, Any] = extra

    def body(self) -> Dict[str, Any]:
        return {"error": self.code, "message": self.message, **self.extra}


class BadRequest(ApiError):
    status, code = 400, "bad_request"


class InvalidField(ApiError):
    """422 naming the field: `{"error": "invalid_field", "field": ..., "message": ...}`."""

    status, code = 422, "invalid_field"

    def __init__(self, field: str, message: str, code: Optional[str] = None):
        super().__init__(f"{field}: {message}", code, field=field)


class Unauthorized(ApiError):
    status, code = 401, "unauthorized"


class NotFound(ApiError):
    status, code = 404, "not_found"


class Conflict(ApiError):
    status, code = 409, "conflict"


class Locked(ApiError):
    status, code = 429, "locked"


class TooManyRequests(ApiError):
    """429 with `retry_after` seconds: an abuse limit (docs/security.md) was reached."""

    status, code = 429, "rate_limited"
