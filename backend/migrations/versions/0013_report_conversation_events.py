"""reports (issue 12): the per-conversation summary records whether the customer stopped the
cancellation (audit `conversation_stopped`, from the action server's conversation events) and keeps
the conversation id sealed (backend.hashing.seal_conversation_id) for the supervisor's drill-down.
The summary is derived data: it is emptied here and rebuilt on the next report.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 04:45:00

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0013"
down_revision: Union[str, None] = "0012"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.execute("DELETE FROM report_refresh")  # the next refresh rebuilds every row
    op.execute("DELETE FROM report_conversations")
    with op.batch_alter_table("report_conversations") as batch:
        batch.add_column(sa.Column("stopped", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("sealed_conversation_id", sa.Text(), nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM report_refresh")
    op.execute("DELETE FROM report_conversations")
    with op.batch_alter_table("report_conversations") as batch:
        batch.drop_column("sealed_conversation_id")
        batch.drop_column("stopped")
