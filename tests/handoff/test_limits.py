"""Abuse limits on handoffs and the counters behind them (backend/ratelimit.py): anonymous requests
cannot flood the queue, verified customers are never limited."""

from datetime import timedelta

from sqlalchemy import update

from backend import ratelimit
from backend.config import Settings
from backend.handoff.models import Handoff
from backend.hashing import set_identifier_hash_key
from backend.models import utcnow
from tests.backend.conftest import IDENTIFIER_HASH_KEY, make_account
from tests.handoff.conftest import queue_handoff
from tests.handoff.test_queue import set_duty

LIMITS = Settings()


def _close_open(db):
    db.transaction(
        lambda s: s.execute(
            update(Handoff).where(Handoff.status != "closed").values(status="closed", closed_at=utcnow())
        )
    )


async def _ask(api, conversation_id, who=None):
    return await api.post(
        "/api/v1/handoffs",
        {"conversation_id": conversation_id, "reason": "customer_request", "channel": "rest"},
        who=who,
    )


async def test_anonymous_handoffs_cannot_flood_the_queue(api, db):
    set_duty(db, "off")
    _close_open(db)
    answers = [await _ask(api, f"flood-{i}") for i in range(LIMITS.handoff_anonymous_max_open + 5)]
    statuses = [status for status, _ in answers]
    assert statuses == [201] * LIMITS.handoff_anonymous_max_open + [429] * 5
    assert answers[-1][1]["error"] == "rate_limited" and answers[-1][1]["retry_after"] > 0
    # a chat already queued still gets its open handoff, and a verified customer is still queued
    assert (await _ask(api, "flood-0"))[0] == 200
    who = await api.verify(make_account(db))
    status, body = await _ask(api, who["X-Conversation-Id"], who)
    assert status == 201 and body["handoff"]["account_number"]
    _close_open(db)


async def test_one_conversation_cannot_ask_again_and_again(api, db):
    set_duty(db, "off")
    _close_open(db)
    for _ in range(LIMITS.handoff_anonymous_per_conversation):
        assert (await _ask(api, "again-and-again"))[0] == 201
        _close_open(db)  # staff closed it; the customer asks once more
    status, body = await _ask(api, "again-and-again")
    assert (status, body["error"]) == (429, "rate_limited")
    assert (await queue_handoff(api, "another-conversation"))["handoff"]["status"] == "queued"
    _close_open(db)


def test_back_off_doubles_and_is_forgotten(db):
    set_identifier_hash_key(IDENTIFIER_HASH_KEY)
    now = utcnow()
    blocks = [
        db.transaction(ratelimit.fail, "test-backoff", 3, 30, 900, now + timedelta(seconds=i))
        for i in range(7)
    ]
    assert blocks == [0, 0, 30, 60, 120, 240, 480]
    assert db.transaction(ratelimit.blocked_for, "test-backoff", now + timedelta(seconds=100)) > 0
    assert db.transaction(ratelimit.fail, "test-backoff", 3, 30, 900, now + timedelta(seconds=2000)) == 0
    db.transaction(ratelimit.clear, "test-backoff")
    assert db.transaction(ratelimit.blocked_for, "test-backoff") == 0
    assert [db.transaction(ratelimit.take, "test-take", 2, 60, now) for _ in range(3)] == [0, 0, 60]
    assert db.transaction(ratelimit.take, "test-take", 2, 60, now + timedelta(seconds=61)) == 0
