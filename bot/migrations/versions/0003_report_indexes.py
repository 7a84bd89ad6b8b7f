"""Indexes of the reports (docs/reports.md): time ranges and conversation look-ups.

Revision ID: 0003_reports
Revises: 0002
"""
from typing import Sequence, Union

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
    ("retention_offers", "made_at"),
    ("retention_offers", "conversation_id"),
    ("handoffs", "created_at"),
]


def upgrade() -> None:
    for table, column in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def downgrade() -> None:
    for table, column in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
