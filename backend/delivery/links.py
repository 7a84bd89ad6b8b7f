"""Signed, expiring download links for a receipt PDF (docs/delivery.md).

A link names only the request's internal id, an expiry time and an HMAC-SHA-256 over both keyed
with OUTBOX_KEY: no confirmation number, account or contact data. It works for that request only
and until it expires (LINK_TTL); a changed key or a touched token gives 404.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Optional

LINK_TTL_SECONDS = 30 * 24 * 3600


def _signature(key: str, kind: str, item_id: int, expires: int) -> str:
    message = f"{kind}:{item_id}:{expires}".encode()
    return hmac.new(("links\x00" + key).encode(), message, hashlib.sha256).hexdigest()[:32]


def sign(key: str, kind: str, item_id: int, now: Optional[float] = None, ttl: int = LINK_TTL_SECONDS) -> str:
    """Token `<id>.<expires>.<signature>` for one item of `kind` (e.g. "receipt")."""
    expires = int((now if now is not None else time.time()) + ttl)
    return f"{item_id}.{expires}.{_signature(key, kind, item_id, expires)}"


def verify(key: Optional[str], kind: str, token: str, now: Optional[float] = None) -> Optional[int]:
    """The item id of a valid, unexpired token, else None."""
    if not key:
        return None
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    item_id, expires = int(parts[0]), int(parts[1])
    if expires < (now if now is not None else time.time()):
        return None
    if not hmac.compare_digest(parts[2], _signature(key, kind, item_id, expires)):
        return None
    return item_id


PATHS = {"receipt": "receipts", "label": "labels"}
_config: dict = {"key": None, "base": ""}


def configure(key: Optional[str], base_url: str) -> None:
    """Set the key and public base URL of the links (the backend app does at start-up)."""
    _config["key"], _config["base"] = key, base_url.rstrip("/")


def key() -> Optional[str]:
    return _config["key"]


def url(kind: str, item_id: int) -> Optional[str]:
    """Public URL of the receipt or return label PDF of one cancellation request (None without OUTBOX_KEY)."""
    if not _config["key"]:
        return None
    return f"{_config['base']}/{PATHS[kind]}/{sign(_config['key'], kind, item_id)}.pdf"
