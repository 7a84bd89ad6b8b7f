"""Reports (docs/reports.md): indexes for conversation look-ups, the per-conversation summary and
its refresh watermark.

Revision ID: 0003_reports
Revises: 0002
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0003_reports"
down_revision: Union[str, None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

INDEXES = [
    ("audit_events", "at"),
    ("audit_events", "conversation_id"),
    ("cancellation_requests", "received_at"),
    ("cancellation_requests", "conversation_id"),
    ("cancellation_requests", "revoked_at"),
    ("retention_offers", "made_at"),
    ("retention_offers", "conversation_id"),
    ("handoffs", "created_at"),
]


def upgrade() -> None:
    for table, column in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)
    flags = ["identified", "service_chosen", "reason_given", "offer_made", "offer_accepted", "offer_declined",
             "confirmed", "filed", "handoff", "misunderstood"]
    op.create_table(
        "report_conversations",
        sa.Column("conversation_id", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("last_at", sa.DateTime(), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("tier", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("furthest_step", sa.String(length=20), nullable=False),
        *[sa.Column(name, sa.Boolean(), nullable=False) for name in flags],
        sa.Column("offer_title", sa.String(length=200), nullable=True),
        sa.Column("offer_status", sa.String(length=20), nullable=True),
        sa.Column("offer_reason", sa.String(length=40), nullable=True),
        sa.Column("offer_stayed", sa.Boolean(), nullable=True),
        sa.Column("save_month", sa.String(length=7), nullable=True),
        sa.Column("revenue_month", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("revenue_year", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("filed_reason", sa.String(length=40), nullable=True),
        sa.Column("filed_end_kind", sa.String(length=20), nullable=True),
        sa.Column("filed_channel", sa.String(length=40), nullable=True),
        sa.Column("filed_revoked", sa.Boolean(), nullable=True),
        sa.Column("filed_week", sa.Date(), nullable=True),
        sa.Column("time_to_cancel_s", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_report_conversations")),
    )
    with op.batch_alter_table("report_conversations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_conversations_started_at"), ["started_at"], unique=False)
    op.create_table(
        "report_refresh",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_at", sa.DateTime(), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_refresh")),
    )


def downgrade() -> None:
    op.drop_table("report_refresh")
    with op.batch_alter_table("report_conversations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_conversations_started_at"))
    op.drop_table("report_conversations")
    for table, column in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
