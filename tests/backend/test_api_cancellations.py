"""Cancellations, offers, quotes, refunds over HTTP, checked against what the database holds."""

import asyncio
import dataclasses
import json
from datetime import date, timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import update

import backend.cancellations
from backend import confirmation
from backend.hashing import conversation_key
from backend.models import (
    AuditEvent,
    CancellationRequest,
    OutboxMessage,
    RefundRequest,
    RetentionOffer,
    Service,
    StaffTask,
)
from backend.server import create_app
from contract.vocabulary.dates import long_date
from tests.backend.conftest import Api, business_today, count, filing, make_account, rows


async def _file(api, who, service_id, key="key-1", **extra):
    return await api.post(
        "/api/v1/cancellations", filing(service_id, **extra), who, headers={"Idempotency-Key": key}
    )


async def test_filing_records_request_task_audit_and_receipt(api, db):
    account = make_account(db, tier="SMB", rep="Priya Shah", equipment=2, receivables="89.90")
    service_id = account["services"][0]
    who = await api.verify(account)
    status, body = await _file(api, who, service_id)
    assert status == 201, body
    number = body["confirmation_number"]
    assert confirmation.is_valid(number) and body["status"] == "received"
    assert body["service"]["id"] == service_id and body["service"]["status"] == "cancellation_pending"
    assert body["when"] == "end_of_period" and body["balance"] == "89.90" and body["reason"] == "price"
    assert len(body["equipment"]) == 2 and body["non_return_fee_total"] == "240.00"
    assert body["return_deadline"] == (date.fromisoformat(body["end_date"]) + timedelta(days=30)).isoformat()
    assert body["survey_url"].startswith("https://") and body["receipt_sent_to"] == "u•••@test.example"
    assert any("89.90" in step for step in body["next_steps"])

    assert count(db, CancellationRequest, service_id=service_id) == 1
    [task] = rows(db, StaffTask, cancellation_id=rows(db, CancellationRequest, service_id=service_id)[0].id)
    assert (task.kind, task.owner, task.status) == ("sales_callback", "Priya Shah", "open")
    [receipt] = rows(db, OutboxMessage, recipient=account["email"], kind="receipt")
    [filed] = rows(db, CancellationRequest, service_id=service_id)
    # the receipt the customer receives (words in backend/wording.py), then the next steps
    assert receipt.body.splitlines() == [
        f"We received your request to cancel Service 0 on {long_date(business_today(filed.received_at))}.",
        f"Confirmation number: {number}",
        f"End date: {long_date(body['end_date'])}",
        "Balance due at cancellation: $89.90",
        f"Return leased equipment by {long_date(body['return_deadline'])}.",
        *body["next_steps"],
    ]
    assert (
        count(
            db,
            AuditEvent,
            action="cancellation_filed",
            conversation_key=conversation_key(who["X-Conversation-Id"]),
        )
        == 1
    )

    # a replay answers the first answer again (status and body), and writes nothing more
    assert await _file(api, who, service_id) == (201, body)
    assert count(db, CancellationRequest, service_id=service_id) == 1
    assert count(db, OutboxMessage, recipient=account["email"], kind="receipt") == 1

    # the status lookup accepts any spelling of the number
    for spelling in (number, number.lower(), number.replace("-", "")):
        status, found = await api.get(f"/api/v1/cancellations/{spelling}", who)
        assert status == 200 and found["confirmation_number"] == number


@pytest.mark.parametrize(
    "tier, receivables, rep_active, owner",
    [
        ("Essentials", "5000.00", True, None),
        ("Professional", "1000.00", True, None),
        ("Professional", "1500.00", True, "Rita Rep"),
        ("Professional", "1500.00", False, "Spencer"),
        ("Professional 2A", "0.00", False, "Spencer"),
        ("Enterprise", "0.00", True, "Rita Rep"),
    ],
)
async def test_sop_routing_creates_the_right_task_and_never_blocks(
    api, db, tier, receivables, rep_active, owner
):
    account = make_account(db, tier=tier, receivables=receivables, rep_active=rep_active)
    who = await api.verify(account)
    status, body = await _file(api, who, account["services"][0])
    assert status == 201 and confirmation.is_valid(body["confirmation_number"])
    request = rows(db, CancellationRequest, confirmation_number=body["confirmation_number"])[0]
    tasks = rows(db, StaffTask, cancellation_id=request.id)
    assert [t.owner for t in tasks] == ([owner] if owner else [])
    assert any(body["survey_url"] in step for step in body["next_steps"])


async def test_50_concurrent_filings_with_one_key_give_one_request(api, db):
    account = make_account(db, tier="SMB")
    service_id = account["services"][0]
    who = await api.verify(account)
    results = await asyncio.gather(*[_file(api, who, service_id, key="same-key") for _ in range(50)])
    # every one gets the first answer: the same status and body
    assert all(result == results[0] for result in results), [r for r in results if r != results[0]][:2]
    assert results[0][0] == 201
    assert count(db, CancellationRequest, service_id=service_id) == 1
    assert (
        count(db, StaffTask, account_id=rows(db, CancellationRequest, service_id=service_id)[0].account_id)
        == 1
    )
    assert count(db, OutboxMessage, recipient=account["email"], kind="receipt") == 1


async def test_200_filings_give_200_distinct_valid_numbers(api, db):
    account = make_account(db, services=200)
    who = await api.verify(account)
    gate = asyncio.Semaphore(25)

    async def one(i, service_id):
        async with gate:
            return await _file(api, who, service_id, key=f"k-{i}")

    results = await asyncio.gather(*[one(i, s) for i, s in enumerate(account["services"])])
    assert all(status == 201 for status, _ in results)
    numbers = {body["confirmation_number"] for _, body in results}
    assert len(numbers) == 200 and all(confirmation.is_valid(n) for n in numbers)
    assert (
        db.transaction(
            lambda s: (
                s.query(CancellationRequest)
                .filter(CancellationRequest.service_id.in_(account["services"]))
                .count()
            )
        )
        == 200
    )


async def test_a_failed_filing_leaves_nothing_behind(api, db, monkeypatch):
    account = make_account(db, tier="Enterprise")  # would get a callback task
    service_id = account["services"][0]
    who = await api.verify(account)

    def broken_receipt(*args, **kwargs):
        raise RuntimeError("mail relay down: user@test.example")

    monkeypatch.setattr(backend.cancellations, "write_receipt", broken_receipt)
    response = await api.client.post(
        "/api/v1/cancellations", json=filing(service_id), headers=api.headers(who, **{"Idempotency-Key": "k"})
    )
    text = await response.text()
    assert response.status == 500 and response.content_type == "application/json"
    assert json.loads(text)["error"] == "internal_error"
    assert "Traceback" not in text and "relay" not in text
    assert count(db, CancellationRequest, service_id=service_id) == 0
    assert count(db, StaffTask, account_id=rows(db, Service, id=service_id)[0].account_id) == 0
    assert count(db, OutboxMessage, recipient=account["email"]) == 0
    assert (
        count(
            db,
            AuditEvent,
            action="cancellation_filed",
            conversation_key=conversation_key(who["X-Conversation-Id"]),
        )
        == 0
    )
    assert rows(db, Service, id=service_id)[0].status == "active"

    monkeypatch.undo()
    status, body = await _file(api, who, service_id, key="k")
    assert status == 201


async def test_status_typos_unknown_numbers_and_other_accounts(api, db):
    owner, stranger = make_account(db), make_account(db)
    owner_who, stranger_who = await api.verify(owner), await api.verify(stranger)
    number = (await _file(api, owner_who, owner["services"][0]))[1]["confirmation_number"]
    compact = number.replace("-", "")
    typo = compact[:5] + next(c for c in confirmation.ALPHABET if c != compact[5]) + compact[6:]
    status, body = await api.get(f"/api/v1/cancellations/{typo}", owner_who)
    assert (status, body["error"]) == (422, "invalid_confirmation_number")
    status, body = await api.get("/api/v1/cancellations/not-a-number", owner_who)
    assert (status, body["error"]) == (422, "invalid_confirmation_number")
    unknown = confirmation.generate()
    mine_unknown = await api.get(f"/api/v1/cancellations/{unknown}", owner_who)
    theirs = await api.get(f"/api/v1/cancellations/{number}", stranger_who)
    assert mine_unknown == theirs and theirs[0] == 404
    assert (await api.post(f"/api/v1/cancellations/{number}/revoke", None, stranger_who))[0] == 404


async def test_revoke_before_the_end_date_only(api, db):
    account = make_account(db, services=2, tier="SMB")
    who = await api.verify(account)
    later, today = account["services"]
    number = (await _file(api, who, later, key="a"))[1]["confirmation_number"]
    status, body = await api.post(f"/api/v1/cancellations/{number}/revoke", None, who)
    assert status == 200 and body["status"] == "revoked" and body["service"]["status"] == "active"
    assert (
        rows(db, StaffTask, cancellation_id=rows(db, CancellationRequest, confirmation_number=number)[0].id)[
            0
        ].status
        == "closed"
    )
    [notice] = rows(db, OutboxMessage, recipient=account["email"], kind="revoked")
    assert notice.body == f"Your cancellation request {number} was revoked; Service 0 stays active."
    status, body = await api.post(f"/api/v1/cancellations/{number}/revoke", None, who)
    assert (status, body["error"]) == (409, "already_revoked")
    assert body["message"] == "This request was already revoked."
    # the service can be cancelled again after a revoke
    assert (await _file(api, who, later, key="a2"))[0] == 201

    immediate = (await _file(api, who, today, key="b", when="immediate"))[1]
    status, body = await api.post(
        f"/api/v1/cancellations/{immediate['confirmation_number']}/revoke", None, who
    )
    assert (status, body["error"]) == (409, "end_date_passed")
    assert body["message"] == "The end date has been reached; this request can no longer be revoked."
    db.transaction(
        lambda s: s.execute(
            update(CancellationRequest)
            .where(CancellationRequest.confirmation_number == immediate["confirmation_number"])
            .values(end_date=business_today() - timedelta(days=3))
        )
    )
    status, body = await api.get(f"/api/v1/cancellations/{immediate['confirmation_number']}", who)
    assert body["status"] == "completed"


async def test_filing_conflicts_and_field_errors(api, db):
    account = make_account(db, services=2)
    first, second = account["services"]
    who = await api.verify(account)
    assert (await _file(api, who, first, key="x"))[0] == 201
    status, body = await _file(api, who, second, key="x")
    assert (status, body["error"]) == (409, "idempotency_key_reused")
    status, body = await _file(api, who, first, key="y")
    assert (status, body["error"]) == (409, "already_requested") and confirmation.is_valid(
        body["confirmation_number"]
    )
    assert body["message"] == "This service already has a cancellation request."
    status, body = await _file(api, who, "SVC-NOT-MINE", key="z")
    assert (status, body["error"]) == (404, "service_not_found")
    for extra, field in (
        ({"backup_confirmed": False}, "backup_confirmed"),
        ({"terms_accepted": "yes"}, "terms_accepted"),
        ({"when": "date"}, "date"),
        ({"when": "date", "date": "2020-01-01"}, "date"),
        ({"when": "date", "date": "2025-02-30"}, "date"),
        ({"when": "soon"}, "when"),
        ({"channel": ""}, "channel"),
        ({"reason": 5}, "reason"),
    ):
        status, body = await _file(api, who, second, key="w", **extra)
        assert (status, body.get("field")) == (422, field), (extra, body)
    status, body = await api.post("/api/v1/cancellations", filing(second), who)
    assert (status, body["field"]) == (422, "Idempotency-Key")
    assert count(db, CancellationRequest, service_id=second) == 0


async def test_filing_on_a_future_date_bills_renewals(api, db):
    account = make_account(db, anniversary="+5d")
    who = await api.verify(account)
    end = (business_today() + timedelta(days=40)).isoformat()
    status, body = await _file(api, who, account["services"][0], when="date", date=end)
    assert status == 201 and body["end_date"] == end
    assert [i["amount"] for i in body["final_bill_items"]] == ["50.00", "50.00"]


async def test_tracking_numbers(api, db):
    account = make_account(db, services=2, equipment=2)
    who = await api.verify(account)
    number = (await _file(api, who, account["services"][0]))[1]["confirmation_number"]
    device = f"EQ-T{account['email'][4:].split('@')[0]}-0-1"
    status, body = await api.post(
        f"/api/v1/cancellations/{number}/tracking",
        {"tracking_number": "1z 999-aa1 0123456784", "equipment_id": device},
        who,
    )
    assert status == 200 and body["recorded"] is True
    tracked = {e["id"]: e["tracking_number"] for e in body["equipment"]}
    assert tracked[device] == "1Z999AA10123456784" and list(tracked.values()).count(None) == 1
    status, body = await api.post(
        f"/api/v1/cancellations/{number}/tracking", {"tracking_number": "1Z999AA10123456785"}, who
    )
    assert all(e["tracking_number"] == "1Z999AA10123456785" for e in body["equipment"])
    assert (await api.post(f"/api/v1/cancellations/{number}/tracking", {"tracking_number": "#!"}, who))[1][
        "field"
    ] == "tracking_number"
    assert (
        await api.post(
            f"/api/v1/cancellations/{number}/tracking",
            {"tracking_number": "1Z999AA10123456785", "equipment_id": "EQ-OTHER"},
            who,
        )
    )[0] == 404
    assert (
        count(
            db,
            AuditEvent,
            action="tracking_reported",
            conversation_key=conversation_key(who["X-Conversation-Id"]),
        )
        == 2
    )
    status, body = await api.get(f"/api/v1/equipment?service_id={account['services'][0]}", who)
    assert body["return_window_days"] == 30 and all(e["tracking_number"] for e in body["equipment"])

    bare = make_account(db)
    bare_who = await api.verify(bare)
    bare_number = (await _file(api, bare_who, bare["services"][0]))[1]["confirmation_number"]
    status, body = await api.post(
        f"/api/v1/cancellations/{bare_number}/tracking", {"tracking_number": "1Z999AA10123456785"}, bare_who
    )
    assert (status, body["error"]) == (409, "no_equipment")


@pytest.mark.parametrize(
    "amount, status_text, notify",
    [
        ("25.50", "credit_processing", False),
        ("1000.00", "credit_processing", False),
        ("1000.01", "under_review", True),
    ],
)
async def test_refund_thresholds(api, db, amount, status_text, notify):
    account = make_account(db)
    who = await api.verify(account)
    status, body = await api.post(
        "/api/v1/refunds",
        {"amount": amount, "reason": "double charge in March", "service_id": account["services"][0]},
        who,
        headers={"Idempotency-Key": "refund-1"},
    )
    assert status == 200 and (body["status"], body["amount"]) == (status_text, amount)
    [refund] = rows(db, RefundRequest, conversation_key=conversation_key(who["X-Conversation-Id"]))
    [task] = rows(db, StaffTask, refund_id=refund.id)
    assert (task.kind, task.owner, task.status, task.notify_slack) == (
        "billing_review",
        "Heather",
        "billing_in_progress",
        notify,
    )
    alerts = [
        m
        for m in rows(db, OutboxMessage, recipient="Heather", kind="billing_alert")
        if f"#{task.id})" in m.body
    ]
    assert len(alerts) == (1 if notify else 0)


async def test_refund_field_errors(api, db):
    account = make_account(db)
    who = await api.verify(account)
    for body, field in (
        ({"amount": 12.5, "reason": "x"}, "amount"),
        ({"amount": "0.00", "reason": "x"}, "amount"),
        ({"amount": "1.234", "reason": "x"}, "amount"),
        ({"amount": "-3", "reason": "x"}, "amount"),
        ({"amount": "5.00"}, "reason"),
        ({"amount": "5.00", "reason": "x", "service_id": 3}, "service_id"),
    ):
        status, answer = await api.post("/api/v1/refunds", body, who, headers={"Idempotency-Key": "r"})
        assert (status, answer["field"]) == (422, field)
    assert (
        await api.post(
            "/api/v1/refunds",
            {"amount": "5.00", "reason": "x", "service_id": "SVC-NOPE"},
            who,
            headers={"Idempotency-Key": "r"},
        )
    )[0] == 404
    status, answer = await api.post("/api/v1/refunds", {"amount": "5.00", "reason": "x"}, who)
    assert (status, answer["field"]) == (422, "Idempotency-Key")


async def test_quotes(api, db):
    account, stranger = make_account(db, equipment=1, anniversary="+3d"), make_account(db)
    who = await api.verify(account)
    service_id = account["services"][0]
    status, body = await api.get(f"/api/v1/services/{service_id}/quote", who)
    assert status == 200 and [o["when"] for o in body["options"]] == ["immediate", "end_of_period"]
    immediate, end_of_period = body["options"]
    assert immediate["end_date"] == business_today().isoformat() and immediate["refund"] == "0.00"
    assert end_of_period["end_date"] == (business_today() + timedelta(days=3)).isoformat()
    assert end_of_period["renewal_warning"] and end_of_period["equipment_return_deadline"]
    status, body = await api.get(f"/api/v1/services/{service_id}/quote?when=date", who)
    assert (status, body["field"]) == (422, "date")
    yesterday = (business_today() - timedelta(days=1)).isoformat()
    status, body = await api.get(f"/api/v1/services/{service_id}/quote?when=date&date={yesterday}", who)
    assert (status, body["field"]) == (422, "date")
    assert (await api.get(f"/api/v1/services/{stranger['services'][0]}/quote", who))[0] == 404


async def test_offers_one_per_conversation_and_accepting_applies_the_save(api, db):
    account = make_account(db, tier="Professional")
    service_id = account["services"][0]
    who = await api.verify(account, "conv-offer")
    status, body = await api.post(f"/api/v1/services/{service_id}/offer", {"reason": "price"}, who)
    offer = body["offer"]
    assert status == 200 and offer["kind"] == "discount" and offer["title"] == "20% off for 3 months"
    # what it would cost, for "how much would that be?" (the service's price with the offer's apply)
    assert "pay $40.00 instead of $50.00 a month for the next 3 months" in offer["terms"]
    again = await api.post(f"/api/v1/services/{service_id}/offer", {"reason": "moving"}, who)
    assert again == (200, {"offer": offer})
    assert count(db, RetentionOffer, service_id=service_id) == 1
    status, body = await api.post(f"/api/v1/offers/{offer['id']}/outcome", {"accepted": True}, who)
    assert (status, body["status"]) == (200, "accepted")
    services = (await api.get("/api/v1/services", who))[1]["services"]
    assert services[0]["discount"]["percent_off"] == 20
    status, body = await api.post(f"/api/v1/offers/{offer['id']}/outcome", {"accepted": False}, who)
    assert (status, body["error"]) == (409, "offer_already_decided")
    assert (await api.post(f"/api/v1/offers/{offer['id']}/outcome", {"accepted": True}, who))[0] == 200

    other = make_account(db)
    other_who = await api.verify(other)
    assert (await api.post(f"/api/v1/offers/{offer['id']}/outcome", {"accepted": True}, other_who))[0] == 404
    status, body = await api.post(
        f"/api/v1/services/{other['services'][0]}/offer", {"reason": None}, other_who
    )
    assert (status, body) == (200, {"offer": None})
    assert count(db, AuditEvent, action="offer_outcome", conversation_key=conversation_key("conv-offer")) == 1


async def test_declined_plan_switch_changes_nothing_and_downgrade_applies(api, db):
    account = make_account(db, tier="SMB", services=2)
    who = await api.verify(account)
    a, b = account["services"]
    switch = (await api.post(f"/api/v1/services/{a}/offer", {"reason": "switching"}, who))[1]["offer"]
    assert switch["kind"] == "plan_switch"
    assert (await api.post(f"/api/v1/offers/{switch['id']}/outcome", {"accepted": False}, who))[1][
        "status"
    ] == "declined"
    down = (await api.post(f"/api/v1/services/{b}/offer", {"reason": "not_using"}, who))[1]["offer"]
    assert "On the Lite plan you'd pay $30.00 a month instead of $50.00" in down["terms"]
    await api.post(f"/api/v1/offers/{down['id']}/outcome", {"accepted": True}, who)
    services = {s["id"]: s for s in (await api.get("/api/v1/services", who))[1]["services"]}
    assert (services[a]["plan"], services[a]["price"]) == ("Plan", "50.00")
    assert (services[b]["plan"], services[b]["price"]) == ("Lite", "30.00")


async def test_balance_and_services(api, db):
    account = make_account(db, receivables="1250.00", services=2)
    who = await api.verify(account)
    status, body = await api.get("/api/v1/balance", who)
    assert status == 200 and body["balance"] == "1250.00" and body["currency"] == "USD"
    assert body["due_at_cancellation"] is True and body["blocks_filing"] is False and body["how_to_pay"]
    assert [i["amount_due"] for i in body["invoices"]] == ["1250.00"]
    status, body = await api.get("/api/v1/services", who)
    assert [s["id"] for s in body["services"]] == sorted(account["services"])
    assert set(body["services"][0]) >= {
        "id",
        "name",
        "plan",
        "price",
        "billing_period",
        "next_anniversary",
        "bundle",
        "status",
    }


async def test_policy_can_make_a_balance_block_filing(settings, policy, db):
    strict = dataclasses.replace(policy, balance_blocks_filing=True)
    client = TestClient(TestServer(create_app(settings, policy=strict, db=db)))
    await client.start_server()
    try:
        api = Api(client)
        account = make_account(db, receivables="10.00")
        who = await api.verify(account)
        assert (await api.get("/api/v1/balance", who))[1]["blocks_filing"] is True
        status, body = await _file(api, who, account["services"][0])
        assert (status, body["error"]) == (409, "balance_blocks_filing")
        assert body["message"] == f"A balance of $10.00 must be paid before cancelling. {policy.how_to_pay}"
        assert count(db, CancellationRequest, service_id=account["services"][0]) == 0
    finally:
        await client.close()


@pytest.mark.parametrize("when, days", [("end_of_period", None), ("immediate", None), ("date", 45)])
async def test_preview_is_what_filing_then_settles(api, db, when, days):
    """POST .../preview: the whole summary in one answer, computed by the backend as filing then
    settles it (end date, final bill, balance, devices and fees, deadline), changing nothing."""
    account = make_account(db, equipment=2, receivables="1250.00", anniversary="+20d")
    service_id = account["services"][0]
    who = await api.verify(account)
    extra = {"date": (business_today() + timedelta(days=days)).isoformat()} if days else {}
    status, preview = await api.post(
        f"/api/v1/services/{service_id}/preview", {"when": when, "backup_confirmed": True, **extra}, who
    )
    assert status == 200, preview
    assert preview["service"]["id"] == service_id and preview["service"]["status"] == "active"
    assert preview["balance"]["balance"] == "1250.00" and preview["balance"]["due_at_cancellation"] is True
    assert len(preview["equipment"]) == 2 and preview["non_return_fee_total"] == "240.00"
    assert preview["terms"].startswith("Terms: data on this service can't be retrieved after cancellation")
    assert "(you confirmed your backup)" in preview["terms"] and "leased equipment" in preview["terms"]
    assert count(db, CancellationRequest, service_id=service_id) == 0  # nothing filed

    status, filed = await _file(api, who, service_id, when=when, **extra)
    assert status == 201, filed
    for key in ("when", "end_date", "final_bill_items", "return_deadline", "non_return_fee_total"):
        assert preview[key] == filed[key], key
    assert preview["balance"]["balance"] == filed["balance"]
    assert [d["id"] for d in preview["equipment"]] == [d["id"] for d in filed["equipment"]]


async def test_preview_without_backup_or_devices_and_refused_input(api, db):
    account = make_account(db, equipment=0)
    service_id = account["services"][0]
    who = await api.verify(account)
    status, preview = await api.post(f"/api/v1/services/{service_id}/preview", {"when": "immediate"}, who)
    assert status == 200 and preview["equipment"] == [] and preview["return_deadline"] is None
    assert "so by confirming you confirm it's backed up" in preview["terms"]
    assert "leased equipment" not in preview["terms"]
    for body, field in (
        ({"when": "later"}, "when"),
        ({"when": "date"}, "date"),
        ({"when": "date", "date": "2001-01-01"}, "date"),
        ({"when": "immediate", "backup_confirmed": "yes"}, "backup_confirmed"),
    ):
        status, error = await api.post(f"/api/v1/services/{service_id}/preview", body, who)
        assert status == 422 and error.get("field") == field, (body, status, error)
    status, _ = await api.post("/api/v1/services/SVC-NOPE/preview", {"when": "immediate"}, who)
    assert status == 404
    status, _ = await api.post(f"/api/v1/services/{service_id}/preview", {"when": "immediate"})
    assert status == 401
