"""Questions about the question ("what?", "why do you need my zip?", "is this safe?", "what are
my options", "dunno"), ZIP+4, plain stops said twice over, and "after all" (issue 10, class 9)."""

import pytest

from actions.common import is_stop
from actions.listening import wants_all
from contract.vocabulary.answers import clarification
from contract.vocabulary.identifiers import find_factor


@pytest.mark.parametrize(
    "text, kind",
    [
        ("what?", "repeat"),
        ("huh", "repeat"),
        ("??", "repeat"),
        ("Sorry, what?", "repeat"),
        ("i dont understand", "repeat"),
        ("can you repeat that", "repeat"),
        ("what do you mean", "repeat"),
        ("why do you need my zip?", "why"),
        ("why are you asking", "why"),
        ("whats that for", "why"),
        ("is this safe? giving you my details here?", "safe"),
        ("is this chat secure?", "safe"),
        ("what are my options", "options"),
        ("what should i type?", "options"),
        ("dunno", "unsure"),
        ("i don't remember", "unsure"),
    ],
)
def test_questions_about_the_question(text, kind):
    assert clarification(text) == kind


@pytest.mark.parametrize(
    "text",
    [
        "price",
        "because it's too expensive",
        "what is the cancellation fee?",
        "why is it so expensive",
        "what happens to my data?",
        "no",
        "stop",
        "jo@x.example",
        "my zip is 02139",
        "end of billing period",
    ],
)
def test_answers_and_other_questions_are_not_about_the_question(text):
    assert clarification(text) is None


def test_a_zip_plus_4_is_its_zip():
    assert find_factor("02139-1234", asked=True) == "02139"
    assert find_factor("zip code is 02139-1234", asked=False) == "02139"
    # an account number written with a dash is no ZIP+4
    assert find_factor("3000-0451", asked=True) is None


@pytest.mark.parametrize("text", ["never mind, forget it", "ok stop please", "no, stop", "Forget it."])
def test_a_stop_said_twice_over_is_a_stop(text):
    assert is_stop(text)


@pytest.mark.parametrize("text", ["no", "stop the hosting", "no thanks", "forget it, cancel the hosting"])
def test_a_stop_with_more_is_no_plain_stop(text):
    assert not is_stop(text)


def test_after_all_is_not_all_of_them():
    assert not wants_all("sorry, i do want to cancel the cloud backup after all")
    assert not wants_all("not at all")
    assert wants_all("all of them")
    assert wants_all("both please")
