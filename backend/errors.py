"""Errors the business layer raises; the API turns each into `{"error", "message"}` + status.
The classes are the contract's (contract/errors.py), shared with the action server's client."""

from contract.errors import (  # noqa: F401
    ApiError,
    BadRequest,
    Conflict,
    InvalidField,
    Locked,
    NotFound,
    TooManyRequests,
    Unauthorized,
)
