"""What the assistant tells the reports about a conversation (`POST /api/v1/conversation-events`,
docs/reports.md): it did not understand a message, or the customer stopped the cancellation. Each
is an audit event keyed by the conversation's keyed hash, its id kept only sealed."""

from __future__ import annotations

from typing import Optional

from sqlalchemy.orm import Session

from backend import audit

ACTIONS = {"misunderstood": "conversation_misunderstood", "stopped": "conversation_stopped"}


def record_event(session: Session, conversation_id: str, kind: str, channel: Optional[str]) -> dict:
    """Append the audit event of a conversation event (`kind` is one of contract's kinds)."""
    audit.record(
        session,
        ACTIONS[kind],
        None,
        conversation_id,
        seal_conversation=True,
        channel=channel or "",
    )
    return {"recorded": True}
