"""The append-only audit trail: one row per step, never holding a factor, code or handle."""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy.orm import Session

from bot.models import AuditEvent

FORBIDDEN_KEYS = {"factor", "pin", "zip", "code", "handle", "token", "identifier", "email", "phone"}


def record(session: Session, action: str, account_id: Optional[int] = None,
           conversation_id: Optional[str] = None, **details: Any) -> None:
    """Append an audit event to the current transaction."""
    leaked = FORBIDDEN_KEYS.intersection(details)
    if leaked:
        raise ValueError(f"audit details must not hold {sorted(leaked)}")
    session.add(AuditEvent(action=action, account_id=account_id, conversation_id=conversation_id,
                           details=details))
