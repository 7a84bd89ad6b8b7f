"""A background loop of the backend process that delivers what is due: the staff Slack notifier
(backend/handoff/notify.py) and the customer outbox deliverer (backend/delivery/worker.py).

The loop calls ``deliver_due`` every ``interval`` seconds, or at once when ``wake`` is called
(after a commit that queued something); an error is logged and the loop goes on (e.g. while the
database restarts).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Optional

log = logging.getLogger(__name__)


class PollingLoop:
    """Base of a delivery task: subclasses implement ``deliver_due`` and call ``_start_loop`` /
    ``_stop_loop`` from their ``start`` / ``stop``."""

    #: name of the asyncio task, also used in the log line of a failed round
    task_name = "delivery"

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._wake = asyncio.Event()
        self._task: Optional[asyncio.Task] = None

    def wake(self) -> None:
        """Deliver now (called after a commit that queued something to deliver)."""
        self._wake.set()

    async def deliver_due(self) -> int:
        """Deliver everything that is due once; return how many were delivered."""
        raise NotImplementedError

    def _start_loop(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name=self.task_name)

    async def _stop_loop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self.deliver_due()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - keep the loop alive (e.g. database restarting)
                log.error("%s failed: %s", self.task_name, type(exc).__name__)
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval)
            except asyncio.TimeoutError:
                pass
