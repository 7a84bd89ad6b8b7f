"""reports: the summary's weeks and months, and the reports' periods, are the company's days
(COMPANY_TIMEZONE) instead of UTC days. The refresh watermark records the time zone of the rows;
a refresh in another zone, or over rows from before this revision (NULL), rebuilds every row.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 11:30:00

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0014"
down_revision: Union[str, None] = "0013"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("report_refresh") as batch:
        batch.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM report_refresh")  # the rows' days may not be UTC days: rebuilt
    with op.batch_alter_table("report_refresh") as batch:
        batch.drop_column("timezone")
