"""The offer question read against how it stands, a change of mind, emoji answers and a PIN
named in the first message (issue 10, dev2)."""

import pytest

from bot.rasa_redaction import mask_text
from contract.vocabulary.answers import (
    ACCEPT,
    DECLINE,
    NO,
    THINKING,
    UNCLEAR,
    YES,
    asks_about_offer,
    changes_mind,
    other_subject,
    read_offer_answer,
    read_yes_no,
)
from contract.vocabulary.identifiers import find_factor


@pytest.mark.parametrize(
    "text, expected",
    [
        # asked once: a plain yes takes the offer, a yes to cancelling declines it
        ("yes please", ACCEPT),
        ("yes go ahead", ACCEPT),
        ("ok fine, I'll take it", ACCEPT),
        ("yes, take the offer instead of cancelling", ACCEPT),
        ("yes cancel it", DECLINE),
        ("yes please proceed with the cancellation", DECLINE),
        ("ok go ahead and cancel", DECLINE),
        ("no thanks", DECLINE),
        ("not yet, one moment", DECLINE),
        ("what does it cost?", None),
    ],
)
def test_offer_answer_first_time(text, expected):
    assert read_offer_answer(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        # asked again after another answer: "go ahead" may mean the cancellation
        ("yes go ahead", UNCLEAR),
        ("yeah proceed", UNCLEAR),
        ("ok, continue", UNCLEAR),
        ("yes please", ACCEPT),
        ("yes I'll take the discount", ACCEPT),
        ("yes go ahead with the offer", ACCEPT),
        ("yes go ahead and cancel it", DECLINE),
        ("nah", DECLINE),
    ],
)
def test_offer_answer_asked_again(text, expected):
    assert read_offer_answer(text, asked_again=True) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        # the either/or question after an unclear yes
        ("the cancellation", DECLINE),
        ("cancel it please", DECLINE),
        ("the offer please", ACCEPT),
        ("I'll take the discount", ACCEPT),
        ("yes", UNCLEAR),
        ("no", DECLINE),
        ("hmm", None),
    ],
)
def test_offer_answer_either_or(text, expected):
    assert read_offer_answer(text, asked_again=True, clarifying=True) == expected


def test_backed_up_with_words_between_is_the_backup_subject():
    assert other_subject("yes I've backed everything up", "offer_response") == "backup_confirmed"
    assert read_yes_no("yes I've backed everything up", "offer_response") is None
    assert read_yes_no("yes I've backed everything up", "backup_confirmed") == YES
    assert read_offer_answer("yep I backed it all up") is None


@pytest.mark.parametrize(
    "text, expected",
    [("👍", YES), ("👍👍", YES), ("👌", YES), ("✅", YES), ("👎", NO), ("🤔", None), ("???", None)],
)
def test_emoji_answers(text, expected):
    assert read_yes_no(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("hmm actually no, I'll keep the service for now", True),
        ("actually wait, I changed my mind", True),
        ("I'd rather keep my website hosting", True),
        ("don't cancel it", True),
        ("no", False),
        ("not yet", False),
        ("keep my data safe please", False),
    ],
)
def test_change_of_mind(text, expected):
    assert changes_mind(text) is expected


def test_a_pin_named_next_to_the_account_is_taken_and_masked_in_storage():
    text = "acct 12345678 PIN 4821 - need to cancel the cloud backup"
    assert find_factor(text, asked=False) == "4821"
    assert "4821" not in (mask_text(text) or "")
    # a 4-digit part of an ID or an amount near the word is no PIN
    assert find_factor("pin? cancel SVC-6001 please", asked=False) is None
    assert find_factor("pin $1000", asked=False) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        # declines that only an offer gets (issue 10, dev5): none of them stops the cancellation
        ("maybe later", DECLINE),
        ("not right now, thanks", DECLINE),
        ("pausing is pointless, we won't be back", DECLINE),
        ("priority support won't fix your outages. no.", DECLINE),
        ("hmm, we've already decided", DECLINE),
        ("we're good thanks", DECLINE),
        # an acceptance that happens to hold such words still accepts
        ("ok I'll take it, it can't hurt", ACCEPT),
        ("deal", ACCEPT),
        ("sure, why not", ACCEPT),
        # time to think: no answer yet
        ("hmm let me think about it", THINKING),
        ("I'll get back to you", THINKING),
        ("ok I thought about it, I'll pass", DECLINE),
    ],
)
def test_offer_only_answers(text, expected):
    assert read_offer_answer(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("what's the catch?", True),
        ("how much would that be?", True),
        ("so what would I pay?", True),
        ("is there a contract?", True),
        ("how much is my final bill?", False),  # the final bill, not the offer
        ("no thanks", False),
        ("the price is too high", False),  # a reason, not a question
    ],
)
def test_questions_about_the_offer(text, expected):
    assert asks_about_offer(text) is expected
