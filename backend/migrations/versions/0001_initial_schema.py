"""initial schema: accounts, services, invoices, equipment, cancellations, offers, tasks,
audit trail, verification state and outbox.

Generated with `alembic revision --autogenerate` from backend/models.py and checked by hand
(tests/backend/test_migrations.py asserts that it matches the models).

Revision ID: 0001
Revises:
Create Date: 2026-11-22 02:55:37.253932

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_number", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("tier", sa.String(length=40), nullable=False),
        sa.Column("sales_rep", sa.String(length=100), nullable=True),
        sa.Column("sales_rep_active", sa.Boolean(), nullable=False),
        sa.Column("server", sa.String(length=60), nullable=True),
        sa.Column("billing_zip", sa.String(length=10), nullable=False),
        sa.Column("pin_hash", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("account_number", name=op.f("uq_accounts_account_number")),
    )
    op.create_table(
        "verification_lockouts",
        sa.Column("identifier_key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("identifier_key", name=op.f("pk_verification_lockouts")),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("conversation_id", sa.String(length=200), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_audit_events_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_account_id"), ["account_id"], unique=False)

    op.create_table(
        "authorized_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_authorized_users_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authorized_users")),
        sa.UniqueConstraint("email", name=op.f("uq_authorized_users_email")),
        sa.UniqueConstraint("phone", name=op.f("uq_authorized_users_phone")),
    )
    with op.batch_alter_table("authorized_users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_authorized_users_account_id"), ["account_id"], unique=False)

    op.create_table(
        "bundles",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_bundles_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bundles")),
    )
    with op.batch_alter_table("bundles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bundles_account_id"), ["account_id"], unique=False)

    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("amount_due", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_invoices_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("number", name=op.f("uq_invoices_number")),
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invoices_account_id"), ["account_id"], unique=False)

    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("code", sa.String(length=6), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_outbox_messages_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
    )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_messages_recipient"), ["recipient"], unique=False)

    op.create_table(
        "services",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("bundle_id", sa.String(length=40), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("plan", sa.String(length=100), nullable=False),
        sa.Column("price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("billing_period", sa.String(length=10), nullable=False),
        sa.Column("next_anniversary", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("discount_percent", sa.Integer(), nullable=True),
        sa.Column("discount_until", sa.Date(), nullable=True),
        sa.Column("paused_until", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_services_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(["bundle_id"], ["bundles.id"], name=op.f("fk_services_bundle_id_bundles")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_services")),
    )
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_services_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_services_bundle_id"), ["bundle_id"], unique=False)

    op.create_table(
        "verification_attempts",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("identifier_key", sa.String(length=64), nullable=False),
        sa.Column("identifier_kind", sa.String(length=20), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("conversation_id", sa.String(length=200), nullable=False),
        sa.Column("masked_destination", sa.String(length=100), nullable=False),
        sa.Column("otp_hash", sa.String(length=200), nullable=True),
        sa.Column("otp_sent_count", sa.Integer(), nullable=False),
        sa.Column("otp_expires_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_verification_attempts_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["authorized_users.id"],
            name=op.f("fk_verification_attempts_user_id_authorized_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_attempts")),
    )
    with op.batch_alter_table("verification_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_verification_attempts_identifier_key"), ["identifier_key"], unique=False
        )

    op.create_table(
        "verification_handles",
        sa.Column("handle_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_verification_handles_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["authorized_users.id"],
            name=op.f("fk_verification_handles_user_id_authorized_users"),
        ),
        sa.PrimaryKeyConstraint("handle_hash", name=op.f("pk_verification_handles")),
    )
    with op.batch_alter_table("verification_handles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_verification_handles_account_id"), ["account_id"], unique=False)

    op.create_table(
        "cancellation_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("confirmation_number", sa.String(length=14), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("end_kind", sa.String(length=20), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("conversation_id", sa.String(length=200), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_cancellation_requests_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_cancellation_requests_service_id_services")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["authorized_users.id"],
            name=op.f("fk_cancellation_requests_user_id_authorized_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cancellation_requests")),
        sa.UniqueConstraint("account_id", "idempotency_key", name="uq_cancellation_idempotency"),
        sa.UniqueConstraint("confirmation_number", name=op.f("uq_cancellation_requests_confirmation_number")),
    )
    with op.batch_alter_table("cancellation_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cancellation_requests_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cancellation_requests_service_id"), ["service_id"], unique=False)

    op.create_table(
        "equipment",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.String(length=40), nullable=True),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("serial", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("retail_price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("tracking_number", sa.String(length=60), nullable=True),
        sa.Column("tracking_reported_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_equipment_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_equipment_service_id_services")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_equipment")),
    )
    with op.batch_alter_table("equipment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_equipment_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_equipment_service_id"), ["service_id"], unique=False)

    op.create_table(
        "refund_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.String(length=40), nullable=True),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("conversation_id", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_refund_requests_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_refund_requests_service_id_services")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refund_requests")),
    )
    with op.batch_alter_table("refund_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_refund_requests_account_id"), ["account_id"], unique=False)

    op.create_table(
        "retention_offers",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.String(length=40), nullable=False),
        sa.Column("conversation_id", sa.String(length=200), nullable=False),
        sa.Column("rule_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("made_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_retention_offers_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_retention_offers_service_id_services")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_offers")),
        sa.UniqueConstraint("service_id", "conversation_id", name="uq_offer_per_conversation"),
    )
    with op.batch_alter_table("retention_offers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_retention_offers_account_id"), ["account_id"], unique=False)

    op.create_table(
        "staff_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("cancellation_id", sa.Integer(), nullable=True),
        sa.Column("refund_id", sa.Integer(), nullable=True),
        sa.Column("notify_slack", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_staff_tasks_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["cancellation_id"],
            ["cancellation_requests.id"],
            name=op.f("fk_staff_tasks_cancellation_id_cancellation_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["refund_id"], ["refund_requests.id"], name=op.f("fk_staff_tasks_refund_id_refund_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_tasks")),
    )
    with op.batch_alter_table("staff_tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_tasks_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_staff_tasks_cancellation_id"), ["cancellation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_staff_tasks_refund_id"), ["refund_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("staff_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_tasks_refund_id"))
        batch_op.drop_index(batch_op.f("ix_staff_tasks_cancellation_id"))
        batch_op.drop_index(batch_op.f("ix_staff_tasks_account_id"))

    op.drop_table("staff_tasks")
    with op.batch_alter_table("retention_offers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_retention_offers_account_id"))

    op.drop_table("retention_offers")
    with op.batch_alter_table("refund_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refund_requests_account_id"))

    op.drop_table("refund_requests")
    with op.batch_alter_table("equipment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_equipment_service_id"))
        batch_op.drop_index(batch_op.f("ix_equipment_account_id"))

    op.drop_table("equipment")
    with op.batch_alter_table("cancellation_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cancellation_requests_service_id"))
        batch_op.drop_index(batch_op.f("ix_cancellation_requests_account_id"))

    op.drop_table("cancellation_requests")
    with op.batch_alter_table("verification_handles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verification_handles_account_id"))

    op.drop_table("verification_handles")
    with op.batch_alter_table("verification_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verification_attempts_identifier_key"))

    op.drop_table("verification_attempts")
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_services_bundle_id"))
        batch_op.drop_index(batch_op.f("ix_services_account_id"))

    op.drop_table("services")
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_messages_recipient"))

    op.drop_table("outbox_messages")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoices_account_id"))

    op.drop_table("invoices")
    with op.batch_alter_table("bundles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bundles_account_id"))

    op.drop_table("bundles")
    with op.batch_alter_table("authorized_users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_authorized_users_account_id"))

    op.drop_table("authorized_users")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_account_id"))

    op.drop_table("audit_events")
    op.drop_table("verification_lockouts")
    op.drop_table("accounts")
