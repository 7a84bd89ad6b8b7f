"""Sealing of the verification handle in stored conversation events.

The handle must survive in the tracker (the next turn needs it) but a copy of the tracker
database or of the event broker's messages must not hold a usable one. ``seal`` encrypts and
authenticates it (``contract/sealing.py``: Fernet, the one sealing of every process) under a key
derived from ``CONVERSATION_ID_SECRET``; ``unseal`` restores it when the tracker store reads the
events back. A value that does not unseal (another key, tampered, or a handle stored before
sealing or in an earlier sealed format) reads as no handle: the customer is asked to verify again.
"""

from __future__ import annotations

import secrets
from typing import Any, Optional

from bot.rasa_settings import rasa_settings
from contract import sealing

PREFIX = "sealed:v2:"
_fallback: Optional[bytes] = None


def _secret() -> bytes:
    """CONVERSATION_ID_SECRET, or (unset, development) a random secret of this process."""
    global _fallback
    secret = (rasa_settings().conversation_id_secret or "").encode()
    if secret:
        return secret
    if _fallback is None:
        _fallback = secrets.token_bytes(32)
    return _fallback


def seal(value: str) -> str:
    """``value`` encrypted and authenticated (idempotent on an already sealed value)."""
    if value.startswith(PREFIX):
        return value
    return PREFIX + sealing.seal(_secret(), value, sealing.HANDLES)


def unseal(value: Any) -> Optional[str]:
    """The sealed value in clear; None if it does not unseal with this key."""
    if not isinstance(value, str) or not value.startswith(PREFIX):
        return None
    return sealing.unseal(_secret(), value[len(PREFIX) :], sealing.HANDLES)
