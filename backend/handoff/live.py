"""Live updates for the staff console: an in-process hub that the backend's handlers publish to
(a chat queued, taken, answered, closed; a customer's new message or typing) and that each open
console page follows over server-sent events (`GET /console/api/events`).

One backend process: with several replicas, each console sees the changes made through its own
replica only (docs/handoff.md, "Not done").
"""

from __future__ import annotations

import asyncio
from contextlib import contextmanager
from typing import Any, Dict, Iterator, Optional, Set

MAX_BACKLOG = 100


class LiveHub:
    def __init__(self) -> None:
        self._followers: Set["asyncio.Queue[Dict[str, Any]]"] = set()

    @contextmanager
    def follow(self) -> Iterator["asyncio.Queue[Dict[str, Any]]"]:
        """A queue receiving every event published while the `with` block runs."""
        queue: "asyncio.Queue[Dict[str, Any]]" = asyncio.Queue(MAX_BACKLOG)
        self._followers.add(queue)
        try:
            yield queue
        finally:
            self._followers.discard(queue)

    def publish(self, kind: str, handoff_id: Optional[int] = None, **data: Any) -> None:
        """Send {type, id, ...} to every follower; a follower too far behind loses the oldest."""
        event = {"type": kind, "id": handoff_id, **data}
        for queue in list(self._followers):
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(event)

    @property
    def followers(self) -> int:
        return len(self._followers)
