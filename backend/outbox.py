"""Outgoing messages (one-time codes, receipts, staff alerts).

Messages are written to the outbox table in the same transaction as the change they report; a
delivery worker (backend/delivery, docs/delivery.md) sends the email and SMS ones from there.

One-time codes are never written down: an `otp` row holds the message with the code masked
(`CODE_MASK`), and the code exists only as a salted hash on its verification attempt and, until
it is delivered, encrypted with OUTBOX_KEY in the row's `sealed_code` (contract/sealing.py). With DEV_OUTBOX=1 the code
is also kept in this process's memory until it expires (`remember_dev_code`), so that the dev
outbox (`GET /api/v1/dev/outbox`) can show it to a developer or a test; with DEV_OUTBOX=0 nothing
keeps it. Code messages are purged from the table once their code has expired (`purge_expired_codes`).
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional, Tuple

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backend.contact import normalize_email, normalize_phone
from backend.models import OutboxMessage, iso_utc, utcnow

CODE_MASK = "••••••"
DELIVERED_CHANNELS = ("email", "sms")  # sent by backend.delivery; slack rows are staff alerts
# (database URL, outbox message id) -> (code, expires at); DEV_OUTBOX=1 only
_dev_codes: Dict[Tuple[str, int], Tuple[str, datetime]] = {}
_dev_lock = threading.Lock()


def recipient_key(destination: str) -> str:
    """Normalised recipient: lowercase email or phone digits."""
    return normalize_email(destination) if "@" in destination else normalize_phone(destination)


def send(
    session: Session,
    to: str,
    channel: str,
    kind: str,
    body: str,
    account_id: Optional[int] = None,
    *,
    sealed_code: Optional[str] = None,
    reference: Optional[str] = None,
) -> OutboxMessage:
    """Queue one message in the current transaction (email/sms rows: for the delivery worker,
    backend/delivery; `sealed_code`: the one-time code sealed with OUTBOX_KEY)."""
    message = OutboxMessage(
        recipient=to,
        channel=channel,
        kind=kind,
        body=body,
        account_id=account_id,
        status="pending" if channel in DELIVERED_CHANNELS else "none",
        sealed_code=sealed_code,
        reference=reference,
    )
    session.add(message)
    return message


def remember_dev_code(session: Session, message: OutboxMessage, code: str, expires_at: datetime) -> None:
    """DEV_OUTBOX=1 only: keep `code` in memory for the dev outbox until `expires_at`."""
    session.flush()  # the message id
    with _dev_lock:
        now = utcnow()
        for message_id in [k for k, (_, until) in _dev_codes.items() if until <= now]:
            del _dev_codes[message_id]
        _dev_codes[_dev_key(session, message.id)] = (code, expires_at)


def purge_expired_codes(session: Session, ttl: timedelta) -> None:
    """Delete code messages older than the codes' lifetime (their code is useless by then)."""
    session.execute(
        delete(OutboxMessage).where(OutboxMessage.kind == "otp", OutboxMessage.created_at <= utcnow() - ttl)
    )


def _dev_key(session: Session, message_id: int) -> Tuple[str, int]:
    return str(session.get_bind().url), message_id


def dev_code(session: Session, message_id: int) -> Optional[str]:
    """The code of a code message held in memory (DEV_OUTBOX=1), else None."""
    with _dev_lock:
        found = _dev_codes.get(_dev_key(session, message_id))
    return found[0] if found and found[1] > utcnow() else None


def list_messages(session: Session, to: Optional[str] = None, limit: int = 100) -> List[Dict[str, Any]]:
    """Newest first, optionally only those sent to `to` (email, phone or staff name). Code
    messages show their code (in `code` and in the body) while this process still holds it."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if to:
        keys = {to.strip(), recipient_key(to)} - {""}
        query = query.where(OutboxMessage.recipient.in_(keys))
    rows = session.execute(query).scalars().all()
    out = []
    for m in rows:
        item = {
            "to": m.recipient,
            "channel": m.channel,
            "kind": m.kind,
            "body": m.body,
            "created_at": iso_utc(m.created_at),
        }
        code = dev_code(session, m.id) if m.kind == "otp" else None
        if code:
            item["code"], item["body"] = code, m.body.replace(CODE_MASK, code)
        out.append(item)
    return out
