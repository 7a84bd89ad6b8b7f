"""The delivery worker: sends the email and SMS rows of the outbox (backend/outbox.py).

Same pattern as the staff notifier (backend/handoff/notify.py): a background task started with the
backend claims due rows, leasing each by moving `next_attempt_at` LEASE_SECONDS ahead and counting
the attempt in the same transaction (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: one writer), so
several backend replicas never send the same row at once. Delivery is at least once: a worker that
dies after the provider took a message but before it was recorded sends it again once the lease
ends (Twilio drops the repeat by its idempotency token; email repeats carry the same Message-ID).
Failures are retried with exponential back-off and given up (`failed`) after MAX_ATTEMPTS; code
messages expire with their code, other messages after MAX_AGE. A settled or expired code message
no longer holds its sealed code.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from typing import List, Optional, Tuple

from aiohttp import web
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from backend.config import Settings
from backend.db import Database
from backend.delivery import compose
from backend.delivery.transports import DeliveryError, SmtpTransport, TwilioTransport
from backend.models import OutboxMessage, utcnow
from backend.outbox import CODE_MASK, purge_expired_codes
from backend.policy import Policy
from backend.polling import PollingLoop
from contract import sealing

log = logging.getLogger("backend.delivery")
MAX_ATTEMPTS = 8
LEASE_SECONDS = 120
MAX_AGE = timedelta(hours=72)
CODE_TTL = timedelta(minutes=10)  # backend.identity.OTP_TTL
BATCH = 20
PURGE_EVERY = 60.0  # seconds between two purges of expired code messages by one worker


def backoff_seconds(attempts: int) -> int:
    """5 s, 10 s, 20 s, ... capped at 10 minutes."""
    return min(600, 5 * 2 ** max(0, attempts - 1))


@dataclass
class Job:
    """One claimed message, ready for its provider (holds the code in memory only)."""

    id: int
    channel: str
    attempts: int
    to: str
    text: str
    email: Optional[EmailMessage] = None


def _end(row: OutboxMessage, status: str, error: Optional[str] = None) -> None:
    row.status, row.sealed_code, row.next_attempt_at = status, None, None
    if error is not None:
        row.last_error = error[:200]


def claim(session: Session, settings: Settings, policy: Policy, channels: Tuple[str, ...]) -> List[Job]:
    """Lease up to BATCH due messages of `channels`; expire old ones on the way."""
    now = utcnow()
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.status == "pending",
            OutboxMessage.channel.in_(channels),
            or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
        )
        .order_by(OutboxMessage.id)
        .limit(BATCH)
    )
    if session.bind.dialect.name != "sqlite":
        query = query.with_for_update(skip_locked=True)
    jobs = []
    for row in session.execute(query).scalars():
        if now - row.created_at > (CODE_TTL if row.kind == "otp" else MAX_AGE):
            _end(row, "expired")
            continue
        text = row.body
        if row.kind == "otp":
            code = sealing.unseal(settings.outbox_key, row.sealed_code, sealing.CODES)
            if code is None:
                _end(row, "failed", "the code is not available (OUTBOX_KEY unset or changed)")
                continue
            text = text.replace(CODE_MASK, code)
        row.attempts += 1
        row.next_attempt_at = now + timedelta(seconds=LEASE_SECONDS)
        job = Job(row.id, row.channel, row.attempts, row.recipient, text)
        try:
            if row.channel == "email":
                job.email = compose.email(session, settings, policy, row, text)
            else:
                job.text = compose.sms_text(session, policy, row, text)
        except Exception as exc:  # noqa: BLE001 - one message that cannot be written must not stop the others
            log.error("outbox message %s could not be composed: %s", row.id, type(exc).__name__)
            _end(row, "failed", f"could not be composed: {type(exc).__name__}")
            continue
        jobs.append(job)
    return jobs


def settle(session: Session, job: Job, error: Optional[str], provider_id: Optional[str]) -> None:
    """Record the outcome of one attempt (ignored when the lease was lost to another worker)."""
    row = session.get(OutboxMessage, job.id)
    if row is None or row.status != "pending" or row.attempts != job.attempts:
        return
    if error is None:
        _end(row, "sent")
        row.sent_at, row.last_error, row.provider_id = utcnow(), None, (provider_id or "")[:200]
        return
    row.last_error = error[:200]
    if job.attempts >= MAX_ATTEMPTS:
        _end(row, "failed")
    else:
        row.next_attempt_at = utcnow() + timedelta(seconds=backoff_seconds(job.attempts))


def retry(session: Session, message_id: int) -> bool:
    """Put a failed message back in the queue (supervisor); False for a code message, whose code is
    erased (the customer asks for a new code), or a message that is not failed."""
    done = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == "failed", OutboxMessage.kind != "otp")
        .values(status="pending", attempts=0, next_attempt_at=utcnow())
    )
    return done.rowcount == 1


def sms_to(recipient: str) -> str:
    """E.164 of a stored phone key (digits; ten digits are a North American number)."""
    return "+" + (("1" + recipient) if len(recipient) == 10 else recipient)


class Deliverer(PollingLoop):
    """Background delivery task of one backend process."""

    task_name = "outbox-delivery"

    def __init__(self, db: Database, settings: Settings, policy: Policy, *, interval: float = 2.0):
        super().__init__(interval)
        self.db, self.settings, self.policy = db, settings, policy
        self._next_purge = 0.0
        self.smtp = SmtpTransport(settings) if settings.smtp_host else None
        self.sms = (
            TwilioTransport(settings)
            if settings.twilio_account_sid
            and settings.twilio_auth_token
            and (settings.twilio_number or settings.twilio_messaging_service_sid)
            else None
        )

    @property
    def channels(self) -> Tuple[str, ...]:
        return tuple(c for c, t in (("email", self.smtp), ("sms", self.sms)) if t is not None)

    async def start(self) -> None:
        if not self.channels:
            log.warning(
                "neither SMTP_HOST nor the Twilio settings are set: customer messages stay in the outbox"
            )
        self._start_loop()  # without a channel still: expired codes are purged

    async def stop(self) -> None:
        await self._stop_loop()
        if self.sms is not None:
            await self.sms.close()

    async def _send(self, job: Job) -> Tuple[Optional[str], Optional[str]]:
        try:
            if job.channel == "email":
                if self.smtp is None or job.email is None:
                    return "email is not configured (SMTP_HOST)", None
                return None, await self.smtp.send(job.email)
            if self.sms is None:
                return "SMS is not configured (TWILIO_*)", None
            return None, await self.sms.send(sms_to(job.to), job.text, f"outbox-{job.id}")
        except DeliveryError as exc:
            return str(exc), None

    async def deliver_due(self) -> int:
        """Send every due message once; return how many the providers took. Code messages whose
        code has expired are deleted first (at most every PURGE_EVERY seconds), whether or not their
        channel can be sent: no sealed code outlives its code."""
        if time.monotonic() >= self._next_purge:
            await self.db.run(purge_expired_codes, CODE_TTL)
            self._next_purge = time.monotonic() + PURGE_EVERY
        delivered = 0
        while self.channels:
            batch = await self.db.run(claim, self.settings, self.policy, self.channels)
            for job in batch:
                error, provider_id = await self._send(job)
                if error is None:
                    delivered += 1
                else:  # no recipient or body in the log
                    log.warning(
                        "outbox message %s not delivered (attempt %s): %s", job.id, job.attempts, error
                    )
                await self.db.run(settle, job, error, provider_id)
            if len(batch) < BATCH:
                break
        return delivered


DELIVERER = web.AppKey("outbox_deliverer", Deliverer)
