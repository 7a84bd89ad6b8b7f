"""Hashing of secrets the backend must check but never store in clear: PINs, one-time codes,
verification handles (plain SHA-256 of a random token), identifiers used as lockout keys and
conversation ids (HMAC keyed with IDENTIFIER_HASH_KEY)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Optional

from contract import sealing

PBKDF2_ITERATIONS = 100_000
_ALGO = "pbkdf2_sha256"
# A real hash of a value no one can type: used when there is nothing to compare against, so that
# unknown accounts cost the same work as known ones.
_DUMMY_SALT = "0" * 32


def hash_secret(value: str, *, salt: str | None = None) -> str:
    """Salted PBKDF2 hash of a short secret, as `pbkdf2_sha256$iterations$salt$hex`."""
    salt = salt or secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", value.encode(), salt.encode(), PBKDF2_ITERATIONS).hex()
    return f"{_ALGO}${PBKDF2_ITERATIONS}${salt}${digest}"


def verify_secret(value: str, stored: str | None) -> bool:
    """True when `value` matches the stored hash. Does the full hashing work even without one."""
    if not stored:
        hash_secret(value, salt=_DUMMY_SALT)
        return False
    try:
        algo, iterations, salt, expected = stored.split("$")
        rounds = int(iterations)
    except ValueError:
        hash_secret(value, salt=_DUMMY_SALT)
        return False
    digest = hashlib.pbkdf2_hmac("sha256", value.encode(), salt.encode(), rounds).hex()
    return algo == _ALGO and hmac.compare_digest(digest, expected)


def burn_time(value: str) -> None:
    """Do the work of one secret comparison, for paths that have nothing to compare."""
    hash_secret(value, salt=_DUMMY_SALT)


def token_digest(token: str) -> str:
    """SHA-256 of a high-entropy token (handles); enough because the token is unguessable."""
    return hashlib.sha256(token.encode()).hexdigest()


_identifier_hash_key: bytes | None = None


def set_identifier_hash_key(key: str) -> None:
    """Install the secret of the keyed hashes below (IDENTIFIER_HASH_KEY; backend.server.create_app does
    it at start-up). Without it nobody can recompute a key from a guessed email, phone or
    conversation id, as one could with a plain SHA-256."""
    global _identifier_hash_key
    if not key:
        raise ValueError("the identifier hash key must not be empty")
    _identifier_hash_key = key.encode("utf-8")


def _keyed(purpose: bytes, value: str) -> str:
    if _identifier_hash_key is None:
        raise RuntimeError("IDENTIFIER_HASH_KEY is not installed (backend.hashing.set_identifier_hash_key)")
    return hmac.new(_identifier_hash_key, purpose + value.encode("utf-8"), hashlib.sha256).hexdigest()


def identifier_key(normalized_identifier: str) -> str:
    """Keyed hash (HMAC-SHA-256) of an identifier, for lockout bookkeeping: stable, never in clear."""
    return _keyed(b"cancel-assistant/identifier:", normalized_identifier)


def conversation_key(conversation_id: str) -> str:
    """Keyed hash of a conversation id, stored instead of the id in the backend's tables (an SMS
    conversation id is the customer's phone number). The API keeps taking the conversation id."""
    return _keyed(b"cancel-assistant/conversation:", conversation_id)


def _secret() -> str:
    if _identifier_hash_key is None:
        raise RuntimeError("IDENTIFIER_HASH_KEY is not installed (backend.hashing.set_identifier_hash_key)")
    return _identifier_hash_key.decode("utf-8")


def seal_conversation_id(conversation_id: str) -> str:
    """The conversation id encrypted (Fernet, contract/sealing.py) under a key derived from
    IDENTIFIER_HASH_KEY: stored beside the conversation key so that a supervisor's drill-down can
    open the transcript (docs/reports.md); no clear text of the id is in it."""
    return sealing.seal(_secret(), conversation_id, sealing.CONVERSATIONS)


def unseal_conversation_id(sealed: Optional[str]) -> Optional[str]:
    """The conversation id, or None when nothing was sealed or the key changed since."""
    return sealing.unseal(_secret(), sealed, sealing.CONVERSATIONS)
