"""Yes/no with extra words, reasons, confirmation numbers and money."""

from decimal import Decimal

import pytest

from backend import confirmation
from contract.vocabulary.answers import NO, NOT_YET, YES, is_bare_yes, looks_like_gibberish, read_yes_no
from contract.vocabulary.numbers import find_confirmation, format_money, parse_amount
from contract.vocabulary.reasons import find_reason


@pytest.mark.parametrize(
    "text, expected",
    [
        ("ok fine, I'll take the offer", YES),
        ("I'm back, yes it's all backed up", YES),
        ("ok no problem", YES),
        ("sure no problem", YES),
        ("fair enough", YES),
        ("yep go ahead", YES),
        ("not yet, one moment", NOT_YET),
        ("hold on, still copying files", NOT_YET),
        ("no thanks, we're leaving the country", NO),
        ("nah I'm good thanks", NO),
        ("no, the other one", NO),
        ("what does it cost?", None),
        ("skip", None),
    ],
)
def test_yes_no(text, expected):
    assert read_yes_no(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("we're relocating to Denver, new place has internet already", "moving"),
        ("no thanks, we're leaving the country", "moving"),
        ("meh too pricey", "price"),
        ("we dont really use it anymore", "not_using"),
        ("the calls keep dropping", "service_quality"),
        ("switching to another provider", "switching"),
        ("we're closing the shop", None),
        # the service moving elsewhere is a switch; the customer moving is a move
        ("we moved the site to squarespace", "switching"),
        ("they can port the number this week", "switching"),
        ("we moved to Denver last month", "moving"),
        ("we won't need the website after that", "not_using"),
    ],
)
def test_reasons(text, expected):
    assert find_reason(text) == expected


def test_confirmation_numbers_in_sentences_are_the_backend_format():
    number = confirmation.generate()
    assert find_confirmation(f"it's {number.lower()} from my first message") == number
    assert find_confirmation(f"number {number.replace('-', ' ')} please") == number
    assert confirmation.normalize(number.replace("-", "")) == number
    assert find_confirmation("please cancel everything now") is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("$49.50", Decimal("49.50")),
        ("about 1,250", Decimal("1250.00")),
        ("a refund of $25 please", Decimal("25.00")),
        ("nothing", None),
        ("$999,999,999.99", Decimal("999999999.99")),
        ("$1,000,000,000", None),  # more than a request may carry (contract.shapes.Amount)
    ],
)
def test_amounts(text, expected):
    assert parse_amount(text) == expected


def test_one_money_format():
    assert format_money("1850.4") == "$1,850.40"
    assert format_money(Decimal("9.99")) == "$9.99"
    assert format_money("-5.5") == "-$5.50"  # staff see credits this way (backend/handoff/words.py)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("I'm fine, no thanks", NO),
        ("hmm ok fine, I'll take the 20% off", YES),
        ("yes, no problem", YES),
        ("no worries, go ahead", YES),
        ("sure, no thanks", NO),
    ],
)
def test_yes_no_mixed(text, expected):
    assert read_yes_no(text) == expected


@pytest.mark.parametrize(
    "text, question, expected",
    [
        # a yes that names another question's subject is not a yes to the question asked
        ("yes all backed up", "offer_response", None),
        ("yep, my files are saved", "offer_response", None),
        ("yes I'll take the offer", "backup_confirmed", None),
        ("sure, the 20% off sounds good", "backup_confirmed", None),
        # its own subject, or no subject, is a yes to it
        ("yes all backed up", "backup_confirmed", YES),
        ("ok fine, I'll take the offer", "offer_response", YES),
        ("yes please", "offer_response", YES),
        ("yes please", "backup_confirmed", YES),
        # the summary's confirmation includes the backup: a yes naming it confirms
        ("yes all backed up, go ahead", "final_confirmation", YES),
        # a no stays a no (declining the offer goes on to the backup question)
        ("no thanks, all my data is saved", "offer_response", NO),
    ],
)
def test_yes_no_read_against_the_question(text, question, expected):
    assert read_yes_no(text, question) == expected


@pytest.mark.parametrize("text", ["yes", "ok sure", "yeah go ahead", "Yes!"])
def test_a_bare_yes(text):
    assert is_bare_yes(text)


@pytest.mark.parametrize("text", ["yes it's too expensive", "no", "moving", "not sure", "yes we moved"])
def test_not_a_bare_yes(text):
    assert not is_bare_yes(text)


@pytest.mark.parametrize("text", ["asdfjkl", "sdfghj", "qqqq", "qwerty", "lkjhg", "haha"])
def test_keyboard_mash(text):
    assert looks_like_gibberish(text)


@pytest.mark.parametrize(
    "text",
    ["moving", "divorce", "rhythm", "strengths", "liberty", "property", "price", "hmm", "too expensive"],
)
def test_words_are_no_keyboard_mash(text):
    assert not looks_like_gibberish(text)


@pytest.mark.parametrize("text, expected", [("not sure", None), ("not so sure", None), ("sure", YES)])
def test_not_sure_is_no_yes(text, expected):
    assert read_yes_no(text) == expected
