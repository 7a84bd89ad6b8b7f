"""Full stack over REST: backend, action server and Rasa as real processes.

A customer cancels in natural language; the database must hold the request under exactly the
confirmation number the customer was given, and the stored tracker must hold no identifier or
verification factor.
"""

import pytest
import sqlalchemy as sa

from devstack.conversation import Customer
from tests.searchable import searchable

pytestmark = pytest.mark.slow


def _request(stack, number):
    engine = sa.create_engine(stack.database_url, future=True)
    with engine.connect() as conn:
        row = conn.execute(
            sa.text(
                "select r.confirmation_number, r.end_kind, r.end_date, r.status, r.reason,"
                " r.channel, s.id, s.status from cancellation_requests r"
                " join services s on s.id = r.service_id where r.confirmation_number = :n"
            ),
            {"n": number},
        ).one_or_none()
    engine.dispose()
    return row


def test_full_cancellation_in_natural_language(stack):
    customer = Customer(stack.say)
    customer.say("hi")
    assert "account" in customer.say("I want to cancel my service").lower()
    customer.say("erin@example.com")
    assert "Erin" in customer.say("02139")
    assert "offer" in customer.say("it's too expensive").lower()
    assert "backed up" in customer.say("no thanks")
    assert "2026" in customer.say("yes I backed it up") or customer.buttons
    customer.say("end of the billing period")
    assert "summary" in customer.text.lower()
    customer.say("yes")
    number = customer.confirmation_number()
    assert number, customer.text

    row = _request(stack, number)
    assert row is not None, f"{number} given to the customer is not in the database"
    assert row[1] == "end_of_period" and row[3] == "received" and row[4] == "price"
    assert row[5] == "rest" and row[6] == "SVC-1001" and row[7] == "cancellation_pending"

    # The stored conversation holds neither the email nor the ZIP.
    stored = searchable(stack.tracker(customer.sender))
    assert "erin@example.com" not in stored and "02139" not in stored
    assert number in stored  # the confirmation number is not a secret


def test_cancel_now_skips_everything_optional(stack):
    customer = Customer(stack.say)
    customer.say("cancel my internet")
    customer.say("10000003")
    customer.say("3333")
    customer.say("just cancel it")
    text = customer.text.lower()
    assert "summary" in text and "balance" in text and "$300.00" in customer.text
    assert "return" in text  # the modem and phone to send back
    customer.say("yes")
    number = customer.confirmation_number()
    assert number and _request(stack, number) is not None


def test_several_services_with_bundle_warning_by_buttons(stack):
    customer = Customer(stack.say)
    customer.say("I'd like to close my account")
    customer.say("kim@kestrel.example")
    customer.say("73301")
    assert len(customer.buttons) >= 3, customer.text  # the account has three services
    internet = next(b["title"] for b in customer.buttons if "internet" in b["title"].lower())
    customer.click(internet)
    assert "bundle" in customer.text.lower()
    customer.click("yes")
    customer.click("skip")
    customer.click("backed up")
    customer.click("end of billing period")
    customer.click("yes")
    number = customer.confirmation_number()
    assert number, "\n".join(customer.transcript)
    row = _request(stack, number)
    assert row is not None and row[1] == "end_of_period"


def test_wrong_details_get_the_same_answer_and_another_try(stack):
    wrong_factor = Customer(stack.say)
    wrong_factor.say("cancel")
    wrong_factor.say("frank@example.com")
    refused = wrong_factor.say("99999")

    unknown = Customer(stack.say)
    unknown.say("cancel")
    unknown.say("nobody@example.com")
    # An unknown account and a wrong factor read the same: nothing tells which detail was wrong.
    assert unknown.say("99999") == refused
    assert "frank" not in refused.lower() and "verified" not in refused.lower()

    # Another try with the right details works.
    if "account number" in refused.lower():  # asked for the identifier again
        wrong_factor.say("frank@example.com")
    assert "Frank" in wrong_factor.say("94110")
