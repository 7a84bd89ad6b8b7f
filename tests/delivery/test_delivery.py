"""Customer messages reach a real SMTP server on loopback and the Twilio stand-in: one-time codes
(which then verify, and leave nothing in clear), receipts with HTML, text and a PDF whose text is
checked, the signed receipt link, SMS receipts."""

from __future__ import annotations

import asyncio
import dataclasses
import html
import io
import re
import time
from datetime import timedelta

from aiohttp.test_utils import TestClient, TestServer
from pypdf import PdfReader
from sqlalchemy import update

from backend import wording
from backend.delivery import compose
from backend.delivery.worker import DELIVERER, Deliverer
from backend.models import OutboxMessage
from backend.policy import ReturnsPolicy
from backend.server import create_app
from contract.vocabulary.dates import long_date
from contract.vocabulary.numbers import format_money
from tests.backend.conftest import Api, filing, make_account, rows
from tests.backend.test_at_rest import holds, text_at_rest


async def wait_for(condition, timeout: float = 20.0):
    """Poll until `condition()` is truthy (returns it) or fail at the deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met before the deadline")


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


async def start_code(api, identifier: str, conversation_id: str) -> str:
    status, start = await api.post(
        "/api/v1/verify/start", {"identifier": identifier, "conversation_id": conversation_id}
    )
    assert status == 200, start
    assert (await api.post("/api/v1/verify/otp", {"attempt_id": start["attempt_id"]}))[0] == 202
    return start["attempt_id"]


async def test_a_code_arrives_by_email_verifies_and_is_erased(api, db, sink, app_client):
    """The worker started with the app sends the code; nothing holds it in clear, before or after."""
    account = make_account(db)
    attempt_id = await start_code(api, account["email"], "conv-mail-code")
    [row] = rows(db, OutboxMessage, recipient=account["email"], kind="otp")
    assert row.sealed_code and "••••••" in row.body
    [mail] = await wait_for(lambda: sink.mail_to(account["email"]))
    code = re.search(r"code is (\d{6})", mail.get_body(("plain",)).get_content()).group(1)
    assert not holds(text_at_rest(db), code)
    [row] = rows(db, OutboxMessage, recipient=account["email"], kind="otp")
    assert row.status == "sent" and row.sealed_code is None and row.attempts == 1
    status, verified = await api.post("/api/v1/verify", {"attempt_id": attempt_id, "factor": code})
    assert status == 200, verified


async def test_a_code_arrives_by_sms_when_identified_by_phone(api, db, twilio, deliverer):
    account = make_account(db)
    await start_code(api, account["phone"], "conv-sms-code")
    assert await deliverer.deliver_due() >= 1
    [sms] = twilio.sms_to("+1" + account["phone"])
    assert re.search(r"code is \d{6}\.", sms) and "••" not in sms
    [request] = [r for r in twilio.requests if r["body"].get("To") == "+1" + account["phone"]]
    assert request["body"]["From"] == "+15550009999" and request["idempotency_token"]


def receipt_facts(filed, policy) -> list:
    """What a receipt must show (issue 11): number with its check character, service, date and time
    received, end date, final-bill items, balance and how to pay, each device with its RMA, deadline
    and fee, the terms acknowledged, how to revoke."""
    [device] = filed["equipment"]
    items = [f"{i['description']}: {format_money(i['amount'])}" for i in filed["final_bill_items"]]
    return [
        filed["confirmation_number"],
        filed["service"]["name"],
        filed["received_at"][:10] + " " + filed["received_at"][11:19],
        long_date(filed["end_date"]),
        *(items or ["nothing further"]),
        format_money(filed["balance"]),
        " ".join(policy.how_to_pay.split()),
        f"{device['model']} (serial ending {device['serial_last4']})",
        device["rma"],
        long_date(filed["return_deadline"]),
        format_money(device["non_return_fee"]),
        wording.terms(True, True),
        "How to revoke",
        compose.REVOKE,
    ]


def flat(text: str) -> str:
    """Words separated by single spaces (a PDF or HTML line break is a space)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


async def test_the_receipt_email_has_text_html_and_the_pdf(api, db, sink, deliverer, policy):
    account = make_account(db, equipment=1, receivables="42.50")
    who = await api.verify(account)
    status, filed = await api.post(
        "/api/v1/cancellations", filing(account["services"][0]), who, headers={"Idempotency-Key": "k-receipt"}
    )
    assert status == 201, filed
    await deliverer.deliver_due()
    [mail] = sink.mail_to(account["email"])
    assert mail.get_content_type() == "multipart/mixed"
    alternative, attachment, label = list(mail.iter_parts())
    assert [p.get_content_type() for p in alternative.iter_parts()] == ["text/plain", "text/html"]
    assert attachment.get_content_type() == "application/pdf" == label.get_content_type()
    assert attachment.get_filename() == f"receipt-{filed['confirmation_number']}.pdf"
    assert label.get_filename() == f"return-label-{filed['confirmation_number']}.pdf"
    [device] = filed["equipment"]
    assert re.fullmatch(r"RMA-[A-Z2-9]{8}", device["rma"])
    assert format_money(filed["balance"]) == "$42.50"
    text = flat(pdf_text(attachment.get_content()))
    html_part = flat(alternative.get_body(("html",)).get_content())
    plain_part = flat(alternative.get_body(("plain",)).get_content())
    for expected in receipt_facts(filed, policy):
        assert expected in text and expected in html_part and expected in plain_part, expected
    label_text = pdf_text(label.get_content())
    assert device["rma"] in label_text and "Returns Center" in label_text and "PREPAID RETURN" in label_text
    assert filed["label_url"] and filed["receipt_url"] and filed["return_directions"] is None
    assert (await api.client.get(filed["label_url"].removeprefix("http://receipts.test"))).status == 200
    plain = alternative.get_body(("plain",)).get_content()
    assert filed["confirmation_number"] in plain
    assert filed["confirmation_number"] in alternative.get_body(("html",)).get_content()
    # the signed link in the email serves the same receipt, and only with its signature intact
    link = re.search(r"http://receipts\.test(/receipts/\S+\.pdf)", plain).group(1)
    assert filed["confirmation_number"] not in link and account["account_number"] not in link
    answer = await api.client.get(link)
    assert answer.status == 200 and answer.content_type == "application/pdf"
    assert filed["confirmation_number"] in pdf_text(await answer.read())
    item_id, expires, signature = link.removeprefix("/receipts/").removesuffix(".pdf").split(".")
    for forged in (f"{int(item_id) + 1}.{expires}.{signature}", f"{item_id}.{int(expires) + 1}.{signature}"):
        assert (await api.client.get(f"/receipts/{forged}.pdf")).status == 404


async def test_an_sms_customer_gets_the_number_and_the_link(api, db, twilio, deliverer):
    account = make_account(db)
    db.transaction(
        lambda s: s.execute(
            __import__("sqlalchemy").text("UPDATE authorized_users SET email = NULL WHERE email = :e"),
            {"e": account["email"]},
        )
    )
    who = await api.verify(account | {"email": account["phone"]})
    status, filed = await api.post(
        "/api/v1/cancellations", filing(account["services"][0]), who, headers={"Idempotency-Key": "k-sms"}
    )
    assert status == 201, filed
    await deliverer.deliver_due()
    [sms] = twilio.sms_to("+1" + account["phone"])
    assert filed["confirmation_number"] in sms and long_date(filed["end_date"]) in sms
    link = re.search(r"http://receipts\.test(/receipts/\S+\.pdf)", sms).group(1)
    assert (await api.client.get(link)).status == 200


async def test_where_no_label_can_be_made_the_customer_gets_return_directions(
    db, sink, delivery_settings, policy
):
    """A policy file without a return address: no label, written directions in the chat and the email."""
    no_label = dataclasses.replace(
        policy, returns=ReturnsPolicy(directions="Bring the router to any store of ours.")
    )
    client = TestClient(TestServer(create_app(delivery_settings, policy=no_label, db=db)))
    await client.start_server()
    try:
        api = Api(client)
        await client.app[DELIVERER].stop()
        account = make_account(db, equipment=1)
        who = await api.verify(account)
        status, filed = await api.post(
            "/api/v1/cancellations",
            filing(account["services"][0]),
            who,
            headers={"Idempotency-Key": "k-directions"},
        )
        assert status == 201, filed
        assert (
            filed["label_url"] is None
            and filed["return_directions"] == "Bring the router to any store of ours."
        )
        assert filed["equipment"][0]["rma"]
        await client.app[DELIVERER].deliver_due()
    finally:
        await client.close()
    [mail] = sink.mail_to(account["email"])
    assert [p.get_filename() for p in mail.iter_attachments()] == [
        f"receipt-{filed['confirmation_number']}.pdf"
    ]
    assert "Bring the router to any store of ours." in mail.get_body(("plain",)).get_content()


async def test_an_expired_code_is_erased_even_where_it_cannot_be_sent(
    api, db, deliverer, delivery_settings, policy, monkeypatch
):
    """No SMS provider: the code waits sealed while it lives, and is gone once it has expired."""
    from backend.delivery import worker

    monkeypatch.setattr(worker, "PURGE_EVERY", 0)
    account = make_account(db)
    await start_code(api, account["phone"], "conv-expired-code")
    email_only = Deliverer(db, dataclasses.replace(delivery_settings, twilio_account_sid=None), policy)
    assert email_only.channels == ("email",)
    await email_only.deliver_due()
    [row] = rows(db, OutboxMessage, recipient=account["phone"], kind="otp")
    assert row.status == "pending" and row.sealed_code  # waiting for a provider, sealed
    db.transaction(
        lambda s: s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id)
            .values(created_at=row.created_at - timedelta(minutes=11))
        )
    )
    await email_only.deliver_due()
    assert rows(db, OutboxMessage, recipient=account["phone"], kind="otp") == []
