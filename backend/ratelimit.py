"""Counters that limit abuse: fixed-window caps (one-time codes per account, anonymous handoffs)
and failure back-off (console logins per user and client). One row per key in `rate_limits`; keys
are keyed hashes (backend.hashing.identifier_key), so no IP address, username or account id is stored
in clear. Functions run inside the caller's transaction and lock the row they change.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.hashing import identifier_key
from backend.models import RateLimit, utcnow


def _row(session: Session, name: str, now: datetime) -> RateLimit:
    key = identifier_key("limit:" + name)
    query = select(RateLimit).where(RateLimit.key == key).with_for_update()
    row = session.execute(query).scalar_one_or_none()
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = RateLimit(key=key, count=0, window_started_at=now)
            session.add(row)
    except IntegrityError:  # created concurrently
        row = session.execute(query).scalar_one()
    return row


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


def take(session: Session, name: str, limit: int, window_seconds: int, now: Optional[datetime] = None) -> int:
    """Count one use of `name` in its current window of `window_seconds`; 0 when it is within
    `limit`, else the seconds until the window ends (and nothing is counted)."""
    now = now or utcnow()
    row = _row(session, name, now)
    if (now - row.window_started_at).total_seconds() >= window_seconds:
        row.count, row.window_started_at = 0, now
    if row.count >= limit:
        return _seconds_until(row.window_started_at + timedelta(seconds=window_seconds), now)
    row.count += 1
    return 0


def blocked_for(session: Session, name: str, now: Optional[datetime] = None) -> int:
    """Seconds `name` is still blocked after failures (0: not blocked)."""
    now = now or utcnow()
    row = _row(session, name, now)
    if row.blocked_until is None or row.blocked_until <= now:
        return 0
    return _seconds_until(row.blocked_until, now)


def fail(
    session: Session,
    name: str,
    free_failures: int,
    base_seconds: int,
    max_seconds: int,
    now: Optional[datetime] = None,
) -> int:
    """Count a failure of `name`. From the `free_failures`-th failure on, block it for
    `base_seconds`, doubled with each further failure up to `max_seconds` (exponential back-off).
    Failures are forgotten `max_seconds` after the last one. Returns the block in seconds (0: none)."""
    now = now or utcnow()
    row = _row(session, name, now)
    if (now - row.window_started_at).total_seconds() >= max_seconds:
        row.count = 0
    row.count += 1
    row.window_started_at = now  # the time of the last failure
    if row.count < free_failures:
        return 0
    seconds = min(max_seconds, base_seconds * 2 ** min(row.count - free_failures, 20))
    row.blocked_until = now + timedelta(seconds=seconds)
    return seconds


def clear(session: Session, name: str) -> None:
    """Forget the failures of `name` (after a success)."""
    row = _row(session, name, utcnow())
    row.count, row.blocked_until = 0, None
