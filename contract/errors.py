"""The error answers of the backend's API, one class per kind, for both sides of the wire.

The backend raises them (its middleware answers `body()` with `status`); the action server's
client (`actions/backend_client.py`) turns an error answer back into the same class with `from_answer`, so
the actions catch what the backend raised. Shape of every answer: `contract.shapes.Error`.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional


class ApiError(Exception):
    """Any error answer; ``code`` is the answer's ``error`` field, ``extra`` its other fields."""

    status = 400
    code = "bad_request"

    def __init__(
        self, message: str = "", code: Optional[str] = None, *, status: Optional[int] = None, **extra: Any
    ):
        super().__init__(message or code or self.code)
        self.message = message
        if code:
            self.code = code
        if status is not None:
            self.status = status
        self.extra: Dict[str, Any] = extra

    def body(self) -> Dict[str, Any]:
        return {"error": self.code, "message": self.message, **self.extra}

    @property
    def retry_after(self) -> int:
        """Seconds to wait before trying again (429 answers), else 0."""
        try:
            return int(float(self.extra.get("retry_after") or 0))
        except (TypeError, ValueError):
            return 0


class BadRequest(ApiError):
    """400 (the body is not a JSON object), 413, and the base of the invalid-input answers."""

    status, code = 400, "bad_request"


class InvalidField(BadRequest):
    """422 naming the field: `{"error": "invalid_field", "field": ..., "message": ...}`."""

    status, code = 422, "invalid_field"

    def __init__(self, field: str, message: str, code: Optional[str] = None, **extra: Any):
        super().__init__(f"{field}: {message}", code, field=field, **extra)


class InvalidConfirmationNumber(BadRequest):
    """422 invalid_confirmation_number: the check character does not match (a typo)."""

    status, code = 422, "invalid_confirmation_number"


class Unauthorized(ApiError):
    """401 (403 too, on the client's side): missing or wrong token, a handle not valid here."""

    status, code = 401, "unauthorized"


class VerificationFailed(Unauthorized):
    """401 verification_failed: unknown account and wrong factor look the same."""

    code = "verification_failed"


class NotFound(ApiError):
    status, code = 404, "not_found"


class Conflict(ApiError):
    """409, e.g. revoking after the end date, a request that already exists, a reused key."""

    status, code = 409, "conflict"


class Locked(ApiError):
    """429: verification is locked, or (subclass) an abuse limit; ``retry_after`` seconds."""

    status, code = 429, "locked"


class TooManyRequests(Locked):
    """429 rate_limited: an abuse limit (docs/security.md) was reached."""

    code = "rate_limited"


class Unavailable(ApiError):
    """Connection refused, timeout, 5xx or an answer that is not JSON (seen by the client)."""

    status, code = 503, "unavailable"


def from_answer(status: int, body: Mapping[str, Any], retry_header: Optional[str] = None) -> ApiError:
    """The error an answer with ``status`` and JSON ``body`` stands for (client side)."""
    code = str(body.get("error") or "")
    message = str(body.get("message") or "")
    extra = {k: v for k, v in body.items() if k not in ("error", "message")}
    if status == 429:
        extra.setdefault("retry_after", retry_header)
        return Locked(message, code or None, status=status, **extra)
    if status in (401, 403):
        kind = VerificationFailed if code == VerificationFailed.code else Unauthorized
        return kind(message, code or None, status=status, **extra)
    if status == 404:
        return NotFound(message, code or None, **extra)
    if status == 409:
        return Conflict(message, code or None, **extra)
    if status == 422 and code == InvalidConfirmationNumber.code:
        return InvalidConfirmationNumber(message, **extra)
    if status in (400, 413, 422):
        return BadRequest(message, code or None, status=status, **extra)
    return Unavailable(message, code or None, status=status, **extra)
