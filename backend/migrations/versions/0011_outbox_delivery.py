"""outbox delivery (issue 11): each customer message gets a delivery state (status, attempts,
lease/next attempt, sent time, last error, provider id), the sealed one-time code until delivery
(contract/sealing.py) and the confirmation number a receipt is about. Messages written before
this revision were never sent and are marked `expired` (not sent late). Leased equipment gets its
return authorisation number (`rma`), issued at filing.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 22:50:00

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0011"
down_revision: Union[str, None] = "0010"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_messages") as batch:
        batch.add_column(sa.Column("status", sa.String(length=20), nullable=False, server_default="expired"))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("sent_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("last_error", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("provider_id", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("sealed_code", sa.Text(), nullable=True))
        batch.add_column(sa.Column("reference", sa.String(length=40), nullable=True))
        batch.create_index("ix_outbox_messages_status", ["status", "next_attempt_at"])
    with op.batch_alter_table("equipment") as batch:
        batch.add_column(sa.Column("rma", sa.String(length=20), nullable=True))
        batch.create_unique_constraint("uq_equipment_rma", ["rma"])


def downgrade() -> None:
    with op.batch_alter_table("equipment") as batch:
        batch.drop_constraint("uq_equipment_rma", type_="unique")
        batch.drop_column("rma")
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_index("ix_outbox_messages_status")
        for column in (
            "reference",
            "sealed_code",
            "provider_id",
            "last_error",
            "sent_at",
            "next_attempt_at",
            "attempts",
            "status",
        ):
            batch.drop_column(column)
