"""What a message asks for in so many words, a refund's reason and amount, revoke answers and
thank-yous typed where an answer was expected (contract/vocabulary/requests.py, answers.py,
numbers.py)."""

from decimal import Decimal

import pytest

from contract.vocabulary.answers import NO, YES, courtesy, read_yes_no
from contract.vocabulary.numbers import find_confirmation, find_confirmations, find_money, find_tracking
from contract.vocabulary.requests import asked_requests, refund_reason_in


@pytest.mark.parametrize(
    "text, expected",
    [
        ("whats my balance, and can i cancel the voice service?", ["balance", "cancel"]),
        ("now status of UPVS-YQ68-RQG7 and then cancel cloud backup too", ["status", "cancel"]),
        ("can u check where my cancelation stands", ["status"]),
        ("ok then revoke it", ["revoke"]),
        ("i'd like to undo my cancellation", ["revoke"]),
        ("I was double charged $39.95 on my last bill and want it back", ["refund"]),
        # a condition, a negation, a report of the past, a thing: not a request to cancel
        ("what will my final bill be if i cancel?", ["balance"]),
        ("do i have to send back the modem if i cancel?", ["equipment"]),
        ("don't cancel it", []),
        ("is there a cancel fee?", []),
        ("is there a fee for cancelling early?", []),
        ("go ahead with cancelling please", ["cancel"]),
        ("whats my final bill, and how do i return the modem?", ["balance", "equipment"]),
        ("i asked to cancel last week but was still billed, i want a refund", ["refund"]),
        ("", []),
    ],
)
def test_asked_requests(text, expected):
    assert asked_requests(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "hi, I was double charged $39.95 on my last bill and want it back. email is jo@x.example",
            "hi, I was double charged $39.95 on my last bill and want it back.",
        ),
        (
            "also i'd like a refund of $5, the renewal reminder came late",
            "also i'd like a refund of $5, the renewal reminder came late",
        ),
        # the customer's details never go into the reason
        (
            "I want a refund, phone +1 (512) 705-0105, charged twice in november",
            "I want a refund, charged twice in november",
        ),
        # only the asking, the amount and the details: no reason given
        ("i need a refund of $20 please. email jo@x.example", None),
        ("I'd like a refund of $15.50 please, acct 30000401", None),
        ("can i get some money back?", None),
        ("I need a refund of $1,250 for the outage, jo@x.example", None),
        # not a refund request at all (an answer to "how much?")
        ("uh about 12 bucks i guess", None),
    ],
)
def test_refund_reason_in(text, expected):
    assert refund_reason_in(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("need a refnd of 25.00, you charged me", Decimal("25.00")),
        ("uh about 12 bucks i guess", Decimal("12")),
        ("hmm maybe $9.99, one month's fee", Decimal("9.99")),
        ("a refund of $1,250 for the outage", Decimal("1250")),
        ("refund 20 to acct 30000401", Decimal("20")),
        # numbers that are not money
        ("charged twice in 2 months", None),
        ("acct 30000401 zip 02139", None),
    ],
)
def test_money_in_sentences(text, expected):
    assert find_money(text) == expected


def test_all_confirmation_numbers_of_a_text_once_each():
    text = "Confirmation number: VCB7-YGG7-D2UK. Like ABCD-EFGH-JKLM; VCB7-YGG7-D2UK again"
    assert find_confirmations(text) == ["VCB7-YGG7-D2UK", "ABCD-EFGH-JKLM"]


def test_a_long_tracking_number_holds_no_confirmation_number():
    text = "sent the modem back, tracking number is 9400 1118 9922 3344 5566 77"
    assert find_tracking(text) == "9400111899223344556677"
    assert find_confirmation(text) is None and find_confirmations(text) == []
    # a confirmation number next to it still counts
    assert find_confirmations(text + " for 2345-6789-2345") == ["2345-6789-2345"]


@pytest.mark.parametrize(
    "text, expected",
    [
        # keeping the service is a yes to "Revoke ...? The service would then stay active"
        ("yes, we want to keep the service after all", YES),
        ("yep, keep my hosting", YES),
        ("I changed my mind, don't cancel", YES),
        ("yeah go ahead and revoke it", YES),
        ("no no, leave it cancelled", NO),
        ("No, keep the cancellation", NO),
        ("no, don't revoke it", NO),
        ("nah I still want it cancelled", NO),
        ("hmm", None),
    ],
)
def test_revoke_answers(text, expected):
    assert read_yes_no(text, "revoke_confirmed") == expected


def test_keep_it_still_means_no_elsewhere():
    assert read_yes_no("no, keep it") == NO
    assert read_yes_no("I changed my mind") == NO


@pytest.mark.parametrize(
    "text, expected",
    [
        ("ok thank you", "thanks"),
        ("thx!", "thanks"),
        ("hello? are you still there?", "greet"),
        ("hi there", "greet"),
        ("ok", None),
        ("thanks, it's too expensive", None),
        ("no thanks", None),
    ],
)
def test_courtesy(text, expected):
    assert courtesy(text) == expected
