"""equipment received back (issue 11): when staff record that a returned device arrived at the
warehouse (`returned_at`), its return authorisation is `returned` on the console's returns page.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 04:30:00

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0012"
down_revision: Union[str, None] = "0011"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("equipment") as batch:
        batch.add_column(sa.Column("returned_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("equipment") as batch:
        batch.drop_column("returned_at")
