"""Idempotency keys as payment APIs use them: a replay answers the first answer, the same key with
another request is refused, and nothing is done twice (checked in the database)."""

import asyncio

from backend.handoff.models import Handoff
from backend.models import CancellationRequest, IdempotencyRecord, RefundRequest, RetentionOffer, StaffTask
from tests.backend.conftest import count, filing, make_account, rows


def _key(key):
    return {"Idempotency-Key": key}


async def test_refunds_are_never_duplicated(api, db):
    account = make_account(db)
    who = await api.verify(account)
    body = {"amount": "1500.00", "reason": "charged twice in March", "service_id": account["services"][0]}
    answers = [await api.post("/api/v1/refunds", body, who, headers=_key("refund-a")) for _ in range(3)]
    assert answers[0][0] == 200 and answers == [answers[0]] * 3
    [refund] = rows(db, RefundRequest, account_id=refund_account(db, account))
    assert count(db, StaffTask, refund_id=refund.id) == 1
    # the same key with another amount is refused and files nothing
    status, refused = await api.post(
        "/api/v1/refunds", {**body, "amount": "1400.00"}, who, headers=_key("refund-a")
    )
    assert (status, refused["error"]) == (409, "idempotency_key_reused")
    # concurrent posts with one key: one refund
    concurrent = await asyncio.gather(
        *[
            api.post("/api/v1/refunds", {**body, "amount": "20.00"}, who, headers=_key("refund-b"))
            for _ in range(4)
        ]
    )
    assert {c[0] for c in concurrent} == {200} and len({repr(c[1]) for c in concurrent}) == 1
    assert count(db, RefundRequest, account_id=refund_account(db, account)) == 2


def refund_account(db, account):
    from backend.models import Account

    return rows(db, Account, account_number=account["account_number"])[0].id


async def test_a_filing_key_with_another_body_is_refused(api, db):
    account = make_account(db, services=1)
    service_id = account["services"][0]
    who = await api.verify(account)
    first = await api.post("/api/v1/cancellations", filing(service_id), who, headers=_key("file-1"))
    assert first[0] == 201
    for change in ({"reason": "moving"}, {"when": "immediate"}, {"when": "date", "date": "2099-01-01"}):
        status, body = await api.post(
            "/api/v1/cancellations", filing(service_id, **change), who, headers=_key("file-1")
        )
        assert (status, body["error"]) == (409, "idempotency_key_reused"), change
    # key order and spacing do not make another request
    assert (
        await api.post(
            "/api/v1/cancellations",
            dict(reversed(list(filing(service_id).items()))),
            who,
            headers=_key("file-1"),
        )
        == first
    )
    assert count(db, CancellationRequest, service_id=service_id) == 1


async def test_offer_outcome_revoke_and_tracking_replay(api, db):
    account = make_account(db, equipment=1)
    service_id = account["services"][0]
    who = await api.verify(account)
    status, made = await api.post(
        f"/api/v1/services/{service_id}/offer", {"reason": "price"}, who, headers=_key("offer-1")
    )
    assert status == 200 and made["offer"]
    offer_id = made["offer"]["id"]
    decided = await api.post(
        f"/api/v1/offers/{offer_id}/outcome", {"accepted": False}, who, headers=_key("out-1")
    )
    assert decided[0] == 200
    assert (
        await api.post(f"/api/v1/offers/{offer_id}/outcome", {"accepted": False}, who, headers=_key("out-1"))
        == decided
    )
    status, body = await api.post(
        f"/api/v1/offers/{offer_id}/outcome", {"accepted": True}, who, headers=_key("out-1")
    )
    assert (status, body["error"]) == (409, "idempotency_key_reused")
    assert rows(db, RetentionOffer, id=offer_id)[0].status == "declined"

    filed = (await api.post("/api/v1/cancellations", filing(service_id), who, headers=_key("file-2")))[1]
    number = filed["confirmation_number"]
    revoked = await api.post(f"/api/v1/cancellations/{number}/revoke", None, who, headers=_key("revoke-1"))
    assert revoked[0] == 200 and revoked[1]["status"] == "revoked"
    # a retried revoke gets its first answer, not "already revoked"
    assert (
        await api.post(f"/api/v1/cancellations/{number}/revoke", None, who, headers=_key("revoke-1"))
        == revoked
    )
    status, body = await api.post(
        f"/api/v1/cancellations/{number}/revoke", None, who, headers=_key("revoke-2")
    )
    assert (status, body["error"]) == (409, "already_revoked")
    # a key is bound to its route: the revoke key on a filing is another request
    status, body = await api.post("/api/v1/cancellations", filing(service_id), who, headers=_key("revoke-1"))
    assert (status, body["error"]) == (409, "idempotency_key_reused")


async def test_handoff_requests_replay_per_conversation(api, db):
    body = {"conversation_id": "conv-idem-handoff", "reason": "customer_request", "channel": "rest"}
    first = await api.post("/api/v1/handoffs", body, headers=_key("handoff-1"))
    assert first[0] == 201
    assert await api.post("/api/v1/handoffs", body, headers=_key("handoff-1")) == first
    status, refused = await api.post(
        "/api/v1/handoffs", {**body, "reason": "billing_question"}, headers=_key("handoff-1")
    )
    assert (status, refused["error"]) == (409, "idempotency_key_reused")
    assert count(db, Handoff, status="queued", reason="customer_request") >= 1
    # another conversation may use the same key (keys belong to their conversation)
    other = await api.post(
        "/api/v1/handoffs", {**body, "conversation_id": "conv-idem-other"}, headers=_key("handoff-1")
    )
    assert other[0] == 201 and other[1]["handoff"]["id"] != first[1]["handoff"]["id"]
    assert count(db, IdempotencyRecord, idempotency_key="handoff-1") == 2


async def test_stored_answers_are_deleted_after_24_hours(api, db):
    from datetime import timedelta

    from sqlalchemy import update

    from backend.models import utcnow

    account = make_account(db)
    who = await api.verify(account)
    body = {"amount": "7.00", "reason": "late fee", "service_id": account["services"][0]}
    assert (await api.post("/api/v1/refunds", body, who, headers=_key("old-key")))[0] == 200
    db.transaction(
        lambda s: s.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.idempotency_key == "old-key")
            .values(created_at=utcnow() - timedelta(hours=25))
        )
    )
    assert (await api.post("/api/v1/refunds", {**body, "amount": "8.00"}, who, headers=_key("new-key")))[
        0
    ] == 200
    assert count(db, IdempotencyRecord, idempotency_key="old-key") == 0
    assert count(db, IdempotencyRecord, idempotency_key="new-key") == 1
