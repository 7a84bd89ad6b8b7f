"""Small pieces shared by the webhook channels."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any, Dict, Optional, Text

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

# Slack events and Twilio SMS webhooks are a few KiB at most; anything far larger is refused.
DEFAULT_MAX_BODY_BYTES = 64 * 1024


def setting(credentials: Optional[Dict[Text, Any]], key: Text, configured: Any, default: Any = None) -> Any:
    """A channel setting: from credentials.yml if given there (non-empty), else `configured` (the
    Rasa process's setting, bot/rasa_settings.py)."""
    value = (credentials or {}).get(key)
    if value in (None, ""):
        value = configured
    if value in (None, ""):
        return default
    return value


def refuse(status: int, message: Text, headers: Optional[Dict[Text, Text]] = None) -> HTTPResponse:
    """A short JSON error answer (no details that would help an attacker)."""
    return response.json({"error": message}, status=status, headers=headers)


def body_too_large(request: Request, limit: int) -> bool:
    """True if the request body (declared or actual) exceeds ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                return True
        except ValueError:
            return True
    return len(request.body or b"") > limit


def content_type(request: Request) -> Text:
    """The media type of the request, lower case, without parameters."""
    return (request.headers.get("content-type") or "").split(";")[0].strip().lower()


class SeenIds:
    """Ids seen recently (bounded, with expiry): delivery ids of webhooks already handled.

    One per process: with several Rasa replicas a retry may reach another replica, so the
    channels also look in the shared store (tracker / SMS store) where they can.
    """

    def __init__(self, ttl_seconds: float = 3600, max_size: int = 10000) -> None:
        self.ttl = ttl_seconds
        self.max_size = max_size
        self._seen: "OrderedDict[Text, float]" = OrderedDict()

    def _expire(self, now: float) -> None:
        while self._seen:
            key, at = next(iter(self._seen.items()))
            if now - at <= self.ttl and len(self._seen) <= self.max_size:
                break
            self._seen.popitem(last=False)

    def add(self, key: Text) -> bool:
        """Record ``key``; return False if it was already there (a duplicate)."""
        now = time.monotonic()
        self._expire(now)
        if key in self._seen:
            return False
        self._seen[key] = now
        return True

    def __contains__(self, key: object) -> bool:
        self._expire(time.monotonic())
        return key in self._seen

    def discard(self, key: Text) -> None:
        self._seen.pop(key, None)
