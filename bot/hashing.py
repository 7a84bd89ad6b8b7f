"""Hashing of secrets the backend must check but never store in clear: PINs, one-time codes,
verification handles, identifiers used as lockout keys."""
from __future__ import annotations

import hashlib
import hmac
import secrets

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


def identifier_key(normalized_identifier: str) -> str:
    """Stable key of an identifier (lockout bookkeeping) that does not store it in clear."""
    return hashlib.sha256(b"cancel-assistant/identifier:" + normalized_identifier.encode()).hexdigest()
