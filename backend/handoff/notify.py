"""Delivery of staff notifications (table staff_notifications) to a Slack incoming webhook.

Rows are written in the transaction of what they report (a filing, a refund, a handoff); this
background task, started with the backend, delivers them afterwards, so a slow or failing webhook
never delays or breaks a filing. Each row is leased before it is sent (safe with several
backend replicas; delivery is at least once), retried with exponential back-off, given up after
MAX_ATTEMPTS, and dropped as `expired` when older than MAX_AGE (e.g. the URL was set later).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import List, Optional, Tuple

import aiohttp
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db import Database
from backend.handoff.models import StaffNotification
from backend.models import utcnow
from backend.polling import PollingLoop

log = logging.getLogger("backend.handoff.notify")
MAX_ATTEMPTS = 8
LEASE_SECONDS = 120
MAX_AGE = timedelta(hours=24)
BATCH = 20


def backoff_seconds(attempts: int) -> int:
    """5 s, 10 s, 20 s, ... capped at 10 minutes."""
    return min(600, 5 * 2 ** max(0, attempts - 1))


def _claim(session: Session) -> List[Tuple[int, str, int]]:
    now = utcnow()
    query = (
        select(StaffNotification)
        .where(StaffNotification.status == "pending", StaffNotification.next_attempt_at <= now)
        .order_by(StaffNotification.id)
        .limit(BATCH)
    )
    if session.bind.dialect.name != "sqlite":
        query = query.with_for_update(skip_locked=True)
    claimed = []
    for row in session.execute(query).scalars():
        if now - row.created_at > MAX_AGE:
            row.status = "expired"
            continue
        row.attempts += 1
        row.next_attempt_at = now + timedelta(seconds=LEASE_SECONDS)
        claimed.append((row.id, row.body, row.attempts))
    return claimed


def _settle(session: Session, notification_id: int, attempts: int, error: Optional[str]) -> None:
    row = session.get(StaffNotification, notification_id)
    if error is None:
        row.status, row.sent_at, row.last_error = "sent", utcnow(), None
        return
    row.last_error = error[:200]
    if attempts >= MAX_ATTEMPTS:
        row.status = "failed"
    else:
        row.next_attempt_at = utcnow() + timedelta(seconds=backoff_seconds(attempts))


class Notifier(PollingLoop):
    """Background delivery task of one backend process."""

    task_name = "staff-notifier"

    def __init__(
        self, db: Database, webhook_url: Optional[str], *, interval: float = 5.0, timeout: float = 10.0
    ):
        super().__init__(interval)
        self.db, self.url, self.timeout = db, webhook_url, timeout
        self._http: Optional[aiohttp.ClientSession] = None

    async def start(self) -> None:
        if not self.url:
            log.warning(
                "SLACK_STAFF_WEBHOOK_URL is not set: staff notifications (handoffs, refunds over the "
                "threshold, sales callbacks) are recorded in the database but not sent to Slack"
            )
            return
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        self._start_loop()

    async def stop(self) -> None:
        await self._stop_loop()
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def _post(self, body: str) -> Optional[str]:
        """None when Slack accepted the message, else a short error."""
        if self._http is None or not self.url:
            return "not started"
        try:
            async with self._http.post(self.url, json={"text": body}) as answer:
                if answer.status == 200:
                    return None
                return f"HTTP {answer.status}"
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            return type(exc).__name__

    async def deliver_due(self) -> int:
        """Send every notification that is due once; return how many were delivered."""
        if self._http is None:
            return 0
        delivered = 0
        while True:
            batch = await self.db.run(_claim)
            if not batch:
                return delivered
            for notification_id, body, attempts in batch:
                error = await self._post(body)
                if error is not None:
                    # The webhook URL is a secret: log the notification id and error only.
                    log.warning(
                        "staff notification %s not delivered (attempt %s): %s",
                        notification_id,
                        attempts,
                        error,
                    )
                else:
                    delivered += 1
                await self.db.run(_settle, notification_id, attempts, error)
            if len(batch) < BATCH:
                return delivered
