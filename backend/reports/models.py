"""The reports' summary: one row per conversation with what the figures need (derived from the
recorded facts by backend.reports.summary), and the refresh watermark. Rebuilt from the audit trail and
the tables at any time; never the source of truth."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, DateTime, Float, Integer, String, Text

from backend.models import Base, Money


class ReportConversation(Base):
    __tablename__ = "report_conversations"
    conversation_key = Column(String(64), primary_key=True)  # keyed hash of the conversation id
    started_at = Column(DateTime, nullable=False, index=True)
    last_at = Column(DateTime, nullable=False)
    channel = Column(String(40), nullable=False)  # of the filing, else of the handoff, else "unknown"
    tier = Column(String(40), nullable=False)  # the account's tier, or "not identified"
    reason = Column(String(40))  # recorded reason (filing, else offer request); NULL: none given
    furthest_step = Column(String(20), nullable=False)
    identified = Column(Boolean, nullable=False)
    service_chosen = Column(Boolean, nullable=False)
    reason_given = Column(Boolean, nullable=False)
    offer_made = Column(Boolean, nullable=False)  # an offer was shown (not the holdout)
    offer_accepted = Column(Boolean, nullable=False)
    offer_declined = Column(Boolean, nullable=False)
    confirmed = Column(Boolean, nullable=False)
    filed = Column(Boolean, nullable=False)
    handoff = Column(Boolean, nullable=False)
    misunderstood = Column(Boolean, nullable=False)  # a misunderstanding recorded, or a handoff for one
    stopped = Column(Boolean, nullable=False)  # the customer stopped the cancellation (recorded)
    # the conversation id sealed (backend.hashing.seal_conversation_id): opened only by a drill-down
    sealed_conversation_id = Column(Text)
    offer_title = Column(String(200))
    offer_status = Column(String(20))  # made | accepted | declined | holdout
    offer_reason = Column(String(40))
    offer_stayed = Column(Boolean)  # no standing cancellation of the service at/after the offer
    save_month = Column(String(7))  # YYYY-MM of an accepted offer
    revenue_month = Column(Money)  # first month of revenue an accepted offer keeps (0 if cancelled anyway)
    revenue_year = Column(Money)  # first 12 months of it
    filed_reason = Column(String(40))
    filed_end_kind = Column(String(20))
    filed_channel = Column(String(40))
    filed_revoked = Column(Boolean)
    filed_week = Column(Date)  # Monday of the filing's week
    time_to_cancel_s = Column(Float)


class ReportRefresh(Base):
    """Single row (id 1): audit events up to `audit_at` are in the summary, its days (weeks, months)
    in the time zone `timezone`."""

    __tablename__ = "report_refresh"
    id = Column(Integer, primary_key=True)
    audit_at = Column(DateTime, nullable=False)
    refreshed_at = Column(DateTime, nullable=False)
    timezone = Column(String(64))  # NULL: rows from before migration 0014 (UTC days), rebuilt
