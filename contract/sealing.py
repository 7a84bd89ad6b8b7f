"""Sealing: a value encrypted and authenticated (Fernet: AES-128-CBC + HMAC-SHA-256, from the
`cryptography` package) under a key derived from a secret of the environment and a purpose
label, so that one secret gives independent keys for independent uses. One implementation for
every process (docs/security.md "Data at rest"):

* the backend seals one-time codes until delivery (``CODES``, under OUTBOX_KEY) and the
  conversation ids the reports' drill-down opens (``CONVERSATIONS``, under IDENTIFIER_HASH_KEY);
* the Rasa server seals the verification handle in stored events (``HANDLES``, under
  CONVERSATION_ID_SECRET; bot/rasa_sealing.py).
"""

from __future__ import annotations

import base64
import hashlib
from typing import Optional, Union

from cryptography.fernet import Fernet, InvalidToken

CODES = b"outbox-code-sealing"
CONVERSATIONS = b"conversation-id-sealing"
HANDLES = b"tracker-handle-sealing"


def _fernet(secret: Union[str, bytes], purpose: bytes) -> Fernet:
    raw = secret.encode() if isinstance(secret, str) else secret
    digest = hashlib.sha256(purpose + b"\x00" + raw).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(secret: Union[str, bytes], value: str, purpose: bytes) -> str:
    """``value`` encrypted and authenticated under the key of ``secret`` for ``purpose`` (text)."""
    return _fernet(secret, purpose).encrypt(value.encode("utf-8")).decode("ascii")


def unseal(secret: Union[str, bytes, None], sealed: Optional[str], purpose: bytes) -> Optional[str]:
    """The value, or None when nothing was sealed, there is no secret, or it does not unseal
    (another secret or purpose, or tampered)."""
    if not secret or not sealed:
        return None
    try:
        return _fernet(secret, purpose).decrypt(sealed.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError, ValueError):
        return None
