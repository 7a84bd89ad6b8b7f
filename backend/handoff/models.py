"""Tables of the human handoff: staff users and their console sessions, the handoff queue, staff
notifications waiting for delivery to Slack, and console-wide settings (the on-duty override).

They live on backend.models.Base, so Alembic (revision 0002) and tests/backend/test_migrations.py see them
once this module is imported (backend.api imports it).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, Text

from backend.models import Base, utcnow


def _key_of_conversation(context) -> str:
    """Default of ``Handoff.conversation_key``: the keyed hash of the row's conversation id."""
    from backend.hashing import conversation_key

    return conversation_key(context.get_current_parameters()["conversation_id"])


ROLES = ("agent", "supervisor")
OPEN_STATUSES = ("queued", "assigned")


class StaffUser(Base):
    __tablename__ = "staff_users"
    id = Column(Integer, primary_key=True)
    username = Column(String(60), nullable=False, unique=True)  # lowercase
    display_name = Column(String(100), nullable=False)
    role = Column(String(20), nullable=False)  # agent | supervisor
    password_hash = Column(String(300), nullable=False)  # scrypt$n$r$p$salt$hash
    active = Column(Boolean, nullable=False, default=True)
    available = Column(Boolean, nullable=False, default=False)  # "I can take chats now"
    created_at = Column(DateTime, nullable=False, default=utcnow)
    last_login_at = Column(DateTime)


class StaffSession(Base):
    """A console login. Only the SHA-256 of the random session id is stored."""

    __tablename__ = "staff_sessions"
    id_hash = Column(String(64), primary_key=True)
    staff_id = Column(ForeignKey("staff_users.id"), nullable=False, index=True)
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    expires_at = Column(DateTime, nullable=False)
    last_seen_at = Column(DateTime, nullable=False, default=utcnow)


class Handoff(Base):
    """One request for a person in one conversation: queued -> assigned -> closed."""

    __tablename__ = "handoffs"
    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(200), nullable=False, index=True)  # staff reach the chat with it
    # its keyed hash (backend.hashing.conversation_key), as the backend's other tables store it: the
    # reports join handoffs to conversations on it
    conversation_key = Column(String(64), nullable=False, index=True, default=_key_of_conversation)
    channel = Column(String(40), nullable=False)
    reason = Column(String(60), nullable=False)
    status = Column(String(20), nullable=False, default="queued")  # queued | assigned | closed
    account_id = Column(ForeignKey("accounts.id"), index=True)  # set when the customer was verified
    assigned_to = Column(ForeignKey("staff_users.id"), index=True)
    paused = Column(Boolean, nullable=False, default=False)  # the assistant is silent in this chat
    on_duty = Column(Boolean, nullable=False, default=False)  # staff were on duty when requested
    created_at = Column(DateTime, nullable=False, default=utcnow, index=True)
    assigned_at = Column(DateTime)
    closed_at = Column(DateTime)
    closed_by = Column(ForeignKey("staff_users.id"))
    outcome = Column(String(30))  # handed_back | closed
    # The customer may leave an email for a reply (optional; the widget offers it off duty).
    reply_email = Column(String(254))


class HandoffNote(Base):
    """A staff member's internal note on a chat: shown in the console, never sent to the customer."""

    __tablename__ = "handoff_notes"
    id = Column(Integer, primary_key=True)
    handoff_id = Column(ForeignKey("handoffs.id"), nullable=False, index=True)
    staff_id = Column(ForeignKey("staff_users.id"), nullable=False)
    body = Column(Text, nullable=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)


class StaffNotification(Base):
    """A message for the staff Slack channel, written in the transaction of what it reports and
    delivered afterwards by backend.handoff.notify.Notifier (with retries)."""

    __tablename__ = "staff_notifications"
    id = Column(Integer, primary_key=True)
    kind = Column(String(40), nullable=False)  # handoff | refund_over_threshold | sales_callback
    body = Column(Text, nullable=False)
    status = Column(
        String(20), nullable=False, default="pending", index=True
    )  # pending | sent | failed | expired
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(DateTime, nullable=False, default=utcnow)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    sent_at = Column(DateTime)
    last_error = Column(String(200))


class ConsoleSetting(Base):
    """Console-wide settings, e.g. `duty_override` = auto | on | off (set by a supervisor)."""

    __tablename__ = "console_settings"
    key = Column(String(60), primary_key=True)
    value = Column(String(200), nullable=False)
    updated_at = Column(DateTime, nullable=False, default=utcnow)
    updated_by = Column(ForeignKey("staff_users.id"))
