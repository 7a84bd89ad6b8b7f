"""outbox without one-time codes: the `code` column goes, and the code messages already stored
(with the code in clear in their body) are deleted; new ones hold the code masked (backend/outbox.py).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 22:50:00

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: Union[str, None] = "0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.execute("DELETE FROM outbox_messages WHERE kind = 'otp'")
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_column("code")


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code", sa.String(length=6), nullable=True))
