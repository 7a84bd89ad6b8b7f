"""Sealing of the verification handle in stored conversation events.

The handle must survive in the tracker (the next turn needs it) but a copy of the tracker
database or of the event broker's messages must not hold a usable one. ``seal`` encrypts and
authenticates it with a key derived from ``CONVERSATION_ID_SECRET`` (HMAC-SHA256 as the keystream
generator in counter mode, then HMAC-SHA256 over nonce and ciphertext: encrypt-then-MAC from the
standard library only); ``unseal`` restores it when the tracker store reads the events back. A
value that does not unseal (another key, tampered, or a handle stored before sealing) reads as
no handle: the customer is asked to verify again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Any, Optional

from bot.rasa_settings import rasa_settings

PREFIX = "sealed:v1:"
_NONCE = 16
_TAG = 16
_fallback: Optional[bytes] = None


def _keys() -> tuple:
    global _fallback
    secret = (rasa_settings().conversation_id_secret or "").encode()
    if not secret:
        if _fallback is None:
            _fallback = secrets.token_bytes(32)
        secret = _fallback
    return (
        hmac.new(secret, b"tracker-seal-encrypt", hashlib.sha256).digest(),
        hmac.new(secret, b"tracker-seal-mac", hashlib.sha256).digest(),
    )


def _keystream(key: bytes, nonce: bytes, length: int) -> bytes:
    blocks = (
        hmac.new(key, nonce + i.to_bytes(4, "big"), hashlib.sha256).digest()
        for i in range(0, (length + 31) // 32)
    )
    return b"".join(blocks)[:length]


def seal(value: str) -> str:
    """``value`` encrypted and authenticated (idempotent on an already sealed value)."""
    if value.startswith(PREFIX):
        return value
    encrypt, mac = _keys()
    nonce = secrets.token_bytes(_NONCE)
    plain = value.encode("utf-8")
    cipher = bytes(a ^ b for a, b in zip(plain, _keystream(encrypt, nonce, len(plain)), strict=False))
    tag = hmac.new(mac, nonce + cipher, hashlib.sha256).digest()[:_TAG]
    return PREFIX + base64.urlsafe_b64encode(nonce + tag + cipher).decode("ascii")


def unseal(value: Any) -> Optional[str]:
    """The sealed value in clear; None if it does not unseal with this key."""
    if not isinstance(value, str) or not value.startswith(PREFIX):
        return None
    try:
        raw = base64.urlsafe_b64decode(value[len(PREFIX) :].encode("ascii"))
    except ValueError:
        return None
    nonce, tag, cipher = raw[:_NONCE], raw[_NONCE : _NONCE + _TAG], raw[_NONCE + _TAG :]
    encrypt, mac = _keys()
    if len(nonce) != _NONCE or not hmac.compare_digest(
        tag, hmac.new(mac, nonce + cipher, hashlib.sha256).digest()[:_TAG]
    ):
        return None
    return bytes(a ^ b for a, b in zip(cipher, _keystream(encrypt, nonce, len(cipher)), strict=False)).decode(
        "utf-8", "replace"
    )
