"""Sealing of one-time code bodies until delivery, and of conversation ids for the reports'
drill-down (docs/security.md "Data at rest").

A code message's row holds the body with the code masked; the delivery worker needs the code, so
the row also holds it encrypted (Fernet: AES-128-CBC + HMAC-SHA-256) under a key derived from
OUTBOX_KEY, which lives only in the environment. The sealed value is erased (set to NULL) once the
message is delivered, given up or expired, and the row itself is purged when the code expires.

The same sealing, under a key derived for that purpose from IDENTIFIER_HASH_KEY, keeps the
conversation ids the reports need to open a transcript (backend.hashing.seal_conversation_id).
"""

from __future__ import annotations

import base64
import hashlib
from typing import Optional

from cryptography.fernet import Fernet, InvalidToken

CODES = b"outbox-code-sealing"  # one-time codes, under OUTBOX_KEY
CONVERSATIONS = b"conversation-id-sealing"  # conversation ids, under IDENTIFIER_HASH_KEY


def _fernet(secret: str, purpose: bytes) -> Fernet:
    digest = hashlib.sha256(purpose + b"\x00" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(outbox_key: str, code: str, purpose: bytes = CODES) -> str:
    """The value encrypted and authenticated with a key derived from the secret for this purpose
    (by default a code under OUTBOX_KEY, text for the `sealed_code` column)."""
    return _fernet(outbox_key, purpose).encrypt(code.encode()).decode()


def unseal(outbox_key: Optional[str], sealed: Optional[str], purpose: bytes = CODES) -> Optional[str]:
    """The value, or None when there is none, no key, or the key changed (a code message then fails)."""
    if not outbox_key or not sealed:
        return None
    try:
        return _fernet(outbox_key, purpose).decrypt(sealed.encode()).decode()
    except InvalidToken:
        return None
