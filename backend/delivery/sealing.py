"""Sealing of one-time code bodies until delivery (docs/security.md "Data at rest").

A code message's row holds the body with the code masked; the delivery worker needs the code, so
the row also holds it encrypted (Fernet: AES-128-CBC + HMAC-SHA-256) under a key derived from
OUTBOX_KEY, which lives only in the environment. The sealed value is erased (set to NULL) once the
message is delivered, given up or expired, and the row itself is purged when the code expires.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Optional

from cryptography.fernet import Fernet, InvalidToken


def _fernet(outbox_key: str) -> Fernet:
    digest = hashlib.sha256(b"outbox-code-sealing\x00" + outbox_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(outbox_key: str, code: str) -> str:
    """The code encrypted and authenticated with OUTBOX_KEY (text for the `sealed_code` column)."""
    return _fernet(outbox_key).encrypt(code.encode()).decode()


def unseal(outbox_key: Optional[str], sealed: Optional[str]) -> Optional[str]:
    """The code, or None when there is none, no key, or the key changed (the message then fails)."""
    if not outbox_key or not sealed:
        return None
    try:
        return _fernet(outbox_key).decrypt(sealed.encode()).decode()
    except InvalidToken:
        return None
