"""Outgoing messages (one-time codes, receipts, staff alerts).

Messages are written to the outbox table in the same transaction as the change they report; a
delivery worker (email/SMS/Slack provider) would read them from there. With DEV_OUTBOX=1 the API
shows them so that a person or a test can read a code.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.contact import normalize_email, normalize_phone
from bot.models import OutboxMessage, iso_utc


def recipient_key(destination: str) -> str:
    """Normalised recipient: lowercase email or phone digits."""
    return normalize_email(destination) if "@" in destination else normalize_phone(destination)


def send(session: Session, to: str, channel: str, kind: str, body: str,
         code: Optional[str] = None, account_id: Optional[int] = None) -> OutboxMessage:
    """Queue one message in the current transaction."""
    message = OutboxMessage(recipient=to, channel=channel, kind=kind, body=body, code=code,
                            account_id=account_id)
    session.add(message)
    return message


def list_messages(session: Session, to: Optional[str] = None, limit: int = 100) -> List[Dict[str, Any]]:
    """Newest first, optionally only those sent to `to` (email, phone or staff name)."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if to:
        keys = {to.strip(), recipient_key(to)} - {""}
        query = query.where(OutboxMessage.recipient.in_(keys))
    rows = session.execute(query).scalars().all()
    out = []
    for m in rows:
        item = {"to": m.recipient, "channel": m.channel, "kind": m.kind, "body": m.body,
                "created_at": iso_utc(m.created_at)}
        if m.code:
            item["code"] = m.code
        out.append(item)
    return out
