"""Customer verification: identifier + second factor (billing ZIP, PIN or one-time code).

Rules (docs/design.md step 2, docs/contracts.md):
- unknown identifiers get an attempt of the same shape that can never succeed;
- the answer to a wrong factor is the same as to an unknown account, and costs the same hashing;
- failures are counted per account, whichever identifier was used (per normalised identifier when
  it is unknown), and lock it for a while; one-time codes are capped per account and window;
- a successful verification yields a random handle, stored hashed, bound to the conversation id
  (stored as its keyed hash, like every conversation id in these tables) and to the input channel
  (rest, socketio, slack, twilio) the verification was started on.
Functions run inside a transaction (`backend.db.Database.transaction`) and return results rather than
raising for failed verifications, so that the failure count is committed.
"""

from __future__ import annotations

import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Dict, Optional, Tuple

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend import audit, outbox, ratelimit
from backend.config import Settings
from backend.contact import classify_identifier, mask, mask_email
from backend.errors import InvalidField, NotFound, Unauthorized
from backend.hashing import (
    burn_time,
    conversation_key,
    hash_secret,
    identifier_key,
    token_digest,
    verify_secret,
)
from backend.models import (
    Account,
    AuthorizedUser,
    VerificationAttempt,
    VerificationHandle,
    VerificationLockout,
    iso_utc,
    utcnow,
)
from contract import sealing
from contract.shapes import FACTOR_TYPES

FACTORS = list(FACTOR_TYPES)
FACTOR_LENGTHS = {5: "zip", 4: "pin", 6: "otp"}
OTP_TTL = timedelta(minutes=10)
OTP_MAX_SENDS = 3
_DECOY_DOMAINS = ("gmail.com", "outlook.com", "yahoo.com", "icloud.com")
_DECOY_LETTERS = "abcdefghijklmnoprstw"


@dataclass(frozen=True)
class VerifyResult:
    """`status` is "ok" (body holds the handle), "failed" or "locked" (retry_after seconds)."""

    status: str
    body: Optional[Dict[str, Any]] = None
    retry_after: int = 0


def _find_user(session: Session, kind: str, value: str) -> Tuple[Optional[Account], Optional[AuthorizedUser]]:
    """The account and user behind an identifier, in one query whether it is known or not (the
    same database work either way: no timing difference between known and unknown identifiers)."""
    if kind == "account_number":
        query = (
            select(Account, AuthorizedUser)
            .outerjoin(AuthorizedUser, AuthorizedUser.account_id == Account.id)
            .where(Account.account_number == value)
            .order_by(AuthorizedUser.is_primary.desc(), AuthorizedUser.id)
            .limit(1)
        )
    else:
        column = AuthorizedUser.email if kind == "email" else AuthorizedUser.phone
        query = (
            select(Account, AuthorizedUser)
            .join(Account, AuthorizedUser.account_id == Account.id)
            .where(column == value)
            .limit(1)
        )
    row = session.execute(query).first()
    if row is None:
        return None, None
    return row[0], row[1]


def _destination(user: AuthorizedUser, kind: str) -> Optional[str]:
    """Where a code goes: the identifier's own channel, else email, else phone."""
    if kind == "phone" and user.phone:
        return user.phone
    return user.email or user.phone


def _decoy_mask(key: str) -> str:
    """A stable, plausible masked email for an unknown account number."""
    n = int(key[:8], 16)
    return mask_email(
        f"{_DECOY_LETTERS[n % len(_DECOY_LETTERS)]}x@{_DECOY_DOMAINS[n // 97 % len(_DECOY_DOMAINS)]}"
    )


def start(
    session: Session, settings: Settings, identifier: str, conversation_id: str, channel: str = ""
) -> Dict[str, Any]:
    """Open a verification attempt for an account number, email or phone (known or not), on the
    input ``channel`` of the conversation (its handle will only be accepted from that channel)."""
    classified = classify_identifier(identifier)
    if classified is None:
        raise InvalidField(
            "identifier", "must be an 8-digit account number, an email address or a phone number"
        )
    kind, value = classified
    key = identifier_key(f"{kind}:{value}")
    account, user = _find_user(session, kind, value)
    if kind in ("email", "phone"):
        masked = mask(value)
    elif user is not None and (destination := _destination(user, kind)):
        masked = mask(destination)
    else:
        masked = _decoy_mask(key)
    now = utcnow()
    # Expired attempts (with their code hashes) and handles are erased as new ones are made.
    session.execute(delete(VerificationAttempt).where(VerificationAttempt.expires_at <= now))
    session.execute(delete(VerificationHandle).where(VerificationHandle.expires_at <= now))
    attempt = VerificationAttempt(
        id=secrets.token_urlsafe(24),
        identifier_key=key,
        identifier_kind=kind,
        account_id=account.id if (account and user) else None,
        user_id=user.id if user else None,
        conversation_key=conversation_key(conversation_id),
        channel=channel or "",
        masked_destination=masked,
        created_at=now,
        expires_at=now + timedelta(seconds=settings.handle_ttl_seconds),
    )
    session.add(attempt)
    audit.record(
        session,
        "verify_started",
        attempt.account_id,
        conversation_id,
        identifier_kind=kind,
        known=attempt.account_id is not None,
        channel=attempt.channel,  # the conversation's input channel, for the reports (docs/reports.md)
        seal_conversation=True,
    )
    return {"attempt_id": attempt.id, "factors": list(FACTORS)}


def _live_attempt(session: Session, attempt_id: str) -> Optional[VerificationAttempt]:
    attempt = session.get(VerificationAttempt, attempt_id)
    if attempt is None or attempt.used_at is not None or attempt.expires_at <= utcnow():
        return None
    return attempt


def lockout_key(attempt: VerificationAttempt) -> str:
    """What failures count against: the account, whichever identifier (account number, email,
    phone) the attempt used; an unknown identifier locks only itself."""
    if attempt.account_id is not None:
        return identifier_key(f"account:{attempt.account_id}")
    return attempt.identifier_key


def _lockout(session: Session, key: str) -> VerificationLockout:
    """The lockout row of an identifier, created on first use and locked for this transaction."""
    query = select(VerificationLockout).where(VerificationLockout.identifier_key == key).with_for_update()
    row = session.execute(query).scalar_one_or_none()
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = VerificationLockout(identifier_key=key, failures=0, window_started_at=utcnow())
            session.add(row)
    except IntegrityError:  # created concurrently
        row = session.execute(query).scalar_one()
    return row


def _retry_after(row: VerificationLockout) -> int:
    """Seconds left on the lock, 0 when not locked (an expired lock is cleared)."""
    now = utcnow()
    if row.locked_until is None:
        return 0
    if row.locked_until <= now:
        row.locked_until, row.failures, row.window_started_at = None, 0, now
        return 0
    return max(1, math.ceil((row.locked_until - now).total_seconds()))


def send_otp(session: Session, settings: Settings, attempt_id: str) -> Dict[str, Any]:
    """Send a one-time code for the attempt (to the outbox); the answer is the same for unknown accounts."""
    attempt = _live_attempt(session, attempt_id)
    if attempt is None:
        raise NotFound("This verification has expired; please start again.", "attempt_not_found")
    outbox.purge_expired_codes(session, OTP_TTL)
    code = f"{secrets.randbelow(10**6):06d}"
    code_hash = hash_secret(code)
    key = lockout_key(attempt)
    locked = _retry_after(_lockout(session, key)) > 0
    user = session.get(AuthorizedUser, attempt.user_id) if attempt.user_id else None
    destination = _destination(user, attempt.identifier_kind) if user else None
    sendable = not locked and attempt.otp_sent_count < OTP_MAX_SENDS
    # Codes per account (or unknown identifier) per window, over every attempt and conversation.
    if sendable and ratelimit.take(
        session, "otp:" + key, settings.otp_max_per_account, settings.otp_window_seconds
    ):
        sendable = False
        audit.record(session, "otp_capped", attempt.account_id, conversation_key=attempt.conversation_key)
    if destination and sendable:
        attempt.otp_hash = code_hash
        attempt.otp_expires_at = utcnow() + OTP_TTL
        attempt.otp_sent_count += 1
        message = outbox.send(
            session,
            outbox.recipient_key(destination),
            "email" if "@" in destination else "sms",
            "otp",
            f"Your verification code is {outbox.CODE_MASK}. It expires in 10 minutes. "
            "If you did not ask for it, you can ignore this message.",
            account_id=attempt.account_id,
            sealed_code=sealing.seal(settings.outbox_key, code, sealing.CODES)
            if settings.outbox_key
            else None,
        )
        if settings.dev_outbox:
            outbox.remember_dev_code(session, message, code, attempt.otp_expires_at)
        audit.record(session, "otp_sent", attempt.account_id, conversation_key=attempt.conversation_key)
    return {"sent": True, "to": attempt.masked_destination}


def factor_type_of(factor: str, factor_type: Optional[str]) -> str:
    """zip / pin / otp from an explicit type or from the factor's length; raise InvalidField."""
    if not factor.isdigit() or len(factor) not in FACTOR_LENGTHS:
        raise InvalidField("factor", "must be a 5-digit ZIP, a 4-digit PIN or a 6-digit code")
    if factor_type is None:
        return FACTOR_LENGTHS[len(factor)]
    if factor_type not in FACTORS:
        raise InvalidField("factor_type", "must be one of zip, pin, otp")
    if FACTOR_LENGTHS[len(factor)] != factor_type:
        raise InvalidField("factor", f"has the wrong length for factor_type {factor_type}")
    return factor_type


@dataclass(frozen=True)
class HashWork:
    """The one slow hash of a verification, done before its write transaction.

    ``stored`` is the hash the factor was compared with (None: no hash to compare, the work was
    the dummy hash of ``burn_time``) and ``ok`` the outcome. ``verify`` uses it only when it
    reads the same stored hash inside its transaction; otherwise it hashes again.
    """

    factor: str
    stored: Optional[str]
    ok: bool


def _stored_hash(
    attempt: Optional[VerificationAttempt], account: Optional[Account], kind: str, now
) -> Optional[str]:
    """The hash ``verify`` compares a PIN or one-time code with (None for ZIP and failures)."""
    if attempt is None or kind == "zip":
        return None
    if kind == "pin":
        return account.pin_hash if account else None
    return attempt.otp_hash if (attempt.otp_expires_at and attempt.otp_expires_at > now) else None


def _account_of(session: Session, attempt: Optional[VerificationAttempt]) -> Optional[Account]:
    """The attempt's account, with one lookup also for unknown identifiers (id 0 matches nothing),
    so both cost the same."""
    if attempt is None:
        return None
    return session.get(Account, attempt.account_id or 0)


def verify_target(
    session: Session, attempt_id: str, factor: str, factor_type: Optional[str] = None
) -> Optional[str]:
    """The stored hash ``verify`` will compare ``factor`` with (None: nothing to compare). Reads
    only; the route then calls ``hash_work`` outside any transaction."""
    kind = factor_type_of(factor, factor_type)
    attempt = _live_attempt(session, attempt_id)
    account = _account_of(session, attempt)
    return _stored_hash(attempt, account, kind, utcnow())


def hash_work(factor: str, stored: Optional[str]) -> HashWork:
    """The one slow hash of a verification (PBKDF2, ~0.1 s), done before ``verify``'s write
    transaction so that it does not hold SQLite's write lock, behind which every other backend
    transaction queues. Exactly one hash, as ``verify`` itself would do."""
    if stored is None:
        burn_time(factor)
        return HashWork(factor, None, False)
    return HashWork(factor, stored, verify_secret(factor, stored))


def _burn(factor: str, work: Optional[HashWork]) -> None:
    if work is None or work.factor != factor:
        burn_time(factor)


def _check(factor: str, stored: Optional[str], work: Optional[HashWork]) -> bool:
    if work is not None and work.factor == factor and work.stored == stored:
        return work.ok
    return verify_secret(factor, stored)


def verify(
    session: Session,
    settings: Settings,
    attempt_id: str,
    factor: str,
    factor_type: Optional[str] = None,
    work: Optional[HashWork] = None,
) -> VerifyResult:
    """Check the second factor; on success issue a handle bound to the attempt's conversation.

    ``work``: the hashing already done by ``hash_work`` (not repeated here when it matches)."""
    kind = factor_type_of(factor, factor_type)
    attempt = _live_attempt(session, attempt_id)
    if attempt is None:
        _burn(factor, work)
        return VerifyResult("failed")
    row = _lockout(session, lockout_key(attempt))
    retry_after = _retry_after(row)
    if retry_after:
        _burn(factor, work)
        audit.record(
            session,
            "verify_refused_locked",
            attempt.account_id,
            conversation_key=attempt.conversation_key,
            factor_type=kind,
        )
        return VerifyResult("locked", retry_after=retry_after)
    account = _account_of(session, attempt)
    now = utcnow()
    if kind == "zip":
        _burn(factor, work)
        ok = account is not None and hmac.compare_digest(
            factor.encode(), (account.billing_zip or "").encode()
        )
    else:
        ok = _check(factor, _stored_hash(attempt, account, kind, now), work) and account is not None
    if ok and account is not None:
        row.failures, row.locked_until, row.window_started_at = 0, None, now
        attempt.used_at, attempt.otp_hash, attempt.otp_expires_at = now, None, None  # a used code is erased
        handle = secrets.token_urlsafe(32)
        expires = now + timedelta(seconds=settings.handle_ttl_seconds)
        session.add(
            VerificationHandle(
                handle_hash=token_digest(handle),
                account_id=account.id,
                user_id=attempt.user_id,
                conversation_key=attempt.conversation_key,
                channel=attempt.channel or "",
                created_at=now,
                expires_at=expires,
            )
        )
        audit.record(
            session,
            "verify_succeeded",
            account.id,
            conversation_key=attempt.conversation_key,
            factor_type=kind,
        )
        user = session.get(AuthorizedUser, attempt.user_id)
        return VerifyResult(
            "ok", {"handle": handle, "expires_at": iso_utc(expires), "customer_first_name": user.first_name}
        )
    if (now - row.window_started_at).total_seconds() > settings.verify_lock_seconds:
        row.failures, row.window_started_at = 0, now
    row.failures += 1
    locked = row.failures >= settings.verify_max_failures
    if locked:
        row.locked_until = now + timedelta(seconds=settings.verify_lock_seconds)
    audit.record(
        session,
        "verify_locked" if locked else "verify_failed",
        attempt.account_id,
        conversation_key=attempt.conversation_key,
        factor_type=kind,
        failures=row.failures,
    )
    if locked:
        return VerifyResult("locked", retry_after=settings.verify_lock_seconds)
    return VerifyResult("failed")


@dataclass(frozen=True)
class Verified:
    """Who a valid handle speaks for."""

    account_id: int
    user_id: int
    conversation_id: str


def resolve_handle(
    session: Session, handle: Optional[str], conversation_id: Optional[str], channel: Optional[str] = None
) -> Verified:
    """The account behind a handle used with its own conversation id, from the input channel it
    was issued on; else 401 invalid_handle."""
    refused = Unauthorized("Verification is missing or has expired; please verify again.", "invalid_handle")
    if not handle or not conversation_id or len(handle) > 200:
        raise refused
    row = session.get(VerificationHandle, token_digest(handle))
    if row is None or row.expires_at <= utcnow():
        raise refused
    if not hmac.compare_digest(row.conversation_key.encode(), conversation_key(conversation_id).encode()):
        raise refused
    if not hmac.compare_digest((row.channel or "").encode(), (channel or "").encode()):
        raise refused
    return Verified(row.account_id, row.user_id, conversation_id)
