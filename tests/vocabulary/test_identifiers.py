"""Identifiers and factors: one rule for the action server and the backend."""

import pytest

from actions.identify import parse_identifier
from backend.contact import classify_identifier as backend_classify
from contract.vocabulary.identifiers import classify_identifier, find_factor, find_identifier


@pytest.mark.parametrize(
    "text, expected",
    [
        ("+1 (512) 555-0103", ("phone", "5125550103")),
        ("512.555.0103", ("phone", "5125550103")),
        ("15125550103", ("phone", "5125550103")),
        ("+1 555-010-0001", ("phone", "5550100001")),
        ("+44 20 7946 0958", ("phone", "442079460958")),
        ("10000001", ("account_number", "10000001")),
        ("1000 0001", ("account_number", "10000001")),
        ("Jo@X.Example", ("email", "jo@x.example")),
    ],
)
def test_whole_identifiers(text, expected):
    assert classify_identifier(text) == expected
    # the backend's classification is the same function: the two sides cannot disagree
    assert backend_classify(text) == expected


@pytest.mark.parametrize("text", ["1234567", "555-0103", "123456789", "hello", "jo@", ""])
def test_not_identifiers(text):
    assert classify_identifier(text) is None
    assert parse_identifier(text) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("sorry, I already said it: jo@x.example", "jo@x.example"),
        ("my number is +1 (512) 555-0103 thanks", "5125550103"),
        ("Hi, account 12345678, zip 02139, please cancel", "12345678"),
        ("it's 512 555 0103", "5125550103"),
        ("my cell is 512.555.0103", "5125550103"),
        ("acct # 1234 5678", "12345678"),
        ("JO@X.EXAMPLE.", "jo@x.example"),
        # a correction between two identifiers: the later one is meant
        ("my email is old@x.example, no wait sorry, it's jo@x.example", "jo@x.example"),
        ("512-555-0199, oops I mean 512-555-0103", "5125550103"),
        # no correction: the first, as before
        ("jo@x.example, copy to team@x.example", "jo@x.example"),
    ],
)
def test_identifiers_in_sentences(text, expected):
    assert find_identifier(text)[1] == expected
    assert parse_identifier(text) == expected


@pytest.mark.parametrize(
    "text, asked, expected",
    [
        ("02139", True, "02139"),
        ("the zip is 02139", True, "02139"),
        ("1111", True, "1111"),
        ("account 12345678, zip 02139", False, "02139"),
        ("account 12345678", False, None),
        ("my pin is 1234", False, "1234"),
        ("cancel my 2 services", True, None),
    ],
)
def test_factors(text, asked, expected):
    assert find_factor(text, asked=asked) == expected


def test_lone_zip_next_to_the_identifier():
    assert find_factor("jo@x.example 02139 cancel hosting", asked=False) == "02139"
    assert find_factor("jo@x.example cancel my 2 services", asked=False) is None
