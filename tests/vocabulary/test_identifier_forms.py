"""Identifiers typed loosely: spaces around an email's @, a ZIP next to the identifier after a
failed attempt (issue 10, dev7)."""

import pytest

from bot.rasa_redaction import mask_text
from contract.vocabulary.identifiers import classify_identifier, find_factor, find_identifier


@pytest.mark.parametrize(
    "text",
    [
        "jo.smith @ example.org",
        "jo.smith@ example.org",
        "Jo.Smith @Example.org",
        "it's jo.smith @ example.org thx",
    ],
)
def test_email_with_spaces_around_the_at(text):
    assert find_identifier(text) == ("email", "jo.smith@example.org")
    assert "jo.smith" not in mask_text(text).lower()


def test_spaced_email_as_a_whole_answer_and_a_non_email():
    assert classify_identifier("jo @ example.org") == ("email", "jo@example.org")
    assert find_identifier("see you @ noon. bye") is None


@pytest.mark.parametrize(
    "text, expected",
    [
        # a ZIP word without its number does not stop the lone ZIP next to the identifier
        ("sorry, wrong zip before. jo@example.org and 60614", "60614"),
        ("zip was wrong, jo@example.org 60614", "60614"),
        # a named one still wins; a PIN word keeps a 5-digit number from being the ZIP
        ("jo@example.org zip 60614", "60614"),
        ("jo@example.org my pin 12345", None),
    ],
)
def test_factor_next_to_the_identifier_after_a_failed_attempt(text, expected):
    assert find_factor(text, asked=False) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("60601 sorry, i mean 60614", "60614"),
        ("1234, no wait, 60614", "60614"),
        ("60614 or 1234", None),  # two factors and no correction: asked again
    ],
)
def test_a_corrected_factor_is_the_later_one(text, expected):
    assert find_factor(text, asked=True) == expected
