"""Idempotency keys as payment APIs use them (docs/security.md, "Idempotency").

A state-changing call may carry an `Idempotency-Key` header. The first call with a key stores, in
the same transaction as its effect, a hash of the request (method, route, path parameters and the
canonical JSON body) and the answer it got. A later call with the same key in the same scope (the
verified account, or the conversation for calls without a handle):
- with the same request gets the stored answer again, same status and body, with no new effect;
- with another request is refused: 409 `idempotency_key_reused`.
Only answers that committed are stored: an error leaves nothing behind and may be retried.
Stored answers are kept for RETENTION (24 hours, as payment APIs do), then deleted.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Dict, Mapping, Optional

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backend.errors import Conflict
from backend.models import IdempotencyRecord, utcnow

RETENTION = timedelta(hours=24)


@dataclass(frozen=True)
class Answer:
    """A stored (or fresh) answer: HTTP status and JSON body."""

    status: int
    body: Dict[str, Any]


def request_hash(
    method: str, route: str, path_params: Mapping[str, str], body: Optional[Mapping[str, Any]]
) -> str:
    """SHA-256 of the request as the business code sees it (key order and spacing do not count)."""
    canonical = json.dumps(
        [method.upper(), route, dict(path_params), body],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def replay(session: Session, scope: str, key: str, fingerprint: str) -> Optional[Answer]:
    """The stored answer of `key` in `scope` (None: first use); Conflict when the key was used
    for another request."""
    row = session.execute(
        select(IdempotencyRecord).where(
            IdempotencyRecord.scope == scope,
            IdempotencyRecord.idempotency_key == key,
            IdempotencyRecord.created_at > utcnow() - RETENTION,
        )
    ).scalar_one_or_none()
    if row is None:
        return None
    if row.request_hash != fingerprint:
        raise Conflict(
            "This Idempotency-Key was already used with a different request; use a new key "
            "for a new request.",
            "idempotency_key_reused",
        )
    return Answer(row.status, row.response)


def remember(session: Session, scope: str, key: str, fingerprint: str, answer: Answer) -> None:
    """Store the answer in the current transaction; a concurrent first use of the same key makes
    the flush fail with IntegrityError (the caller then replays the winner's answer)."""
    now = utcnow()
    session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at <= now - RETENTION))
    session.add(
        IdempotencyRecord(
            scope=scope,
            idempotency_key=key,
            request_hash=fingerprint,
            status=answer.status,
            response=answer.body,
            created_at=now,
        )
    )
    session.flush()
