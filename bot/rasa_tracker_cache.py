"""Trackers kept in the Rasa server's memory between the turns of a conversation.

Retrieving a tracker from SQL means reading every event of the session, parsing its JSON and
replaying it into a new tracker; that was the largest single cost of a turn (docs/performance.md).
After a save the tracker object Rasa just saved is exactly what a retrieval would rebuild, so
the store keeps it here and hands it back on the next turn, after a one-row check that nobody
else (another Rasa process, a console reply through another server) wrote to that conversation
since.

Rules that keep this equivalent to reading the database:

* An entry is *taken* on retrieval (removed from the cache): only one caller ever holds a
  cached tracker, and a caller that mutates it and then fails without saving leaves nothing
  stale behind. The next save puts the tracker back.
* A tracker is cached only when the stored events are identical to the events in memory (no
  redaction changed them: a turn that carried an identifier or a verification factor is never
  kept in memory) and no new session started in the saved events (a retrieval returns only the
  latest session).
* ``fingerprint`` (count and largest id of the conversation's rows) must be unchanged, and the
  tracker must still have exactly the events that were saved.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Optional, Tuple

from rasa.shared.core.trackers import DialogueStateTracker

Fingerprint = Tuple[int, Optional[int]]
DEFAULT_SIZE = 500


def cache_size_from_env() -> int:
    """``TRACKER_CACHE_SIZE`` (conversations kept in memory; 0 turns the cache off)."""
    from bot.rasa_settings import rasa_settings

    return rasa_settings().tracker_cache_size


@dataclass
class Entry:
    """A tracker as it was saved: its number of events and the rows' fingerprint."""

    tracker: DialogueStateTracker
    length: int
    fingerprint: Fingerprint


def _put_bounded(entries: "OrderedDict[str, Any]", key: str, value: Any, size: int) -> None:
    """Insert as most recent; drop the least recent beyond ``size``."""
    entries[key] = value
    entries.move_to_end(key)
    while len(entries) > size:
        entries.popitem(last=False)


class TrackerCache:
    """Least-recently-used trackers by conversation id, taken out on use, and the trackers
    handed out (with how many of their events are stored) until they come back to be saved."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: "OrderedDict[str, Entry]" = OrderedDict()
        self._lent: "OrderedDict[str, Tuple[DialogueStateTracker, int]]" = OrderedDict()
        self.hits = 0
        self.misses = 0

    def put(self, sender_id: str, entry: Entry) -> None:
        """Keep ``entry`` (the least recently used conversation goes when full)."""
        if self.size > 0:
            _put_bounded(self._entries, sender_id, entry, self.size)

    def take(self, sender_id: str) -> Optional[Entry]:
        """Remove and return the entry of ``sender_id`` if its tracker is still as saved."""
        entry = self._entries.pop(sender_id, None)
        if entry is not None and len(entry.tracker.events) != entry.length:
            entry = None  # changed in memory after the save (a failed turn): not trustworthy
        return entry

    def lend(self, tracker: DialogueStateTracker, stored: int) -> DialogueStateTracker:
        """Remember that ``tracker`` was handed out with its first ``stored`` events stored."""
        if self.size > 0:
            _put_bounded(self._lent, tracker.sender_id, (tracker, stored), self.size)
        return tracker

    def returned(self, tracker: DialogueStateTracker) -> Optional[int]:
        """How many of the events of ``tracker``, handed out by ``lend`` and now to be saved,
        are stored; None for a tracker that was not handed out (or was superseded). Forgets
        the conversation's kept entry: it is being saved anew."""
        self._entries.pop(tracker.sender_id, None)
        lent = self._lent.pop(tracker.sender_id, None)
        return lent[1] if lent is not None and lent[0] is tracker else None

    def __len__(self) -> int:
        return len(self._entries)
