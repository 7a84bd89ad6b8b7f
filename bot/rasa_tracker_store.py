"""Rasa tracker store that redacts secrets before anything is written or published.

Configured in ``endpoints.yml``::

    tracker_store:
      type: bot.rasa_tracker_store.RedactingTrackerStore
      url: sqlite:///var/tracker.sqlite3

``TRACKER_DB_URL`` in the environment overrides ``url`` (e.g. ``postgresql://user@host/db``),
so the same endpoints file serves SQLite on a laptop and PostgreSQL in production.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
from typing import Any, Generator, Optional, Tuple

import sqlalchemy as sa
import sqlalchemy.orm
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore, ensure_schema_exists
from rasa.shared.core.constants import REQUESTED_SLOT
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActiveLoop, Event, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import make_url
from sqlalchemy.pool import QueuePool

from bot import rasa_handoff_notice, rasa_server
from bot.rasa_redaction import redact_events, unseal_events
from bot.rasa_settings import rasa_settings
from bot.rasa_tracker_cache import Entry, TrackerCache, cache_size_from_env

logger = logging.getLogger(__name__)

DEFAULT_URL = "sqlite:///var/tracker.sqlite3"


def _sql_kwargs(url: str) -> dict:
    """Split a SQLAlchemy URL into the arguments ``SQLTrackerStore`` takes."""
    parsed = make_url(url)
    dialect = parsed.drivername.split("+")[0]
    if dialect == "sqlite":
        db = parsed.database or "rasa.db"
        if os.path.dirname(db):
            os.makedirs(os.path.dirname(db), exist_ok=True)
        return {"dialect": "sqlite", "db": db}
    return {
        "dialect": parsed.drivername,
        "host": parsed.host,
        "port": parsed.port,
        "db": parsed.database,
        "username": parsed.username,
        "password": parsed.password,
        "query": dict(parsed.query) or None,
    }


class TrackerStoreError(RuntimeError):
    """The tracker store could not do what was asked (the request fails, the process lives on)."""


class RedactingTrackerStore(SQLTrackerStore):
    """SQL tracker store whose stored and published events never hold secrets."""

    @contextlib.contextmanager
    def session_scope(self) -> Generator[Any, None, None]:
        """A database session, closed afterwards. Rasa's own turns any ValueError raised while
        the session is open (e.g. SQLite's UnicodeEncodeError for a lone surrogate in a sender
        id) into ``print_error_and_exit``: one request would stop the assistant for everyone.
        Here a missing PostgreSQL schema and every other error fail the one request only."""
        session = self.sessionmaker()
        try:
            try:
                ensure_schema_exists(session)
            except ValueError as missing:
                raise TrackerStoreError(f"PostgreSQL schema {missing} not found") from None
            yield session
        except ValueError as error:  # not a reason to exit the process
            raise TrackerStoreError(f"tracker store refused the request: {type(error).__name__}") from error
        finally:
            session.close()

    def __init__(
        self,
        domain: Optional[Domain] = None,
        host: Optional[str] = None,
        url: Optional[str] = None,
        event_broker: Optional[EventBroker] = None,
        **kwargs: Any,
    ) -> None:
        if not rasa_server.started():
            logger.warning(
                "Rasa was not started with `python -m bot.rasa_server`: no speed patch and no "
                "answer to the customer when the action server fails (docs/performance.md)"
            )
        url = rasa_settings().tracker_db_url or url or host or DEFAULT_URL
        kwargs.update(_sql_kwargs(url))
        super().__init__(domain=domain, event_broker=event_broker, **kwargs)
        self._cache = TrackerCache(cache_size_from_env())
        self._fingerprint_sql: Optional[Any] = None
        self.engine: sa.engine.Engine
        if self.engine.dialect.name == "sqlite":
            self._tune_sqlite()

    def _tune_sqlite(self) -> None:
        """Keep SQLite connections open and commit without a full fsync each time.

        SQLAlchemy 1.4 opens a new connection for every session on a SQLite file, and the
        default rollback journal syncs the file on every commit (several per turn). WAL with
        ``synchronous=NORMAL`` stays consistent after a crash (the last transactions may be
        lost on power failure, acceptable for the laptop default; production uses PostgreSQL).
        """
        url = self.engine.url
        self.engine.dispose()
        engine = sa.create_engine(
            url,
            poolclass=QueuePool,
            pool_size=4,
            max_overflow=4,
            connect_args={"check_same_thread": False, "timeout": 30},
        )

        @sa.event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.close()

        self.engine = engine
        self.sessionmaker = sa.orm.sessionmaker(bind=engine)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store (and publish) redacted copies of the events that are not stored yet.

        Does what ``SQLTrackerStore.save`` does with ``redacted_tracker(tracker)``, but redacts
        only the new events: which request the first new event may answer is read from the
        events already stored (``requested_slot`` followed backwards), instead of rebuilding a
        redacted tracker from the whole conversation on every turn. Afterwards the tracker is
        kept in memory for the next turn when what was stored is exactly what it holds
        (``bot/rasa_tracker_cache.py``).
        """
        sender_id = tracker.sender_id
        # a tracker this store handed out holds exactly the stored events, then the new ones
        stored = self._cache.returned(tracker)
        trusted = stored is not None
        with self.session_scope() as session:
            if not trusted:
                stored = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).count()
            events = [e.as_dict() for e in itertools.islice(tracker.events, stored, None)]
            if not events:
                if trusted and stored is not None:
                    self._keep(session, tracker, stored)
                return
            requested = requested_slot_after(itertools.islice(tracker.events, 0, stored))
            redacted = list(redact_events(events, requested=requested))
            session.execute(
                sa.insert(self.SQLEvent.__table__),
                [
                    {
                        "sender_id": sender_id,
                        "type_name": data["event"],
                        "timestamp": data.get("timestamp"),
                        "intent_name": (data.get("parse_data") or {}).get("intent", {}).get("name"),
                        "action_name": data.get("name"),
                        "data": json.dumps(data),
                    }
                    for data in redacted
                ],
            )
            if (
                (trusted or stored == 0)
                and redacted == events
                and not any(e["event"] == "session_started" for e in events)
            ):
                self._keep(session, tracker, len(tracker.events))
            session.commit()
        if self.event_broker is not None:
            for data in redacted:
                self.event_broker.publish({"sender_id": sender_id, **data})
        rasa_handoff_notice.conversation_saved(sender_id, tracker.is_paused(), events)

    def _fingerprint(self, session: Any, sender_id: str) -> Tuple[int, Optional[int]]:
        """Number and largest id of the conversation's stored rows (changes on any write)."""
        if self._fingerprint_sql is None:  # plain SQL: the ORM query cost more than the read
            table = self.SQLEvent.__table__.name
            self._fingerprint_sql = sa.text(
                f"SELECT count(id), max(id) FROM {table} WHERE sender_id = :sender_id"
            )
        count, largest = session.execute(self._fingerprint_sql, {"sender_id": sender_id}).one()
        return int(count), largest

    def _keep(self, session: Any, tracker: DialogueStateTracker, length: int) -> None:
        """Keep ``tracker`` (``length`` events, all stored as they are) for the next turn."""
        if self._cache.size > 0:  # (no fingerprint query when the cache is off)
            self._cache.put(
                tracker.sender_id,
                Entry(tracker, length, self._fingerprint(session, tracker.sender_id)),
            )

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        """The latest session of the conversation: the tracker kept after the last save if
        nothing was written since, else read from the database."""
        entry = self._cache.take(sender_id)
        if entry is not None:
            with self.session_scope() as session:
                if self._fingerprint(session, sender_id) == entry.fingerprint:
                    self._cache.hits += 1
                    return self._cache.lend(entry.tracker, entry.length)
        self._cache.misses += 1
        tracker = await self._retrieve(sender_id, fetch_events_from_all_sessions=False)
        return self._cache.lend(tracker, len(tracker.events)) if tracker is not None else None

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> Optional[DialogueStateTracker]:
        """``SQLTrackerStore._retrieve`` reading only the ``data`` column: building an ORM
        object per stored event was half of the retrieval time."""
        with self.session_scope() as session:
            rows = (
                self._event_query(
                    session,
                    sender_id,
                    fetch_events_from_all_sessions=fetch_events_from_all_sessions,
                )
                .with_entities(self.SQLEvent.data)
                .all()
            )
            events = unseal_events([json.loads(data) for (data,) in rows])
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None


def requested_slot_after(events) -> Optional[str]:
    """``requested_slot`` at the end of ``events`` as ``redact_events`` follows it: the value of
    the last ``requested_slot`` slot event, or None after a form was deactivated."""
    for event in reversed(list(events)):
        if isinstance(event, SlotSet) and event.key == REQUESTED_SLOT:
            return event.value
        if isinstance(event, ActiveLoop) and event.name is None:
            return None
    return None


def redacted_tracker(tracker: DialogueStateTracker, domain: Optional[Domain]) -> DialogueStateTracker:
    """Return a tracker with the same number of events, each redacted."""
    events = [Event.from_parameters(e) for e in redact_events(event.as_dict() for event in tracker.events)]
    return DialogueStateTracker.from_events(
        tracker.sender_id,
        events,
        slots=domain.slots if domain else None,
        max_event_history=tracker._max_event_history,
    )
