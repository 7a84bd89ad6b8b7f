"""Staff authentication for the console: scrypt password hashes, login throttled per user and
client (never a lockout of the user), and
server-side sessions (random id in a cookie, only its SHA-256 in the database, a per-session CSRF
token, absolute expiry after CONSOLE_SESSION_SECONDS).

Blocking functions taking a SQLAlchemy session; run them with Database.run.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backend import audit, ratelimit
from backend.handoff.models import ROLES, StaffSession, StaffUser
from backend.hashing import token_digest
from backend.models import utcnow

# scrypt cost (RFC 7914): N=2^15, r=8, p=1 is about 32 MiB and ~0.1 s per check. Tests lower N.
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
SCRYPT_DKLEN = 32
MIN_PASSWORD_LENGTH = 10
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,59}$")
_DUMMY = None  # a real hash to compare against for unknown users (same work either way)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=256 * 1024 * 1024, dklen=SCRYPT_DKLEN
    )


def hash_password(password: str) -> str:
    """`scrypt$N$r$p$salt_hex$hash_hex` with a fresh 16-byte salt."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: Optional[str]) -> bool:
    """Constant-time comparison; does the hashing work even without a stored hash."""
    global _DUMMY
    if not stored:
        _DUMMY = _DUMMY or hash_password(secrets.token_hex(8))
        stored, result = _DUMMY, False
    else:
        result = True
    try:
        algo, n, r, p, salt, expected = stored.split("$")
        digest = _scrypt(password, bytes.fromhex(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest.hex(), expected) and algo == "scrypt" and result


def normalize_username(username: str) -> str:
    return (username or "").strip().lower()


def validate_new_staff(username: str, display_name: str, role: str, password: str) -> None:
    """ValueError naming the problem (used by the CLI and the fixture loader)."""
    if not USERNAME_RE.match(normalize_username(username)):
        raise ValueError("username: 2-60 characters, lowercase letters, digits, '.', '_' or '-'")
    if not display_name.strip() or len(display_name) > 100:
        raise ValueError("display name: 1-100 characters")
    if role not in ROLES:
        raise ValueError(f"role: one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password: at least {MIN_PASSWORD_LENGTH} characters")


def upsert_staff(session: Session, username: str, display_name: str, role: str, password: str) -> tuple:
    """Create a staff user or update one (name, role, password). Returns (StaffUser, created)."""
    validate_new_staff(username, display_name, role, password)
    key = normalize_username(username)
    user = session.execute(select(StaffUser).where(StaffUser.username == key)).scalar_one_or_none()
    created = user is None
    if created:
        user = StaffUser(
            username=key,
            display_name=display_name.strip(),
            role=role,
            password_hash=hash_password(password),
            active=True,
            available=False,
        )
        session.add(user)
    else:
        user.display_name, user.role, user.active = display_name.strip(), role, True
        if not check_password(password, user.password_hash):
            user.password_hash = hash_password(password)
    session.flush()
    audit.record(session, "staff_user_created" if created else "staff_user_updated", staff=key, role=role)
    return user, created


# --------------------------------------------------------------------------- sessions


@dataclass(frozen=True)
class Staff:
    """The staff user behind a valid console session."""

    id: int
    username: str
    display_name: str
    role: str
    csrf_token: str
    expires_at: datetime

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"


@dataclass(frozen=True)
class LoginResult:
    ok: bool
    session_id: Optional[str] = None
    staff: Optional[Staff] = None
    locked: bool = False


@dataclass(frozen=True)
class LoginLimits:
    """Console login throttling (settings CONSOLE_LOGIN_*, docs/security.md). Failures are counted
    per (username, client) and per client, never per user alone: an attacker elsewhere cannot lock
    a staff member out, and one client guessing passwords is slowed down exponentially."""

    failures_per_client: int = 5
    failures_per_ip: int = 30
    backoff_seconds: int = 30
    backoff_max_seconds: int = 900


def _throttle_keys(username: str, client: str) -> tuple:
    return f"console-login:{username}|{client}", f"console-login-client:{client}"


def login(
    session: Session,
    username: str,
    password: str,
    lifetime_seconds: int,
    client: str = "unknown",
    limits: LoginLimits = LoginLimits(),
) -> LoginResult:
    """Check the password and open a session. Wrong password, unknown user, inactive user and a
    throttled client all look the same to the caller except `locked` (shown as the same message).
    `client` is the address the request came from."""
    key = normalize_username(username)[:60]
    now = utcnow()
    pair, whole_client = _throttle_keys(key, client)
    user = session.execute(select(StaffUser).where(StaffUser.username == key)).scalar_one_or_none()
    if ratelimit.blocked_for(session, pair, now) or ratelimit.blocked_for(session, whole_client, now):
        check_password(password, None)  # same work as a real check
        audit.record(session, "staff_login_refused", staff=key if user is not None else None, why="throttled")
        return LoginResult(False, locked=True)
    good = check_password(password, user.password_hash if user is not None else None)
    if user is None or not user.active or not good:
        ratelimit.fail(
            session, pair, limits.failures_per_client, limits.backoff_seconds, limits.backoff_max_seconds, now
        )
        ratelimit.fail(
            session,
            whole_client,
            limits.failures_per_ip,
            limits.backoff_seconds,
            limits.backoff_max_seconds,
            now,
        )
        audit.record(session, "staff_login_failed", staff=key if user is not None else None)
        return LoginResult(False)
    ratelimit.clear(session, pair)
    user.last_login_at = now
    session_id = secrets.token_urlsafe(32)
    row = StaffSession(
        id_hash=token_digest(session_id),
        staff_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + timedelta(seconds=lifetime_seconds),
        last_seen_at=now,
    )
    session.add(row)
    # Expired sessions of everyone are dropped now and then (here: at each login).
    session.execute(delete(StaffSession).where(StaffSession.expires_at <= now))
    audit.record(session, "staff_login", staff=user.username, role=user.role)
    return LoginResult(True, session_id, _staff(user, row))


def _staff(user: StaffUser, row: StaffSession) -> Staff:
    return Staff(user.id, user.username, user.display_name, user.role, row.csrf_token, row.expires_at)


def resolve_session(session: Session, session_id: Optional[str]) -> Optional[Staff]:
    """The staff user of a valid, unexpired session id (from the cookie), else None."""
    if not session_id or len(session_id) > 200 or not session_id.isascii():
        return None
    row = session.get(StaffSession, token_digest(session_id))
    if row is None:
        return None
    now = utcnow()
    if row.expires_at <= now:
        session.delete(row)
        return None
    user = session.get(StaffUser, row.staff_id)
    if user is None or not user.active:
        return None
    if (now - row.last_seen_at).total_seconds() > 60:  # not a write on every poll
        row.last_seen_at = now
    return _staff(user, row)


def logout(session: Session, session_id: Optional[str]) -> None:
    if not session_id or len(session_id) > 200 or not session_id.isascii():
        return
    row = session.get(StaffSession, token_digest(session_id))
    if row is not None:
        user = session.get(StaffUser, row.staff_id)
        session.delete(row)
        audit.record(session, "staff_logout", staff=user.username if user else None)


def csrf_ok(staff: Staff, given: Optional[str]) -> bool:
    return (
        given is not None and given != "" and hmac.compare_digest(given.encode(), staff.csrf_token.encode())
    )
