"""Issue 11's "done when", full stack: backend, action server and Rasa as real processes, with a
real SMTP server on loopback (the mail sink) as under `make run`. A customer cancels in the chat;
the receipt email with its PDF and the return label (an RMA barcode per device) reaches the sink,
and the chat's label and receipt links serve the PDFs."""

from __future__ import annotations

import io
import re
import time
import urllib.request

import pytest
from pypdf import PdfReader

from devstack.conversation import Customer
from devstack.stack import Stack
from tests.delivery.conftest import Sink

pytestmark = pytest.mark.slow


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _mail_with(sink: Sink, address: str, number: str, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for mail in sink.mail_to(address):
            if number in str(mail["Subject"]) + mail.get_body(("plain",)).get_content():
                return mail
        time.sleep(0.1)
    raise AssertionError(f"no receipt for {number} in the mail sink")


@pytest.fixture(scope="module")
def mail_stack(trained_model, tmp_path_factory):
    sink = Sink(tmp_path_factory.mktemp("mail"))
    sink.start()
    stack = Stack(
        tmp_path_factory.mktemp("mail-stack"),
        trained_model,
        env={
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(sink.port),
            "DEV_OUTBOX": "0",
            "OUTBOX_KEY": "stack-outbox-key",
        },
    )
    stack.env["PUBLIC_URL"] = stack.backend_url
    with stack:
        yield stack, sink
    sink.stop()


def test_a_cancellation_in_the_chat_sends_the_receipt_and_return_label(mail_stack):
    stack, sink = mail_stack
    customer = Customer(stack.say)
    customer.say("cancel my internet")
    customer.say("10000003")
    customer.say("3333")
    customer.say("just cancel it")
    customer.say("yes")
    number = customer.confirmation_number()
    assert number, customer.text
    rmas = re.findall(r"RMA (RMA-[A-Z2-9]{8})", customer.text)
    assert len(rmas) == 2, customer.text  # the modem and the phone
    label_url = re.search(r"Prepaid return label: (\S+\.pdf)", customer.text).group(1)
    receipt_url = re.search(r"Your receipt \(PDF\): (\S+\.pdf)", customer.text).group(1)

    mail = _mail_with(sink, "grace@example.com", number)
    receipt, label = [p for p in mail.iter_attachments()]
    receipt_text, label_text = _pdf_text(receipt.get_content()), _pdf_text(label.get_content())
    assert number in receipt_text and all(rma in receipt_text and rma in label_text for rma in rmas)
    for url, expected in ((receipt_url, number), (label_url, rmas[0])):
        with urllib.request.urlopen(url, timeout=30) as answer:
            assert answer.headers["Content-Type"] == "application/pdf"
            assert expected in _pdf_text(answer.read())
