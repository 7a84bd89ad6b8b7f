"""Small hand-written validators for request bodies, queries and headers.

Every failure raises `InvalidField` (422, naming the field) or `BadRequest` (400, body is not a
JSON object).
"""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from typing import Any, Dict, Literal, Optional, Sequence, overload

from aiohttp import web

from bot.errors import BadRequest, InvalidField, NotFound

_MISSING = object()
_AMOUNT = re.compile(r"^\d{1,9}(\.\d{1,2})?$")
_PRINTABLE = re.compile(r"^[\x21-\x7e]+$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PATH_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,60}$")


def parse_json_object(raw: bytes) -> Dict[str, Any]:
    """`raw` as a JSON object of valid Unicode text; BadRequest (400 invalid_json) when it is
    empty, not JSON, nested too deeply for the parser, holds a lone surrogate (``"\\ud800"``,
    which no database can store) or is not an object."""
    if not raw:
        raise BadRequest("The request body must be a JSON object.", "invalid_json")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("The request body is not valid JSON.", "invalid_json") from None
    except RecursionError:
        raise BadRequest("The request body is nested too deeply.", "invalid_json") from None
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.", "invalid_json")
    if not is_unicode_text(body):
        raise BadRequest("The request body holds text that is not valid Unicode.", "invalid_json")
    return body


def is_unicode_text(value: Any) -> bool:
    """True when every string in `value` (a parsed JSON value or a str) encodes as UTF-8: no lone
    surrogates, whether from a JSON escape or from undecodable bytes in a header or URL."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, RecursionError, TypeError, ValueError):
        return False
    return True


async def json_object(request: web.Request) -> Dict[str, Any]:
    """The body as a JSON object; 400 when it is empty, not JSON, or not an object."""
    return parse_json_object(await request.read())


@overload
def string(
    source: Dict[str, Any],
    name: str,
    *,
    required: Literal[True] = ...,
    max_len: int = ...,
    nullable: Literal[False] = ...,
    choices: Optional[Sequence[str]] = ...,
) -> str: ...


@overload
def string(
    source: Dict[str, Any],
    name: str,
    *,
    required: bool = ...,
    max_len: int = ...,
    nullable: bool = ...,
    choices: Optional[Sequence[str]] = ...,
) -> Optional[str]: ...


def string(
    source: Dict[str, Any],
    name: str,
    *,
    required: bool = True,
    max_len: int = 200,
    nullable: bool = False,
    choices: Optional[Sequence[str]] = None,
) -> Optional[str]:
    """A non-empty string field (trimmed), or None when optional and absent/null."""
    value = source.get(name, _MISSING)
    if value is _MISSING or (value is None and nullable):
        if required and value is _MISSING:
            raise InvalidField(name, "is required")
        return None
    if not isinstance(value, str):
        raise InvalidField(name, "must be a string")
    value = value.strip()
    if not value:
        raise InvalidField(name, "must not be empty")
    if len(value) > max_len:
        raise InvalidField(name, f"must be at most {max_len} characters")
    if _CONTROL.search(value):
        raise InvalidField(name, "must not contain control characters")
    if not is_unicode_text(value):
        raise InvalidField(name, "must be valid Unicode text")
    if choices is not None and value not in choices:
        raise InvalidField(name, f"must be one of {', '.join(choices)}")
    return value


def boolean(source: Dict[str, Any], name: str, *, must_be: Optional[bool] = None, why: str = "") -> bool:
    value = source.get(name, _MISSING)
    if value is _MISSING:
        raise InvalidField(name, "is required")
    if not isinstance(value, bool):
        raise InvalidField(name, "must be true or false")
    if must_be is not None and value is not must_be:
        raise InvalidField(name, f"must be {str(must_be).lower()}{why}")
    return value


def iso_date(value: Optional[str], name: str) -> Optional[date]:
    if value is None:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise InvalidField(name, "must be a date YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidField(name, "must be a real date YYYY-MM-DD") from None


def amount(source: Dict[str, Any], name: str) -> Decimal:
    """A positive money amount given as a decimal string with at most two places."""
    value = source.get(name, _MISSING)
    if value is _MISSING:
        raise InvalidField(name, "is required")
    if not isinstance(value, str) or not _AMOUNT.match(value.strip()):
        raise InvalidField(name, 'must be a decimal string such as "12.34"')
    result = Decimal(value.strip())
    if result <= 0:
        raise InvalidField(name, "must be greater than zero")
    return result


@overload
def header(request: web.Request, name: str, *, required: Literal[True] = ..., max_len: int = ...) -> str: ...


@overload
def header(request: web.Request, name: str, *, required: bool = ..., max_len: int = ...) -> Optional[str]: ...


def header(request: web.Request, name: str, *, required: bool = True, max_len: int = 200) -> Optional[str]:
    """A printable ASCII header value without spaces."""
    value = request.headers.get(name)
    if value is None or not value.strip():
        if required:
            raise InvalidField(name, "header is required")
        return None
    value = value.strip()
    if len(value) > max_len or not _PRINTABLE.match(value):
        raise InvalidField(name, f"header must be 1-{max_len} printable characters without spaces")
    return value


def path_id(request: web.Request, name: str, code: str, message: str) -> str:
    """An id from the URL path; anything that cannot be an id is simply not found (404 `code`)."""
    value = request.match_info[name]
    if not _PATH_ID.match(value):
        raise NotFound(message, code)
    return value
