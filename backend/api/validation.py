"""What the routes read before the contract's shapes check it (contract/validation.py): the body
as a JSON object, headers and ids of the URL path.

Every failure raises `InvalidField` (422, naming the field), `BadRequest` (400, body is not a
JSON object) or `NotFound` (an id that cannot be one).
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, Literal, Optional, overload

from aiohttp import web

from backend.errors import BadRequest, InvalidField, NotFound
from contract.validation import is_unicode_text

_PRINTABLE = re.compile(r"^[\x21-\x7e]+$")
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


async def json_object(request: web.Request) -> Dict[str, Any]:
    """The body as a JSON object; 400 when it is empty, not JSON, or not an object."""
    return parse_json_object(await request.read())


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
