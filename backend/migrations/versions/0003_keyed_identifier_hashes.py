"""keyed identifier hashes: lockout and attempt keys become HMAC-SHA-256 with IDENTIFIER_HASH_KEY.

The old keys were unsalted SHA-256 of the identifier, which cannot be re-keyed without the
identifiers themselves (that is the point of hashing them). Lockouts and verification attempts
live for minutes (VERIFY_LOCK_SECONDS, HANDLE_TTL_SECONDS), so they are dropped: a customer in the
middle of verifying starts again, and lockouts start counting from zero. Changing
IDENTIFIER_HASH_KEY later has the same effect without a migration (old keys simply no longer match).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 21:50:00

"""

from typing import Sequence, Union

from alembic import op

revision: str = "0003"
down_revision: Union[str, None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.execute("DELETE FROM verification_lockouts")
    op.execute("DELETE FROM verification_attempts")


def downgrade() -> None:
    op.execute("DELETE FROM verification_lockouts")
    op.execute("DELETE FROM verification_attempts")
