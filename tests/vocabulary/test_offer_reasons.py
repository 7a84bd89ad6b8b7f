"""Answers to the offer with second thoughts, questions about it, and the reason a decline gives
(not the offer's own words, not a denied category) (issue 10, dev7)."""

import pytest

from contract.vocabulary.answers import ACCEPT, DECLINE, asks_about_offer, read_offer_answer, takes_offer
from contract.vocabulary.reasons import find_reason, reason_in_offer_answer


@pytest.mark.parametrize(
    "text, expected",
    [
        # the answer after "wait" / "actually" replaces the one before
        ("nah... hang on, actually yes, I'll take the discount", ACCEPT),
        ("sure ok... on second thought no thanks", DECLINE),
        ("no. wait, actually, ok fine, I'll stay", ACCEPT),
        # a "wait" that is the whole answer is still read as it was
        ("no wait", DECLINE),
        ("not yet, wait a second", DECLINE),
    ],
)
def test_second_thoughts_in_one_answer(text, expected):
    assert read_offer_answer(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("is that on top of my current price?", True),
        ("would it be instead of what we pay today?", True),
        ("could you give me that for a year?", True),
        ("can I have it for 9 months instead of 3?", True),
        ("can you extend it?", True),
        ("can you do it now?", False),
        ("can i cancel it?", False),
    ],
)
def test_more_questions_about_the_offer(text, expected):
    assert asks_about_offer(text) is expected


@pytest.mark.parametrize(
    "text, title, expected",
    [
        # the offer's own plan or price cut is no reason
        ("yep, put us on flex then", "Move to the Flex plan with priority support", None),
        ("no, even with 25 percent less we can't use it", None, None),
        ("ok move me to the lite one", "Switch to the Lite plan", None),
        # a reason of its own in another clause still counts
        ("the discount is nice but we're relocating to Ohio", None, "moving"),
        ("no thanks, we signed with a competitor", "Switch to the Lite plan", "switching"),
    ],
)
def test_reason_in_offer_answer_leaves_out_the_offer(text, title, expected):
    assert reason_in_offer_answer(text, title) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("it isn't the cost, the server went down three times", "service_quality"),
        ("not really about money, we just don't need it", "not_using"),
        ("the website is down again", "service_quality"),
        ("the price is too high", "price"),
    ],
)
def test_a_denied_category_is_not_the_reason(text, expected):
    assert find_reason(text) == expected


def test_an_explicit_yes_to_the_offer_keeps_its_reason_from_declining():
    assert takes_offer("fine, I'll take the offer, money is tight anyway")
    assert not takes_offer("yes, we're moving anyway")
    assert not takes_offer("no thanks")


def test_the_offer_named_by_its_percentage_answers_the_either_or_question():
    assert read_offer_answer("alright, I'll go with the 20% then", clarifying=True) == ACCEPT
    assert read_offer_answer("yes I backed up 100% of it") is None  # the backup, not the offer


@pytest.mark.parametrize(
    "text, title, expected",
    [
        # a question that names the offer's own plan or pause is about the offer
        ("is flex any more reliable?", "Move to the Flex plan with priority support", True),
        ("can the pause be shorter?", "Pause your service for up to 3 months", True),
        ("does lite keep my email accounts?", "Switch to the Lite plan", True),
        ("can i cancel it?", "Pause your service for up to 3 months", False),
        ("ok, lite then", "Switch to the Lite plan", False),  # no question
    ],
)
def test_questions_naming_the_offer(text, title, expected):
    assert asks_about_offer(text, title) is expected


def test_a_no_after_a_question_mark_or_as_a_sentence_declines():
    assert read_offer_answer("Flex? no. the outages are the problem") == DECLINE
    assert read_offer_answer("a pause?? nah, we're gone for good") == DECLINE
    assert read_offer_answer("sure. no problem, I'll take it") == ACCEPT


def test_moving_the_service_to_another_platform_is_switching():
    assert find_reason("we migrated the shop to shopify") == "switching"


def test_the_offer_named_by_its_title_answers_the_either_or_question():
    title = "Pause your service for up to 3 months"
    assert read_offer_answer("alright yes, pause it then", clarifying=True, offer_title=title) == ACCEPT
    assert read_offer_answer("alright yes", clarifying=True, offer_title=title) == "unclear"
    assert takes_offer("yes, the pause, we might come back", title)
