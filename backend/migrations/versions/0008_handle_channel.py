"""verification attempts and handles remember the input channel (rest, socketio, slack, twilio)
they were opened on; a handle presented from another channel is refused (issue 14).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 21:40:00

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0008"
down_revision: Union[str, None] = "0007"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("verification_attempts") as batch:
        batch.add_column(sa.Column("channel", sa.String(length=40), nullable=False, server_default=""))
    with op.batch_alter_table("verification_handles") as batch:
        batch.add_column(sa.Column("channel", sa.String(length=40), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("verification_handles") as batch:
        batch.drop_column("channel")
    with op.batch_alter_table("verification_attempts") as batch:
        batch.drop_column("channel")
