"""The Alembic migration builds exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from backend import hashing
from backend.db import import_all_models, make_engine, upgrade
from backend.hashing import conversation_key, set_identifier_hash_key
from backend.models import Base

import_all_models()  # tables of other packages (backend/*/models.py) live on the same Base


def _diff(url):
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_models(db_url):
    assert _diff(db_url) == []


def test_upgrade_is_repeatable_and_creates_every_table(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    upgrade(url)
    upgrade(url)  # already at head: no-op
    engine = make_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert set(Base.metadata.tables) | {"alembic_version"} == tables
    assert _diff(url) == []


def test_reports_migration_keys_existing_handoffs(tmp_path, monkeypatch):
    """0009 gives the handoffs already queued their conversation key (IDENTIFIER_HASH_KEY from the
    environment, as the backend reads it), so the reports join them to their conversations."""
    url = f"sqlite:///{tmp_path / 'queued.sqlite3'}"
    upgrade(url, "0008")
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO handoffs (conversation_id, channel, reason, status, paused, on_duty, "
                    "created_at) VALUES ('+15551234567', 'sms', 'customer_request', 'queued', 0, 0, "
                    "'2026-03-02 10:00:00')"
                )
            )
        monkeypatch.setenv("IDENTIFIER_HASH_KEY", "migration-test-key")
        upgrade(url)
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT conversation_id, conversation_key FROM handoffs")).one()
    finally:
        engine.dispose()
    monkeypatch.setattr(hashing, "_identifier_hash_key", None)  # the other tests' key comes back after
    set_identifier_hash_key("migration-test-key")
    assert stored == ("+15551234567", conversation_key("+15551234567"))
    assert _diff(url) == []
