"""Migrated PostgreSQL schemas of their own, for tests and the reports benchmark (no pytest here)."""

from __future__ import annotations

import contextlib
import secrets
from typing import Iterator

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from backend.db import upgrade


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
