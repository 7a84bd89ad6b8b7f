"""Rasa tracker store that redacts secrets before anything is written or published.

Configured in ``endpoints.yml``::

    tracker_store:
      type: bot.rasa_tracker_store.RedactingTrackerStore
      url: sqlite:///var/tracker.sqlite3

``TRACKER_DB_URL`` in the environment overrides ``url`` (e.g. ``postgresql://user@host/db``),
so the same endpoints file serves SQLite on a laptop and PostgreSQL in production.
"""
from __future__ import annotations

import os
from typing import Any, Optional

from sqlalchemy.engine import make_url

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_redaction import redact_events

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


class RedactingTrackerStore(SQLTrackerStore):
    """SQL tracker store whose stored and published events never hold secrets."""

    def __init__(
        self,
        domain: Optional[Domain] = None,
        host: Optional[str] = None,
        url: Optional[str] = None,
        event_broker: Optional[EventBroker] = None,
        **kwargs: Any,
    ) -> None:
        url = os.environ.get("TRACKER_DB_URL") or url or host or DEFAULT_URL
        kwargs.update(_sql_kwargs(url))
        super().__init__(domain=domain, event_broker=event_broker, **kwargs)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store (and publish) a redacted copy of ``tracker``."""
        await super().save(redacted_tracker(tracker, self.domain))


def redacted_tracker(
    tracker: DialogueStateTracker, domain: Optional[Domain]
) -> DialogueStateTracker:
    """Return a tracker with the same number of events, each redacted."""
    events = [
        Event.from_parameters(e)
        for e in redact_events(event.as_dict() for event in tracker.events)
    ]
    return DialogueStateTracker.from_events(
        tracker.sender_id,
        events,
        slots=domain.slots if domain else None,
        max_event_history=tracker._max_event_history,
    )
