"""Freshly migrated backend databases for tests: an SQLite file, or a PostgreSQL schema."""

from __future__ import annotations

import contextlib
import os
from typing import Iterator

import pytest

from backend.db import upgrade
from devstack.postgres import migrated_postgres_schema

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
