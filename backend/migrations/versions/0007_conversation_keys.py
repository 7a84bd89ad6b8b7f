"""conversation keys: the backend's tables keep a keyed hash of each conversation id instead of the
id (an SMS conversation id is the customer's phone number): `conversation_id` becomes
`conversation_key` = HMAC-SHA-256 with IDENTIFIER_HASH_KEY (backend.hashing.conversation_key) in
verification attempts and handles, cancellation and refund requests, retention offers and the audit
trail. Existing values are re-keyed in place, so IDENTIFIER_HASH_KEY must be set when these tables
hold rows (`cancel-backend migrate` reads it from the environment or .env, as the backend does).
The handoff queue keeps the conversation id: staff reach the conversation in Rasa with it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 23:05:00

"""

import hashlib
import hmac
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from backend.config import load_settings

revision: str = "0007"
down_revision: Union[str, None] = "0006"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TABLES = {  # table: (nullable, primary key column)
    "verification_attempts": (False, "id"),
    "verification_handles": (False, "handle_hash"),
    "cancellation_requests": (False, "id"),
    "retention_offers": (False, "id"),
    "refund_requests": (True, "id"),
    "audit_events": (True, "id"),
}


def _rekey(table: str, key_column: str) -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(f"SELECT {key_column}, conversation_id FROM {table} WHERE conversation_id IS NOT NULL")
    ).fetchall()
    if not rows:
        return
    secret = load_settings().identifier_hash_key
    if not secret:
        raise RuntimeError(
            "IDENTIFIER_HASH_KEY must be set to migrate existing conversation ids (see .env.example)"
        )
    for row_key, conversation_id in rows:
        digest = hmac.new(
            secret.encode("utf-8"),
            b"cancel-assistant/conversation:" + conversation_id.encode("utf-8"),
            hashlib.sha256,
        ).hexdigest()
        bind.execute(
            sa.text(f"UPDATE {table} SET conversation_id = :digest WHERE {key_column} = :row_key"),
            {"digest": digest, "row_key": row_key},
        )


def upgrade() -> None:
    # The audit trail is append-only for the application (an ORM guard); this migration rewrites it
    # once, in SQL, to drop the conversation ids it held.
    for table, (nullable, key_column) in TABLES.items():
        _rekey(table, key_column)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                "conversation_id",
                new_column_name="conversation_key",
                existing_type=sa.String(length=200),
                type_=sa.String(length=64),
                existing_nullable=nullable,
            )


def downgrade() -> None:
    # The ids cannot be recovered from their keyed hashes: the column keeps the hashes.
    for table, (nullable, _key_column) in TABLES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                "conversation_key",
                new_column_name="conversation_id",
                existing_type=sa.String(length=64),
                type_=sa.String(length=200),
                existing_nullable=nullable,
            )
