"""Database engine, transactions and migrations.

SQLite (the laptop default) runs in WAL mode with a busy timeout, and every transaction starts
with `BEGIN IMMEDIATE` so that concurrent writers queue instead of failing with "database is
locked". PostgreSQL is used as is (READ COMMITTED; rows that must be serialised are locked with
SELECT ... FOR UPDATE).
"""

from __future__ import annotations

import asyncio
import functools
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Optional, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool

T = TypeVar("T")
SQLITE_BUSY_TIMEOUT_SECONDS = 30
WORKER_THREADS = 16
MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def make_engine(url: str) -> Engine:
    """Engine for `url`; SQLite gets WAL, a busy timeout and BEGIN IMMEDIATE transactions."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, future=True, pool_pre_ping=True, pool_size=WORKER_THREADS, max_overflow=4)
    # SQLite has no decimal type: Numeric(12, 2) values round-trip through a float, which is exact
    # for two-place amounts of up to 12 digits. Sums are done in Python with Decimal.
    warnings.filterwarnings("ignore", message="Dialect sqlite\\+pysqlite does \\*not\\* support Decimal")
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        future=True,
        poolclass=QueuePool,  # reuse connections across worker threads (SQLAlchemy 1.4 defaults to NullPool)
        pool_size=WORKER_THREADS,
        max_overflow=4,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # let SQLAlchemy's begin event issue BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


class Database:
    """An engine, its session factory and the worker threads that run blocking DB work."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, future=True, expire_on_commit=False)
        self._executor: Optional[ThreadPoolExecutor] = None

    def transaction(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run `fn(session, *args)` in one transaction: commit on return, roll back on error."""
        for attempt in range(3):
            try:
                with self.sessions() as session, session.begin():
                    return fn(session, *args, **kwargs)
            except OperationalError as exc:  # SQLite gave up waiting for the write lock
                if not (is_sqlite(self.engine) and "locked" in str(exc).lower()) or attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def in_thread(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` on a worker thread (for functions that manage their own transactions)."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=WORKER_THREADS, thread_name_prefix="db")
        return await asyncio.get_running_loop().run_in_executor(self._executor, functools.partial(fn, *args))

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`transaction(fn, ...)` on a worker thread, so the event loop keeps serving."""
        return await self.in_thread(functools.partial(self.transaction, fn, *args, **kwargs))

    def wait_idle(self) -> None:
        """Wait until the work already handed to the worker threads is done (work of a stopped
        background loop finishes on its thread); later calls get a fresh pool."""
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)

    def close(self) -> None:
        self.wait_idle()
        self.engine.dispose()


def import_all_models() -> None:
    """Import `backend.models` and every `backend/<package>/models.py`, so that Base.metadata holds every
    table (Alembic autogenerate and the schema check need the whole picture)."""
    import importlib

    importlib.import_module("backend.models")
    for path in sorted(Path(__file__).parent.glob("*/models.py")):
        importlib.import_module(f"{__package__}.{path.parent.name}.models")


def alembic_config(url: str):
    """Alembic configuration for backend/migrations pointing at `url` (no ini file needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = url
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Apply the Alembic migrations to `url` (what `cancel-backend migrate` does)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)
