"""Reports (docs/reports.md): the handoff queue also keeps the conversation's keyed hash
(`conversation_key`, as the other tables since 0007) so that the reports join handoffs to
conversations; indexes for conversation look-ups; the per-conversation summary (keyed by
`conversation_key`) and its refresh watermark. Existing handoffs are keyed in place, so
IDENTIFIER_HASH_KEY must be set when the queue holds rows (as for 0007).

Revision ID: 0009
Revises: 0008
"""

import hashlib
import hmac
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from backend.config import load_settings

revision: str = "0009"
down_revision: Union[str, None] = "0008"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

INDEXES = [
    ("audit_events", "at"),
    ("audit_events", "conversation_key"),
    ("cancellation_requests", "received_at"),
    ("cancellation_requests", "conversation_key"),
    ("cancellation_requests", "revoked_at"),
    ("retention_offers", "made_at"),
    ("retention_offers", "conversation_key"),
    ("handoffs", "created_at"),
    ("handoffs", "conversation_key"),
]


def _key_handoffs() -> None:
    """Add handoffs.conversation_key and fill it from the conversation ids the queue holds."""
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("conversation_key", sa.String(length=64), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, conversation_id FROM handoffs")).fetchall()
    if rows:
        secret = load_settings().identifier_hash_key
        if not secret:
            raise RuntimeError(
                "IDENTIFIER_HASH_KEY must be set to key the existing handoffs (see .env.example)"
            )
        for row_id, conversation_id in rows:
            message = b"cancel-assistant/conversation:" + conversation_id.encode("utf-8")
            digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()
            bind.execute(
                sa.text("UPDATE handoffs SET conversation_key = :digest WHERE id = :row_id"),
                {"digest": digest, "row_id": row_id},
            )
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.alter_column("conversation_key", existing_type=sa.String(length=64), nullable=False)


def upgrade() -> None:
    _key_handoffs()
    for table, column in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)
    flags = [
        "identified",
        "service_chosen",
        "reason_given",
        "offer_made",
        "offer_accepted",
        "offer_declined",
        "confirmed",
        "filed",
        "handoff",
        "misunderstood",
    ]
    op.create_table(
        "report_conversations",
        sa.Column("conversation_key", sa.String(length=64), nullable=False),
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
        sa.PrimaryKeyConstraint("conversation_key", name=op.f("pk_report_conversations")),
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
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.drop_column("conversation_key")
