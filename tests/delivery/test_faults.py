"""Delivery under faults: the SMTP server stops mid-run and comes back, a worker dies between
claiming and recording, several workers share the outbox, and given-up messages are visible to a
supervisor and can be retried. Time passing (back-off, lease) is simulated by making rows due."""

from __future__ import annotations

import asyncio
import re

import pytest
from sqlalchemy import update

from backend.delivery import worker
from backend.delivery.worker import Deliverer
from backend.models import OutboxMessage, utcnow
from tests.backend.conftest import filing, make_account, rows


def make_due(db, *ids):
    """As if the back-off or the lease had run out."""
    db.transaction(
        lambda s: s.execute(
            update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(next_attempt_at=utcnow())
        )
    )


async def file_for(api, db, n: int):
    """File one cancellation for each of `n` new accounts; their receipts wait in the outbox."""
    accounts = []
    for i in range(n):
        account = make_account(db)
        who = await api.verify(account)
        status, filed = await api.post(
            "/api/v1/cancellations",
            filing(account["services"][0]),
            who,
            headers={"Idempotency-Key": f"k-fault-{i}"},
        )
        assert status == 201, filed
        accounts.append((account, filed))
    return accounts


def receipt_rows(db, account):
    return rows(db, OutboxMessage, recipient=account["email"], kind="receipt")


async def test_smtp_server_down_then_back_every_message_delivered_once(api, db, sink, deliverer):
    first = await file_for(api, db, 2)
    assert await deliverer.deliver_due() == 2
    sink.stop()  # the mail server goes away mid-run
    second = await file_for(api, db, 3)
    assert await deliverer.deliver_due() == 0
    waiting = [r for a, _ in second for r in receipt_rows(db, a)]
    assert all(r.status == "pending" and r.attempts == 1 and r.last_error for r in waiting)
    assert all(r.next_attempt_at > utcnow() for r in waiting)  # backing off
    sink.start()
    make_due(db, *(r.id for r in waiting))
    assert await deliverer.deliver_due() == 3
    for account, filed in first + second:
        [mail] = sink.mail_to(account["email"])
        assert filed["confirmation_number"] in mail.get_body(("plain",)).get_content()
        [row] = receipt_rows(db, account)
        assert row.status == "sent" and row.last_error is None


async def test_a_worker_dying_mid_delivery_leaves_the_lease_then_another_sends(
    api, db, sink, twilio, deliverer, delivery_settings, policy
):
    [(account, filed)] = await file_for(api, db, 1)
    # worker A claims (leases) the receipt and dies before sending it
    [job] = db.transaction(worker.claim, delivery_settings, policy, ("email", "sms"))
    other = Deliverer(db, delivery_settings, policy)
    assert await other.deliver_due() == 0  # the lease keeps replica B off the row
    assert sink.mail_to(account["email"]) == []
    make_due(db, job.id)  # the lease runs out
    assert await other.deliver_due() == 1
    [mail] = sink.mail_to(account["email"])
    # A comes back and records its stale attempt: ignored, the row stays sent by B
    db.transaction(worker.settle, job, "SMTPServerDisconnected", None)
    [row] = receipt_rows(db, account)
    assert row.status == "sent" and row.attempts == 2 and row.last_error is None


async def test_an_sms_resent_after_a_crash_reaches_twilio_with_the_same_idempotency_token(
    api, db, twilio, deliverer, delivery_settings, policy
):
    account = make_account(db)
    status, start = await api.post(
        "/api/v1/verify/start", {"identifier": account["phone"], "conversation_id": "conv-crash-sms"}
    )
    assert (await api.post("/api/v1/verify/otp", {"attempt_id": start["attempt_id"]}))[0] == 202
    [job] = db.transaction(worker.claim, delivery_settings, policy, ("sms",))
    # the provider takes the message, then the worker dies before recording it
    sid = await deliverer.sms.send(worker.sms_to(job.to), job.text, f"outbox-{job.id}")
    make_due(db, job.id)
    assert await deliverer.deliver_due() == 1
    phone = "+1" + account["phone"]
    sent = [r for r in twilio.requests if r["body"].get("To") == phone]
    assert len(sent) == 2 and sent[0]["idempotency_token"] == sent[1]["idempotency_token"]
    assert len(twilio.sms_to(phone)) == 1  # Twilio sent it once
    [row] = rows(db, OutboxMessage, recipient=account["phone"], kind="otp")
    assert row.status == "sent" and row.provider_id == sid and row.sealed_code is None


async def test_an_email_resent_after_a_crash_carries_the_same_message_id_and_is_kept_once(
    api, db, sink, deliverer, delivery_settings, policy
):
    [(account, filed)] = await file_for(api, db, 1)
    [job] = db.transaction(worker.claim, delivery_settings, policy, ("email",))
    # the mail server takes the receipt, then the worker dies before recording it
    first_id = await deliverer.smtp.send(job.email)
    assert len(sink.mail_to(account["email"])) == 1
    make_due(db, job.id)  # the lease runs out: another worker sends it again (at most once more)
    assert await deliverer.deliver_due() == 1
    [row] = receipt_rows(db, account)
    assert row.status == "sent" and row.attempts == 2 and row.provider_id == first_id
    [mail] = sink.mail_to(account["email"])  # the same Message-ID: the sink keeps it once
    assert mail["Message-ID"] == first_id and filed["confirmation_number"] in mail["Subject"] + str(
        mail.get_body(("plain",)).get_content()
    )


async def test_two_replicas_at_once_send_each_message_once(
    api, db, sink, deliverer, delivery_settings, policy
):
    accounts = await file_for(api, db, 6)
    replicas = [Deliverer(db, delivery_settings, policy) for _ in range(3)]
    counts = await asyncio.gather(*(r.deliver_due() for r in replicas))
    assert sum(counts) == 6
    for account, _ in accounts:
        assert len(sink.mail_to(account["email"])) == 1


async def test_given_up_messages_are_visible_to_a_supervisor_and_can_be_retried(
    api, db, sink, deliverer, monkeypatch, supervisor
):
    monkeypatch.setattr(worker, "MAX_ATTEMPTS", 2)
    sink.stop()
    [(account, filed)] = await file_for(api, db, 1)
    [row] = receipt_rows(db, account)
    await deliverer.deliver_due()
    make_due(db, row.id)
    await deliverer.deliver_due()
    [row] = receipt_rows(db, account)
    assert row.status == "failed" and row.attempts == 2 and row.last_error
    status, listed = await supervisor.get("/console/outbox")
    assert status == 200
    [shown] = [m for m in listed["messages"] if m["id"] == row.id]
    assert shown["status"] == "failed" and shown["error"] == row.last_error and shown["retryable"]
    assert account["email"] not in str(listed)  # recipients are masked
    sink.start()
    status, answer = await supervisor.post(f"/console/outbox/{row.id}/retry")
    assert status == 200 and answer == {"retried": True}
    assert await deliverer.deliver_due() == 1
    assert len(sink.mail_to(account["email"])) == 1
    status, listed = await supervisor.get("/console/outbox")
    assert row.id not in [m["id"] for m in listed["messages"]]


async def test_a_failed_code_cannot_be_retried_and_holds_no_code(
    api, db, deliverer, monkeypatch, sink, supervisor
):
    monkeypatch.setattr(worker, "MAX_ATTEMPTS", 1)
    sink.stop()
    account = make_account(db)
    status, start = await api.post(
        "/api/v1/verify/start", {"identifier": account["email"], "conversation_id": "conv-failed-code"}
    )
    assert (await api.post("/api/v1/verify/otp", {"attempt_id": start["attempt_id"]}))[0] == 202
    await deliverer.deliver_due()
    [row] = rows(db, OutboxMessage, recipient=account["email"], kind="otp")
    assert row.status == "failed" and row.sealed_code is None
    status, answer = await supervisor.post(f"/console/outbox/{row.id}/retry")
    assert status == 409


@pytest.fixture
async def supervisor(app_client, db):
    """A signed-in supervisor of the staff console (JSON calls with the session's CSRF token)."""
    from backend.handoff.auth import upsert_staff

    db.transaction(upsert_staff, "sup-delivery", "Sue", "supervisor", "a-long-password-1")
    client = app_client
    page = await client.get("/console/login")
    assert page.status == 200
    csrf_cookie = re.search(r'name="csrf_token" value="([^"]+)"', await page.text()).group(1)
    answer = await client.post(
        "/console/login",
        json={"username": "sup-delivery", "password": "a-long-password-1", "csrf_token": csrf_cookie},
    )
    assert answer.status == 200, await answer.text()
    csrf = (await answer.json())["csrf_token"]

    class Session:
        async def get(self, path):
            r = await client.get(path, headers={"Accept": "application/json"})
            return r.status, await r.json()

        async def post(self, path):
            r = await client.post(path, json={}, headers={"X-CSRF-Token": csrf})
            return r.status, await r.json()

    return Session()


async def test_the_returns_page_shows_devices_due_overdue_in_transit_and_returned(
    api, db, supervisor, app_client
):
    account = make_account(db, equipment=2)
    who = await api.verify(account)
    status, filed = await api.post(
        "/api/v1/cancellations", filing(account["services"][0]), who, headers={"Idempotency-Key": "k-returns"}
    )
    assert status == 201, filed
    first, second = filed["equipment"]
    assert first["rma"] != second["rma"]

    async def states():
        status, listed = await supervisor.get("/console/returns")
        assert status == 200
        return {r["rma"]: r["state"] for r in listed["returns"]}

    assert {s for rma, s in (await states()).items() if rma in (first["rma"], second["rma"])} == {"due"}
    status, _ = await api.post(
        f"/api/v1/cancellations/{filed['confirmation_number']}/tracking",
        {"tracking_number": "1Z999AA10123456784", "equipment_id": first["id"]},
        who,
    )
    assert status == 200
    # the deadline passes for the device still at the customer's
    from sqlalchemy import select

    from backend.models import CancellationRequest

    def backdate(session):
        request = session.execute(
            select(CancellationRequest).filter_by(confirmation_number=filed["confirmation_number"])
        ).scalar_one()
        request.snapshot = {**request.snapshot, "return_deadline": "2020-01-01"}

    db.transaction(backdate)
    now = await states()
    assert now[first["rma"]] == "in_transit" and now[second["rma"]] == "overdue"
    # the warehouse receives the shipped device
    status, answer = await supervisor.post(f"/console/returns/{first['rma']}/received")
    assert status == 200 and answer["state"] == "returned"
    status, again = await supervisor.post(f"/console/returns/{first['rma']}/received")
    assert status == 200 and again["returned_at"] == answer["returned_at"]  # the first arrival is kept
    now = await states()
    assert now[first["rma"]] == "returned" and now[second["rma"]] == "overdue"
    status, listed = await supervisor.get("/console/returns")
    order = [r["rma"] for r in listed["returns"] if r["rma"] in (first["rma"], second["rma"])]
    assert order == [second["rma"], first["rma"]]  # overdue first, returned last
    assert (await supervisor.post("/console/returns/RMA-NONE2345/received"))[0] == 404
    page = await (await app_client.get("/console/returns")).text()  # the HTML page a person sees
    assert f'action="/console/returns/{second["rma"]}/received"' in page  # a button for the overdue one
    assert f'action="/console/returns/{first["rma"]}/received"' not in page  # none for the returned one
    assert "overdue" in page and "returned" in page


async def test_a_message_that_cannot_be_written_is_given_up_and_the_others_are_sent(
    api, db, sink, deliverer, monkeypatch
):
    from backend.delivery import compose

    first, second = await file_for(api, db, 2)
    real = compose.email

    def broken_for_first(session, settings, policy, row, text):
        if row.recipient == first[0]["email"]:
            raise KeyError("final_bill_items")
        return real(session, settings, policy, row, text)

    monkeypatch.setattr(compose, "email", broken_for_first)
    await deliverer.deliver_due()  # (it may also send what earlier tests of the module left queued)
    assert len(sink.mail_to(second[0]["email"])) == 1
    [row] = receipt_rows(db, first[0])
    assert row.status == "failed" and row.last_error == "could not be composed: KeyError"


def test_the_back_off_doubles_from_five_seconds_up_to_ten_minutes():
    assert [worker.backoff_seconds(n) for n in range(1, 10)] == [5, 10, 20, 40, 80, 160, 320, 600, 600]
    assert worker.MAX_ATTEMPTS == 8  # then the message is given up (docs/delivery.md)
