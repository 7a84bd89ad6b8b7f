"""Input limits checked at the edge of every channel, before a message reaches Rasa's NLU or the
tracker store (docs/security.md, "Availability and input limits").

A conversation id must be short, printable ASCII from a small alphabet (every id the channels
produce fits: uuids, signed socket.io ids, pseudonymous SMS/Slack ids, ``test-…``); a message must
be valid Unicode (no lone surrogates, which SQLite and PostgreSQL cannot store), without control
characters other than line breaks and tabs, and at most ``MAX_MESSAGE_CHARS`` characters (a
customer's long but real request, ~700 characters, is well inside). JSON bodies are limited in
bytes and nesting depth. Limits can be changed with ``MAX_MESSAGE_CHARS`` and ``MAX_BODY_BYTES``.
"""

from __future__ import annotations

import json
import re
from typing import Any, Optional, Text

from bot.rasa_settings import rasa_settings

MAX_SENDER_ID_CHARS = 128
MAX_JSON_DEPTH = 10
DEFAULT_MAX_MESSAGE_CHARS = 4000
DEFAULT_MAX_BODY_BYTES = 64 * 1024

_SENDER_ID = re.compile(r"[A-Za-z0-9_.:@+=-]{1,%d}" % MAX_SENDER_ID_CHARS)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

TOO_LONG_TEXT = (
    "Sorry, that message is too long for me: I can read up to {limit} characters at a time. "
    "Could you tell me in a few sentences what you'd like to do?"
)
UNREADABLE_TEXT = "Sorry, I couldn't read that message. Could you type it again?"


def max_message_chars() -> int:
    """The longest message a channel passes on (``MAX_MESSAGE_CHARS``, default 4000)."""
    return rasa_settings().max_message_chars


def max_body_bytes() -> int:
    """The largest request body the REST channel reads (``MAX_BODY_BYTES``, default 64 KiB)."""
    return rasa_settings().max_body_bytes


def valid_sender_id(value: Any) -> bool:
    """True for a conversation id the tracker store can hold and an attacker cannot abuse."""
    return isinstance(value, str) and _SENDER_ID.fullmatch(value) is not None


def valid_unicode(text: Text) -> bool:
    """True if ``text`` encodes to UTF-8 (no lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class BadMessage(ValueError):
    """A message refused at the edge; ``code`` names why, ``reply`` is what the customer reads."""

    def __init__(self, code: str, reply: str, status: int = 400) -> None:
        super().__init__(code)
        self.code = code
        self.reply = reply
        self.status = status


def encodable(value: Any) -> bool:
    """True if decoded JSON ``value`` holds no lone surrogate anywhere (it can be stored)."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, TypeError, ValueError):
        return False
    return True


def check_message(text: Any, limit: Optional[int] = None) -> Text:
    """``text`` if it can go to the assistant, else raise ``BadMessage``."""
    if text is None:
        return ""
    if not isinstance(text, str) or not valid_unicode(text) or _CONTROL.search(text):
        raise BadMessage("unreadable_message", UNREADABLE_TEXT)
    limit = limit or max_message_chars()
    if len(text) > limit:
        raise BadMessage("message_too_long", TOO_LONG_TEXT.format(limit=limit), status=413)
    return text


def json_depth_exceeds(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """True if ``value`` (decoded JSON) nests deeper than ``limit`` (iterative: no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def load_json(body: bytes, limit: int = MAX_JSON_DEPTH) -> Any:
    """Decode a JSON body; ValueError when it is not UTF-8 JSON, holds lone surrogates (written
    as ``\\ud800`` escapes), NaN/Infinity, or nests deeper than ``limit``. Nesting is checked
    on the raw text first, so a deeply nested body never reaches the recursive decoder."""
    text = body.decode("utf-8")  # UnicodeDecodeError is a ValueError
    if _bracket_depth(text) > _RAW_DEPTH_LIMIT:
        raise ValueError("JSON nested too deeply")
    value = json.loads(text, parse_constant=_reject_constant)
    if json_depth_exceeds(value, limit):
        raise ValueError("JSON nested too deeply")
    if not encodable(value):
        raise ValueError("JSON holds a lone surrogate")
    return value


# brackets inside strings count too, so the raw bound is loose; the exact check follows decoding
_RAW_DEPTH_LIMIT = 100


def _bracket_depth(text: str) -> int:
    """An upper bound of the JSON nesting depth (brackets inside strings count too)."""
    depth = deepest = 0
    for char in text:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest
