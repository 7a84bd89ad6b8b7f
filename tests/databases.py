"""Freshly migrated backend databases for tests: an SQLite file, or a PostgreSQL schema."""

from __future__ import annotations

import contextlib
import os
import secrets
from typing import Iterator

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from bot.db import upgrade

# Parametrise a fixture with this to run its tests on both databases.
DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@contextlib.contextmanager
def migrated_database(kind: str, tmp_dir, schema_prefix: str = "t_") -> Iterator[str]:
    """Yield the URL of a migrated database; PostgreSQL gets its own schema, dropped after."""
    if kind == "sqlite":
        url = f"sqlite:///{tmp_dir / 'backend.sqlite3'}"
        upgrade(url)
        yield url
        return
    base = os.environ.get("TEST_POSTGRES_URL")
    if not base:
        pytest.skip("TEST_POSTGRES_URL is not set (e.g. postgresql+psycopg2://postgres@127.0.0.1:5432/test)")
    with migrated_postgres_schema(base, schema_prefix) as url:
        yield url


@contextlib.contextmanager
def migrated_postgres_schema(base: str, schema_prefix: str) -> Iterator[str]:
    """Yield the URL of a new, migrated schema in the PostgreSQL database ``base``; drop it after."""
    schema = schema_prefix + secrets.token_hex(6)
    admin = create_engine(base, future=True)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = (
        make_url(base)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    try:
        upgrade(url)
        yield url
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()
