"""Database tables of the backend store (SQLAlchemy ORM, 2.0 style).

Money is Numeric(12, 2) / Decimal. Times are naive UTC (`utcnow()`), dates are plain dates.
Secrets (PIN, one-time codes, handles) are stored only as hashes; conversation ids (an SMS one is
the customer's phone number) only as keyed hashes, `conversation_key` (backend.hashing), except in the
handoff queue, which must reach the conversation in Rasa.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import declarative_base, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
# Any: SQLAlchemy 1.4's declarative base is a runtime class mypy cannot follow without a plugin
Base: Any = declarative_base(metadata=MetaData(naming_convention=NAMING))
Money = Numeric(12, 2)


def utcnow() -> datetime:
    """Current time as naive UTC, the form stored in every DateTime column."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def iso_utc(moment: datetime | None) -> str | None:
    """ISO 8601 UTC text (`...Z`) of a stored naive-UTC time."""
    return None if moment is None else moment.replace(microsecond=0).isoformat() + "Z"


class Account(Base):
    __tablename__ = "accounts"
    id = Column(Integer, primary_key=True)
    account_number = Column(String(8), nullable=False, unique=True)
    name = Column(String(200), nullable=False)
    tier = Column(String(40), nullable=False)
    sales_rep = Column(String(100))
    sales_rep_active = Column(Boolean, nullable=False, default=True)
    server = Column(String(60))  # server/product, picks the exit-survey link
    billing_zip = Column(String(10), nullable=False)
    pin_hash = Column(String(200))
    created_at = Column(DateTime, nullable=False, default=utcnow)

    users = relationship("AuthorizedUser", back_populates="account", order_by="AuthorizedUser.id")
    services = relationship("Service", back_populates="account", order_by="Service.id")
    invoices = relationship("Invoice", back_populates="account", order_by="Invoice.due_date")


class AuthorizedUser(Base):
    __tablename__ = "authorized_users"
    id = Column(Integer, primary_key=True)
    account_id = Column(ForeignKey("accounts.id"), nullable=False, index=True)
    first_name = Column(String(100), nullable=False)
    last_name = Column(String(100), nullable=False, default="")
    email = Column(String(254), unique=True)  # lowercase
    phone = Column(String(20), unique=True)  # digits only
    is_primary = Column(Boolean, nullable=False, default=False)

    account = relationship("Account", back_populates="users")


class Bundle(Base):
    __tablename__ = "bundles"
    id = Column(String(40), primary_key=True)
    account_id = Column(ForeignKey("accounts.id"), nullable=False, index=True)
    name = Column(String(200), nullable=False)

    services = relationship("Service", back_populates="bundle", order_by="Service.id")


class Service(Base):
    __tablename__ = "services"
    id = Column(String(40), primary_key=True)  # SVC-...
    account_id = Column(ForeignKey("accounts.id"), nullable=False, index=True)
    bundle_id = Column(ForeignKey("bundles.id"), index=True)
    name = Column(String(200), nullable=False)
    plan = Column(String(100), nullable=False)
    price = Column(Money, nullable=False)
    billing_period = Column(String(10), nullable=False)  # monthly | annual
    next_anniversary = Column(Date, nullable=False)
    status = Column(String(30), nullable=False, default="active")  # active | cancellation_pending | cancelled
    discount_percent = Column(Integer)
    discount_until = Column(Date)
    paused_until = Column(Date)

    account = relationship("Account", back_populates="services")
    bundle = relationship("Bundle", back_populates="services")
    equipment = relationship("Equipment", back_populates="service", order_by="Equipment.id")


class Invoice(Base):
    __tablename__ = "invoices"
    id = Column(Integer, primary_key=True)
    account_id = Column(ForeignKey("accounts.id"), nullable=False, index=True)
    number = Column(String(40), nullable=False, unique=True)
    amount_due = Column(Money, nullable=False)
    due_date = Column(Date, nullable=False)
    status = Column(String(20), nullable=False, default="open")  # open | paid

    account = relationship("Account", back_populates="invoices")


class Equipment(Base):
    __tablename__ = "equipment"
    id = Column(String(40), primary_key=True)  # EQ-...
    account_id = Column(ForeignKey("accounts.id"), nullable=False, index=True)
    service_id = Column(ForeignKey("services.id"), index=True)
    model = Column(String(100), nullable=False)
    serial = Column(String(100), nullable=False)
    kind = Column(String(40), nullable=False)
    retail_price = Column(Money, nullable=False)
    tracking_number = Column(String(60))
    tracking_reported_at = Column(DateTime)
    rma = Column(String(20), unique=True)  # return authorisation, issued when its cancellation is filed
    returned_at = Column(DateTime)  # received back at the warehouse (staff console)

    service = relationship("Service", back_populates="equipment")


class CancellationRequest(Base):
    __tablename__ = "cancellation_requests"
    __table_args__ = (UniqueConstraint("account_id", "idempotency_key", name="uq_cancellation_idempotency"),)
    id = Column(Integer, primary_key=True)
    confirmation_number = Column(String(14), nullable=False, unique=True)
    account_id = Column(ForeignKey("accounts.id"), nullable=False, index=True)
    service_id = Column(ForeignKey("services.id"), nullable=False, index=True)
    user_id = Column(ForeignKey("authorized_users.id"))
    idempotency_key = Column(String(200), nullable=False)
    received_at = Column(DateTime, nullable=False, default=utcnow, index=True)
    end_kind = Column(String(20), nullable=False)  # immediate | end_of_period | date
    end_date = Column(Date, nullable=False)
    status = Column(String(20), nullable=False, default="received")  # received | revoked
    reason = Column(String(40))
    channel = Column(String(40), nullable=False)
    conversation_key = Column(String(64), nullable=False, index=True)  # keyed hash of the conversation id
    revoked_at = Column(DateTime, index=True)
    snapshot = Column(JSON, nullable=False)  # what the customer was told at filing

    service = relationship("Service")
    account = relationship("Account")


class RetentionOffer(Base):
    __tablename__ = "retention_offers"
    __table_args__ = (UniqueConstraint("service_id", "conversation_key", name="uq_offer_per_conversation"),)
    id = Column(String(40), primary_key=True)  # OFR-...
    account_id = Column(ForeignKey("accounts.id"), nullable=False, index=True)
    service_id = Column(ForeignKey("services.id"), nullable=False)
    conversation_key = Column(String(64), nullable=False, index=True)  # keyed hash of the conversation id
    rule_id = Column(String(100), nullable=False)
    kind = Column(String(20), nullable=False)
    title = Column(String(200), nullable=False)
    description = Column(Text, nullable=False)
    reason = Column(String(40))
    status = Column(String(20), nullable=False, default="made")  # made | accepted | declined | holdout
    made_at = Column(DateTime, nullable=False, default=utcnow, index=True)
    decided_at = Column(DateTime)


class RefundRequest(Base):
    __tablename__ = "refund_requests"
    id = Column(Integer, primary_key=True)
    account_id = Column(ForeignKey("accounts.id"), nullable=False, index=True)
    service_id = Column(ForeignKey("services.id"))
    amount = Column(Money, nullable=False)
    reason = Column(Text, nullable=False)
    status = Column(String(20), nullable=False)  # credit_processing | under_review
    conversation_key = Column(String(64))  # keyed hash of the conversation id
    created_at = Column(DateTime, nullable=False, default=utcnow)


class StaffTask(Base):
    __tablename__ = "staff_tasks"
    id = Column(Integer, primary_key=True)
    account_id = Column(ForeignKey("accounts.id"), nullable=False, index=True)
    kind = Column(String(30), nullable=False)  # sales_callback | billing_review
    owner = Column(String(100), nullable=False)
    status = Column(String(30), nullable=False, default="open")  # open | billing_in_progress | done
    details = Column(JSON, nullable=False)
    cancellation_id = Column(ForeignKey("cancellation_requests.id"), index=True)
    refund_id = Column(ForeignKey("refund_requests.id"), index=True)
    notify_slack = Column(Boolean, nullable=False, default=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)


class AuditEvent(Base):
    """Append-only trail of every step. Never holds a verification factor, code or handle."""

    __tablename__ = "audit_events"
    id = Column(Integer, primary_key=True)
    at = Column(DateTime, nullable=False, default=utcnow, index=True)
    action = Column(String(60), nullable=False)
    account_id = Column(ForeignKey("accounts.id"), index=True)
    conversation_key = Column(String(64), index=True)  # keyed hash of the conversation id
    details = Column(JSON, nullable=False)


class VerificationAttempt(Base):
    __tablename__ = "verification_attempts"
    id = Column(String(64), primary_key=True)
    identifier_key = Column(String(64), nullable=False, index=True)
    identifier_kind = Column(String(20), nullable=False)
    account_id = Column(ForeignKey("accounts.id"))  # NULL: unknown identifier, can never succeed
    user_id = Column(ForeignKey("authorized_users.id"))
    conversation_key = Column(String(64), nullable=False)  # keyed hash of the conversation id
    channel = Column(
        String(40), nullable=False, default="", server_default=""
    )  # input channel it was started on
    masked_destination = Column(String(100), nullable=False)  # where a code would go, masked
    otp_hash = Column(String(200))
    otp_sent_count = Column(Integer, nullable=False, default=0)
    otp_expires_at = Column(DateTime)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    expires_at = Column(DateTime, nullable=False)
    used_at = Column(DateTime)


class VerificationLockout(Base):
    __tablename__ = "verification_lockouts"
    identifier_key = Column(String(64), primary_key=True)
    failures = Column(Integer, nullable=False, default=0)
    window_started_at = Column(DateTime, nullable=False, default=utcnow)
    locked_until = Column(DateTime)


class VerificationHandle(Base):
    __tablename__ = "verification_handles"
    handle_hash = Column(String(64), primary_key=True)
    account_id = Column(ForeignKey("accounts.id"), nullable=False, index=True)
    user_id = Column(ForeignKey("authorized_users.id"), nullable=False)
    conversation_key = Column(String(64), nullable=False)  # keyed hash of the conversation id it works in
    channel = Column(
        String(40), nullable=False, default="", server_default=""
    )  # only usable from this input channel
    created_at = Column(DateTime, nullable=False, default=utcnow)
    expires_at = Column(DateTime, nullable=False)


class OutboxMessage(Base):
    """Messages the backend sends (codes, receipts, staff alerts); the dev outbox shows them."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_status", "status", "next_attempt_at"),)
    id = Column(Integer, primary_key=True)
    recipient = Column(
        String(254), nullable=False, index=True
    )  # email lowercase, phone digits, or staff name
    channel = Column(String(20), nullable=False)  # email | sms | slack
    kind = Column(String(30), nullable=False)  # otp | receipt | billing_alert
    body = Column(Text, nullable=False)  # one-time codes masked: never stored in clear (backend/outbox.py)
    account_id = Column(ForeignKey("accounts.id"))
    created_at = Column(DateTime, nullable=False, default=utcnow)
    # Delivery (backend/delivery): pending -> sent | failed (given up) | expired; `next_attempt_at` is
    # also the lease of the worker sending it. Staff rows (slack) are delivered elsewhere: `none`.
    status = Column(String(20), nullable=False, default="pending")
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(DateTime, default=utcnow)
    sent_at = Column(DateTime)
    last_error = Column(String(200))
    provider_id = Column(String(200))  # Twilio message SID or the email's Message-ID
    sealed_code = Column(
        Text
    )  # one-time code encrypted with OUTBOX_KEY until delivered (contract/sealing.py)
    reference = Column(String(40))  # confirmation number of a receipt


class RateLimit(Base):
    """A counter of backend/ratelimit.py: uses in a window, or failures and a back-off block."""

    __tablename__ = "rate_limits"
    key = Column(String(64), primary_key=True)  # keyed hash of what is limited
    count = Column(Integer, nullable=False, default=0)
    window_started_at = Column(DateTime, nullable=False, default=utcnow)
    blocked_until = Column(DateTime)


class IdempotencyRecord(Base):
    """The first answer to a state-changing call with an Idempotency-Key (backend/idempotency.py)."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("scope", "idempotency_key", name="uq_idempotency_scope_key"),)
    id = Column(Integer, primary_key=True)
    scope = Column(String(100), nullable=False)  # account:<id> or conversation:<keyed hash>
    idempotency_key = Column(String(200), nullable=False)
    request_hash = Column(String(64), nullable=False)  # SHA-256 of method, route, path, canonical body
    status = Column(Integer, nullable=False)
    response = Column(JSON, nullable=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _audit_is_append_only(mapper, connection, target):  # noqa: ARG001
    raise RuntimeError("audit_events is append-only")
