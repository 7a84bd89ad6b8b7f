"""The append-only audit trail: one row per step, never holding a factor, code or handle."""

from __future__ import annotations

from typing import Any, Optional

from sqlalchemy.orm import Session

from backend import hashing
from backend.models import AuditEvent

SEALED = "sealed_conversation"  # the encrypted conversation id (backend.hashing.seal_conversation_id)
FORBIDDEN_KEYS = {"factor", "pin", "zip", "code", "handle", "token", "identifier", "email", "phone"}


def record(
    session: Session,
    action: str,
    account_id: Optional[int] = None,
    conversation_id: Optional[str] = None,
    *,
    conversation_key: Optional[str] = None,
    seal_conversation: bool = False,
    **details: Any,
) -> None:
    """Append an audit event to the current transaction. The conversation is stored as its keyed
    hash: give the conversation id, or its `conversation_key` when only that is known. With
    `seal_conversation` (the steps that start a conversation) the id is also kept encrypted in
    `details["sealed_conversation"]`, for the reports' drill-down (docs/reports.md)."""
    leaked = FORBIDDEN_KEYS.intersection(details)
    if leaked:
        raise ValueError(f"audit details must not hold {sorted(leaked)}")
    if conversation_key is None and conversation_id:
        conversation_key = hashing.conversation_key(conversation_id)
    if seal_conversation and conversation_id:
        details[SEALED] = hashing.seal_conversation_id(conversation_id)
    session.add(
        AuditEvent(action=action, account_id=account_id, conversation_key=conversation_key, details=details)
    )
